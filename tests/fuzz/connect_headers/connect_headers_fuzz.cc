// Feeds "Name: value" lines to the CONNECT request and response parsers. Properties checked
// beyond "no crash": whatever parses also survives build -> parse again.

#include "fuzz/header_lines.h"
#include "proto/tunnel/connect_request.h"
#include "proto/tunnel/connect_response.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

using sekisho::proto::http::HeaderList;
namespace tunnel = sekisho::proto::tunnel;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  HeaderList headers = sekisho::fuzz::HeaderLines(text);

  auto request = tunnel::ParseConnectRequest(headers);
  if (request.has_value()) {
    auto rebuilt = tunnel::BuildConnectRequestHeaders(*request, "cookie", "host");
    if (!tunnel::ParseConnectRequest(rebuilt).has_value()) {
      __builtin_trap();
    }
  }

  auto response = tunnel::ParseConnectResponse(headers);
  if (response.has_value()) {
    auto again = tunnel::ParseConnectResponse(tunnel::BuildConnectResponseHeaders(*response));
    if (!again.has_value() || again->mtu != response->mtu || again->address != response->address ||
        again->address_ip6 != response->address_ip6 || again->banner != response->banner ||
        again->dtls.has_value() != response->dtls.has_value()) {
      __builtin_trap();
    }
  }
  return 0;
}

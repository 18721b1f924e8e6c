// Feeds "Name: value" lines to the CONNECT request and response parsers. Properties checked
// beyond "no crash": whatever parses also survives build -> parse again.

#include "proto/tunnel/connect_request.h"
#include "proto/tunnel/connect_response.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using sekisho::proto::http::HeaderList;
namespace tunnel = sekisho::proto::tunnel;

HeaderList SplitIntoHeaders(std::string_view text) {
  HeaderList headers;
  while (!text.empty()) {
    auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    auto colon = line.find(':');
    // An HTTP parser never yields CR or NUL inside a field; the builder would rewrite them.
    if (colon == std::string_view::npos ||
        line.find_first_of(std::string_view("\r\0", 2)) != std::string_view::npos) {
      continue;
    }
    std::string_view value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
    headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
  }
  return headers;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  HeaderList headers = SplitIntoHeaders(text);

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

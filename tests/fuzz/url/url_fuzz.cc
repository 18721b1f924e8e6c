// The URL a user types (or a gateway redirects to) and percent-decoding: ParseUrl must accept
// or refuse without crashing, and what it accepts must survive a round trip through
// ToString(); PercentDecode must invert PercentEncode for every input.
#include "base/encoding.h"
#include "proto/http/url.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace http = sekisho::proto::http;

namespace {

void CheckUrlRoundTrip(std::string_view text) {
  auto url = http::ParseUrl(text);
  if (!url.has_value()) {
    return;
  }
  auto again = http::ParseUrl(url->ToString());
  if (!again.has_value() || again->host != url->host || again->port != url->port ||
      again->path != url->path) {
    __builtin_trap();
  }
  (void)http::HostHeader(*url);
}

void CheckPercentRoundTrip(std::string_view text) {
  for (bool keep_slash : {false, true}) {
    auto decoded = sekisho::PercentDecode(sekisho::PercentEncode(text, keep_slash), false);
    if (!decoded.has_value() || *decoded != text) {
      __builtin_trap();
    }
  }
  (void)sekisho::PercentDecode(text, true);
  (void)sekisho::PercentDecode(text, false);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckUrlRoundTrip(text);
  CheckPercentRoundTrip(text);
  return 0;
}

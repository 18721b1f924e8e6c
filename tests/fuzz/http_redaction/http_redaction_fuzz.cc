// Feeds gateway bytes to the --dump-http-traffic redaction (client/http_redaction.h): the
// first line is a header block ("Name: value" lines up to a blank line), the rest the body.
// Properties checked beyond "no crash": a secret planted in a <session-token> or a Set-Cookie
// value never survives, whatever surrounds it.

#include "client/http_redaction.h"
#include "fuzz/header_lines.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace client = sekisho::client;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::size_t split = text.find("\n\n");
  sekisho::proto::http::HttpResponse response;
  response.headers = sekisho::fuzz::HeaderLines(text.substr(0, split));
  response.body = split == std::string_view::npos ? std::string() : std::string(text.substr(split));
  (void)client::RedactedResponseDump(response, {});

  sekisho::proto::http::HttpRequest request;
  request.method = "POST";
  request.target = "/";
  request.headers = response.headers;
  request.body = response.body;
  (void)client::RedactedRequestDump(request, {});
  (void)client::RedactFormBody(response.body);

  // Planted secret: only checked when the input does not contain it already (then any
  // occurrence in the output can only come from the planted copy).
  constexpr std::string_view kPlanted = "PLANTED-SECRET-7f3a";
  if (text.find(kPlanted) != std::string_view::npos) {
    return 0;
  }
  std::string planted = response.body;
  // Closing every element the input opened is out of reach; put the token where the input
  // cannot have opened a tag that hides it: after the end of any unterminated markup.
  if (planted.find('<') == std::string::npos) {
    planted += "<session-token>" + std::string(kPlanted) + "</session-token>";
    if (client::RedactXmlBody(planted, false).find(kPlanted) != std::string::npos) {
      __builtin_trap();
    }
  }
  std::string cookie = std::string(text.substr(0, 64)) + "=" + std::string(kPlanted);
  if (cookie.find(';') == std::string::npos &&
      client::RedactHeaderValue("Set-Cookie", cookie).find(kPlanted) != std::string::npos) {
    __builtin_trap();
  }
  return 0;
}

#include "proto/http/url.h"

#include "base/strings.h"

namespace sekisho::proto::http {
namespace {

constexpr std::string_view kSchemeSep = "://";

bool IsValidHostChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '-' ||
         c == '.' || c == '_';
}

}  // namespace

Result<Url> ParseUrl(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return Fail(Errc::kMalformed, "URL contains whitespace or control characters");
    }
  }
  Url url;
  std::string_view rest = text;
  const std::size_t sep = rest.find(kSchemeSep);
  if (sep != std::string_view::npos) {
    const std::string_view scheme = rest.substr(0, sep);
    if (!EqualsIgnoreCase(scheme, "https")) {
      return Fail(Errc::kUnsupported, "only https URLs are supported");
    }
    rest.remove_prefix(sep + kSchemeSep.size());
  }
  if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  const std::size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  if (path_start != std::string_view::npos) {
    const std::string_view path = rest.substr(path_start);
    url.path = path.front() == '/' ? std::string(path) : "/" + std::string(path);
  }
  if (authority.find('@') != std::string_view::npos) {
    return Fail(Errc::kMalformed, "userinfo in URL is not supported");
  }

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Fail(Errc::kMalformed, "unterminated IPv6 literal");
    }
    const std::string_view literal = authority.substr(1, close - 1);
    if (literal.empty() ||
        literal.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) {
      return Fail(Errc::kMalformed, "bad IPv6 literal");
    }
    url.host = std::string(literal);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return Fail(Errc::kMalformed, "junk after IPv6 literal");
      }
      port_text = after.substr(1);
      if (port_text.empty()) {
        return Fail(Errc::kMalformed, "empty port");
      }
    }
  } else {
    const std::size_t colon = authority.find(':');
    const std::string_view host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) {
        return Fail(Errc::kMalformed, "empty port");
      }
    }
    if (host.empty()) {
      return Fail(Errc::kMalformed, "empty host");
    }
    for (char c : host) {
      if (!IsValidHostChar(c)) {
        return Fail(Errc::kMalformed, "bad character in host");
      }
    }
    url.host = std::string(host);
  }
  if (!port_text.empty()) {
    std::optional<std::uint64_t> port = ParseUint(port_text, 65535);
    if (!port || *port == 0) {
      return Fail(Errc::kMalformed, "bad port");
    }
    url.port = static_cast<std::uint16_t>(*port);
  }
  return url;
}

std::string HostHeader(const Url& url) {
  std::string out;
  if (url.host.find(':') != std::string::npos) {
    out = "[" + url.host + "]";
  } else {
    out = url.host;
  }
  if (url.port != 443) {
    out += ":" + std::to_string(url.port);
  }
  return out;
}

std::string Url::ToString() const { return scheme + "://" + HostHeader(*this) + path; }

}  // namespace sekisho::proto::http

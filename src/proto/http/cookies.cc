#include "proto/http/cookies.h"

#include "base/strings.h"

#include <cctype>

namespace sekisho::proto::http {
namespace {

// Finds a 4-digit year in an HTTP date ("Thu, 01 Jan 1970 22:00:00 GMT", or the
// "01-Jan-1970" form): the first run of exactly four digits.
std::optional<std::uint64_t> FindYear(std::string_view date) {
  std::size_t i = 0;
  while (i < date.size()) {
    if (std::isdigit(static_cast<unsigned char>(date[i])) == 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < date.size() && std::isdigit(static_cast<unsigned char>(date[j])) != 0) {
      ++j;
    }
    if (j - i == 4) {
      return ParseUint(date.substr(i, 4));
    }
    i = j;
  }
  return std::nullopt;
}

std::optional<long long> ParseMaxAge(std::string_view s) {
  bool negative = false;
  if (!s.empty() && s.front() == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  std::optional<std::uint64_t> v = ParseUint(s, 1ull << 40);
  if (!v) {
    return std::nullopt;
  }
  const auto magnitude = static_cast<long long>(*v);
  return negative ? -magnitude : magnitude;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ParseCookieHeader(std::string_view value) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::string_view piece : Split(value, ';', /*skip_empty=*/true)) {
    const std::size_t eq = piece.find('=');
    if (eq == std::string_view::npos) {
      continue;
    }
    const std::string_view name = TrimWhitespace(piece.substr(0, eq));
    if (name.empty()) {
      continue;
    }
    out.emplace_back(std::string(name), std::string(TrimWhitespace(piece.substr(eq + 1))));
  }
  return out;
}

std::optional<std::string> FindCookie(const HttpRequest& request, std::string_view name) {
  for (std::string_view header : request.FindAll("Cookie")) {
    for (auto& [n, v] : ParseCookieHeader(header)) {
      if (n == name) {
        return std::move(v);
      }
    }
  }
  return std::nullopt;
}

Result<SetCookie> ParseSetCookie(std::string_view value) {
  std::vector<std::string_view> parts = Split(value, ';');
  const std::string_view pair = parts.empty() ? std::string_view() : parts.front();
  const std::size_t eq = pair.find('=');
  if (eq == std::string_view::npos) {
    return Fail(Errc::kMalformed, "Set-Cookie without name=value");
  }
  SetCookie cookie;
  cookie.name = std::string(TrimWhitespace(pair.substr(0, eq)));
  if (cookie.name.empty()) {
    return Fail(Errc::kMalformed, "Set-Cookie with an empty name");
  }
  cookie.value = std::string(TrimWhitespace(pair.substr(eq + 1)));
  cookie.expired = cookie.value.empty();
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::string_view attr = TrimWhitespace(parts[i]);
    const std::size_t attr_eq = attr.find('=');
    const std::string_view attr_name = TrimWhitespace(attr.substr(0, attr_eq));
    const std::string_view attr_value = attr_eq == std::string_view::npos
                                            ? std::string_view()
                                            : TrimWhitespace(attr.substr(attr_eq + 1));
    if (EqualsIgnoreCase(attr_name, "Max-Age")) {
      cookie.max_age = ParseMaxAge(attr_value);
      if (cookie.max_age && *cookie.max_age <= 0) {
        cookie.expired = true;
      }
    } else if (EqualsIgnoreCase(attr_name, "Expires")) {
      std::optional<std::uint64_t> year = FindYear(attr_value);
      if (year && *year <= 1970) {
        cookie.expired = true;
      }
    }
  }
  return cookie;
}

std::string BuildSetCookie(std::string_view name, std::string_view value,
                           std::optional<int> max_age) {
  std::string out;
  out.reserve(name.size() + value.size() + 40);
  out.append(name);
  out.push_back('=');
  out.append(value);
  if (max_age) {
    out.append("; Max-Age=");
    out.append(std::to_string(*max_age));
  }
  out.append("; Secure; HttpOnly");
  return out;
}

}  // namespace sekisho::proto::http

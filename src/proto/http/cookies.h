#pragma once
// Cookie and Set-Cookie handling at the level AnyConnect peers use it (anyconnect.md §2.1,
// §2.3, §2.4): name=value pairs only, attributes after ';' are ignored except to notice that
// a cookie is being deleted. No domain/path logic.
//
// Cookie values such as webvpn are session tokens: callers wrap them in SecretString as soon
// as they leave this module. Error contexts here never contain a value.

#include "base/result.h"
#include "proto/http/message.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sekisho::proto::http {

// Parses a Cookie header value "a=1; b=2" into pairs, in order. Whitespace around names and
// values is trimmed; a value keeps any '=' after the first (base64 padding); pieces without
// '=' or with an empty name are skipped.
std::vector<std::pair<std::string, std::string>> ParseCookieHeader(std::string_view value);

// The value of the first cookie called `name` (case-sensitive, as cookie names are) in any of
// the request's Cookie headers, or nullopt.
std::optional<std::string> FindCookie(const HttpRequest& request, std::string_view name);

struct SetCookie {
  std::string name;
  std::string value;
  // Max-Age <= 0, an Expires date in 1970 or earlier, or an empty value: the gateway is
  // deleting the cookie (ocserv's "webvpnc=; expires=Thu, 01 Jan 1970 ...").
  bool expired = false;
  std::optional<long long> max_age;
};

// Parses one Set-Cookie header value.
// Errors: kMalformed when there is no '=' before the first ';' or the name is empty (ignore
// that header).
Result<SetCookie> ParseSetCookie(std::string_view value);

// "name=value; Max-Age=N; Secure; HttpOnly" (Max-Age only when given), ocserv's format.
// REQUIRES: name and value contain no ';', ',', whitespace or control characters (base64 and
// the webvpnc key:value lists qualify).
std::string BuildSetCookie(std::string_view name, std::string_view value,
                           std::optional<int> max_age = std::nullopt);

}  // namespace sekisho::proto::http

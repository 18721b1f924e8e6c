#pragma once
// CookieJar: the client's cookie store during login, the downloader and CONNECT
// (anyconnect.md §2.1, §2.4). Name → value only, the way openconnect keeps them: attributes
// (path, domain, Secure) are ignored, an expired Set-Cookie deletes the cookie, a repeated name
// replaces the value in place (so the Cookie header keeps first-seen order, as in the traces:
// "webvpncontext=...; webvpn=...; webvpnc=...").
// One jar holds the cookies of one gateway (host and port): when a redirect moves the login to
// another host, AuthDialogue clears it, as openconnect does, so no cookie of the first host is
// ever sent to the second (anyconnect.md §2.7).
//
// Every value is a secret (webvpn is the session token): values are stored as SecretString and
// nothing here logs. HeaderValue() reveals them on purpose, for the Cookie header only.
// Not thread-safe; no I/O.

#include "base/redacted.h"
#include "proto/http/message.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sekisho::client {

class CookieJar {
 public:
  // Applies one Set-Cookie header value: stores or replaces name=value, or deletes the cookie
  // when the header expires it (Max-Age <= 0, a 1970 Expires, an empty value). Returns false
  // (and changes nothing) for a malformed header, which the caller ignores like openconnect.
  bool ApplySetCookie(std::string_view header_value);

  // Applies every Set-Cookie header of `response`, in order.
  void ApplyResponse(const proto::http::HttpResponse& response);

  // Stores a cookie directly (e.g. webvpn from --cookie-on-stdin). An empty value deletes it.
  void Set(std::string_view name, SecretString value);
  void Remove(std::string_view name);
  void Clear();

  // The value of cookie `name` (case-sensitive), or nullptr. Valid until the next mutation.
  const SecretString* Get(std::string_view name) const;

  // "a=1; b=2" over every cookie in first-seen order; empty when the jar is empty (then send
  // no Cookie header). CONTAINS SECRETS: put it in a header, never in a log line.
  std::string HeaderValue() const;

  bool empty() const { return cookies_.empty(); }
  std::size_t size() const { return cookies_.size(); }

 private:
  std::vector<std::pair<std::string, SecretString>> cookies_;
};

}  // namespace sekisho::client

#pragma once
// The gateway URL a user types: https only (AnyConnect runs over TLS, anyconnect.md §1.1).
//
//   ParseUrl("https://vpn.example.com:4443/group")  -> {https, vpn.example.com, 4443, /group}
//   ParseUrl("vpn.example.com")                     -> {https, vpn.example.com, 443, /}
//   ParseUrl("https://[2001:db8::1]/")              -> host "2001:db8::1" (no brackets)

#include "base/result.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace sekisho::proto::http {

struct Url {
  std::string scheme = "https";
  std::string host;  // IPv6 literals without brackets
  std::uint16_t port = 443;
  std::string path = "/";  // always starts with '/'; includes any query; no fragment

  // "https://host[:port]/path", brackets around IPv6 literals, port omitted when 443.
  std::string ToString() const;
};

// Parses an absolute https URL, or a bare "host[:port][/path]" taken as https (what users
// type, as openconnect accepts). The scheme is matched case-insensitively and stored
// lower-case; a fragment is dropped.
// Errors: kUnsupported for a scheme other than https; kMalformed for an empty or invalid host,
// userinfo ("user@"), a bad port (not 1..65535), or whitespace/control characters.
Result<Url> ParseUrl(std::string_view text);

// The Host header value: host, or host:port when port != 443, IPv6 literals in brackets
// (anyconnect.md §2.1).
std::string HostHeader(const Url& url);

}  // namespace sekisho::proto::http

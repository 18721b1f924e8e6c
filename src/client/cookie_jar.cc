#include "client/cookie_jar.h"

#include "proto/http/cookies.h"

#include <algorithm>

namespace sekisho::client {

bool CookieJar::ApplySetCookie(std::string_view header_value) {
  auto parsed = proto::http::ParseSetCookie(header_value);
  if (!parsed) {
    return false;
  }
  if (parsed->expired) {
    Remove(parsed->name);
  } else {
    Set(parsed->name, SecretString(std::move(parsed->value)));
  }
  return true;
}

void CookieJar::ApplyResponse(const proto::http::HttpResponse& response) {
  for (std::string_view value : response.FindAll("Set-Cookie")) {
    ApplySetCookie(value);
  }
}

void CookieJar::Set(std::string_view name, SecretString value) {
  if (value.empty()) {
    Remove(name);
    return;
  }
  for (auto& [n, v] : cookies_) {
    if (n == name) {
      // Replaced in place: openconnect keeps the first-seen order in its Cookie header.
      v = std::move(value);
      return;
    }
  }
  cookies_.emplace_back(std::string(name), std::move(value));
}

void CookieJar::Remove(std::string_view name) {
  std::erase_if(cookies_, [&](const auto& c) { return c.first == name; });
}

void CookieJar::Clear() { cookies_.clear(); }

const SecretString* CookieJar::Get(std::string_view name) const {
  for (const auto& [n, v] : cookies_) {
    if (n == name) {
      return &v;
    }
  }
  return nullptr;
}

std::string CookieJar::HeaderValue() const {
  std::string out;
  for (const auto& [n, v] : cookies_) {
    if (!out.empty()) {
      out += "; ";
    }
    out += n;
    out += '=';
    out += v.reveal();
  }
  return out;
}

}  // namespace sekisho::client

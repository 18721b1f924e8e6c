#include "client/profile_cache.h"

#include "base/bytes.h"
#include "base/encoding.h"
#include "base/strings.h"
#include "client/xdg_paths.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <array>

namespace sekisho::client {
namespace {

constexpr std::size_t kMaxProfileSize = 4u << 20;

bool SafeNameByte(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

bool IsMandatory(const proto::auth::ProfileEntry& entry, DownloadPolicy policy) {
  return policy == DownloadPolicy::kRequired && !entry.sha1.empty();
}

Result<std::string> ProfileFileName(std::string_view uri) {
  std::string_view path = uri.substr(0, uri.find_first_of("?#"));
  // ocserv's webvpnc form is "profiles%2F/tmp/x.xml": decode first so "%2F" separates too.
  std::string decoded = PercentDecode(path, /*plus_is_space=*/false).value_or(std::string(path));
  const std::size_t slash = decoded.rfind('/');
  std::string name = slash == std::string::npos ? decoded : decoded.substr(slash + 1);
  for (char& c : name) {
    if (!SafeNameByte(c)) {
      c = '_';
    }
  }
  // No hidden files, and never "." or "..".
  for (char& c : name) {
    if (c != '.') {
      break;
    }
    c = '_';
  }
  if (name.empty() || name.find_first_not_of('_') == std::string::npos) {
    return Fail(Errc::kMalformed, "profile URI has no usable file name: " + std::string(uri));
  }
  return name;
}

std::string Sha1Hex(std::string_view data) {
  std::array<std::uint8_t, 20> digest{};
  gnutls_hash_fast(GNUTLS_DIG_SHA1, data.data(), data.size(), digest.data());
  return HexEncode(ByteSpan(digest.data(), digest.size()), HexCase::kUpper);
}

ProfileCache::ProfileCache(std::string gateway_dir, proto::http::Url base_url,
                           std::string_view subdir)
    : profiles_dir_(std::move(gateway_dir) + "/" + std::string(subdir)),
      base_url_(std::move(base_url)) {}

Result<std::string> ProfileCache::LocalPath(const proto::auth::ProfileEntry& entry) const {
  SEKISHO_ASSIGN_OR_RETURN(std::string name, ProfileFileName(entry.uri));
  return profiles_dir_ + "/" + name;
}

bool ProfileCache::NeedsDownload(const proto::auth::ProfileEntry& entry) const {
  if (entry.sha1.empty()) {
    return false;
  }
  auto path = LocalPath(entry);
  if (!path) {
    return false;
  }
  auto content = ReadFileIfExists(*path, kMaxProfileSize);
  if (!content || !content->has_value()) {
    return true;
  }
  return !EqualsIgnoreCase(Sha1Hex(**content), TrimWhitespace(entry.sha1));
}

Result<void> ProfileCache::StoreDownloaded(const proto::auth::ProfileEntry& entry,
                                           std::string_view body) const {
  SEKISHO_ASSIGN_OR_RETURN(std::string path, LocalPath(entry));
  if (entry.sha1.empty()) {
    return Fail(Errc::kMalformed, "profile " + entry.uri + " has no announced SHA-1");
  }
  if (!EqualsIgnoreCase(Sha1Hex(body), TrimWhitespace(entry.sha1))) {
    return Fail(Errc::kMalformed,
                "downloaded profile " + entry.uri + " does not match its announced SHA-1");
  }
  return WriteFileAtomic(path, body, 0600);
}

Result<std::string> ProfileCache::RequestTarget(const proto::auth::ProfileEntry& entry) const {
  std::string_view uri = TrimWhitespace(entry.uri);
  if (uri.empty()) {
    return Fail(Errc::kMalformed, "empty profile URI");
  }
  if (uri.find("://") != std::string_view::npos) {
    auto url = proto::http::ParseUrl(uri);
    if (!url) {
      return Fail(Errc::kUnsupported, "profile URI not on this gateway: " + std::string(uri));
    }
    if (!EqualsIgnoreCase(url->host, base_url_.host) || url->port != base_url_.port) {
      return Fail(Errc::kUnsupported, "profile URI on another server: " + url->ToString());
    }
    return url->path;
  }
  if (uri.front() == '/') {
    return std::string(uri);
  }
  std::string_view base = base_url_.path;
  base = base.substr(0, base.find('?'));
  const std::size_t slash = base.rfind('/');
  std::string out(slash == std::string_view::npos ? std::string_view("/")
                                                  : base.substr(0, slash + 1));
  out += uri;
  return out;
}

}  // namespace sekisho::client

#include "gateway/profile_store.h"

#include "base/encoding.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <array>
#include <fstream>
#include <sstream>

namespace sekisho::gateway {
namespace {

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Fail(Errc::kConfig, "cannot read " + path);
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string BaseName(std::string_view path) {
  auto slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace

std::string Sha1HexUpper(std::string_view data) {
  std::array<std::uint8_t, 20> digest{};
  gnutls_hash_fast(GNUTLS_DIG_SHA1, data.data(), data.size(), digest.data());
  return HexEncode(digest, HexCase::kUpper);
}

Result<ProfileStore> ProfileStore::Load(const GatewayConfig& config) {
  ProfileStore store;
  for (const GroupConfig& group : config.groups) {
    if (!group.profile || group.profile->empty()) {
      continue;
    }
    std::string name = BaseName(*group.profile);
    auto existing = store.by_name_.find(name);
    if (existing == store.by_name_.end()) {
      auto content = ReadWholeFile(*group.profile);
      if (!content) {
        return Fail(Errc::kConfig, "group " + group.name + ": " + content.error().context);
      }
      auto file = std::make_shared<ServedFile>();
      file->name = name;
      file->uri = std::string(kProfilePrefix) + name;
      file->sha1_hex_upper = Sha1HexUpper(*content);
      file->content = std::move(*content);
      existing = store.by_name_.emplace(name, std::move(file)).first;
    }
    store.by_group_.emplace(group.name, existing->second);
  }
  for (const DownloadFile& download : config.downloads.files) {
    auto content = ReadWholeFile(download.path);
    if (!content) {
      return Fail(Errc::kConfig, "downloads." + download.name + ": " + content.error().context);
    }
    auto file = std::make_shared<ServedFile>();
    file->name = download.name;
    file->uri = std::string(kDownloadPrefix) + download.name;
    file->sha1_hex_upper = Sha1HexUpper(*content);
    file->content = std::move(*content);
    file->every_group = true;
    store.downloads_by_name_.emplace(download.name, file);
    store.downloads_.push_back(std::move(file));
  }
  return store;
}

bool ProfileStore::MayServe(const ServedFile& file, std::string_view group) const {
  return file.every_group || ForGroup(group) == &file;
}

const ServedFile* ProfileStore::ForGroup(std::string_view group) const {
  auto it = by_group_.find(group);
  return it == by_group_.end() ? nullptr : it->second.get();
}

const ServedFile* ProfileStore::ForPath(std::string_view target) const {
  auto decoded = PercentDecode(target, false);
  if (!decoded) {
    return nullptr;
  }
  std::string_view path = *decoded;
  if (auto query = path.find('?'); query != std::string_view::npos) {
    path = path.substr(0, query);
  }
  // openconnect appends ":<port>" to the path when the port is not 443 (§4.1).
  if (auto colon = path.rfind(':'); colon != std::string_view::npos) {
    std::string_view tail = path.substr(colon + 1);
    if (!tail.empty() && tail.find_first_not_of("0123456789") == std::string_view::npos) {
      path = path.substr(0, colon);
    }
  }
  if (path.starts_with(kDownloadPrefix)) {
    auto it = downloads_by_name_.find(path.substr(kDownloadPrefix.size()));
    return it == downloads_by_name_.end() ? nullptr : it->second.get();
  }
  if (!path.starts_with(kProfilePrefix)) {
    return nullptr;
  }
  auto it = by_name_.find(path.substr(kProfilePrefix.size()));
  return it == by_name_.end() ? nullptr : it->second.get();
}

}  // namespace sekisho::gateway

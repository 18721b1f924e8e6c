#pragma once
// ProfileStore: the files the downloader phase serves (anyconnect.md §4): AnyConnect XML profiles
// configured per group, with the SHA-1 announced in `vpn-profile-manifest`, and the [downloads]
// files offered to every group, announced in `vpn-core-manifest` with their SHA-1. Files are
// read and hashed once at start-up, so the hash always matches the bytes served (§4.3).

#include "base/result.h"
#include "gateway/config.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho::gateway {

struct ServedFile {
  std::string name;  // file name under the profile URI prefix, e.g. "eng.xml"
  std::string uri;   // "/CACHE/stc/profiles/eng.xml"
  std::string content;
  std::string sha1_hex_upper;
  bool every_group = false;  // a [downloads] file: served to every session
};

class ProfileStore {
 public:
  static constexpr std::string_view kProfilePrefix = "/CACHE/stc/profiles/";
  // Under the base package URI (/CACHE/stc/1) where Cisco's packages live.
  static constexpr std::string_view kDownloadPrefix = "/CACHE/stc/1/downloads/";

  // Loads every group's profile and every [downloads] file. Errors: kConfig (unreadable file),
  // naming the group or download and the path.
  static Result<ProfileStore> Load(const GatewayConfig& config);

  // The [downloads] files, in configuration order.
  const std::vector<std::shared_ptr<const ServedFile>>& downloads() const { return downloads_; }
  // Whether a session of `group` may GET `file`: its group's profile, or any download.
  bool MayServe(const ServedFile& file, std::string_view group) const;

  // The profile a group announces, or nullptr.
  const ServedFile* ForGroup(std::string_view group) const;
  // Looks up a downloader path. Tolerates openconnect's quirks (decision #18): a trailing
  // ":<port>" appended to the path and %-encoded slashes.
  const ServedFile* ForPath(std::string_view target) const;

 private:
  std::map<std::string, std::shared_ptr<ServedFile>, std::less<>> by_name_;
  std::map<std::string, std::shared_ptr<ServedFile>, std::less<>> by_group_;
  std::map<std::string, std::shared_ptr<const ServedFile>, std::less<>> downloads_by_name_;
  std::vector<std::shared_ptr<const ServedFile>> downloads_;
};

// Uppercase hex SHA-1 of `data` (the Cisco manifest and server-cert-hash format).
std::string Sha1HexUpper(std::string_view data);

}  // namespace sekisho::gateway

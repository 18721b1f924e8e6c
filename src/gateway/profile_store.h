#pragma once
// ProfileStore: the files the downloader phase serves (anyconnect.md §4): AnyConnect XML profiles
// configured per group, with the SHA-1 announced in `vpn-profile-manifest`. Files are read and
// hashed once at start-up (and on reload), so the hash always matches the bytes served (§4.3).

#include "base/result.h"
#include "gateway/config.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace sekisho::gateway {

struct ServedFile {
  std::string name;  // file name under the profile URI prefix, e.g. "eng.xml"
  std::string uri;   // "/CACHE/stc/profiles/eng.xml"
  std::string content;
  std::string sha1_hex_upper;
};

class ProfileStore {
 public:
  static constexpr std::string_view kProfilePrefix = "/CACHE/stc/profiles/";

  // Loads every group's profile. Errors: kConfig (unreadable file), naming the group and path.
  static Result<ProfileStore> Load(const GatewayConfig& config);

  // The profile a group announces, or nullptr.
  const ServedFile* ForGroup(std::string_view group) const;
  // Looks up a downloader path. Tolerates openconnect's quirks (decision #18): a trailing
  // ":<port>" appended to the path and %-encoded slashes.
  const ServedFile* ForPath(std::string_view target) const;

 private:
  std::map<std::string, std::shared_ptr<ServedFile>, std::less<>> by_name_;
  std::map<std::string, std::shared_ptr<ServedFile>, std::less<>> by_group_;
};

// Uppercase hex SHA-1 of `data` (the Cisco manifest and server-cert-hash format).
std::string Sha1HexUpper(std::string_view data);

}  // namespace sekisho::gateway

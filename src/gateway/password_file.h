#pragma once
// Users and password hashes from a file in ocserv's `ocpasswd` format, so Debian's ocpasswd
// can manage it:
//
//   # comment
//   alice:*:$5$salt$hash               any group
//   bob:staff,admins:$y$j9T$salt$hash  only these groups
//   carol:staff:!$6$salt$hash          locked (ocpasswd -l): never authenticates
//
// Hashes are crypt(3) strings (SHA-256 `$5$`, SHA-512 `$6$`, yescrypt `$y$`, whatever the
// system libcrypt supports), verified with crypt_rn. Loading does file I/O; Verify does not.
// Not thread-safe: use from the thread that owns the authentication front.

#include "base/redacted.h"
#include "base/result.h"

#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho::gateway {

class PasswordFile {
 public:
  // An empty file (no users).
  PasswordFile() = default;

  // Reads and parses `path`.
  // Errors: kIo when the file cannot be read; kConfig ("path:line: ...") for a malformed line
  // (missing fields, empty user name, duplicate user). The caller refuses to start.
  static Result<PasswordFile> Load(const std::string& path);
  // Parses file contents (tests, and Load). `source` only labels error messages.
  static Result<PasswordFile> Parse(std::string_view text, std::string_view source);

  // Re-reads the file when its modification time or size changed since the last load, so
  // admins can add users with ocpasswd without a restart. Returns true when reloaded.
  // Errors: as Load; the previous contents stay in effect, the caller logs and carries on.
  // REQUIRES: created by Load.
  Result<bool> ReloadIfChanged();

  // Checks a password. Errors: kAuthFailed for an unknown user, a locked user or a wrong
  // password (deliberately indistinguishable; crypt runs in every case so that timing does
  // not reveal which users exist). The caller shows the login form again and counts a
  // failure for the throttle.
  Result<void> Verify(std::string_view user, const SecretString& password) const;

  // The groups listed for `user`; empty when the user may use any group ("*") or is unknown.
  std::vector<std::string> GroupsOf(std::string_view user) const;
  // True when the user exists and has "*" or lists `group`.
  bool UserMayUseGroup(std::string_view user, std::string_view group) const;
  bool HasUser(std::string_view user) const;
  // True when the user exists and is locked (hash prefixed with '!', `ocpasswd -l`). Used for
  // certificate logins, which never call Verify.
  bool IsLocked(std::string_view user) const;
  std::size_t user_count() const { return entries_.size(); }

 private:
  struct Entry {
    std::string user;
    std::vector<std::string> groups;  // empty = any
    SecretString hash;                // without the lock marker
    bool locked = false;
  };
  const Entry* Find(std::string_view user) const;

  std::vector<Entry> entries_;
  std::map<std::string, std::size_t, std::less<>> index_;  // user -> entries_ position
  // A hash of the same kind as the real ones, checked for unknown users to spend equal time.
  SecretString dummy_hash_;
  std::string path_;
  std::timespec mtime_{};
  std::int64_t size_ = -1;
};

}  // namespace sekisho::gateway

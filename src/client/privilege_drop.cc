#include "client/privilege_drop.h"

#include "base/strings.h"

#include <cerrno>
#include <cstring>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>
#include <vector>

namespace sekisho::client {
namespace {

Error ErrnoError(const char* what) {
  return Error{Errc::kPermission, std::string(what) + ": " + std::strerror(errno)};
}

}  // namespace

Result<TargetUser> LookUpUser(const std::string& user) {
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  int rc = ::getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (rc == 0 && found == nullptr) {
    if (auto numeric = ParseUint(user, 0xfffffffeU)) {
      rc = ::getpwuid_r(static_cast<uid_t>(*numeric), &entry, buffer.data(), buffer.size(), &found);
    }
  }
  if (rc != 0 || found == nullptr) {
    return Fail(Errc::kNotFound, "--setuid: no such user '" + user + "'");
  }
  return TargetUser{found->pw_uid, found->pw_gid};
}

Result<void> DropPrivileges(const TargetUser& target) {
  if (::setgroups(1, &target.gid) != 0) {
    return Fail(ErrnoError("setgroups"));
  }
  if (::setresgid(target.gid, target.gid, target.gid) != 0) {
    return Fail(ErrnoError("setgid"));
  }
  if (::setresuid(target.uid, target.uid, target.uid) != 0) {
    return Fail(ErrnoError("setuid"));
  }
  uid_t ruid = 0, euid = 0, suid = 0;
  gid_t rgid = 0, egid = 0, sgid = 0;
  if (::getresuid(&ruid, &euid, &suid) != 0 || ::getresgid(&rgid, &egid, &sgid) != 0 ||
      ruid != target.uid || euid != target.uid || suid != target.uid || rgid != target.gid ||
      egid != target.gid || sgid != target.gid) {
    return Fail(Errc::kPermission, "privileges not dropped: ids differ from the target's");
  }
  if (target.uid != 0 && ::setuid(0) == 0) {
    return Fail(Errc::kPermission, "privileges not dropped: setuid(0) still succeeds");
  }
  return Ok();
}

}  // namespace sekisho::client

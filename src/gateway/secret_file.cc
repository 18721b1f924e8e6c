#include "gateway/secret_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace sekisho::gateway {
namespace {

std::string OctalMode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

}  // namespace

Result<void> CheckSecretFileMode(std::string_view path, std::string_view what, FileAccess access,
                                 uid_t process_uid) {
  const std::string name = std::string(what) + " " + std::string(path);
  if (!S_ISREG(access.mode)) {
    return Fail(Errc::kInvalidArgument, name + " is not a regular file");
  }
  if ((access.mode & (S_IRWXG | S_IRWXO)) != 0) {
    return Fail(Errc::kPermission,
                name + " is accessible by group or others (mode " + OctalMode(access.mode) +
                    "); it must be readable by its owner only: chmod 600 " + std::string(path));
  }
  if (access.owner != 0 && access.owner != process_uid) {
    return Fail(Errc::kPermission, name + " is owned by uid " + std::to_string(access.owner) +
                                       ", not root or the gateway's user: chown root " +
                                       std::string(path));
  }
  return Ok();
}

Result<void> CheckSecretFile(const std::string& path, std::string_view what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Fail(Errc::kIo, std::string(what) + " " + path + ": " + std::strerror(errno));
  }
  return CheckSecretFileMode(path, what, {st.st_mode, st.st_uid}, ::geteuid());
}

Result<void> CheckSecretFiles(const GatewayConfig& config) {
  SEKISHO_TRY(CheckSecretFile(config.tls.private_key, "private key"));
  if (!config.auth.password_file.empty()) {
    SEKISHO_TRY(CheckSecretFile(config.auth.password_file, "password file"));
  }
  return Ok();
}

}  // namespace sekisho::gateway

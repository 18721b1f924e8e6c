#pragma once
// The start-up check on files that hold secrets: the TLS private key and the password file.
// A key or hash file that other local users can read is a leaked key waiting to happen (and a
// password file others can write lets them add themselves), so sekishod refuses to start, as
// ssh refuses a private key with open permissions. The check is a stat(2); nothing is read.

#include "base/result.h"
#include "gateway/config.h"

#include <string>
#include <string_view>
#include <sys/types.h>

namespace sekisho::gateway {

// What stat(2) says about a file, for CheckSecretFileMode.
struct FileAccess {
  mode_t mode = 0;  // st_mode
  uid_t owner = 0;  // st_uid
};

// Accepts a regular file whose group and other permission bits are all clear and whose owner
// is root or `process_uid`. `what` names the file in the message ("private key").
// Errors: kPermission with a message naming the file and the fix (chmod 600 / chown);
// kInvalidArgument when it is not a regular file.
Result<void> CheckSecretFileMode(std::string_view path, std::string_view what, FileAccess access,
                                 uid_t process_uid);

// stat(2)s `path` and applies CheckSecretFileMode with this process's effective uid.
// Errors: as above, and kIo when the file cannot be stat'ed.
Result<void> CheckSecretFile(const std::string& path, std::string_view what);

// The private key (tls.private_key) and, when set, the password file (auth.password_file).
// Errors: the first failing file's error. The caller refuses to start.
Result<void> CheckSecretFiles(const GatewayConfig& config);

}  // namespace sekisho::gateway

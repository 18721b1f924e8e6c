// The ocpasswd-format password file (user:groups:hash per line), which an administrator's
// tool or hand edit may leave in any shape: Parse must accept or refuse with a line number,
// never crash, and lookups on what it accepts must be consistent.
#include "gateway/password_file.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using sekisho::gateway::PasswordFile;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto file = PasswordFile::Parse(text, "fuzz-passwd");
  if (!file.has_value()) {
    return 0;
  }
  // Probe the user named on the first line (whatever precedes the first ':').
  std::string user(text.substr(0, text.find(':')));
  if (file->IsLocked(user) && !file->HasUser(user)) {
    __builtin_trap();
  }
  if (file->UserMayUseGroup(user, "engineering") && !file->HasUser(user)) {
    __builtin_trap();
  }
  (void)file->GroupsOf(user);
  return 0;
}

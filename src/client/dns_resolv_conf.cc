#include "client/dns_resolv_conf.h"

#include "client/xdg_paths.h"
#include "net/scoped_fd.h"

#include <fmt/format.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sekisho::client {
namespace {

std::string ErrnoText() { return std::strerror(errno); }

// The symlink's target, or "" when `path` is not a symlink (or missing).
Result<std::string> SymlinkTarget(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return std::string();
    }
    return Fail(Errc::kIo, fmt::format("{}: {}", path, ErrnoText()));
  }
  if (!S_ISLNK(st.st_mode)) {
    return std::string();
  }
  char target[PATH_MAX];
  const ssize_t n = ::readlink(path.c_str(), target, sizeof(target) - 1);
  if (n <= 0) {
    return Fail(Errc::kIo, fmt::format("readlink {}: {}", path, ErrnoText()));
  }
  return std::string(target, static_cast<std::size_t>(n));
}

// Rewrites a regular file in place (see the header for why not a rename).
Result<void> WriteInPlace(const std::string& path, std::string_view data) {
  net::ScopedFd fd(
      ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    return Fail(Errc::kIo, fmt::format("{}: {}", path, ErrnoText()));
  }
  while (!data.empty()) {
    const ssize_t n = ::write(fd.get(), data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Fail(Errc::kIo, fmt::format("{}: {}", path, ErrnoText()));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd.get()) != 0) {
    return Fail(Errc::kIo, fmt::format("{}: {}", path, ErrnoText()));
  }
  return Ok();
}

// Replaces `path` (a symlink or a file) by a new symlink to `target`, atomically.
Result<void> ReplaceWithSymlink(const std::string& path, const std::string& target) {
  const std::string temporary = path + ".sekisho-restore";
  ::unlink(temporary.c_str());
  if (::symlink(target.c_str(), temporary.c_str()) != 0 ||
      ::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string error = ErrnoText();
    ::unlink(temporary.c_str());
    return Fail(Errc::kIo, fmt::format("{} -> {}: {}", path, target, error));
  }
  return Ok();
}

}  // namespace

std::string ResolvConfPath() {
  const char* path = std::getenv("SEKISHO_RESOLV_CONF");
  return path != nullptr && path[0] == '/' ? path : "/etc/resolv.conf";
}

Result<void> RewriteResolvConf(const std::string& path, const std::string& state_dir,
                               const DnsPlan& plan, HostState& state,
                               const std::function<Result<void>()>& save_state) {
  SEKISHO_ASSIGN_OR_RETURN(std::string symlink_target, SymlinkTarget(path));
  // A dangling symlink (its target not created yet) reads as an empty file.
  SEKISHO_ASSIGN_OR_RETURN(auto original, ReadFileIfExists(path, 1u << 20));
  const std::string original_text = original.value_or("");
  const std::string ours = RenderResolvConf(plan, original_text, state.interface);

  HostState next = state;
  next.resolv_conf = path;
  next.resolv_conf_backup = fmt::format("{}/{}.resolv.conf.orig", state_dir, state.interface);
  next.resolv_conf_ours = fmt::format("{}/{}.resolv.conf.ours", state_dir, state.interface);
  next.resolv_conf_symlink = symlink_target;
  SEKISHO_TRY(WriteFileAtomic(next.resolv_conf_backup, original_text));
  SEKISHO_TRY(WriteFileAtomic(next.resolv_conf_ours, ours));
  state = next;
  SEKISHO_TRY(save_state());
  if (!symlink_target.empty()) {
    return WriteFileAtomic(path, ours, 0644);  // renamed over the symlink, not through it
  }
  return WriteInPlace(path, ours);
}

bool RestoreResolvConf(const HostState& state, const Logger& log) {
  if (state.resolv_conf.empty()) {
    return true;
  }
  auto current_target = SymlinkTarget(state.resolv_conf);
  auto current = ReadFileIfExists(state.resolv_conf, 1u << 20);
  auto ours = ReadFileIfExists(state.resolv_conf_ours, 1u << 20);
  auto backup = ReadFileIfExists(state.resolv_conf_backup, 1u << 20);
  if (!backup || !*backup) {
    log.Warn("no backup of {} to restore ({}); leaving it as it is", state.resolv_conf,
             backup ? "missing" : backup.error().ToString());
  } else if (!current_target || !current_target->empty() || !current || !*current || !ours ||
             !*ours || **current != **ours) {
    log.Warn("{} was changed by another program while the VPN was up; leaving its version",
             state.resolv_conf);
  } else {
    Result<void> restored = state.resolv_conf_symlink.empty()
                                ? WriteInPlace(state.resolv_conf, **backup)
                                : ReplaceWithSymlink(state.resolv_conf, state.resolv_conf_symlink);
    if (!restored) {
      log.Warn("could not restore {}: {}", state.resolv_conf, restored.error().ToString());
      return false;  // keep the backup for a later attempt (`sekisho restore`)
    }
    log.Info("restored {}", state.resolv_conf);
  }
  ::unlink(state.resolv_conf_backup.c_str());
  ::unlink(state.resolv_conf_ours.c_str());
  return true;
}

}  // namespace sekisho::client

#include "client/host_state_store.h"

#include "base/strings.h"
#include "client/dns_resolv_conf.h"
#include "client/dns_resolved.h"
#include "client/ipv6_guard.h"
#include "client/xdg_paths.h"

#include <dirent.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <signal.h>
#include <unistd.h>
#include <vector>

namespace sekisho::client {
namespace {

constexpr std::string_view kStateSuffix = ".state";

std::string BootId() {
  auto text = ReadFileIfExists("/proc/sys/kernel/random/boot_id", 4096);
  return text && *text ? std::string(TrimWhitespace(**text)) : std::string();
}

// Field 22 of /proc/<pid>/stat (starttime); nullopt when the process does not exist or is a
// zombie (dead, only waiting for its parent to reap it).
std::optional<std::uint64_t> ProcessStartTime(long pid) {
  auto text = ReadFileIfExists(fmt::format("/proc/{}/stat", pid), 65536);
  if (!text || !*text) {
    return std::nullopt;
  }
  // The command name (field 2) is in parentheses and may contain spaces and ')'.
  const std::size_t close = (*text)->rfind(')');
  if (close == std::string::npos) {
    return std::nullopt;
  }
  std::vector<std::string_view> fields =
      Split(std::string_view(**text).substr(close + 1), ' ', /*skip_empty=*/true);
  // fields[0] is field 3 (state), so starttime (22) is fields[19].
  if (fields.size() < 20 || fields[0] == "Z" || fields[0] == "X") {
    return std::nullopt;
  }
  return ParseUint(fields[19]);
}

}  // namespace

std::string HostStateDir() {
  const char* dir = std::getenv("SEKISHO_HOST_STATE_DIR");
  if (dir != nullptr && dir[0] == '/') {
    return dir;
  }
  return "/var/lib/sekisho/host-state";
}

std::string HostStatePath(std::string_view interface) {
  return fmt::format("{}/{}{}", HostStateDir(), interface, kStateSuffix);
}

HostState NewHostState(std::string interface) {
  HostState state;
  state.pid = static_cast<long>(::getpid());
  state.start_time = ProcessStartTime(state.pid).value_or(0);
  state.boot_id = BootId();
  state.interface = std::move(interface);
  return state;
}

bool OwnerAlive(const HostState& state) {
  if (state.boot_id != BootId()) {
    return false;
  }
  auto start_time = ProcessStartTime(state.pid);
  return start_time && *start_time == state.start_time;
}

Result<void> SaveHostState(const HostState& state) {
  return WriteFileAtomic(HostStatePath(state.interface), SerializeHostState(state));
}

Result<HostState> LoadHostState(const std::string& path) {
  SEKISHO_ASSIGN_OR_RETURN(auto text, ReadFileIfExists(path, 65536));
  if (!text) {
    return Fail(Errc::kNotFound, fmt::format("{}: no such file", path));
  }
  auto state = ParseHostState(*text);
  if (!state) {
    return Fail(state.error().code, fmt::format("{}: {}", path, state.error().context));
  }
  return state;
}

void UndoHostState(const HostState& state, UndoReason reason, const Logger& log) {
  if (state.resolved_ifindex != 0 && reason == UndoReason::kTeardown) {
    if (auto reverted = RevertResolvedLink(state.resolved_ifindex);
        !reverted && reverted.error().code != Errc::kNotFound) {
      log.Warn("could not revert the DNS settings of {}: {}", state.interface,
               reverted.error().ToString());
    }
  }
  if (state.ipv6_guard) {
    RemoveIpv6Guard(log);
  }
  if (!RestoreResolvConf(state, log)) {
    return;
  }
  ::unlink(HostStatePath(state.interface).c_str());
}

int RecoverStaleHostStates(const Logger& log) {
  const std::string dir = HostStateDir();
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    return 0;  // never used yet
  }
  std::vector<std::string> paths;
  while (dirent* entry = ::readdir(d)) {
    std::string_view name = entry->d_name;
    if (name.size() > kStateSuffix.size() && name.ends_with(kStateSuffix)) {
      paths.push_back(fmt::format("{}/{}", dir, name));
    }
  }
  ::closedir(d);
  int undone = 0;
  for (const auto& path : paths) {
    auto state = LoadHostState(path);
    if (!state) {
      log.Warn("ignoring host state file: {}", state.error().ToString());
      continue;
    }
    if (OwnerAlive(*state)) {
      continue;
    }
    log.Warn("undoing what a dead client (pid {}, {}) left on the host", state->pid,
             state->interface);
    UndoHostState(*state, UndoReason::kRecovery, log);
    ++undone;
  }
  return undone;
}

}  // namespace sekisho::client

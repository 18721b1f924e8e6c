#include "client/host_state.h"

#include "base/strings.h"

#include <fmt/format.h>

namespace sekisho::client {

std::string SerializeHostState(const HostState& state) {
  std::string text =
      fmt::format("{}\npid={}\nstart_time={}\nboot_id={}\ninterface={}\n", kHostStateMagic,
                  state.pid, state.start_time, state.boot_id, state.interface);
  if (state.resolved_ifindex != 0) {
    text += fmt::format("resolved_ifindex={}\n", state.resolved_ifindex);
  }
  if (!state.resolv_conf.empty()) {
    text += fmt::format("resolv_conf={}\nresolv_conf_backup={}\nresolv_conf_ours={}\n",
                        state.resolv_conf, state.resolv_conf_backup, state.resolv_conf_ours);
    if (!state.resolv_conf_symlink.empty()) {
      text += fmt::format("resolv_conf_symlink={}\n", state.resolv_conf_symlink);
    }
  }
  if (state.ipv6_guard) {
    text += "ipv6_guard=1\n";
  }
  return text;
}

Result<HostState> ParseHostState(std::string_view text) {
  std::vector<std::string_view> lines = Split(text, '\n', /*skip_empty=*/true);
  if (lines.empty() || lines[0] != kHostStateMagic) {
    return Fail(Errc::kMalformed, "not a sekisho host state file");
  }
  HostState state;
  auto number = [](std::string_view key, std::string_view value,
                   std::uint64_t max) -> Result<std::uint64_t> {
    auto parsed = ParseUint(value, max);
    if (!parsed) {
      return Fail(Errc::kMalformed, fmt::format("host state: bad {}", key));
    }
    return *parsed;
  };
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::size_t eq = lines[i].find('=');
    if (eq == std::string_view::npos) {
      return Fail(Errc::kMalformed, "host state: a line without '='");
    }
    const std::string_view key = lines[i].substr(0, eq);
    const std::string_view value = lines[i].substr(eq + 1);
    if (key == "pid") {
      SEKISHO_ASSIGN_OR_RETURN(auto pid, number(key, value, 4194304));
      state.pid = static_cast<long>(pid);
    } else if (key == "start_time") {
      SEKISHO_ASSIGN_OR_RETURN(state.start_time, number(key, value, UINT64_MAX));
    } else if (key == "boot_id") {
      state.boot_id = value;
    } else if (key == "interface") {
      state.interface = value;
    } else if (key == "resolved_ifindex") {
      SEKISHO_ASSIGN_OR_RETURN(auto index, number(key, value, INT32_MAX));
      state.resolved_ifindex = static_cast<int>(index);
    } else if (key == "resolv_conf") {
      state.resolv_conf = value;
    } else if (key == "resolv_conf_backup") {
      state.resolv_conf_backup = value;
    } else if (key == "resolv_conf_ours") {
      state.resolv_conf_ours = value;
    } else if (key == "resolv_conf_symlink") {
      state.resolv_conf_symlink = value;
    } else if (key == "ipv6_guard") {
      state.ipv6_guard = value == "1";
    }
  }
  if (state.pid <= 0) {
    return Fail(Errc::kMalformed, "host state: no pid");
  }
  if (!state.resolv_conf.empty() &&
      (state.resolv_conf_backup.empty() || state.resolv_conf_ours.empty())) {
    return Fail(Errc::kMalformed, "host state: resolv_conf without its backup files");
  }
  return state;
}

}  // namespace sekisho::client

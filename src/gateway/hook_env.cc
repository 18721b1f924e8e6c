#include "gateway/hook_env.h"

#include <string_view>
#include <sys/wait.h>

namespace sekisho::gateway {
namespace {

std::string Entry(const char* name, std::string value) {
  // An environment entry ends at NUL, and a newline would let a user name forge a second
  // line in the hook's own logs: keep what comes before either.
  if (std::size_t cut = value.find_first_of(std::string_view("\0\n\r", 3));
      cut != std::string::npos) {
    value.resize(cut);
  }
  return std::string(name) + "=" + value;
}

}  // namespace

std::vector<std::string> HookEnvironment(HookEvent event, const HookSession& s) {
  const bool connect = event == HookEvent::kConnect;
  std::vector<std::string> env = {
      Entry("REASON", connect ? "connect" : "disconnect"),
      Entry("ID", std::to_string(s.id)),
      Entry("USERNAME", s.user),
      Entry("GROUPNAME", s.group),
      Entry("IP_REAL", s.peer_ip),
      Entry("IP_REAL_LOCAL", s.local_ip),
      Entry("IP_REMOTE", s.vpn_ipv4),
      Entry("IP_LOCAL", s.gateway_ipv4),
      Entry("DEVICE", s.device),
  };
  if (!connect) {
    env.push_back(Entry("STATS_BYTES_IN", std::to_string(s.bytes_in)));
    env.push_back(Entry("STATS_BYTES_OUT", std::to_string(s.bytes_out)));
    env.push_back(Entry("STATS_DURATION", std::to_string(s.duration_s)));
    env.push_back(Entry("SEKISHO_END_REASON", s.end_reason));
  }
  env.push_back("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  return env;
}

std::optional<std::string> HookFailure(int wait_status, bool timed_out, std::uint32_t timeout_s) {
  if (timed_out) {
    return "did not finish within " + std::to_string(timeout_s) + " s";
  }
  if (WIFEXITED(wait_status)) {
    if (WEXITSTATUS(wait_status) == 0) {
      return std::nullopt;
    }
    return "exited with " + std::to_string(WEXITSTATUS(wait_status));
  }
  if (WIFSIGNALED(wait_status)) {
    return "killed by signal " + std::to_string(WTERMSIG(wait_status));
  }
  return "ended with wait status " + std::to_string(wait_status);
}

}  // namespace sekisho::gateway

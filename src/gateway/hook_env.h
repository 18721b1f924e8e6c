#pragma once
// The pure side of the connect/disconnect hooks ([hooks], docs/config.md): the environment a
// hook program gets (ocserv's connect-script names where it has one) and what its end means.
// The process handling is in hook_runner.h.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sekisho::gateway {

enum class HookEvent { kConnect, kDisconnect };

// What main knows about the session when the hook runs. Never a cookie or a password.
struct HookSession {
  std::uint64_t id = 0;
  std::string user;
  std::string group;
  std::string peer_ip;       // the client's address (IP_REAL)
  std::string local_ip;      // the gateway address the client reached (IP_REAL_LOCAL)
  std::string vpn_ipv4;      // the client's tunnel address (IP_REMOTE)
  std::string gateway_ipv4;  // the gateway's end of the session's TUN device (IP_LOCAL)
  std::string device;        // the session's TUN device (DEVICE)
  // kDisconnect only: IP payload bytes from / to the client and the session's seconds.
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t duration_s = 0;
  std::string end_reason;  // kDisconnect: why the session ended
};

// "NAME=value" entries, in a fixed order: REASON (connect|disconnect), ID, USERNAME,
// GROUPNAME, IP_REAL, IP_REAL_LOCAL, IP_REMOTE, IP_LOCAL, DEVICE, and for kDisconnect
// STATS_BYTES_IN, STATS_BYTES_OUT, STATS_DURATION and SEKISHO_END_REASON; plus a fixed
// PATH. Values containing a NUL or newline are cut there (they cannot reach a program intact).
std::vector<std::string> HookEnvironment(HookEvent event, const HookSession& session);

// How a hook ended, from its wait status: nullopt when it exited with 0, else the reason
// ("exited with 3", "killed by signal 9", "did not finish within 10 s").
std::optional<std::string> HookFailure(int wait_status, bool timed_out, std::uint32_t timeout_s);

}  // namespace sekisho::gateway

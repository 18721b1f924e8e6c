#pragma once
// The vpnc-script contract: the environment openconnect 9.01 (script.c) gives the routing
// script (Debian's /usr/share/vpnc-scripts/vpnc-script lists what it reads), and a runner.
//
// Variables produced by BuildScriptEnvironment (each "NAME=value"; unset ones are omitted):
//   reason                  pre-init | connect | disconnect | reconnect | attempt-reconnect
//   VPNGATEWAY VPNPID TUNDEV LOG_LEVEL
//   IDLE_TIMEOUT            seconds, only when the gateway set one
//   INTERNAL_IP4_ADDRESS INTERNAL_IP4_MTU
//   INTERNAL_IP4_NETMASK INTERNAL_IP4_NETMASKLEN INTERNAL_IP4_NETADDR (with a valid netmask)
//   INTERNAL_IP4_DNS INTERNAL_IP4_NBNS       space separated (IPv6 DNS go to INTERNAL_IP6_DNS)
//   INTERNAL_IP6_ADDRESS (address only) INTERNAL_IP6_NETMASK ("addr/len") INTERNAL_IP6_DNS
//   CISCO_DEF_DOMAIN CISCO_BANNER CISCO_SPLIT_DNS (comma separated, as openconnect)
//   CISCO_SPLIT_INC=<n>, CISCO_SPLIT_INC_<i>_ADDR/_MASK/_MASKLEN/_PROTOCOL/_SPORT/_DPORT
//   CISCO_SPLIT_EXC... likewise; CISCO_IPV6_SPLIT_INC/EXC=<n> + _<i>_ADDR/_MASKLEN
//   CISCO_CSTP_OPTIONS      every X-CSTP-* response header as "Name=value\n" lines
// The split counts are omitted when zero; malformed split entries are skipped (openconnect
// discards them too). PROTOCOL/SPORT/DPORT are always 0 (AnyConnect has no port splits).
//
// The gateway's values are checked by CheckPushedConfig (pushed_config.h) before any script
// runs. As a last guard every value goes through TerminalSafe (terminal_text.h): no escape
// sequence or control character, line breaks only in CISCO_BANNER and CISCO_CSTP_OPTIONS
// (one "Name=value" per line), at most kMaxScriptValueBytes per one-line value and
// kMaxScriptTextBytes for those two.
//
// For reason pre-init (before CONNECT) there is no ConnectResponse: only reason, VPNGATEWAY,
// VPNPID, TUNDEV and LOG_LEVEL are set. Disconnect gets the same full set as connect, so the
// script can undo its routes.
//
// BuildScriptEnvironment is pure. RunScript is the I/O: fork + execve, no shell environment
// inherited, bounded in time.

#include "base/result.h"
#include "proto/http/message.h"
#include "proto/tunnel/connect_response.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho::client {

inline constexpr std::size_t kMaxScriptValueBytes = 4096;
inline constexpr std::size_t kMaxScriptTextBytes = 32768;

enum class ScriptReason { kPreInit, kConnect, kDisconnect, kReconnect, kAttemptReconnect };

// "pre-init", "connect", "disconnect", "reconnect", "attempt-reconnect".
std::string_view ToString(ScriptReason reason);

struct ScriptContext {
  ScriptReason reason = ScriptReason::kConnect;
  std::string tundev;      // e.g. "tun0"
  std::string gateway_ip;  // numeric address of the gateway we connected to (VPNGATEWAY)
  long pid = 0;            // VPNPID: the client's PID (0 = omit)
  int log_level = 1;       // LOG_LEVEL: ERROR=0, INFO=1, DEBUG=2, TRACE=3
  // INTERNAL_IP4_MTU: the tunnel MTU the client chose (decision #1); 0 = response->mtu.
  std::uint32_t mtu = 0;
  // The raw CONNECT response headers, for CISCO_CSTP_OPTIONS. When empty the X-CSTP-* lines
  // are rebuilt from the parsed response (BuildConnectResponseHeaders).
  proto::http::HeaderList connect_headers;
};

// The environment for `context.reason`. `response` may be nullptr (pre-init).
std::vector<std::string> BuildScriptEnvironment(const ScriptContext& context,
                                                const proto::tunnel::ConnectResponse* response);

inline constexpr std::chrono::seconds kDefaultScriptTimeout{30};

// Runs `/bin/sh -c <script>` with exactly `env` plus PATH (the caller's PATH, else
// "/usr/sbin:/usr/bin:/sbin:/bin") and stdin from /dev/null; waits for it and returns its
// exit status (0 = success; a script killed by a signal returns 128 + signal number).
// After `timeout` the script's process group is killed (SIGTERM, then SIGKILL after 2 s).
// Blocks the calling thread; the caller must not have a SIGCHLD handler that reaps children.
// Errors: kIo (fork/exec failed), kTimeout (killed after the timeout).
Result<int> RunScript(const std::string& script, const std::vector<std::string>& env,
                      std::chrono::milliseconds timeout = kDefaultScriptTimeout);

}  // namespace sekisho::client

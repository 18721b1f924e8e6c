#pragma once
// HostState: what a running client changed on the host outside its TUN device, written to a
// state file BEFORE each change so that the change can be undone by anyone holding the file:
// the client itself on exit, a privileged parent that runs the teardown (--setuid), or the next
// `sekisho connect` / `sekisho restore` after the client died without cleaning up (SIGKILL,
// crash, power loss).
//
// Settings that vanish with the TUN (addresses, routes via it, systemd-resolved's per-link
// DNS) need no recovery; the file still names the resolved link so that a teardown can revert
// it explicitly. What outlives the process: a rewritten /etc/resolv.conf and the IPv6 guard's
// unreachable routes (ipv6_guard.h).
//
// The owner is identified by pid + the process start time (/proc/<pid>/stat field 22) + the
// kernel's boot id, so a recycled pid or a reboot never makes a dead owner look alive.
//
// File format: UTF-8 text, first line kHostStateMagic, then "key=value" lines (keys below);
// unknown keys are ignored (a newer client's file stays readable), values have no newline.
// Serialize/Parse are pure (unit-tested in host_state_test.cc); the file and undo logic live in
// host_state_store.h.

#include "base/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sekisho::client {

inline constexpr std::string_view kHostStateMagic = "sekisho-host-state 1";

struct HostState {
  long pid = 0;                  // pid=
  std::uint64_t start_time = 0;  // start_time= (clock ticks after boot)
  std::string boot_id;           // boot_id=
  std::string interface;         // interface= (the TUN name, also the file's name)
  int resolved_ifindex = 0;      // resolved_ifindex=: per-link DNS set on this link
  // resolv.conf rewrite (all empty when not done):
  std::string resolv_conf;          // resolv_conf=: the path rewritten (/etc/resolv.conf)
  std::string resolv_conf_backup;   // resolv_conf_backup=: the original bytes
  std::string resolv_conf_ours;     // resolv_conf_ours=: the bytes we wrote
  std::string resolv_conf_symlink;  // resolv_conf_symlink=: the original was this symlink
  bool ipv6_guard = false;          // ipv6_guard=1

  bool operator==(const HostState&) const = default;
  // True when nothing outside the TUN is changed (the file can go).
  bool Empty() const { return resolved_ifindex == 0 && resolv_conf.empty() && !ipv6_guard; }
};

std::string SerializeHostState(const HostState& state);
// Errors: kMalformed (wrong first line, a line without '=', a bad number, no pid).
Result<HostState> ParseHostState(std::string_view text);

}  // namespace sekisho::client

#pragma once
// HostChanges: the client's changes to the host outside the TUN device while the tunnel is up
// — DNS (dns_plan.h, through systemd-resolved or /etc/resolv.conf) and the IPv6 guard
// (ipv6_guard.h) — applied and undone by TunConfigurator next to the TUN itself.
//
// Backend choice, at each Apply: systemd-resolved when it runs (dns_resolved.h), else
// /etc/resolv.conf (dns_resolv_conf.h). Every change is recorded in the host state file
// (host_state_store.h) before it is made, so Undo() works from that file alone and a dead
// client's changes are undone by the next start. Failures are warnings: the tunnel still
// works, the user is told what is missing.
//
// Thread affinity: one thread.

#include "base/log.h"
#include "client/dns_plan.h"
#include "client/host_state.h"
#include "proto/tunnel/connect_response.h"

#include <optional>
#include <string>

namespace sekisho::client {

class HostChanges {
 public:
  explicit HostChanges(Logger log) : log_(std::move(log)) {}
  ~HostChanges() = default;
  HostChanges(const HostChanges&) = delete;
  HostChanges& operator=(const HostChanges&) = delete;

  // Configures DNS (when `dns`, i.e. no --no-dns) and the IPv6 guard for `response` on the TUN
  // `interface` (`ifindex`). On a reconnect with the same decisions it does nothing; with
  // different ones it undoes the previous changes first.
  void Apply(const proto::tunnel::ConnectResponse& response, const std::string& interface,
             int ifindex, bool dns);
  // Undoes what the state file of the last Apply's interface records. Idempotent.
  void Undo();

 private:
  struct Decision {
    std::optional<DnsPlan> dns;
    bool ipv6_guard = false;
    bool operator==(const Decision&) const = default;
  };

  void ApplyDns(const DnsPlan& plan, HostState& state, int ifindex);
  void ApplyIpv6Guard(HostState& state);

  Logger log_;
  std::optional<Decision> applied_;
  std::string interface_;
};

}  // namespace sekisho::client

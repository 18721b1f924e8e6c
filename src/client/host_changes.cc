#include "client/host_changes.h"

#include "client/dns_resolv_conf.h"
#include "client/dns_resolved.h"
#include "client/host_state_store.h"
#include "client/ipv6_guard.h"
#include "client/progress.h"

#include <dirent.h>

#include <unistd.h>

namespace sekisho::client {
namespace {

std::string DescribePlan(const DnsPlan& plan) {
  std::vector<std::string> domains = plan.search_domains;
  for (const auto& name : plan.routing_domains) {
    domains.push_back("~" + name);
  }
  return fmt::format("servers {}, {}{}", Join(plan.servers, " "),
                     plan.full ? "all names" : "split DNS",
                     domains.empty() ? "" : ", domains " + Join(domains, " "));
}

// True when another live client already rewrote resolv.conf: stacking a second rewrite on it
// would make the restores depend on the order the clients end in.
bool ResolvConfHeldByAnotherClient(const std::string& own_interface) {
  DIR* d = ::opendir(HostStateDir().c_str());
  if (d == nullptr) {
    return false;
  }
  bool held = false;
  while (dirent* entry = ::readdir(d)) {
    std::string_view name = entry->d_name;
    if (!name.ends_with(".state") || name == own_interface + ".state") {
      continue;
    }
    auto state = LoadHostState(fmt::format("{}/{}", HostStateDir(), name));
    if (state && !state->resolv_conf.empty() && OwnerAlive(*state)) {
      held = true;
    }
  }
  ::closedir(d);
  return held;
}

}  // namespace

void HostChanges::Apply(const proto::tunnel::ConnectResponse& response,
                        const std::string& interface, int ifindex, bool dns) {
  // The built-in TUN setup (tun_setup.h) configures IPv4 only.
  constexpr bool kTunnelCarriesIpv6 = false;
  Decision decision;
  if (dns) {
    decision.dns = PlanDns(response, kTunnelCarriesIpv6);
  }
  decision.ipv6_guard = NeedsIpv6Guard(response, kTunnelCarriesIpv6);
  if (applied_ && *applied_ == decision && interface_ == interface) {
    return;
  }
  Undo();
  interface_ = interface;
  HostState state = NewHostState(interface);
  if (decision.dns) {
    ApplyDns(*decision.dns, state, ifindex);
  } else if (dns) {
    Say("DNS: the gateway pushed no DNS server reachable through the tunnel; the host's "
        "resolver is unchanged");
  }
  if (decision.ipv6_guard) {
    ApplyIpv6Guard(state);
  }
  applied_ = decision;
}

void HostChanges::ApplyDns(const DnsPlan& plan, HostState& state, int ifindex) {
  if (ResolvedIsRunning()) {
    state.resolved_ifindex = ifindex;
    if (auto saved = SaveHostState(state); !saved) {
      log_.Warn("DNS not configured: {}", saved.error().ToString());
      state.resolved_ifindex = 0;
      return;
    }
    if (auto configured = ConfigureResolvedLink(ifindex, plan); !configured) {
      log_.Warn("DNS not configured (systemd-resolved): {}", configured.error().ToString());
      return;
    }
    Say("DNS: systemd-resolved on {}: {}", state.interface, DescribePlan(plan));
    return;
  }
  if (ResolvConfHeldByAnotherClient(state.interface)) {
    log_.Warn("DNS not configured: another sekisho client has rewritten {}", ResolvConfPath());
    return;
  }
  auto rewritten = RewriteResolvConf(ResolvConfPath(), HostStateDir(), plan, state,
                                     [&] { return SaveHostState(state); });
  if (!rewritten) {
    log_.Warn("DNS not configured ({}): {}", ResolvConfPath(), rewritten.error().ToString());
    return;
  }
  Say("DNS: {} rewritten: {}", ResolvConfPath(), DescribePlan(plan));
}

void HostChanges::ApplyIpv6Guard(HostState& state) {
  // A kernel booted with ipv6.disable=1 has no IPv6 to leak (and refuses IPv6 routes).
  if (::access("/proc/net/if_inet6", F_OK) != 0) {
    log_.Info("IPv6 is disabled on this host; no guard needed");
    return;
  }
  state.ipv6_guard = true;
  if (auto saved = SaveHostState(state); !saved) {
    log_.Warn("IPv6 not blocked: {}", saved.error().ToString());
    state.ipv6_guard = false;
    return;
  }
  if (auto added = AddIpv6Guard(); !added) {
    log_.Warn("IPv6 not blocked (it may bypass the tunnel): {}", added.error().ToString());
    state.ipv6_guard = false;
    (void)SaveHostState(state);
    return;
  }
  Say("Tunnel: IPv6 blocked outside the tunnel (unreachable ::/1, 8000::/1)");
}

void HostChanges::Undo() {
  if (!applied_) {
    return;
  }
  applied_.reset();
  auto state = LoadHostState(HostStatePath(interface_));
  if (!state) {
    if (state.error().code != Errc::kNotFound) {
      log_.Warn("cannot undo the host changes: {}", state.error().ToString());
    }
    return;
  }
  UndoHostState(*state, UndoReason::kTeardown, log_);
}

}  // namespace sekisho::client

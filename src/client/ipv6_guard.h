#pragma once
// Ipv6Guard: keeps IPv6 from going around a full tunnel.
//
// When all IPv4 goes through the tunnel (no IPv4 Split-Include) the user expects nothing to
// leave by the local network; but the built-in TUN setup (tun_setup.h) carries IPv4 only, so
// without this an IPv6-capable LAN would carry every IPv6 connection past the VPN. The guard
// adds two IPv6 "unreachable" routes, ::/1 and 8000::/1: together they cover the whole
// address space and, being more specific than any default route (::/0), win over it without
// replacing it (the same trick as TunSetup's 0.0.0.0/1 + 128.0.0.0/1). A connection attempt
// fails at once ("No route to host"), so dual-stack programs fall back to IPv4 (through the tunnel)
// without waiting for a timeout.
//
// What stays reachable: routes more specific than /1, i.e. link-local (fe80::/64 per link),
// multicast (the local table) and the LAN's own on-link prefixes — the same as for IPv4, where
// the LAN's connected routes also outrank 0.0.0.0/1.
//
// The routes are not tied to the TUN device, so they outlive a crashed client: host_state.h
// records them and the next start (or `sekisho restore`) removes them.
//
// Needs CAP_NET_ADMIN. NeedsIpv6Guard is pure (unit-tested in ipv6_guard_test.cc).

#include "base/log.h"
#include "base/result.h"
#include "proto/tunnel/connect_response.h"

#include <cstdint>

namespace sekisho::client {

// Metric of the guard routes; only a route with this metric is ever deleted by us.
inline constexpr std::uint32_t kIpv6GuardMetric = 1;

// True when IPv6 must be blocked: a full IPv4 tunnel (no IPv4 Split-Include, or one covering
// 0.0.0.0/0) while the tunnel carries no IPv6 (`tunnel_carries_ipv6`: an IPv6 address is
// configured on the TUN — never the case with the built-in setup today, which is why an
// X-CSTP-Address-IP6 alone does not lift the guard).
bool NeedsIpv6Guard(const proto::tunnel::ConnectResponse& response, bool tunnel_carries_ipv6);

// Adds both routes (removing the first if the second fails).
// Errors: netlink errors (net/netlink_linux.h); kIo with EEXIST when another program (or a
// second client) already holds such a route — the caller then leaves it alone.
Result<void> AddIpv6Guard();
// Removes both routes; a missing route is not an error (already gone, e.g. after a reboot).
void RemoveIpv6Guard(const Logger& log);

}  // namespace sekisho::client

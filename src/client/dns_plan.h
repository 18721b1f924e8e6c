#pragma once
// DnsPlan: what the client tells the host's resolver while the tunnel is up, decided from the
// values the gateway pushed (X-CSTP-DNS/-DNS-IP6, X-CSTP-Default-Domain, X-CSTP-Split-DNS,
// X-CSTP-Split-Include, X-CSTP-Tunnel-All-DNS), already checked by pushed_config.h.
//
// The rule (what Cisco Secure Client and NetworkManager's openconnect plugin do):
//   * no pushed DNS server: nothing to configure (domains without a server route nowhere);
//   * full DNS — no Split-DNS domain and a full tunnel (no IPv4 Split-Include), or
//     Tunnel-All-DNS — every query goes to the tunnel's servers: with systemd-resolved the link
//     gets the routing domain "~." and DefaultRoute=yes; in /etc/resolv.conf the tunnel's
//     servers replace the host's (which would otherwise answer around the tunnel);
//   * split DNS — Split-DNS domains pushed, or a split tunnel — only the pushed domains go to
//     the tunnel: with resolved, routing-only domains "~name" (Split-DNS) plus the search
//     domains (Default-Domain, which route too) and DefaultRoute=no; resolv.conf cannot route
//     by name, so the tunnel's servers come first and the host's follow (glibc asks the next
//     server only when one fails, not on NXDOMAIN: resolv.conf split DNS is best effort).
// Search domains: the Default-Domain names, in order (they also go to resolv.conf's search
// line before the host's own in split mode; alone in full mode).
//
// Pure: unit-tested in tests/unit/client/dns_plan_test.cc.

#include "proto/tunnel/connect_response.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho::client {

struct DnsPlan {
  std::vector<std::string> servers;          // IPv4/IPv6 literals, pushed order
  std::vector<std::string> search_domains;   // Default-Domain names (search + routing)
  std::vector<std::string> routing_domains;  // Split-DNS names (routing only), without "~"
  bool full = false;                         // all queries to the tunnel ("~.")

  bool operator==(const DnsPlan&) const = default;
};

// The plan for `response`, or nullopt when the gateway pushed no usable DNS server.
// Duplicate names (case-insensitive, trailing dot ignored) are kept once. IPv6 servers are
// used only when `tunnel_carries_ipv6` (an IPv6 address on the TUN; the built-in setup is
// IPv4-only today): otherwise they could only be reached around the tunnel — a DNS leak, or
// nothing at all behind the IPv6 guard (ipv6_guard.h).
std::optional<DnsPlan> PlanDns(const proto::tunnel::ConnectResponse& response,
                               bool tunnel_carries_ipv6);

// resolv.conf allows at most this many nameserver lines (glibc MAXNS) and 6 search names
// before glibc 2.26; we keep to both limits.
inline constexpr std::size_t kResolvConfMaxServers = 3;
inline constexpr std::size_t kResolvConfMaxSearch = 6;

// The /etc/resolv.conf to write for `plan`, given the host's current file `original`:
// a comment naming `interface`, the nameservers (the plan's, then in split mode the
// original's, at most kResolvConfMaxServers), one search line (see above), and the original's
// "options" and "sortlist" lines unchanged. Other lines of the original ("domain", comments)
// are dropped: a "domain" line would override our search line.
std::string RenderResolvConf(const DnsPlan& plan, std::string_view original,
                             std::string_view interface);

}  // namespace sekisho::client

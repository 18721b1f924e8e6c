#pragma once
// TunSetup: the client's TUN interface and the routes through it, when no --script does the
// configuration (with --script the script gets the device name and configures it itself).
//
//   auto tun = TunSetup::Open("sekisho%d", log);         // device exists, down, no address
//   tun->Apply({address, prefix, mtu, routes, gateway}); // MTU, address, up, routes
//   ...                                                   // reconnect: Apply again; a call
//                                                         //  with the same values is a no-op,
//                                                         //  one differing only in MTU
//                                                         //  just sets the MTU
//   tun->SetMtu(1406);                                   // DTLS gave up: X-CSTP-MTU
//   tun.reset();                                          // routes removed, device gone
//
// Routes: every X-CSTP-Split-Include network goes to the TUN. Without any, the tunnel takes
// the default route as 0.0.0.0/1 + 128.0.0.0/1 (more specific than any default route, so the
// existing one is never replaced and comes back by itself). Before that, like vpnc-script, a
// host route to the gateway is added via the route the gateway was reachable by (read from
// /proc/net/route), so the tunnel's own packets never loop into the tunnel. Everything added
// is removed by Remove() / the destructor; routes through the TUN also vanish with it.
//
// Needs CAP_NET_ADMIN. Thread affinity: one thread.

#include "base/log.h"
#include "base/result.h"
#include "net/ipv4.h"
#include "net/tun_linux.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho::client {

struct TunAddressing {
  std::uint32_t address = 0;  // host order
  std::uint8_t prefix = 32;
  int mtu = 1400;
  std::vector<net::Ipv4Network> routes;     // split-include; empty = default route via the tunnel
  std::optional<std::uint32_t> gateway_ip;  // the VPN gateway's IPv4 address (host route)

  bool operator==(const TunAddressing&) const = default;
};

// One route of /proc/net/route.
struct KernelRoute {
  std::string interface;
  std::uint32_t destination = 0;  // host order
  std::uint8_t prefix = 0;
  std::uint32_t gateway = 0;  // 0 = on-link
  std::uint32_t metric = 0;
};

// The route the kernel would pick for `destination` among the lines of /proc/net/route
// (longest prefix, then lowest metric; only routes that are up). Pure: unit-tested.
std::optional<KernelRoute> FindRouteIpv4(std::string_view proc_net_route,
                                         std::uint32_t destination);

class TunSetup {
 public:
  // Creates the TUN device (`name` may contain "%d").
  // Errors: those of net::TunDevice::Open (kPermission without CAP_NET_ADMIN).
  static Result<std::unique_ptr<TunSetup>> Open(const std::string& name, Logger log);
  ~TunSetup();
  TunSetup(const TunSetup&) = delete;
  TunSetup& operator=(const TunSetup&) = delete;

  // Configures the device (first call) or reconfigures it when `addressing` changed (address
  // replaced, routes redone). Errors: netlink errors (net/netlink_linux.h).
  Result<void> Apply(const TunAddressing& addressing);
  // Changes only the MTU (the DTLS fallback, tunnel.h); a later Apply with the same values is
  // still a no-op. Errors: kInvalidArgument (outside 68..65535), netlink errors.
  Result<void> SetMtu(int mtu);
  // Removes what Apply added (host route, tunnel routes, address). Idempotent.
  void Remove();

  net::TunDevice& device() { return tun_; }
  const std::string& name() const { return tun_.name(); }

 private:
  TunSetup(net::TunDevice tun, Logger log) : tun_(std::move(tun)), log_(std::move(log)) {}

  net::TunDevice tun_;
  Logger log_;
  std::optional<TunAddressing> applied_;
  std::vector<net::Ipv4Network> tunnel_routes_;  // added via the TUN
  std::optional<KernelRoute> host_route_;        // added to the gateway (ifname, via)
  int host_route_ifindex_ = 0;
};

}  // namespace sekisho::client

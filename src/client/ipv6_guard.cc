#include "client/ipv6_guard.h"

#include "net/ipv4.h"
#include "net/netlink_linux.h"

#include <array>

namespace sekisho::client {
namespace {

// ::/1 and 8000::/1.
constexpr std::array<net::Ipv6Address, 2> kHalves = {net::Ipv6Address{0x00},
                                                     net::Ipv6Address{0x80}};
constexpr std::uint8_t kHalfPrefix = 1;

}  // namespace

bool NeedsIpv6Guard(const proto::tunnel::ConnectResponse& response, bool tunnel_carries_ipv6) {
  if (tunnel_carries_ipv6) {
    return false;
  }
  if (response.split_include.empty()) {
    return true;
  }
  // A Split-Include of 0.0.0.0/0 is a full tunnel spelled out.
  for (const auto& route : response.split_include) {
    if (auto network = net::ParseIpv4Network(route); network && network->prefix == 0) {
      return true;
    }
  }
  return false;
}

Result<void> AddIpv6Guard() {
  SEKISHO_TRY(net::AddUnreachableRouteIpv6(kHalves[0], kHalfPrefix, kIpv6GuardMetric));
  if (auto second = net::AddUnreachableRouteIpv6(kHalves[1], kHalfPrefix, kIpv6GuardMetric);
      !second) {
    (void)net::DelUnreachableRouteIpv6(kHalves[0], kHalfPrefix, kIpv6GuardMetric);
    return second;
  }
  return Ok();
}

void RemoveIpv6Guard(const Logger& log) {
  for (const auto& half : kHalves) {
    auto removed = net::DelUnreachableRouteIpv6(half, kHalfPrefix, kIpv6GuardMetric);
    if (!removed && removed.error().code != Errc::kNotFound) {
      log.Warn("could not remove the IPv6 guard route: {}", removed.error().ToString());
    }
  }
}

}  // namespace sekisho::client

#pragma once
// Interface configuration for the two ends of the tunnel, built from net/netlink_linux.h.
//
// Gateway side, one TUN per session (what ocserv does with `ip addr add L peer P`):
//     ConfigurePointToPoint(tun, /*local=*/pool gateway address, /*peer=*/client address, mtu)
//   -> MTU set, address local/32 with peer `peer`, link up. The kernel then routes peer/32 to
//      the TUN by itself.
// Client side, one TUN for the connection:
//     ConfigureClientTun(tun, assigned address, prefix, mtu) -> MTU, address/prefix, link up.
//   Split-include routes are added separately with AddRouteIpv4().
//
// Addresses are host-order uint32_t (see net/ipv4.h). The steps run in order (MTU, address,
// up) and stop at the first error, leaving the earlier steps applied; closing the TunDevice
// undoes all of them. Errors are those of net/netlink_linux.h; the caller tears the session
// down. Thread-safe (every call uses its own netlink socket).

#include "base/result.h"
#include "net/tun_linux.h"

#include <cstdint>

namespace sekisho::net {

Result<void> ConfigurePointToPoint(const TunDevice& tun, std::uint32_t local, std::uint32_t peer,
                                   int mtu);

Result<void> ConfigureClientTun(const TunDevice& tun, std::uint32_t address, std::uint8_t prefix,
                                int mtu);

// Runtime MTU change, e.g. when the DTLS channel is lost and the tunnel falls back to the
// (smaller) CSTP MTU. Errors: kInvalidArgument for an MTU outside 68..65535, else netlink's.
Result<void> SetMtu(const TunDevice& tun, int mtu);

}  // namespace sekisho::net

#pragma once
// Minimal rtnetlink client: link up/MTU, addresses and routes, the subset a VPN endpoint needs
// (what `ip link set`, `ip addr add ... peer ...` and `ip route add` do), written by hand over a
// NETLINK_ROUTE socket instead of pulling in libnl.
//
// Two layers:
//  - Build*Request(): pure functions producing one complete rtnetlink request (nlmsghdr +
//    family header + attributes, in host byte order as netlink requires) and ParseAck()
//    reading the kernel's answer. No I/O; unit tests check them byte for byte.
//  - SetLinkUp() & co.: open a NETLINK_ROUTE socket in the caller's network namespace, send
//    one request with NLM_F_ACK and wait (at most kNetlinkAckTimeout) for the kernel's ACK.
//
// Addresses: IPv4 addresses are uint32_t in HOST byte order (198.18.0.1 == 0xC6120001), as
// everywhere in src/net; they are converted to network order inside the builders. IPv6
// addresses are 16 bytes in network order.
//
// Errors of every I/O function (kernel errno from NLMSG_ERROR, or socket errno):
//   kPermission  EPERM/EACCES: no CAP_NET_ADMIN in this namespace. Caller: fail setup.
//   kNotFound    ENODEV/ESRCH/ENOENT/EADDRNOTAVAIL: no such link, address or route.
//   kInvalidArgument  EINVAL/ERANGE/EAFNOSUPPORT/EOPNOTSUPP: bad MTU, prefix or address.
//   kTimeout     no ACK within kNetlinkAckTimeout.
//   kIo          anything else, including EEXIST (address or route already present).
// The context holds the request, strerror text, the errno name and the kernel's extended-ACK
// message when it sent one, e.g. "RTM_NEWADDR ifindex 7: File exists (EEXIST)".
// All functions are thread-safe (each call uses its own socket).

#include "base/bytes.h"
#include "base/result.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>

namespace sekisho::net {

using Ipv6Address = std::array<std::uint8_t, 16>;

inline constexpr std::chrono::seconds kNetlinkAckTimeout{5};

enum class NetlinkOp : std::uint8_t { kAdd, kDelete };

// Message builders (pure). `seq` goes into nlmsg_seq; nlmsg_pid is 0 (the kernel fills it).

// RTM_NEWLINK, ifi_flags = ifi_change = IFF_UP.
Bytes BuildSetLinkUpRequest(std::uint32_t seq, int ifindex);
// RTM_NEWLINK with IFLA_MTU.
Bytes BuildSetLinkMtuRequest(std::uint32_t seq, int ifindex, std::uint32_t mtu);
// RTM_NEWADDR (NLM_F_CREATE|NLM_F_EXCL) or RTM_DELADDR for AF_INET. IFA_LOCAL = local,
// IFA_ADDRESS = peer when given (point-to-point, like `ip addr add L peer P`), else local.
Bytes BuildAddressIpv4Request(NetlinkOp op, std::uint32_t seq, int ifindex, std::uint32_t local,
                              std::uint8_t prefix, std::optional<std::uint32_t> peer);
// Same for AF_INET6 (IFA_LOCAL = IFA_ADDRESS = address).
Bytes BuildAddressIpv6Request(NetlinkOp op, std::uint32_t seq, int ifindex,
                              const Ipv6Address& address, std::uint8_t prefix);
// RTM_NEWROUTE (NLM_F_CREATE|NLM_F_EXCL, main table, RTPROT_STATIC, unicast; link scope
// without gateway, universe scope with one) or RTM_DELROUTE (scope RT_SCOPE_NOWHERE and no
// protocol so that the kernel matches the route by destination, oif, gateway and metric).
// Attributes: RTA_DST (omitted for a /0 default route), RTA_OIF, RTA_GATEWAY, RTA_PRIORITY.
Bytes BuildRouteIpv4Request(NetlinkOp op, std::uint32_t seq, std::uint32_t dst, std::uint8_t prefix,
                            int ifindex, std::optional<std::uint32_t> gateway,
                            std::uint32_t metric);
Bytes BuildRouteIpv6Request(NetlinkOp op, std::uint32_t seq, const Ipv6Address& dst,
                            std::uint8_t prefix, int ifindex, std::uint32_t metric);
// RTM_NEWROUTE (NLM_F_CREATE|NLM_F_EXCL) or RTM_DELROUTE of an IPv6 "unreachable" route (what
// `ip -6 route add unreachable DST/PREFIX metric M` sends): main table, RTN_UNREACHABLE, no
// device (the kernel attaches reject routes to lo); a packet matching it fails at once
// (EHOSTUNREACH for a connect) instead of leaving by another route. Attributes: RTA_DST (omitted
// for /0), RTA_PRIORITY.
Bytes BuildUnreachableRouteIpv6Request(NetlinkOp op, std::uint32_t seq, const Ipv6Address& dst,
                                       std::uint8_t prefix, std::uint32_t metric);

// Looks for the NLMSG_ERROR answering `seq` in one datagram received from the kernel.
// Returns Ok for an ACK (error 0), the mapped error above for a negative errno,
// kIncomplete when the datagram holds no answer to `seq` (keep reading), kMalformed when the
// datagram is truncated or inconsistent.
Result<void> ParseAck(ByteSpan datagram, std::uint32_t seq);

// Kernel operations; see the error list at the top. `mtu` must be in 68..65535 (checked here,
// kInvalidArgument otherwise). Prefixes above 32 (128) are kInvalidArgument.
Result<void> SetLinkUp(int ifindex);
Result<void> SetLinkMtu(int ifindex, int mtu);
Result<void> AddAddressIpv4(int ifindex, std::uint32_t local, std::uint8_t prefix,
                            std::optional<std::uint32_t> peer = std::nullopt);
Result<void> DelAddressIpv4(int ifindex, std::uint32_t local, std::uint8_t prefix,
                            std::optional<std::uint32_t> peer = std::nullopt);
Result<void> AddAddressIpv6(int ifindex, const Ipv6Address& address, std::uint8_t prefix);
Result<void> DelAddressIpv6(int ifindex, const Ipv6Address& address, std::uint8_t prefix);
Result<void> AddRouteIpv4(std::uint32_t dst, std::uint8_t prefix, int ifindex,
                          std::optional<std::uint32_t> gateway, std::uint32_t metric);
Result<void> DelRouteIpv4(std::uint32_t dst, std::uint8_t prefix, int ifindex,
                          std::optional<std::uint32_t> gateway, std::uint32_t metric);
Result<void> AddRouteIpv6(const Ipv6Address& dst, std::uint8_t prefix, int ifindex,
                          std::uint32_t metric);
Result<void> DelRouteIpv6(const Ipv6Address& dst, std::uint8_t prefix, int ifindex,
                          std::uint32_t metric);
Result<void> AddUnreachableRouteIpv6(const Ipv6Address& dst, std::uint8_t prefix,
                                     std::uint32_t metric);
Result<void> DelUnreachableRouteIpv6(const Ipv6Address& dst, std::uint8_t prefix,
                                     std::uint32_t metric);

}  // namespace sekisho::net

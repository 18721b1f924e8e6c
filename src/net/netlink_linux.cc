#include "net/netlink_linux.h"

#include "net/ipv4.h"
#include "net/scoped_fd.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

namespace sekisho::net {
namespace {

constexpr int kMinMtu = 68;
constexpr int kMaxMtu = 65535;
// Answers to our requests are one small NLMSG_ERROR; this leaves room for a non-capped echo of
// the request plus extended-ACK attributes.
constexpr std::size_t kReceiveBufferSize = 16384;
// Bound on datagrams read while waiting for one ACK (we join no multicast groups, so anything
// else is unexpected).
constexpr int kMaxReceives = 64;

// Appends one rtnetlink request into a growing buffer, keeping the netlink alignment rules
// (NLMSG_ALIGN / RTA_ALIGN, both 4 bytes) and patching nlmsg_len at the end.
class RequestBuilder {
 public:
  RequestBuilder(std::uint16_t type, std::uint16_t flags, std::uint32_t seq) {
    struct nlmsghdr header {};
    header.nlmsg_type = type;
    header.nlmsg_flags = flags;
    header.nlmsg_seq = seq;
    Append(&header, sizeof(header));
  }

  template <class T>
  void AppendHeader(const T& family_header) {
    Append(&family_header, sizeof(family_header));
  }

  void AddAttribute(std::uint16_t type, ByteSpan payload) {
    struct rtattr attribute {};
    attribute.rta_len = static_cast<std::uint16_t>(RTA_LENGTH(payload.size()));
    attribute.rta_type = type;
    Append(&attribute, sizeof(attribute));
    Append(payload.data(), payload.size());
  }

  void AddU32(std::uint16_t type, std::uint32_t value) {
    AddAttribute(type, ByteSpan(reinterpret_cast<const std::uint8_t*>(&value), sizeof(value)));
  }

  Bytes Finish() && {
    const auto length = static_cast<std::uint32_t>(bytes_.size());
    std::memcpy(bytes_.data() + offsetof(struct nlmsghdr, nlmsg_len), &length, sizeof(length));
    return std::move(bytes_);
  }

 private:
  void Append(const void* data, std::size_t size) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    bytes_.insert(bytes_.end(), p, p + size);
    bytes_.resize(NLMSG_ALIGN(bytes_.size()), 0);
  }

  Bytes bytes_;
};

std::array<std::uint8_t, 4> NetworkOrder(std::uint32_t address) {
  return {static_cast<std::uint8_t>(address >> 24), static_cast<std::uint8_t>(address >> 16),
          static_cast<std::uint8_t>(address >> 8), static_cast<std::uint8_t>(address)};
}

std::uint16_t RequestFlags(NetlinkOp op) {
  return static_cast<std::uint16_t>(op == NetlinkOp::kAdd
                                        ? NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL
                                        : NLM_F_REQUEST | NLM_F_ACK);
}

Bytes BuildAddressRequest(NetlinkOp op, std::uint32_t seq, int ifindex, std::uint8_t family,
                          std::uint8_t prefix, ByteSpan local, ByteSpan address) {
  RequestBuilder builder(op == NetlinkOp::kAdd ? RTM_NEWADDR : RTM_DELADDR, RequestFlags(op), seq);
  struct ifaddrmsg ifa {};
  ifa.ifa_family = family;
  ifa.ifa_prefixlen = prefix;
  ifa.ifa_scope = RT_SCOPE_UNIVERSE;
  ifa.ifa_index = static_cast<std::uint32_t>(ifindex);
  builder.AppendHeader(ifa);
  builder.AddAttribute(IFA_LOCAL, local);
  builder.AddAttribute(IFA_ADDRESS, address);
  return std::move(builder).Finish();
}

namespace {

// The rtmsg of a main-table route. An add is static with `add_scope`; a delete sends what
// iproute2 sends for `ip route del`: the kernel treats scope NOWHERE and protocol 0 as wildcards
// when it looks for the route to delete (fib_table_delete()).
struct rtmsg RouteMessage(NetlinkOp op, std::uint8_t family, std::uint8_t prefix, std::uint8_t type,
                          std::uint8_t add_scope) {
  struct rtmsg rtm {};
  rtm.rtm_family = family;
  rtm.rtm_dst_len = prefix;
  rtm.rtm_table = RT_TABLE_MAIN;
  rtm.rtm_type = type;
  if (op == NetlinkOp::kAdd) {
    rtm.rtm_protocol = RTPROT_STATIC;
    rtm.rtm_scope = add_scope;
  } else {
    rtm.rtm_scope = RT_SCOPE_NOWHERE;
  }
  return rtm;
}

}  // namespace

Bytes BuildRouteRequest(NetlinkOp op, std::uint32_t seq, std::uint8_t family, ByteSpan dst,
                        std::uint8_t prefix, int ifindex, ByteSpan gateway, std::uint32_t metric) {
  RequestBuilder builder(op == NetlinkOp::kAdd ? RTM_NEWROUTE : RTM_DELROUTE, RequestFlags(op),
                         seq);
  builder.AppendHeader(RouteMessage(op, family, prefix, RTN_UNICAST,
                                    gateway.empty() ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE));
  if (prefix > 0) {
    builder.AddAttribute(RTA_DST, dst);
  }
  builder.AddU32(RTA_OIF, static_cast<std::uint32_t>(ifindex));
  if (!gateway.empty()) {
    builder.AddAttribute(RTA_GATEWAY, gateway);
  }
  builder.AddU32(RTA_PRIORITY, metric);
  return std::move(builder).Finish();
}

Bytes BuildUnreachableRequest(NetlinkOp op, std::uint32_t seq, std::uint8_t family, ByteSpan dst,
                              std::uint8_t prefix, std::uint32_t metric) {
  RequestBuilder builder(op == NetlinkOp::kAdd ? RTM_NEWROUTE : RTM_DELROUTE, RequestFlags(op),
                         seq);
  // Universe scope: iproute2's choice for reject routes.
  builder.AppendHeader(RouteMessage(op, family, prefix, RTN_UNREACHABLE, RT_SCOPE_UNIVERSE));
  if (prefix > 0) {
    builder.AddAttribute(RTA_DST, dst);
  }
  builder.AddU32(RTA_PRIORITY, metric);
  return std::move(builder).Finish();
}

Errc ErrcForErrno(int err) {
  switch (err) {
    case EPERM:
    case EACCES: return Errc::kPermission;
    case ENODEV:
    case ESRCH:
    case ENOENT:
    case EADDRNOTAVAIL: return Errc::kNotFound;
    case EINVAL:
    case ERANGE:
    case EAFNOSUPPORT:
    case EOPNOTSUPP: return Errc::kInvalidArgument;
    case EAGAIN: return Errc::kTimeout;
    default: return Errc::kIo;
  }
}

std::string ErrnoText(int err) {
  const char* name = ::strerrorname_np(err);
  return fmt::format("{} ({})", std::strerror(err), name != nullptr ? name : "?");
}

// The kernel's extended-ACK message (NLMSGERR_ATTR_MSG), if the error carries one.
std::string_view ExtendedAckMessage(ByteSpan message, const struct nlmsghdr& header,
                                    const struct nlmsgerr& error) {
  if ((header.nlmsg_flags & NLM_F_ACK_TLVS) == 0) {
    return {};
  }
  // With NETLINK_CAP_ACK (NLM_F_CAPPED) only the header of our request is echoed back.
  std::size_t offset = NLMSG_HDRLEN + sizeof(struct nlmsgerr);
  if ((header.nlmsg_flags & NLM_F_CAPPED) == 0) {
    offset = NLMSG_HDRLEN +
             NLMSG_ALIGN(sizeof(struct nlmsgerr) - sizeof(struct nlmsghdr) + error.msg.nlmsg_len);
  }
  while (offset + sizeof(struct nlattr) <= message.size()) {
    struct nlattr attribute {};
    std::memcpy(&attribute, message.data() + offset, sizeof(attribute));
    if (attribute.nla_len < sizeof(attribute) || offset + attribute.nla_len > message.size()) {
      return {};
    }
    if ((attribute.nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
      std::string_view text =
          AsChars(message.subspan(offset + NLA_HDRLEN, attribute.nla_len - NLA_HDRLEN));
      return text.substr(0, text.find('\0'));
    }
    offset += NLA_ALIGN(attribute.nla_len);
  }
  return {};
}

class NetlinkSocket {
 public:
  static Result<NetlinkSocket> Open() {
    ScopedFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!fd.valid()) {
      const int err = errno;
      return Fail(ErrcForErrno(err), "socket(NETLINK_ROUTE): " + ErrnoText(err));
    }
    // Best effort: extended ACKs give readable reasons ("Invalid prefix for given prefix
    // length"); capped ACKs keep error replies small. Older kernels lack them; that is fine.
    const int one = 1;
    ::setsockopt(fd.get(), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
    ::setsockopt(fd.get(), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
    struct timeval timeout {};
    timeout.tv_sec = static_cast<time_t>(kNetlinkAckTimeout.count());
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) < 0) {
      return Fail(Errc::kIo, "SO_RCVTIMEO: " + ErrnoText(errno));
    }
    return NetlinkSocket(std::move(fd));
  }

  // Sends `request` (whose nlmsg_seq must be `seq`) and waits for its ACK.
  Result<void> Transact(ByteSpan request, std::uint32_t seq) {
    struct sockaddr_nl kernel {};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(fd_.get(), request.data(), request.size(), 0,
                 reinterpret_cast<const struct sockaddr*>(&kernel), sizeof(kernel)) < 0) {
      const int err = errno;
      return Fail(ErrcForErrno(err), "sendto: " + ErrnoText(err));
    }
    Bytes buffer(kReceiveBufferSize);
    for (int i = 0; i < kMaxReceives; ++i) {
      struct sockaddr_nl from {};
      socklen_t from_len = sizeof(from);
      const ssize_t n = ::recvfrom(fd_.get(), buffer.data(), buffer.size(), 0,
                                   reinterpret_cast<struct sockaddr*>(&from), &from_len);
      if (n < 0) {
        const int err = errno;
        if (err == EINTR) {
          continue;
        }
        if (err == EAGAIN || err == EWOULDBLOCK) {
          return Fail(Errc::kTimeout, "no netlink ACK from the kernel");
        }
        return Fail(ErrcForErrno(err), "recvfrom: " + ErrnoText(err));
      }
      if (from.nl_pid != 0) {
        continue;  // Only the kernel (port 0) may answer; ignore anyone else.
      }
      Result<void> ack = ParseAck(ByteSpan(buffer.data(), static_cast<std::size_t>(n)), seq);
      if (ack.has_value() || ack.error().code != Errc::kIncomplete) {
        return ack;
      }
    }
    return Fail(Errc::kProtocol, "netlink: no ACK among the kernel's replies");
  }

  std::uint32_t NextSeq() { return ++seq_; }

 private:
  explicit NetlinkSocket(ScopedFd fd) : fd_(std::move(fd)) {}

  ScopedFd fd_;
  std::uint32_t seq_ = 0;
};

// Opens a socket, sends the request built by `build(seq)` and prefixes errors with `what`.
template <class Build>
Result<void> Run(std::string_view what, Build&& build) {
  SEKISHO_ASSIGN_OR_RETURN(NetlinkSocket socket, NetlinkSocket::Open());
  const std::uint32_t seq = socket.NextSeq();
  const Bytes request = build(seq);
  Result<void> result = socket.Transact(request, seq);
  if (!result.has_value()) {
    return Fail(result.error().code, fmt::format("{}: {}", what, result.error().context));
  }
  return result;
}

Result<void> CheckPrefix(std::uint8_t prefix, std::uint8_t max) {
  if (prefix > max) {
    return Fail(Errc::kInvalidArgument, fmt::format("prefix length {} > {}", prefix, max));
  }
  return Ok();
}

const char* OpName(NetlinkOp op, const char* add, const char* del) {
  return op == NetlinkOp::kAdd ? add : del;
}

Result<void> AddressIpv4(NetlinkOp op, int ifindex, std::uint32_t local, std::uint8_t prefix,
                         std::optional<std::uint32_t> peer) {
  SEKISHO_TRY(CheckPrefix(prefix, 32));
  const std::string what =
      fmt::format("{} ifindex {} {}/{}{}", OpName(op, "RTM_NEWADDR", "RTM_DELADDR"), ifindex,
                  FormatIpv4(local), prefix, peer ? " peer " + FormatIpv4(*peer) : "");
  return Run(what, [&](std::uint32_t seq) {
    return BuildAddressIpv4Request(op, seq, ifindex, local, prefix, peer);
  });
}

Result<void> AddressIpv6(NetlinkOp op, int ifindex, const Ipv6Address& address,
                         std::uint8_t prefix) {
  SEKISHO_TRY(CheckPrefix(prefix, 128));
  const std::string what = fmt::format("{} ifindex {} (IPv6 /{})",
                                       OpName(op, "RTM_NEWADDR", "RTM_DELADDR"), ifindex, prefix);
  return Run(what, [&](std::uint32_t seq) {
    return BuildAddressIpv6Request(op, seq, ifindex, address, prefix);
  });
}

Result<void> RouteIpv4(NetlinkOp op, std::uint32_t dst, std::uint8_t prefix, int ifindex,
                       std::optional<std::uint32_t> gateway, std::uint32_t metric) {
  SEKISHO_TRY(CheckPrefix(prefix, 32));
  const std::string what = fmt::format(
      "{} {}/{} ifindex {}{} metric {}", OpName(op, "RTM_NEWROUTE", "RTM_DELROUTE"),
      FormatIpv4(dst), prefix, ifindex, gateway ? " via " + FormatIpv4(*gateway) : "", metric);
  return Run(what, [&](std::uint32_t seq) {
    return BuildRouteIpv4Request(op, seq, dst, prefix, ifindex, gateway, metric);
  });
}

Result<void> RouteIpv6(NetlinkOp op, const Ipv6Address& dst, std::uint8_t prefix, int ifindex,
                       std::uint32_t metric) {
  SEKISHO_TRY(CheckPrefix(prefix, 128));
  const std::string what =
      fmt::format("{} (IPv6 /{}) ifindex {} metric {}", OpName(op, "RTM_NEWROUTE", "RTM_DELROUTE"),
                  prefix, ifindex, metric);
  return Run(what, [&](std::uint32_t seq) {
    return BuildRouteIpv6Request(op, seq, dst, prefix, ifindex, metric);
  });
}

Result<void> UnreachableRouteIpv6(NetlinkOp op, const Ipv6Address& dst, std::uint8_t prefix,
                                  std::uint32_t metric) {
  SEKISHO_TRY(CheckPrefix(prefix, 128));
  const std::string what = fmt::format("{} unreachable (IPv6 /{}) metric {}",
                                       OpName(op, "RTM_NEWROUTE", "RTM_DELROUTE"), prefix, metric);
  return Run(what, [&](std::uint32_t seq) {
    return BuildUnreachableRouteIpv6Request(op, seq, dst, prefix, metric);
  });
}

}  // namespace

Bytes BuildSetLinkUpRequest(std::uint32_t seq, int ifindex) {
  RequestBuilder builder(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, seq);
  struct ifinfomsg ifi {};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = ifindex;
  ifi.ifi_flags = IFF_UP;
  ifi.ifi_change = IFF_UP;
  builder.AppendHeader(ifi);
  return std::move(builder).Finish();
}

Bytes BuildSetLinkMtuRequest(std::uint32_t seq, int ifindex, std::uint32_t mtu) {
  RequestBuilder builder(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, seq);
  struct ifinfomsg ifi {};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = ifindex;
  builder.AppendHeader(ifi);
  builder.AddU32(IFLA_MTU, mtu);
  return std::move(builder).Finish();
}

Bytes BuildAddressIpv4Request(NetlinkOp op, std::uint32_t seq, int ifindex, std::uint32_t local,
                              std::uint8_t prefix, std::optional<std::uint32_t> peer) {
  const auto local_bytes = NetworkOrder(local);
  const auto address_bytes = NetworkOrder(peer.value_or(local));
  return BuildAddressRequest(op, seq, ifindex, AF_INET, prefix, local_bytes, address_bytes);
}

Bytes BuildAddressIpv6Request(NetlinkOp op, std::uint32_t seq, int ifindex,
                              const Ipv6Address& address, std::uint8_t prefix) {
  return BuildAddressRequest(op, seq, ifindex, AF_INET6, prefix, address, address);
}

Bytes BuildRouteIpv4Request(NetlinkOp op, std::uint32_t seq, std::uint32_t dst, std::uint8_t prefix,
                            int ifindex, std::optional<std::uint32_t> gateway,
                            std::uint32_t metric) {
  const auto dst_bytes = NetworkOrder(dst);
  std::array<std::uint8_t, 4> gateway_bytes{};
  ByteSpan gateway_span;
  if (gateway) {
    gateway_bytes = NetworkOrder(*gateway);
    gateway_span = gateway_bytes;
  }
  return BuildRouteRequest(op, seq, AF_INET, dst_bytes, prefix, ifindex, gateway_span, metric);
}

Bytes BuildRouteIpv6Request(NetlinkOp op, std::uint32_t seq, const Ipv6Address& dst,
                            std::uint8_t prefix, int ifindex, std::uint32_t metric) {
  return BuildRouteRequest(op, seq, AF_INET6, dst, prefix, ifindex, {}, metric);
}

Bytes BuildUnreachableRouteIpv6Request(NetlinkOp op, std::uint32_t seq, const Ipv6Address& dst,
                                       std::uint8_t prefix, std::uint32_t metric) {
  return BuildUnreachableRequest(op, seq, AF_INET6, dst, prefix, metric);
}

Result<void> ParseAck(ByteSpan datagram, std::uint32_t seq) {
  std::size_t offset = 0;
  while (datagram.size() - offset >= sizeof(struct nlmsghdr)) {
    struct nlmsghdr header {};
    std::memcpy(&header, datagram.data() + offset, sizeof(header));
    if (header.nlmsg_len < sizeof(header) || header.nlmsg_len > datagram.size() - offset) {
      return Fail(Errc::kMalformed, "netlink: bad nlmsg_len");
    }
    const ByteSpan message = datagram.subspan(offset, header.nlmsg_len);
    if (header.nlmsg_type == NLMSG_ERROR && header.nlmsg_seq == seq) {
      if (message.size() < NLMSG_HDRLEN + sizeof(struct nlmsgerr)) {
        return Fail(Errc::kMalformed, "netlink: short NLMSG_ERROR");
      }
      struct nlmsgerr error {};
      std::memcpy(&error, message.data() + NLMSG_HDRLEN, sizeof(error));
      if (error.error == 0) {
        return Ok();
      }
      // The kernel sends a negative errno; anything else (a positive value, or INT_MIN, which
      // has no negation) is not an answer we can trust.
      if (error.error > 0 || error.error < -4095) {
        return Fail(Errc::kMalformed, "netlink: NLMSG_ERROR without a valid errno");
      }
      const int err = -error.error;
      std::string context = ErrnoText(err);
      if (std::string_view extack = ExtendedAckMessage(message, header, error); !extack.empty()) {
        context += fmt::format(": {}", extack);
      }
      return Fail(ErrcForErrno(err), std::move(context));
    }
    offset += NLMSG_ALIGN(header.nlmsg_len);
    if (offset >= datagram.size()) {
      break;
    }
  }
  return Fail(Errc::kIncomplete, "netlink: no answer to our request yet");
}

Result<void> SetLinkUp(int ifindex) {
  return Run(fmt::format("RTM_NEWLINK ifindex {} up", ifindex),
             [&](std::uint32_t seq) { return BuildSetLinkUpRequest(seq, ifindex); });
}

Result<void> SetLinkMtu(int ifindex, int mtu) {
  if (mtu < kMinMtu || mtu > kMaxMtu) {
    return Fail(Errc::kInvalidArgument,
                fmt::format("MTU {} outside {}..{}", mtu, kMinMtu, kMaxMtu));
  }
  return Run(fmt::format("RTM_NEWLINK ifindex {} mtu {}", ifindex, mtu), [&](std::uint32_t seq) {
    return BuildSetLinkMtuRequest(seq, ifindex, static_cast<std::uint32_t>(mtu));
  });
}

Result<void> AddAddressIpv4(int ifindex, std::uint32_t local, std::uint8_t prefix,
                            std::optional<std::uint32_t> peer) {
  return AddressIpv4(NetlinkOp::kAdd, ifindex, local, prefix, peer);
}

Result<void> DelAddressIpv4(int ifindex, std::uint32_t local, std::uint8_t prefix,
                            std::optional<std::uint32_t> peer) {
  return AddressIpv4(NetlinkOp::kDelete, ifindex, local, prefix, peer);
}

Result<void> AddAddressIpv6(int ifindex, const Ipv6Address& address, std::uint8_t prefix) {
  return AddressIpv6(NetlinkOp::kAdd, ifindex, address, prefix);
}

Result<void> DelAddressIpv6(int ifindex, const Ipv6Address& address, std::uint8_t prefix) {
  return AddressIpv6(NetlinkOp::kDelete, ifindex, address, prefix);
}

Result<void> AddRouteIpv4(std::uint32_t dst, std::uint8_t prefix, int ifindex,
                          std::optional<std::uint32_t> gateway, std::uint32_t metric) {
  return RouteIpv4(NetlinkOp::kAdd, dst, prefix, ifindex, gateway, metric);
}

Result<void> DelRouteIpv4(std::uint32_t dst, std::uint8_t prefix, int ifindex,
                          std::optional<std::uint32_t> gateway, std::uint32_t metric) {
  return RouteIpv4(NetlinkOp::kDelete, dst, prefix, ifindex, gateway, metric);
}

Result<void> AddRouteIpv6(const Ipv6Address& dst, std::uint8_t prefix, int ifindex,
                          std::uint32_t metric) {
  return RouteIpv6(NetlinkOp::kAdd, dst, prefix, ifindex, metric);
}

Result<void> DelRouteIpv6(const Ipv6Address& dst, std::uint8_t prefix, int ifindex,
                          std::uint32_t metric) {
  return RouteIpv6(NetlinkOp::kDelete, dst, prefix, ifindex, metric);
}

Result<void> AddUnreachableRouteIpv6(const Ipv6Address& dst, std::uint8_t prefix,
                                     std::uint32_t metric) {
  return UnreachableRouteIpv6(NetlinkOp::kAdd, dst, prefix, metric);
}

Result<void> DelUnreachableRouteIpv6(const Ipv6Address& dst, std::uint8_t prefix,
                                     std::uint32_t metric) {
  return UnreachableRouteIpv6(NetlinkOp::kDelete, dst, prefix, metric);
}

}  // namespace sekisho::net

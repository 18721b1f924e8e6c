// Byte-for-byte checks of the rtnetlink requests and of ACK parsing; no sockets. The expected
// bytes carry the same header fields and attributes that `strace -e sendmsg ip ...` shows
// iproute2 sending for the equivalent commands (iproute2 orders RTA_OIF last and uses a
// random seq; neither matters to the kernel).

#include "net/netlink_linux.h"

#include <gtest/gtest.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <vector>

namespace sekisho::net {
namespace {

// Netlink is host byte order; the expectations below are written for little-endian hosts.
class NetlinkMessageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if constexpr (std::endian::native != std::endian::little) {
      GTEST_SKIP() << "expected bytes are little-endian";
    }
  }
};

constexpr std::uint32_t kGateway = 0xC6120001U;  // 198.18.0.1
constexpr std::uint32_t kClient = 0xC6120002U;   // 198.18.0.2

TEST_F(NetlinkMessageTest, SetLinkUp) {
  const Bytes expected = {
      0x20, 0x00, 0x00, 0x00,  // nlmsg_len 32
      0x10, 0x00,              // RTM_NEWLINK
      0x05, 0x00,              // NLM_F_REQUEST | NLM_F_ACK
      0x07, 0x00, 0x00, 0x00,  // seq 7
      0x00, 0x00, 0x00, 0x00,  // pid 0
      0x00, 0x00, 0x00, 0x00,  // AF_UNSPEC, pad, ifi_type
      0x03, 0x00, 0x00, 0x00,  // ifindex 3
      0x01, 0x00, 0x00, 0x00,  // ifi_flags IFF_UP
      0x01, 0x00, 0x00, 0x00,  // ifi_change IFF_UP
  };
  EXPECT_EQ(BuildSetLinkUpRequest(7, 3), expected);
}

TEST_F(NetlinkMessageTest, SetLinkMtu) {
  const Bytes expected = {
      0x28, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x00,  // len 40, RTM_NEWLINK, REQUEST|ACK
      0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seq 1, pid 0
      0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,  // AF_UNSPEC, ifindex 3
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // no flag change
      0x08, 0x00, 0x04, 0x00, 0x78, 0x05, 0x00, 0x00,  // IFLA_MTU 1400
  };
  EXPECT_EQ(BuildSetLinkMtuRequest(1, 3, 1400), expected);
}

TEST_F(NetlinkMessageTest, AddPointToPointAddress) {
  // ip addr add 198.18.0.1/32 peer 198.18.0.2 dev #5
  const Bytes expected = {
      0x28, 0x00, 0x00, 0x00, 0x14, 0x00, 0x05, 0x06,  // len 40, RTM_NEWADDR, +CREATE|EXCL
      0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seq 2, pid 0
      0x02, 0x20, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,  // AF_INET /32, universe, ifindex 5
      0x08, 0x00, 0x02, 0x00, 0xc6, 0x12, 0x00, 0x01,  // IFA_LOCAL 198.18.0.1
      0x08, 0x00, 0x01, 0x00, 0xc6, 0x12, 0x00, 0x02,  // IFA_ADDRESS 198.18.0.2 (peer)
  };
  EXPECT_EQ(BuildAddressIpv4Request(NetlinkOp::kAdd, 2, 5, kGateway, 32, kClient), expected);
}

TEST_F(NetlinkMessageTest, DelPlainAddressUsesLocalAsAddress) {
  const Bytes message = BuildAddressIpv4Request(NetlinkOp::kDelete, 9, 5, kClient, 24, {});
  ASSERT_EQ(message.size(), 40U);
  EXPECT_EQ(message[4], RTM_DELADDR);
  EXPECT_EQ(message[6], NLM_F_REQUEST | NLM_F_ACK);
  EXPECT_EQ(message[7], 0x00);
  EXPECT_EQ(message[17], 24);
  EXPECT_EQ(Bytes(message.begin() + 28, message.end() - 8), (Bytes{0xc6, 0x12, 0x00, 0x02}));
  EXPECT_EQ(Bytes(message.begin() + 36, message.end()), (Bytes{0xc6, 0x12, 0x00, 0x02}));
}

TEST_F(NetlinkMessageTest, AddRouteViaGateway) {
  // ip route add 10.0.0.0/8 via 198.18.0.2 dev #5 metric 100 proto static
  const Bytes expected = {
      0x3c, 0x00, 0x00, 0x00, 0x18, 0x00, 0x05, 0x06,  // len 60, RTM_NEWROUTE, +CREATE|EXCL
      0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seq 3, pid 0
      0x02, 0x08, 0x00, 0x00,                          // AF_INET, dst_len 8, src_len, tos
      0xfe, 0x04, 0x00, 0x01,                          // main, static, universe, unicast
      0x00, 0x00, 0x00, 0x00,                          // rtm_flags
      0x08, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x00,  // RTA_DST 10.0.0.0
      0x08, 0x00, 0x04, 0x00, 0x05, 0x00, 0x00, 0x00,  // RTA_OIF 5
      0x08, 0x00, 0x05, 0x00, 0xc6, 0x12, 0x00, 0x02,  // RTA_GATEWAY 198.18.0.2
      0x08, 0x00, 0x06, 0x00, 0x64, 0x00, 0x00, 0x00,  // RTA_PRIORITY 100
  };
  EXPECT_EQ(BuildRouteIpv4Request(NetlinkOp::kAdd, 3, 0x0A000000U, 8, 5, kClient, 100), expected);
}

TEST_F(NetlinkMessageTest, DeleteDefaultRouteOnLink) {
  // ip route del default dev #5 (metric 0): no RTA_DST, wildcard scope and protocol.
  const Bytes expected = {
      0x2c, 0x00, 0x00, 0x00, 0x19, 0x00, 0x05, 0x00,  // len 44, RTM_DELROUTE, REQUEST|ACK
      0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seq 4, pid 0
      0x02, 0x00, 0x00, 0x00,                          // AF_INET, /0
      0xfe, 0x00, 0xff, 0x01,                          // main, proto 0, NOWHERE, unicast
      0x00, 0x00, 0x00, 0x00,                          // rtm_flags
      0x08, 0x00, 0x04, 0x00, 0x05, 0x00, 0x00, 0x00,  // RTA_OIF 5
      0x08, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00,  // RTA_PRIORITY 0
  };
  EXPECT_EQ(BuildRouteIpv4Request(NetlinkOp::kDelete, 4, 0, 0, 5, {}, 0), expected);
}

TEST_F(NetlinkMessageTest, OnLinkRouteHasLinkScope) {
  const Bytes message = BuildRouteIpv4Request(NetlinkOp::kAdd, 1, 0x0A000000U, 8, 5, {}, 0);
  ASSERT_EQ(message.size(), 52U);
  EXPECT_EQ(message[22], RT_SCOPE_LINK);
}

TEST_F(NetlinkMessageTest, Ipv6AddressAndRoute) {
  Ipv6Address address{0x20, 0x01, 0x0d, 0xb8};  // 2001:db8::1
  address[15] = 1;
  const Bytes addr = BuildAddressIpv6Request(NetlinkOp::kAdd, 1, 5, address, 64);
  ASSERT_EQ(addr.size(), 16U + 8U + 20U + 20U);
  EXPECT_EQ(addr[16], AF_INET6);
  EXPECT_EQ(addr[17], 64);
  EXPECT_EQ(addr[24], 20);  // rta_len of IFA_LOCAL
  EXPECT_EQ(Bytes(addr.begin() + 28, addr.begin() + 44), Bytes(address.begin(), address.end()));

  const Bytes route = BuildRouteIpv6Request(NetlinkOp::kAdd, 2, address, 64, 5, 10);
  ASSERT_EQ(route.size(), 16U + 12U + 20U + 8U + 8U);
  EXPECT_EQ(route[16], AF_INET6);
  EXPECT_EQ(route[17], 64);
  EXPECT_EQ(route[22], RT_SCOPE_LINK);
}

// `ip -6 route add unreachable 8000::/1 metric 7`: rtmsg + RTA_DST + RTA_PRIORITY, no RTA_OIF.
TEST_F(NetlinkMessageTest, Ipv6UnreachableRoute) {
  Ipv6Address upper_half{0x80};
  const Bytes add = BuildUnreachableRouteIpv6Request(NetlinkOp::kAdd, 3, upper_half, 1, 7);
  ASSERT_EQ(add.size(), 16U + 12U + 20U + 8U);
  nlmsghdr header{};
  std::memcpy(&header, add.data(), sizeof(header));
  EXPECT_EQ(header.nlmsg_type, RTM_NEWROUTE);
  EXPECT_EQ(header.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  EXPECT_EQ(header.nlmsg_len, add.size());
  EXPECT_EQ(add[16], AF_INET6);
  EXPECT_EQ(add[17], 1);  // rtm_dst_len
  EXPECT_EQ(add[20], RT_TABLE_MAIN);
  EXPECT_EQ(add[21], RTPROT_STATIC);
  EXPECT_EQ(add[22], RT_SCOPE_UNIVERSE);
  EXPECT_EQ(add[23], RTN_UNREACHABLE);
  EXPECT_EQ(add[28], 20);  // rta_len of RTA_DST
  EXPECT_EQ(add[30], RTA_DST);
  EXPECT_EQ(add[32], 0x80);
  EXPECT_EQ(add[48], 8);  // rta_len of RTA_PRIORITY
  EXPECT_EQ(add[50], RTA_PRIORITY);
  EXPECT_EQ(add[52], 7);

  const Bytes del = BuildUnreachableRouteIpv6Request(NetlinkOp::kDelete, 4, upper_half, 1, 7);
  std::memcpy(&header, del.data(), sizeof(header));
  EXPECT_EQ(header.nlmsg_type, RTM_DELROUTE);
  EXPECT_EQ(header.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
  EXPECT_EQ(del[21], 0);  // any protocol
  EXPECT_EQ(del[22], RT_SCOPE_NOWHERE);
  EXPECT_EQ(del[23], RTN_UNREACHABLE);
}

// An NLMSG_ERROR as the kernel sends it with NETLINK_CAP_ACK, optionally with an extended-ACK
// message attribute.
Bytes MakeAck(std::uint32_t seq, int error, const char* extack = nullptr) {
  Bytes out(NLMSG_HDRLEN + sizeof(nlmsgerr));
  nlmsghdr header{};
  header.nlmsg_type = NLMSG_ERROR;
  header.nlmsg_flags = NLM_F_CAPPED;
  header.nlmsg_seq = seq;
  nlmsgerr body{};
  body.error = error;
  body.msg.nlmsg_len = 40;
  body.msg.nlmsg_seq = seq;
  if (extack != nullptr) {
    header.nlmsg_flags |= NLM_F_ACK_TLVS;
    const std::size_t text_len = std::strlen(extack) + 1;
    nlattr attribute{};
    attribute.nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + text_len);
    attribute.nla_type = NLMSGERR_ATTR_MSG;
    const std::size_t at = out.size();
    out.resize(at + NLA_ALIGN(attribute.nla_len));
    std::memcpy(out.data() + at, &attribute, sizeof(attribute));
    std::memcpy(out.data() + at + NLA_HDRLEN, extack, text_len);
  }
  header.nlmsg_len = static_cast<std::uint32_t>(out.size());
  std::memcpy(out.data(), &header, sizeof(header));
  std::memcpy(out.data() + NLMSG_HDRLEN, &body, sizeof(body));
  return out;
}

TEST_F(NetlinkMessageTest, AckIsOk) { EXPECT_TRUE(ParseAck(MakeAck(7, 0), 7).has_value()); }

TEST_F(NetlinkMessageTest, ErrnoBecomesErrcWithText) {
  Result<void> exists = ParseAck(MakeAck(7, -EEXIST), 7);
  ASSERT_FALSE(exists.has_value());
  EXPECT_EQ(exists.error().code, Errc::kIo);
  EXPECT_EQ(exists.error().context, "File exists (EEXIST)");

  Result<void> no_device = ParseAck(MakeAck(7, -ENODEV), 7);
  ASSERT_FALSE(no_device.has_value());
  EXPECT_EQ(no_device.error().code, Errc::kNotFound);

  Result<void> denied = ParseAck(MakeAck(7, -EPERM), 7);
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().code, Errc::kPermission);

  Result<void> invalid = ParseAck(MakeAck(7, -EINVAL), 7);
  ASSERT_FALSE(invalid.has_value());
  EXPECT_EQ(invalid.error().code, Errc::kInvalidArgument);
}

TEST_F(NetlinkMessageTest, ExtendedAckMessageIsAppended) {
  Result<void> result = ParseAck(MakeAck(7, -EINVAL, "Invalid prefix for given prefix length"), 7);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().context,
            "Invalid argument (EINVAL): Invalid prefix for given prefix length");
}

// Found by tests/fuzz/netlink_reply: negating INT_MIN was undefined behaviour.
TEST_F(NetlinkMessageTest, ErrorOutsideTheErrnoRangeIsMalformed) {
  EXPECT_EQ(ParseAck(MakeAck(7, std::numeric_limits<int>::min()), 7).error().code,
            Errc::kMalformed);
  EXPECT_EQ(ParseAck(MakeAck(7, 5), 7).error().code, Errc::kMalformed);
}

TEST_F(NetlinkMessageTest, OtherSequenceIsIncomplete) {
  Result<void> result = ParseAck(MakeAck(6, 0), 7);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, Errc::kIncomplete);
  EXPECT_EQ(ParseAck({}, 7).error().code, Errc::kIncomplete);
}

TEST_F(NetlinkMessageTest, FindsAckAfterOtherMessages) {
  Bytes datagram = MakeAck(6, -EEXIST);
  const Bytes ours = MakeAck(7, 0);
  datagram.insert(datagram.end(), ours.begin(), ours.end());
  EXPECT_TRUE(ParseAck(datagram, 7).has_value());
}

TEST_F(NetlinkMessageTest, TruncatedIsMalformed) {
  Bytes ack = MakeAck(7, 0);
  ack.resize(ack.size() - 1);
  EXPECT_EQ(ParseAck(ack, 7).error().code, Errc::kMalformed);

  Bytes short_error = MakeAck(7, 0);
  short_error.resize(NLMSG_HDRLEN + 2);
  const std::uint32_t len = static_cast<std::uint32_t>(short_error.size());
  std::memcpy(short_error.data(), &len, sizeof(len));
  EXPECT_EQ(ParseAck(short_error, 7).error().code, Errc::kMalformed);

  Bytes zero_len = MakeAck(7, 0);
  std::memset(zero_len.data(), 0, 4);
  EXPECT_EQ(ParseAck(zero_len, 7).error().code, Errc::kMalformed);
}

TEST_F(NetlinkMessageTest, BadExtendedAckIsIgnored) {
  Bytes ack = MakeAck(7, -EINVAL, "x");
  // Corrupt the attribute length so that it runs past the message.
  ack[NLMSG_HDRLEN + sizeof(nlmsgerr)] = 0xff;
  Result<void> result = ParseAck(ack, 7);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().context, "Invalid argument (EINVAL)");
}

}  // namespace
}  // namespace sekisho::net

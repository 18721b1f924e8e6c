// TUN + netlink against the real kernel. main() moves the whole process into a fresh network
// namespace before any test runs, so every device, address and route created here vanishes
// with the process and the host's namespace is never touched. Without root (or when
// unshare(CLONE_NEWNET) is refused, e.g. in an unprivileged container) every test skips.

#include "net/ipv4.h"
#include "net/netlink_linux.h"
#include "net/scoped_fd.h"
#include "net/tun_config.h"
#include "net/tun_linux.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace sekisho::net {
namespace {

bool g_private_netns = false;
std::string g_skip_reason = "main() did not run";

constexpr std::uint32_t kGateway = 0xC6120001U;  // 198.18.0.1
constexpr std::uint32_t kClient = 0xC6120002U;   // 198.18.0.2
constexpr int kMtu = 1400;

class TunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!g_private_netns) {
      GTEST_SKIP() << g_skip_reason;
    }
  }
};

// Interface facts read back through the classic ioctls, independently of our netlink code.
struct IfInfo {
  int mtu = 0;
  short flags = 0;
  std::uint32_t address = 0;
  std::uint32_t destination = 0;
};

std::optional<IfInfo> QueryInterface(const std::string& name) {
  ScopedFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) {
    return std::nullopt;
  }
  IfInfo info;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFMTU, &ifr) < 0) {
    return std::nullopt;
  }
  info.mtu = ifr.ifr_mtu;
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &ifr) < 0) {
    return std::nullopt;
  }
  info.flags = ifr.ifr_flags;
  if (::ioctl(sock.get(), SIOCGIFADDR, &ifr) == 0) {
    info.address = ntohl(reinterpret_cast<sockaddr_in*>(&ifr.ifr_addr)->sin_addr.s_addr);
  }
  if (::ioctl(sock.get(), SIOCGIFDSTADDR, &ifr) == 0) {
    info.destination = ntohl(reinterpret_cast<sockaddr_in*>(&ifr.ifr_dstaddr)->sin_addr.s_addr);
  }
  return info;
}

void PutU16(Bytes& out, std::size_t at, std::uint16_t v) { StoreU16(&out[at], v); }
void PutU32(Bytes& out, std::size_t at, std::uint32_t v) {
  StoreU16(&out[at], static_cast<std::uint16_t>(v >> 16));
  StoreU16(&out[at + 2], static_cast<std::uint16_t>(v));
}

constexpr std::uint8_t kIcmpProtocol = 1;
constexpr std::uint8_t kIcmpEchoRequest = 8;
constexpr std::uint8_t kIcmpEchoReply = 0;
constexpr std::uint16_t kEchoId = 0x5e15;
constexpr std::uint16_t kEchoSeq = 42;

// IPv4 + ICMP echo request from `src` to `dst` with a recognisable payload.
Bytes MakeEchoRequest(std::uint32_t src, std::uint32_t dst) {
  const std::string payload = "sekisho tun test";
  Bytes packet(kIpv4MinHeaderSize + 8 + payload.size(), 0);
  packet[0] = 0x45;
  PutU16(packet, kIpv4TotalLengthOffset, static_cast<std::uint16_t>(packet.size()));
  packet[6] = 0x40;  // don't fragment
  packet[8] = 64;    // TTL
  packet[kIpv4ProtocolOffset] = kIcmpProtocol;
  PutU32(packet, kIpv4SourceOffset, src);
  PutU32(packet, kIpv4DestinationOffset, dst);
  PutU16(packet, kIpv4ChecksumOffset, InternetChecksum(ByteSpan(packet).first(kIpv4MinHeaderSize)));
  const std::size_t icmp = kIpv4MinHeaderSize;
  packet[icmp] = kIcmpEchoRequest;
  PutU16(packet, icmp + 4, kEchoId);
  PutU16(packet, icmp + 6, kEchoSeq);
  std::memcpy(&packet[icmp + 8], payload.data(), payload.size());
  PutU16(packet, icmp + 2, InternetChecksum(ByteSpan(packet).subspan(icmp)));
  return packet;
}

bool IsEchoReply(ByteSpan packet, std::uint32_t src, std::uint32_t dst) {
  return packet.size() >= kIpv4MinHeaderSize + 8 && Ipv4Source(packet) == src &&
         Ipv4Destination(packet) == dst && packet[kIpv4ProtocolOffset] == kIcmpProtocol &&
         packet[kIpv4MinHeaderSize] == kIcmpEchoReply &&
         LoadU16(&packet[kIpv4MinHeaderSize + 4]) == kEchoId &&
         LoadU16(&packet[kIpv4MinHeaderSize + 6]) == kEchoSeq;
}

// Reads packets for up to ~2 s until one matches the echo reply (the kernel may also emit IPv6
// router solicitations and the like on a fresh link). Returns it, without any vnet header.
std::optional<Bytes> AwaitEchoReply(TunDevice& tun, std::uint32_t src, std::uint32_t dst) {
  const std::size_t skip = tun.vnet_hdr() ? TunDevice::kVirtioNetHdrSize : 0;
  Bytes buffer(65536);
  for (int attempt = 0; attempt < 20; ++attempt) {
    pollfd pfd{tun.fd(), POLLIN, 0};
    if (::poll(&pfd, 1, 100) <= 0) {
      continue;
    }
    while (true) {
      Result<std::size_t> n = tun.Read(buffer);
      if (!n.has_value()) {
        EXPECT_EQ(n.error().code, Errc::kWouldBlock) << n.error().ToString();
        break;
      }
      if (*n < skip) {
        continue;
      }
      ByteSpan packet = ByteSpan(buffer).subspan(skip, *n - skip);
      if (IsEchoReply(packet, src, dst)) {
        return Bytes(packet.begin(), packet.end());
      }
    }
  }
  return std::nullopt;
}

TEST_F(TunTest, OpenNamesDeviceAndCloseRemovesIt) {
  std::string name;
  {
    Result<TunDevice> tun = TunDevice::Open({.name = "sk%d"});
    ASSERT_TRUE(tun.has_value()) << tun.error().ToString();
    name = tun->name();
    EXPECT_EQ(name.rfind("sk", 0), 0U) << name;
    EXPECT_NE(name, "sk%d");
    EXPECT_GT(tun->ifindex(), 0);
    EXPECT_EQ(static_cast<int>(::if_nametoindex(name.c_str())), tun->ifindex());
    EXPECT_FALSE(tun->vnet_hdr());
    EXPECT_NE(::fcntl(tun->fd(), F_GETFL) & O_NONBLOCK, 0);
  }
  EXPECT_EQ(::if_nametoindex(name.c_str()), 0U);
}

TEST_F(TunTest, RejectsOverlongName) {
  Result<TunDevice> tun = TunDevice::Open({.name = "a-name-that-is-too-long"});
  ASSERT_FALSE(tun.has_value());
  EXPECT_EQ(tun.error().code, Errc::kInvalidArgument);
}

TEST_F(TunTest, ReadOnEmptyQueueWouldBlock) {
  Result<TunDevice> tun = TunDevice::Open({.name = "skempty"});
  ASSERT_TRUE(tun.has_value()) << tun.error().ToString();
  std::array<std::uint8_t, 2048> buffer{};
  Result<std::size_t> n = tun->Read(buffer);
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().code, Errc::kWouldBlock);
}

TEST_F(TunTest, PointToPointConfigurationAndPing) {
  Result<TunDevice> tun = TunDevice::Open({.name = "skgw%d"});
  ASSERT_TRUE(tun.has_value()) << tun.error().ToString();
  Result<void> configured = ConfigurePointToPoint(*tun, kGateway, kClient, kMtu);
  ASSERT_TRUE(configured.has_value()) << configured.error().ToString();

  std::optional<IfInfo> info = QueryInterface(tun->name());
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->mtu, kMtu);
  EXPECT_NE(info->flags & IFF_UP, 0);
  EXPECT_NE(info->flags & IFF_POINTOPOINT, 0);
  EXPECT_EQ(info->address, kGateway);
  EXPECT_EQ(info->destination, kClient);

  // The client "sends" a ping to the gateway address; the kernel answers through the TUN.
  Result<void> written = tun->Write(MakeEchoRequest(kClient, kGateway));
  ASSERT_TRUE(written.has_value()) << written.error().ToString();
  std::optional<Bytes> reply = AwaitEchoReply(*tun, kGateway, kClient);
  ASSERT_TRUE(reply.has_value()) << "no echo reply from the kernel";
  EXPECT_EQ(InternetChecksum(ByteSpan(*reply).first(kIpv4MinHeaderSize)), 0);
}

TEST_F(TunTest, SetMtuAtRuntime) {
  Result<TunDevice> tun = TunDevice::Open({.name = "skmtu"});
  ASSERT_TRUE(tun.has_value()) << tun.error().ToString();
  ASSERT_TRUE(ConfigurePointToPoint(*tun, kGateway, kClient, kMtu).has_value());
  ASSERT_TRUE(SetMtu(*tun, 1280).has_value());
  EXPECT_EQ(QueryInterface(tun->name())->mtu, 1280);

  Result<void> too_small = SetMtu(*tun, 20);
  ASSERT_FALSE(too_small.has_value());
  EXPECT_EQ(too_small.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(QueryInterface(tun->name())->mtu, 1280);
}

TEST_F(TunTest, ClientAddressesAndRoutes) {
  Result<TunDevice> tun = TunDevice::Open({.name = "skcl%d"});
  ASSERT_TRUE(tun.has_value()) << tun.error().ToString();
  const std::uint32_t address = 0xC6130102U;  // 198.19.1.2
  Result<void> configured = ConfigureClientTun(*tun, address, 24, kMtu);
  ASSERT_TRUE(configured.has_value()) << configured.error().ToString();
  std::optional<IfInfo> info = QueryInterface(tun->name());
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->address, address);
  EXPECT_EQ(info->mtu, kMtu);

  // Adding the same address twice is EEXIST.
  Result<void> again = AddAddressIpv4(tun->ifindex(), address, 24);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, Errc::kIo);
  EXPECT_NE(again.error().context.find("EEXIST"), std::string::npos) << again.error().context;

  const std::uint32_t split = 0xC6138000U;  // 198.19.128.0/17
  ASSERT_TRUE(AddRouteIpv4(split, 17, tun->ifindex(), {}, 50).has_value());
  EXPECT_FALSE(AddRouteIpv4(split, 17, tun->ifindex(), {}, 50).has_value());
  const std::uint32_t via = 0xC6130101U;  // 198.19.1.1, on the /24
  Result<void> gw_route = AddRouteIpv4(0xC6124000U, 18, tun->ifindex(), via, 7);
  ASSERT_TRUE(gw_route.has_value()) << gw_route.error().ToString();

  Result<void> deleted = DelRouteIpv4(split, 17, tun->ifindex(), {}, 50);
  ASSERT_TRUE(deleted.has_value()) << deleted.error().ToString();
  Result<void> deleted_again = DelRouteIpv4(split, 17, tun->ifindex(), {}, 50);
  ASSERT_FALSE(deleted_again.has_value());
  EXPECT_EQ(deleted_again.error().code, Errc::kNotFound) << deleted_again.error().ToString();
  EXPECT_TRUE(DelRouteIpv4(0xC6124000U, 18, tun->ifindex(), via, 7).has_value());

  Result<void> removed = DelAddressIpv4(tun->ifindex(), address, 24);
  ASSERT_TRUE(removed.has_value()) << removed.error().ToString();
  EXPECT_EQ(QueryInterface(tun->name())->address, 0U);
}

TEST_F(TunTest, NetlinkErrorsCarryErrno) {
  Result<void> result = SetLinkMtu(999999, kMtu);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, Errc::kNotFound);
  EXPECT_NE(result.error().context.find("ENODEV"), std::string::npos) << result.error().context;

  Result<void> bad_prefix = AddAddressIpv4(1, kGateway, 33);
  ASSERT_FALSE(bad_prefix.has_value());
  EXPECT_EQ(bad_prefix.error().code, Errc::kInvalidArgument);
}

TEST_F(TunTest, GatewayTunnelHasNoIpv6) {
  if (::access("/proc/sys/net/ipv6", F_OK) != 0) {
    GTEST_SKIP() << "IPv6 disabled";
  }
  Result<TunDevice> tun = TunDevice::Open({.name = "sk7"});
  ASSERT_TRUE(tun.has_value()) << tun.error().ToString();
  ASSERT_TRUE(ConfigurePointToPoint(*tun, kGateway, kClient, kMtu).has_value());
  std::ifstream flag("/proc/sys/net/ipv6/conf/sk7/disable_ipv6");
  int disabled = 0;
  flag >> disabled;
  EXPECT_EQ(disabled, 1) << "no IPv6 chatter may enter an IPv4-only tunnel";
}

TEST_F(TunTest, Ipv6AddressAndRoute) {
  if (::access("/proc/sys/net/ipv6", F_OK) != 0) {
    GTEST_SKIP() << "IPv6 disabled";
  }
  Result<TunDevice> tun = TunDevice::Open({.name = "sk6"});
  ASSERT_TRUE(tun.has_value()) << tun.error().ToString();
  // The client-side set-up keeps IPv6 on the device (the gateway's point-to-point one does not).
  ASSERT_TRUE(ConfigureClientTun(*tun, kClient, 24, kMtu).has_value());
  Ipv6Address address{0x20, 0x01, 0x0d, 0xb8};  // 2001:db8::1 (documentation prefix)
  address[15] = 1;
  Result<void> added = AddAddressIpv6(tun->ifindex(), address, 64);
  ASSERT_TRUE(added.has_value()) << added.error().ToString();
  Ipv6Address other{0x20, 0x01, 0x0d, 0xb8, 0x00, 0x99};  // 2001:db8:99::/48
  Result<void> route = AddRouteIpv6(other, 48, tun->ifindex(), 5);
  ASSERT_TRUE(route.has_value()) << route.error().ToString();
  EXPECT_TRUE(DelRouteIpv6(other, 48, tun->ifindex(), 5).has_value());
  EXPECT_TRUE(DelAddressIpv6(tun->ifindex(), address, 64).has_value());
}

TEST_F(TunTest, VnetHeaderPing) {
  Result<TunDevice> tun = TunDevice::Open({.name = "skv%d", .vnet_hdr = true});
  ASSERT_TRUE(tun.has_value()) << tun.error().ToString();
  EXPECT_TRUE(tun->vnet_hdr());
  ASSERT_TRUE(ConfigurePointToPoint(*tun, kGateway, kClient, kMtu).has_value());

  // A zeroed virtio_net_hdr means "no offload, checksum complete".
  Bytes framed(TunDevice::kVirtioNetHdrSize, 0);
  const Bytes ping = MakeEchoRequest(kClient, kGateway);
  framed.insert(framed.end(), ping.begin(), ping.end());
  Result<void> written = tun->Write(framed);
  ASSERT_TRUE(written.has_value()) << written.error().ToString();
  EXPECT_TRUE(AwaitEchoReply(*tun, kGateway, kClient).has_value());
}

TEST_F(TunTest, WriteRejectsNonIpPacket) {
  Result<TunDevice> tun = TunDevice::Open({.name = "skbad"});
  ASSERT_TRUE(tun.has_value()) << tun.error().ToString();
  ASSERT_TRUE(ConfigurePointToPoint(*tun, kGateway, kClient, kMtu).has_value());
  std::array<std::uint8_t, 28> junk{};
  junk[0] = 0x75;
  Result<void> written = tun->Write(junk);
  ASSERT_FALSE(written.has_value());
  EXPECT_EQ(written.error().code, Errc::kMalformed) << written.error().ToString();
}

TEST_F(TunTest, FromFdAdoptsExistingDevice) {
  ScopedFd raw(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
  ASSERT_TRUE(raw.valid());
  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::strncpy(ifr.ifr_name, "skadopt", IFNAMSIZ - 1);
  ASSERT_EQ(::ioctl(raw.get(), TUNSETIFF, &ifr), 0) << std::strerror(errno);
  Result<TunDevice> tun = TunDevice::FromFd(std::move(raw));
  ASSERT_TRUE(tun.has_value()) << tun.error().ToString();
  EXPECT_EQ(tun->name(), "skadopt");
  EXPECT_EQ(static_cast<int>(::if_nametoindex("skadopt")), tun->ifindex());
  EXPECT_NE(::fcntl(tun->fd(), F_GETFL) & O_NONBLOCK, 0);

  Result<TunDevice> not_tun = TunDevice::FromFd(ScopedFd(::open("/dev/null", O_RDWR)));
  ASSERT_FALSE(not_tun.has_value());
  EXPECT_EQ(not_tun.error().code, Errc::kInvalidArgument);
}

// Moves the process into a new, empty network namespace. Refuses (leaving g_private_netns
// false) unless the new namespace really holds nothing but lo, so a failed unshare can never
// let the tests create devices in the caller's namespace.
void EnterPrivateNetns() {
  if (::geteuid() != 0) {
    g_skip_reason = "needs root for unshare(CLONE_NEWNET)";
    return;
  }
  if (::unshare(CLONE_NEWNET) != 0) {
    g_skip_reason = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
    return;
  }
  struct if_nameindex* names = ::if_nameindex();
  if (names == nullptr) {
    g_skip_reason = "if_nameindex failed";
    return;
  }
  bool only_lo = true;
  for (struct if_nameindex* it = names; it->if_index != 0; ++it) {
    only_lo = only_lo && std::strcmp(it->if_name, "lo") == 0;
  }
  ::if_freenameindex(names);
  if (!only_lo) {
    g_skip_reason = "new namespace is not empty";
    return;
  }
  if (::access("/dev/net/tun", R_OK | W_OK) != 0) {
    g_skip_reason = "/dev/net/tun not available";
    return;
  }
  g_private_netns = true;
}

}  // namespace
}  // namespace sekisho::net

// Replaces gtest_main's main(): the namespace switch must happen before gtest starts threads.
int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  sekisho::net::EnterPrivateNetns();
  return RUN_ALL_TESTS();
}

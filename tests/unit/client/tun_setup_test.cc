#include "client/tun_setup.h"

#include <gtest/gtest.h>

namespace sekisho::client {
namespace {

// /proc/net/route as the kernel prints it: raw network-order words in %08X (little-endian
// host), so 198.18.0.0 is "000012C6".
constexpr const char* kTable =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
    "eth0\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
    "eth0\t0000A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n"
    "veth\t000012C6\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
    "wlan\t000012C6\t00000000\t0001\t0\t0\t50\t00FFFFFF\t0\t0\t0\n"
    "down\t010012C6\t00000000\t0000\t0\t0\t0\tFFFFFFFF\t0\t0\t0\n";

TEST(FindRouteIpv4Test, PicksLongestPrefixThenLowestMetric) {
  auto route = FindRouteIpv4(kTable, 0xC6120001);  // 198.18.0.1
  ASSERT_TRUE(route.has_value());
  EXPECT_EQ(route->interface, "veth");  // /24 beats the default; metric 0 beats 50
  EXPECT_EQ(route->prefix, 24);
  EXPECT_EQ(route->gateway, 0u);
  EXPECT_EQ(route->destination, 0xC6120000u);
}

TEST(FindRouteIpv4Test, FallsBackToTheDefaultRouteWithItsGateway) {
  auto route = FindRouteIpv4(kTable, 0x08080808);  // 8.8.8.8
  ASSERT_TRUE(route.has_value());
  EXPECT_EQ(route->interface, "eth0");
  EXPECT_EQ(route->prefix, 0);
  EXPECT_EQ(route->gateway, 0xC0A80001u);  // 192.168.0.1
  EXPECT_EQ(route->metric, 100u);
}

TEST(FindRouteIpv4Test, IgnoresRoutesThatAreNotUp) {
  // The /32 to 198.18.0.1 is not RTF_UP, so the /24 still wins.
  auto route = FindRouteIpv4(kTable, 0xC6120001);
  ASSERT_TRUE(route.has_value());
  EXPECT_NE(route->interface, "down");
}

TEST(FindRouteIpv4Test, NoMatchAndGarbage) {
  const char* only_lan =
      "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n"
      "eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\n"
      "garbage line\n"
      "eth1\tZZZZ\t00000000\t0001\t0\t0\t0\t00FFFFFF\n";
  EXPECT_FALSE(FindRouteIpv4(only_lan, 0x08080808).has_value());
  EXPECT_FALSE(FindRouteIpv4("", 0x08080808).has_value());
}

}  // namespace
}  // namespace sekisho::client

#include "client/ipv6_guard.h"

#include <gtest/gtest.h>

namespace sekisho::client {
namespace {

proto::tunnel::ConnectResponse Response() {
  proto::tunnel::ConnectResponse response;
  response.address = "198.18.100.5";
  return response;
}

TEST(Ipv6GuardTest, FullTunnelWithoutIpv6IsGuarded) {
  EXPECT_TRUE(NeedsIpv6Guard(Response(), false));
}

TEST(Ipv6GuardTest, SplitTunnelLeavesIpv6Alone) {
  auto response = Response();
  response.split_include = {"198.18.7.0/255.255.255.0"};
  EXPECT_FALSE(NeedsIpv6Guard(response, false));
}

TEST(Ipv6GuardTest, SplitIncludeOfEverythingIsAFullTunnel) {
  auto response = Response();
  response.split_include = {"198.18.7.0/24", "0.0.0.0/0.0.0.0"};
  EXPECT_TRUE(NeedsIpv6Guard(response, false));
}

TEST(Ipv6GuardTest, SplitExcludeAloneIsStillAFullTunnel) {
  auto response = Response();
  response.split_exclude = {"192.168.0.0/255.255.0.0"};
  EXPECT_TRUE(NeedsIpv6Guard(response, false));
}

TEST(Ipv6GuardTest, Ipv6CarriedByTheTunnelNeedsNoGuard) {
  EXPECT_FALSE(NeedsIpv6Guard(Response(), true));
}

TEST(Ipv6GuardTest, AnOfferedIpv6AddressTheTunIsNotGivenKeepsTheGuard) {
  auto response = Response();
  response.address_ip6 = "2001:db8::5/64";
  EXPECT_TRUE(NeedsIpv6Guard(response, false));
}

}  // namespace
}  // namespace sekisho::client

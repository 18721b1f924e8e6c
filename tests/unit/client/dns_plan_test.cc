#include "client/dns_plan.h"

#include "proto/tunnel/connect_response.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sekisho::client {
namespace {

namespace tunnel = proto::tunnel;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

tunnel::ConnectResponse FullTunnel() {
  tunnel::ConnectResponse response;
  response.address = "198.18.100.5";
  response.dns = {"198.18.7.1", "2001:db8::53"};
  response.default_domain = "corp.example";
  return response;
}

TEST(DnsPlanTest, NoServerMeansNothingToConfigure) {
  tunnel::ConnectResponse response = FullTunnel();
  response.dns.clear();
  response.split_dns = {"corp.example"};
  EXPECT_FALSE(PlanDns(response, true).has_value());
}

TEST(DnsPlanTest, Ipv6ServersOnlyWhenTheTunnelCarriesIpv6) {
  auto plan = PlanDns(FullTunnel(), /*tunnel_carries_ipv6=*/false);
  ASSERT_TRUE(plan);
  EXPECT_THAT(plan->servers, ElementsAre("198.18.7.1"));
  tunnel::ConnectResponse only_ipv6 = FullTunnel();
  only_ipv6.dns = {"2001:db8::53"};
  EXPECT_FALSE(PlanDns(only_ipv6, false).has_value());
}

TEST(DnsPlanTest, FullTunnelSendsEveryNameToTheTunnel) {
  auto plan = PlanDns(FullTunnel(), true);
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->full);
  EXPECT_THAT(plan->servers, ElementsAre("198.18.7.1", "2001:db8::53"));
  EXPECT_THAT(plan->search_domains, ElementsAre("corp.example"));
  EXPECT_THAT(plan->routing_domains, IsEmpty());
}

TEST(DnsPlanTest, SplitDnsDomainsMakeSplitDnsEvenInAFullTunnel) {
  tunnel::ConnectResponse response = FullTunnel();
  response.split_dns = {"intra.example,CORP.example.", "lab.example"};
  auto plan = PlanDns(response, true);
  ASSERT_TRUE(plan);
  EXPECT_FALSE(plan->full);
  // corp.example is already a search domain (which routes too): not repeated.
  EXPECT_THAT(plan->routing_domains, ElementsAre("intra.example", "lab.example"));
}

TEST(DnsPlanTest, SplitTunnelMakesSplitDns) {
  tunnel::ConnectResponse response = FullTunnel();
  response.split_include = {"198.18.7.0/255.255.255.0"};
  auto plan = PlanDns(response, true);
  ASSERT_TRUE(plan);
  EXPECT_FALSE(plan->full);
  EXPECT_THAT(plan->search_domains, ElementsAre("corp.example"));
}

TEST(DnsPlanTest, TunnelAllDnsWinsOverSplit) {
  tunnel::ConnectResponse response = FullTunnel();
  response.split_include = {"198.18.7.0/255.255.255.0"};
  response.split_dns = {"intra.example"};
  response.tunnel_all_dns = true;
  auto plan = PlanDns(response, true);
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->full);
}

TEST(DnsPlanTest, SeveralDefaultDomainsAndDuplicates) {
  tunnel::ConnectResponse response = FullTunnel();
  response.dns = {"198.18.7.1", "198.18.7.1"};
  response.default_domain = "a.example  b.example A.EXAMPLE.";
  auto plan = PlanDns(response, true);
  ASSERT_TRUE(plan);
  EXPECT_THAT(plan->servers, ElementsAre("198.18.7.1"));
  EXPECT_THAT(plan->search_domains, ElementsAre("a.example", "b.example"));
}

constexpr std::string_view kHostResolvConf =
    "# from DHCP\n"
    "domain home.lan\n"
    "search home.lan\tother.lan\n"
    "nameserver 192.168.1.1\n"
    "nameserver 192.168.1.2\n"
    "options edns0 trust-ad\n";

TEST(DnsPlanTest, ResolvConfFullReplacesTheHostServers) {
  auto plan = PlanDns(FullTunnel(), true);
  ASSERT_TRUE(plan);
  EXPECT_EQ(RenderResolvConf(*plan, kHostResolvConf, "sekisho0"),
            "# Written by sekisho for the VPN on sekisho0; the previous file comes back when "
            "it ends.\n"
            "nameserver 198.18.7.1\n"
            "nameserver 2001:db8::53\n"
            "search corp.example\n"
            "options edns0 trust-ad\n");
}

TEST(DnsPlanTest, ResolvConfSplitPutsTheTunnelFirstAndKeepsTheHost) {
  tunnel::ConnectResponse response = FullTunnel();
  response.split_dns = {"intra.example"};
  auto plan = PlanDns(response, true);
  ASSERT_TRUE(plan);
  EXPECT_EQ(RenderResolvConf(*plan, kHostResolvConf, "tun7"),
            "# Written by sekisho for the VPN on tun7; the previous file comes back when it "
            "ends.\n"
            "nameserver 198.18.7.1\n"
            "nameserver 2001:db8::53\n"
            "nameserver 192.168.1.1\n"  // third and last: glibc reads no more
            "search corp.example home.lan other.lan\n"
            "options edns0 trust-ad\n");
}

TEST(DnsPlanTest, ResolvConfFromAnEmptyFile) {
  DnsPlan plan;
  plan.servers = {"198.18.7.1"};
  plan.full = true;
  EXPECT_EQ(RenderResolvConf(plan, "", "t"),
            "# Written by sekisho for the VPN on t; the previous file comes back when it "
            "ends.\n"
            "nameserver 198.18.7.1\n");
}

}  // namespace
}  // namespace sekisho::client

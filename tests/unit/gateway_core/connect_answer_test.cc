// The CONNECT answer as a value: per-group network settings, MTUs, timeouts and the DTLS offer.

#include "gateway/connect_answer.h"

#include <gtest/gtest.h>

#include <memory>

namespace sekisho::gateway {
namespace {

namespace tunnel = proto::tunnel;

class ConnectAnswerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = ParseConfig(R"(
[tls]
certificate = "c.pem"
private_key = "k.pem"
[auth]
password_file = "passwd"
cookie_timeout = 600
[network]
ipv4_pool = "198.18.100.0/24"
dns = ["198.18.100.1"]
routes = ["198.18.200.0/24", "198.18.201.0/24"]
default_domain = "corp.example"
split_dns = ["corp.example"]
exclude_routes = ["198.18.200.128/25"]
[tunnel]
dpd = 30
keepalive = 20
idle_timeout = 0
session_timeout = 86400
rekey_time = 3600
rekey_method = "ssl"
banner = "Welcome"
[[group]]
name = "staff"
default = true
[[group]]
name = "guests"
ipv4_pool = "198.18.102.0/23"
dns = ["1.1.1.1", "1.0.0.1"]
routes = []
exclude_routes = ["192.168.0.0/16", "10.0.0.0/8"]
default_domain = "guest.example"
split_dns = ["guest.example", "wifi.example"]
banner = "Guests only"
)",
                              "");
    ASSERT_TRUE(config.has_value()) << (config ? "" : config.error().ToString());
    config_ = std::make_unique<GatewayConfig>(std::move(*config));
    grant_.ok = true;
    grant_.group = "staff";
    grant_.ipv4 = 0xC6126405;  // 198.18.100.5
    grant_.session_remaining_s = 5000;
    mtus_ = {.base_mtu = 1406, .cstp_mtu = 1337, .dtls_mtu = 1350};
  }

  tunnel::ConnectResponse Answer(std::string_view hostname,
                                 std::optional<ConnectAnswerDtls> dtls = std::nullopt) {
    return BuildConnectAnswer(*config_, grant_, hostname, mtus_, std::move(dtls));
  }

  std::unique_ptr<GatewayConfig> config_;
  proto::ipc::ConnectReply grant_;
  tunnel::MtuPlan mtus_;
};

TEST_F(ConnectAnswerTest, DefaultGroupGetsTheGlobalNetworkSettings) {
  tunnel::ConnectResponse r = Answer("laptop-1.corp");
  EXPECT_EQ(r.hostname, "laptop-1.corp");
  EXPECT_EQ(r.address, "198.18.100.5");
  EXPECT_EQ(r.netmask, "255.255.255.0");
  EXPECT_EQ(r.dns, std::vector<std::string>{"198.18.100.1"});
  EXPECT_EQ(r.split_include,
            (std::vector<std::string>{"198.18.200.0/255.255.255.0", "198.18.201.0/255.255.255.0"}));
  EXPECT_FALSE(r.tunnel_all_dns);
  EXPECT_EQ(r.split_dns, std::vector<std::string>{"corp.example"});
  EXPECT_EQ(r.default_domain, "corp.example");
  EXPECT_EQ(r.split_exclude, std::vector<std::string>{"198.18.200.128/255.255.255.128"});
  EXPECT_EQ(r.banner, "Welcome");
  EXPECT_FALSE(r.dtls.has_value());
}

TEST_F(ConnectAnswerTest, GroupOverridesAndUnknownGroupFallsBackToDefault) {
  grant_.group = "guests";
  tunnel::ConnectResponse guests = Answer("h");
  EXPECT_EQ(guests.netmask, "255.255.254.0");
  EXPECT_EQ(guests.dns, (std::vector<std::string>{"1.1.1.1", "1.0.0.1"}));
  EXPECT_TRUE(guests.split_include.empty());
  EXPECT_TRUE(guests.tunnel_all_dns);  // no route: all traffic, all DNS
  EXPECT_EQ(guests.split_exclude,
            (std::vector<std::string>{"192.168.0.0/255.255.0.0", "10.0.0.0/255.0.0.0"}));
  EXPECT_EQ(guests.default_domain, "guest.example");
  EXPECT_EQ(guests.split_dns, (std::vector<std::string>{"guest.example", "wifi.example"}));
  EXPECT_EQ(guests.banner, "Guests only");
  grant_.group = "gone";
  EXPECT_EQ(Answer("h").banner, "Welcome");
}

TEST_F(ConnectAnswerTest, HostnameMustBeAPlainName) {
  EXPECT_EQ(Answer("").hostname, "client");
  EXPECT_EQ(Answer("bad name").hostname, "client");
  EXPECT_EQ(Answer("evil\r\nX-Injected: 1").hostname, "client");
  EXPECT_EQ(Answer(std::string(64, 'a')).hostname, "client");
  EXPECT_EQ(Answer(std::string(63, 'a')).hostname, std::string(63, 'a'));
}

TEST_F(ConnectAnswerTest, MtusTimeoutsAndRekey) {
  tunnel::ConnectResponse r = Answer("h");
  EXPECT_EQ(r.mtu, 1337U);
  EXPECT_EQ(r.base_mtu, 1406U);
  EXPECT_EQ(r.dpd_s, 30U);
  EXPECT_EQ(r.keepalive_s, 20U);
  EXPECT_FALSE(r.idle_timeout_s.has_value());  // 0 = "none"
  EXPECT_EQ(r.session_timeout_s, 86400U);
  EXPECT_EQ(r.session_timeout_remaining_s, 5000U);
  EXPECT_EQ(r.disconnected_timeout_s, 600U);
  EXPECT_EQ(r.rekey_time_s, 3600U);
  EXPECT_EQ(r.rekey_method, "new-tunnel");  // never "ssl": no renegotiation (decision #17)
  grant_.session_remaining_s = 0;
  EXPECT_FALSE(Answer("h").session_timeout_remaining_s.has_value());
  EXPECT_EQ(r.extra.size(), 3U);
}

TEST_F(ConnectAnswerTest, RekeyNoneIsNotAnnounced) {
  auto config = ParseConfig(R"(
[tls]
certificate = "c.pem"
private_key = "k.pem"
[auth]
password_file = "passwd"
[network]
ipv4_pool = "198.18.100.0/24"
[tunnel]
rekey_method = "none"
)",
                            "");
  ASSERT_TRUE(config.has_value());
  EXPECT_EQ(BuildConnectAnswer(*config, grant_, "h", mtus_, std::nullopt).rekey_method, "");
}

TEST_F(ConnectAnswerTest, DtlsMtuOnlyForResumedModes) {
  ConnectAnswerDtls psk;
  psk.headers.port = 443;
  psk.headers.app_id_hex = "abcd";
  psk.mode = tunnel::DtlsMode::kPsk;
  tunnel::ConnectResponse r = Answer("h", psk);
  ASSERT_TRUE(r.dtls.has_value());
  EXPECT_EQ(r.dtls->port, 443);
  EXPECT_EQ(r.dtls->app_id_hex, "abcd");
  EXPECT_EQ(r.dtls->mtu, 0U);  // PSK clients compute it themselves (§8.6)

  ConnectAnswerDtls resumed;
  resumed.headers.port = 443;
  resumed.headers.ciphersuite = "AES256-SHA";
  resumed.mode = tunnel::DtlsMode::kLegacy09;
  r = Answer("h", resumed);
  ASSERT_TRUE(r.dtls.has_value());
  EXPECT_EQ(r.dtls->mtu, 1350U);
}

}  // namespace
}  // namespace sekisho::gateway

#include "gateway/config.h"

#include "unit/gateway/minimal_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace sekisho::gateway {
namespace {

constexpr std::string_view kMinimal = test_configs::kMinimalConfig;

Result<GatewayConfig> Parse(std::string_view text) {
  return ParseConfig(text, "/etc/sekisho/sekishod.toml");
}

// Asserts failure and returns the message.
std::string ErrorOf(std::string_view text) {
  auto c = Parse(text);
  EXPECT_FALSE(c.has_value());
  if (c.has_value()) {
    return {};
  }
  EXPECT_EQ(c.error().code, Errc::kConfig);
  return c.error().context;
}

TEST(Ipv4CidrTest, ParseAndFormat) {
  auto c = ParseIpv4Cidr("192.168.1.0/24");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->network, 0xC0A80100u);
  EXPECT_EQ(c->prefix_len, 24);
  EXPECT_EQ(c->ToString(), "192.168.1.0/24");
  EXPECT_EQ(c->MaskDotted(), "255.255.255.0");
  EXPECT_EQ(c->ToNetMask(), "192.168.1.0/255.255.255.0");
  EXPECT_EQ(c->size(), 256u);
  EXPECT_TRUE(c->Contains(0xC0A801FFu));
  EXPECT_FALSE(c->Contains(0xC0A80200u));
  EXPECT_EQ(ParseIpv4Cidr("0.0.0.0/0")->MaskDotted(), "0.0.0.0");
  EXPECT_EQ(ParseIpv4Cidr("10.1.2.3")->prefix_len, 32);
}

TEST(Ipv4CidrTest, RejectsBadInput) {
  for (const char* bad :
       {"", "10.0.0.0/", "10.0.0.0/33", "10.0.0/8", "10.0.0.256/32", "10.0.0.01/32", "a.b.c.d/8",
        "10.0.0.0/-1", "10.0.0.0/24/1", "10.0.0.1/24", " 10.0.0.0/8"}) {
    EXPECT_FALSE(ParseIpv4Cidr(bad).has_value()) << bad;
  }
  EXPECT_NE(ParseIpv4Cidr("10.0.0.1/24").error().context.find("10.0.0.0/24"), std::string::npos);
}

TEST(Ipv4CidrTest, Overlaps) {
  auto a = *ParseIpv4Cidr("10.0.0.0/16");
  auto b = *ParseIpv4Cidr("10.0.5.0/24");
  auto c = *ParseIpv4Cidr("10.1.0.0/16");
  EXPECT_TRUE(a.Overlaps(b));
  EXPECT_TRUE(b.Overlaps(a));
  EXPECT_FALSE(a.Overlaps(c));
}

TEST(ConfigTest, MinimalGetsDefaults) {
  auto c = Parse(kMinimal);
  ASSERT_TRUE(c.has_value()) << c.error().context;
  EXPECT_EQ(c->listen.address, "0.0.0.0");
  EXPECT_EQ(c->listen.port, 443);
  EXPECT_EQ(c->tls.certificate, "/etc/sekisho/server.pem");  // relative to the config file
  EXPECT_EQ(c->tls.private_key, "/etc/sekisho/server.key");
  EXPECT_EQ(c->auth.password_file, "/etc/sekisho/users");
  EXPECT_EQ(c->auth.max_login_attempts, 3u);
  EXPECT_EQ(c->auth.cookie_timeout_s, 300u);
  EXPECT_EQ(c->auth.cert_user_oid, "2.5.4.3");
  EXPECT_EQ(c->network.mtu, 1500u);
  EXPECT_TRUE(c->network.routes.empty());
  EXPECT_EQ(c->tunnel.dpd_s, 90u);
  EXPECT_EQ(c->tunnel.keepalive_s, 32400u);
  EXPECT_EQ(c->tunnel.rekey_time_s, 172800u);
  EXPECT_EQ(c->tunnel.rekey_method, RekeyMethod::kSsl);
  EXPECT_TRUE(c->dtls.enabled);
  EXPECT_EQ(c->control.socket, "/run/sekishod.sock");
  EXPECT_EQ(c->log.level, "info");
  ASSERT_EQ(c->groups.size(), 1u);
  EXPECT_EQ(c->DefaultGroup().name, "default");
  EXPECT_EQ(c->PoolOf(c->DefaultGroup()).ToString(), "10.10.0.0/24");
}

TEST(ConfigTest, FullConfigAndGroups) {
  auto c = Parse(R"(
[listen]
address = "192.0.2.1"
port = 8443
[tls]
certificate = "/c.pem"
private_key = "/k.pem"
ca_certificates = "ca.pem"
allow_tls13 = false
priority = "NORMAL"
[auth]
password_file = "/p"
max_login_attempts = 5
cookie_timeout = 600
cert_user_oid = "0.9.2342.19200300.100.1.1"
cert_group_oid = "2.5.4.11"
[auth.throttle]
max_failures = 3
user_max_failures = 7
window = 60
backoff = 10
max_backoff = 100
max_tracked = 100
[network]
ipv4_pool = "10.10.0.0/24"
dns = ["10.10.0.1", "192.0.2.53"]
routes = ["10.0.0.0/8", "192.168.0.0/16"]
mtu = 1400
default_domain = "corp.example"
split_dns = ["corp.example"]
[tunnel]
dpd = 30
keepalive = 20
idle_timeout = 1800
session_timeout = 86400
rekey_time = 3600
rekey_method = "new-tunnel"
banner = "Welcome"
max_sessions = 100
tun_name = "vpn"
[dtls]
enabled = true
legacy = false
[control]
socket = "/tmp/x.sock"
[log]
level = "debug"
[downloads]
"corp.xml" = "profiles/corp.xml"
[[group]]
name = "staff"
aliases = ["Staff", "employees"]
[[group]]
name = "guests"
label = "Guest Wi-Fi & Visitors – 2nd floor"
default = true
ipv4_pool = "10.20.0.0/24"
dns = ["1.1.1.1"]
routes = []
banner = "Guests only"
profile = "/etc/sekisho/guest.xml"
)");
  ASSERT_TRUE(c.has_value()) << c.error().context;
  EXPECT_EQ(c->listen.port, 8443);
  EXPECT_EQ(c->tls.ca_certificates, "/etc/sekisho/ca.pem");
  EXPECT_FALSE(c->tls.allow_tls13);
  EXPECT_EQ(c->auth.throttle.max_failures, 3u);
  EXPECT_EQ(c->auth.throttle.user_max_failures, 7u);
  EXPECT_EQ(c->network.dns.size(), 2u);
  EXPECT_EQ(c->network.routes[1].ToNetMask(), "192.168.0.0/255.255.0.0");
  EXPECT_EQ(c->tunnel.rekey_method, RekeyMethod::kNewTunnel);
  EXPECT_FALSE(c->dtls.legacy);
  ASSERT_EQ(c->downloads.files.size(), 1u);
  EXPECT_EQ(c->downloads.files[0].path, "/etc/sekisho/profiles/corp.xml");
  ASSERT_EQ(c->groups.size(), 2u);
  EXPECT_EQ(c->DefaultGroup().name, "guests");
  EXPECT_FALSE(c->groups[0].is_default);
  EXPECT_EQ(c->FindGroup("employees"), &c->groups[0]);
  EXPECT_EQ(GatewayConfig::LabelOf(c->groups[0]), "Staff");
  EXPECT_EQ(GatewayConfig::LabelOf(c->groups[1]), "Guest Wi-Fi & Visitors – 2nd floor");
  EXPECT_EQ(c->FindGroup("Guest Wi-Fi & Visitors – 2nd floor"), &c->groups[1]);
  EXPECT_EQ(c->FindGroup("nobody"), nullptr);
  const GroupConfig& guests = c->groups[1];
  EXPECT_EQ(c->PoolOf(guests).ToString(), "10.20.0.0/24");
  EXPECT_EQ(c->DnsOf(guests).size(), 1u);
  EXPECT_TRUE(c->RoutesOf(guests).empty());  // explicit empty list: all traffic
  EXPECT_EQ(c->RoutesOf(c->groups[0]).size(), 2u);
  EXPECT_EQ(c->BannerOf(c->groups[0]), "Welcome");
  EXPECT_EQ(c->BannerOf(guests), "Guests only");

  std::string described = DescribeConfig(*c);
  EXPECT_NE(described.find("8443"), std::string::npos);
  EXPECT_NE(described.find("guests (default)"), std::string::npos);
}

TEST(ConfigTest, FirstGroupIsDefaultWhenNoneSaysSo) {
  auto c = Parse(std::string(kMinimal) + "[[group]]\nname = \"a\"\n[[group]]\nname = \"b\"\n");
  ASSERT_TRUE(c.has_value()) << c.error().context;
  EXPECT_TRUE(c->groups[0].is_default);
  EXPECT_FALSE(c->groups[1].is_default);
}

TEST(ConfigTest, UnknownKeysAreErrorsWithLine) {
  std::string e = ErrorOf(std::string(kMinimal) + "[tunnel]\ndpdd = 5\n");
  EXPECT_NE(e.find("/etc/sekisho/sekishod.toml:10:1: unknown key tunnel.dpdd"), std::string::npos)
      << e;
  EXPECT_NE(ErrorOf(std::string(kMinimal) + "[bogus]\n").find("unknown key bogus"),
            std::string::npos);
  EXPECT_NE(ErrorOf(std::string(kMinimal) + "[[group]]\nname = \"a\"\nbaner = \"x\"\n")
                .find("unknown key group.baner"),
            std::string::npos);
}

TEST(ConfigTest, SyntaxErrorsCarryPosition) {
  std::string e = ErrorOf("[listen]\nport = \n");
  EXPECT_NE(e.find("/etc/sekisho/sekishod.toml:2:"), std::string::npos) << e;
}

TEST(ConfigTest, ReportsAllProblemsAtOnce) {
  std::string e = ErrorOf(R"(
[listen]
port = 70000
address = "not-an-ip"
[tls]
certificate = 5
[network]
ipv4_pool = "10.0.0.1/24"
dns = ["10.0.0.300"]
mtu = 100
[tunnel]
rekey_method = "sometimes"
[log]
level = "loud"
)");
  for (const char* needle : {"listen.port must be between 1 and 65535", "listen.address",
                             "tls.certificate must be a string", "tls.private_key is required",
                             "did you mean 10.0.0.0/24", "network.dns", "network.mtu",
                             "tunnel.rekey_method", "log.level"}) {
    EXPECT_NE(e.find(needle), std::string::npos) << needle << " in\n" << e;
  }
}

TEST(ConfigTest, GroupValidation) {
  std::string base = std::string(kMinimal);
  EXPECT_NE(
      ErrorOf(base + "[[group]]\nname=\"a\"\ndefault=true\n[[group]]\nname=\"b\"\ndefault=true\n")
          .find("second group with default"),
      std::string::npos);
  EXPECT_NE(ErrorOf(base + "[[group]]\nname=\"a\"\n[[group]]\nname=\"b\"\naliases=[\"a\"]\n")
                .find("already used"),
            std::string::npos);
  EXPECT_NE(ErrorOf(base + "[[group]]\nname=\"a\"\n[[group]]\nname=\"b\"\nlabel=\"a\"\n")
                .find("already used"),
            std::string::npos);
  for (const char* label : {"", "tab\\there", "bell\\u0007", "c1\\u0085"}) {
    EXPECT_NE(ErrorOf(base + "[[group]]\nname=\"a\"\nlabel=\"" + label + "\"\n")
                  .find("group.label must be"),
              std::string::npos)
        << label;
  }
  EXPECT_NE(ErrorOf(base + "[[group]]\nname=\"a\"\nlabel=\"" + std::string(129, 'x') + "\"\n")
                .find("group.label must be"),
            std::string::npos);
  // An excluded network over the group's own pool.
  EXPECT_NE(ErrorOf(base + "[[group]]\nname=\"a\"\nexclude_routes=[\"10.10.0.0/16\"]\n")
                .find("exclude_routes of group \"a\" (10.10.0.0/16) overlaps its address pool"),
            std::string::npos);
  EXPECT_NE(ErrorOf(base + "[[group]]\nname=\"a\"\nsplit_dns=[\"two words\"]\n")
                .find("group.split_dns entries must be single domain names"),
            std::string::npos);
  // Overlapping pools: a group pool inside the global pool used by another group.
  EXPECT_NE(ErrorOf(base + "[[group]]\nname=\"a\"\n[[group]]\nname=\"b\"\n"
                           "ipv4_pool=\"10.10.0.128/25\"\n")
                .find("overlaps"),
            std::string::npos);
  // No global pool, and a group without its own.
  std::string no_pool = R"(
[tls]
certificate = "c"
private_key = "k"
[auth]
password_file = "p"
[[group]]
name = "a"
ipv4_pool = "10.1.0.0/24"
[[group]]
name = "b"
)";
  EXPECT_NE(ErrorOf(no_pool).find("group \"b\" has no ipv4_pool"), std::string::npos);
  // The global pool may overlap nothing if no group uses it.
  auto ok = Parse(R"(
[tls]
certificate = "c"
private_key = "k"
[auth]
password_file = "p"
[network]
ipv4_pool = "10.0.0.0/8"
[[group]]
name = "a"
ipv4_pool = "10.1.0.0/24"
)");
  EXPECT_TRUE(ok.has_value()) << ok.error().context;
  EXPECT_NE(ErrorOf(base + "[[group]]\nname=\"a b\"\n").find("group.name"), std::string::npos);
  EXPECT_NE(ErrorOf(base + "[network]\n").find("network"), std::string::npos);  // redefined table
}

TEST(ConfigTest, PoolLimits) {
  EXPECT_NE(ErrorOf("[tls]\ncertificate=\"c\"\nprivate_key=\"k\"\n[auth]\npassword_file=\"p\"\n"
                    "[network]\nipv4_pool=\"10.0.0.0/31\"\n")
                .find("between /8 and /30"),
            std::string::npos);
}

TEST(ConfigTest, NeedsAnAuthenticationMethod) {
  EXPECT_NE(ErrorOf("[tls]\ncertificate=\"c\"\nprivate_key=\"k\"\n[network]\n"
                    "ipv4_pool=\"10.0.0.0/24\"\n")
                .find("no authentication method"),
            std::string::npos);
  auto certs_only = Parse(
      "[tls]\ncertificate=\"c\"\nprivate_key=\"k\"\nca_certificates=\"ca\"\n"
      "[network]\nipv4_pool=\"10.0.0.0/24\"\n");
  EXPECT_TRUE(certs_only.has_value());
}

TEST(ConfigTest, LoadConfigReadsFileAndResolvesRelativeToIt) {
  auto dir = std::filesystem::temp_directory_path() /
             ("sekisho_config_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / "sekishod.toml";
  std::ofstream(path) << kMinimal;
  auto c = LoadConfig(path.string());
  ASSERT_TRUE(c.has_value()) << c.error().context;
  EXPECT_EQ(c->auth.password_file, (dir / "users").string());
  EXPECT_EQ(LoadConfig((dir / "missing.toml").string()).error().code, Errc::kIo);
  std::filesystem::remove_all(dir);
}

TEST(ConfigTest, ExampleFileIsValid) {
  const char* data = std::getenv("SEKISHO_TEST_DATA");
  if (data == nullptr) {
    GTEST_SKIP() << "SEKISHO_TEST_DATA not set";
  }
  auto example = std::filesystem::path(data) / ".." / ".." / "examples" / "sekishod.toml";
  auto c = LoadConfig(example.lexically_normal().string());
  ASSERT_TRUE(c.has_value()) << c.error().context;
  EXPECT_GE(c->groups.size(), 2u);
}

}  // namespace
}  // namespace sekisho::gateway

#include "client/pushed_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace sekisho::client {
namespace {

using ::testing::HasSubstr;

constexpr std::uint32_t kGateway = 0xC6120001;  // 198.18.0.1

// A sane answer in the shape of anyconnect.md §6.1 (ocserv 1.1.6).
proto::http::HeaderList SaneHeaders() {
  return {
      {"X-CSTP-Version", "1"},
      {"X-CSTP-Server-Name", "ocserv 1.1.6"},
      {"X-CSTP-Default-Domain", "example.com"},
      {"X-CSTP-Address", "198.18.10.190"},
      {"X-CSTP-Netmask", "255.255.255.0"},
      {"X-CSTP-Address-IP6", "fd00::5/128"},
      {"X-CSTP-DNS", "198.18.10.1"},
      {"X-CSTP-DNS-IP6", "fd00::1"},
      {"X-CSTP-NBNS", "198.18.10.2"},
      {"X-CSTP-Split-DNS", "example.com"},
      {"X-CSTP-Split-Include", "198.18.20.0/255.255.255.0"},
      {"X-CSTP-Split-Include", "198.18.21.0/24"},
      {"X-CSTP-Split-Include-IP6", "fd00:1::/64"},
      {"X-CSTP-Split-Exclude", "198.18.20.128/255.255.255.128"},
      {"X-CSTP-Split-Exclude", "0.0.0.0/255.255.255.255"},
      {"X-CSTP-Base-MTU", "1500"},
      {"X-CSTP-MTU", "1434"},
      {"X-DTLS-MTU", "1434"},
      {"X-CSTP-Banner", "Doc banner"},
  };
}

// The sane answer with one header added (or, when `replace`, the first of that name replaced).
proto::http::HeaderList With(std::string name, std::string value, bool replace = true) {
  auto headers = SaneHeaders();
  for (auto& header : headers) {
    if (replace && header.name == name) {
      header.value = value;
      return headers;
    }
  }
  headers.push_back({std::move(name), std::move(value)});
  return headers;
}

TEST(PushedConfigTest, AcceptsTheDocumentedAnswers) {
  EXPECT_TRUE(CheckPushedConfig(SaneHeaders(), kGateway));
  EXPECT_TRUE(CheckPushedConfig(SaneHeaders(), std::nullopt));
  // Full tunnel: no split routes, or 0.0.0.0/0 explicitly; the gateway keeps its host route.
  EXPECT_TRUE(CheckPushedConfig(With("X-CSTP-Split-Include", "0.0.0.0/0.0.0.0"), kGateway));
  EXPECT_TRUE(CheckPushedConfig(With("X-CSTP-Split-Include", "0.0.0.0/0"), kGateway));
  // Several search domains, space separated; a trailing dot; underscores.
  EXPECT_TRUE(
      CheckPushedConfig(With("X-CSTP-Default-Domain", "a.example b_c.example. x"), kGateway));
  EXPECT_TRUE(CheckPushedConfig(With("X-CSTP-Split-DNS", "a.example,b.example"), kGateway));
  // Legacy IPv6 form (§6.3): X-CSTP-Address holds an IPv6 address, the netmask "net/len".
  auto legacy = SaneHeaders();
  legacy.push_back({"X-CSTP-Address", "fd00::7"});
  legacy.push_back({"X-CSTP-Netmask", "fd00::/64"});
  EXPECT_TRUE(CheckPushedConfig(legacy, kGateway));
  // Exclusions may cover the gateway: they keep traffic out of the tunnel.
  EXPECT_TRUE(CheckPushedConfig(With("X-CSTP-Split-Exclude", "198.18.0.0/16"), kGateway));
  EXPECT_TRUE(CheckPushedConfig(With("X-CSTP-MTU", "576"), kGateway));
  EXPECT_TRUE(CheckPushedConfig(With("X-CSTP-MTU", "16376"), kGateway));
  EXPECT_TRUE(CheckPushedConfig(With("X-CSTP-Base-MTU", "9000"), kGateway));
  // Headers outside X-CSTP-*/X-DTLS* are not ours to judge.
  EXPECT_TRUE(CheckPushedConfig(With("Set-Cookie", "a=\x1b[2J", false), kGateway));
}

struct Refusal {
  const char* name;
  const char* value;
  const char* why;  // a substring of the error
};

class PushedConfigRefusalTest : public ::testing::TestWithParam<Refusal> {};

TEST_P(PushedConfigRefusalTest, NamesHeaderAndValue) {
  const Refusal& r = GetParam();
  auto checked = CheckPushedConfig(With(r.name, r.value), kGateway);
  ASSERT_FALSE(checked) << r.name << ": " << r.value;
  EXPECT_EQ(checked.error().code, Errc::kMalformed);
  EXPECT_THAT(checked.error().context, HasSubstr(r.name));
  EXPECT_THAT(checked.error().context, HasSubstr(r.why));
  for (char c : checked.error().context) {
    EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20) << "control character in the message";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Values, PushedConfigRefusalTest,
    ::testing::Values(
        // The on-link /0 route of today's main.
        Refusal{"X-CSTP-Netmask", "0.0.0.0", "'0.0.0.0'"},
        Refusal{"X-CSTP-Netmask", "255.0.255.0", "not a contiguous"},
        Refusal{"X-CSTP-Netmask", "24", "not a contiguous"},
        // A subnet containing the gateway captures the tunnel's own packets.
        Refusal{"X-CSTP-Netmask", "255.0.0.0", "contains the gateway's own address 198.18.0.1"},
        Refusal{"X-CSTP-Address", "198.18.0.1", "contains the gateway's own address"},
        Refusal{"X-CSTP-Address", "0.0.0.0", "not a unicast"},
        Refusal{"X-CSTP-Address", "255.255.255.255", "not a unicast"},
        Refusal{"X-CSTP-Address", "224.0.0.1", "not a unicast"},
        Refusal{"X-CSTP-Address", "127.0.0.1", "not a unicast"},
        Refusal{"X-CSTP-Address", "240.1.2.3", "not a unicast"},
        Refusal{"X-CSTP-Address", "198.18.10.0190", "not an IPv4 address"},
        Refusal{"X-CSTP-Address", "198.18.10", "not an IPv4 address"},
        Refusal{"X-CSTP-Address", "::", "not a unicast IPv6"},
        Refusal{"X-CSTP-Address", "ff02::1", "not a unicast IPv6"},
        Refusal{"X-CSTP-Address-IP6", "fd00::5", "addr/len"},
        Refusal{"X-CSTP-Address-IP6", "fd00::5/0", "addr/len"},
        Refusal{"X-CSTP-Address-IP6", "fd00::5/129", "addr/len"},
        Refusal{"X-CSTP-Address-IP6", "::1/128", "not a unicast"},
        Refusal{"X-CSTP-Split-Include", "198.18.0.0/255.255.0.0", "covers the gateway's own"},
        Refusal{"X-CSTP-Split-Include", "128.0.0.0/1", "covers the gateway's own"},
        Refusal{"X-CSTP-Split-Include", "198.18.0.1/32", "covers the gateway's own"},
        Refusal{"X-CSTP-Split-Include", "10.0.0.0", "net/mask"},
        Refusal{"X-CSTP-Split-Include", "10.0.0.0/33", "net/mask"},
        Refusal{"X-CSTP-Split-Include", "10.0.0.0/255.0.255.0", "net/mask"},
        Refusal{"X-CSTP-Split-Include", "10.0.0.0/8; rm -rf /", "net/mask"},
        Refusal{"X-CSTP-Split-Exclude", "nonsense", "net/mask"},
        Refusal{"X-CSTP-Split-Include-IP6", "fd00::/200", "IPv6 net/len"},
        Refusal{"X-CSTP-Split-Exclude-IP6", "fd00::", "IPv6 net/len"},
        Refusal{"X-CSTP-DNS", "example.com", "not an IP address"},
        Refusal{"X-CSTP-DNS", "198.18.10.1 198.18.10.2", "not an IP address"},
        Refusal{"X-CSTP-DNS-IP6", "fd00::zz", "not an IP address"},
        Refusal{"X-CSTP-NBNS", "$(reboot)", "not an IP address"},
        Refusal{"X-CSTP-Default-Domain", "exa mple.com\x0anameserver 6.6.6.6",
                "control characters"},
        Refusal{"X-CSTP-Default-Domain", "-bad.example", "is not a DNS name"},
        Refusal{"X-CSTP-Default-Domain", "a..b", "is not a DNS name"},
        Refusal{"X-CSTP-Default-Domain", "evil.com;reboot", "is not a DNS name"},
        Refusal{"X-CSTP-Split-DNS", "ok.example,$(id)", "is not a DNS name"},
        Refusal{"X-CSTP-Split-DNS", "", "empty domain"},
        Refusal{"X-CSTP-MTU", "100000", "not an MTU in 576..16376"},
        Refusal{"X-CSTP-MTU", "68", "not an MTU in 576..16376"},
        Refusal{"X-CSTP-MTU", "0", "not an MTU"}, Refusal{"X-CSTP-MTU", "1400abc", "not an MTU"},
        Refusal{"X-DTLS-MTU", "16377", "not an MTU"},
        Refusal{"X-CSTP-Base-MTU", "65535", "not an MTU in 576..16384"},
        Refusal{"X-CSTP-Banner", "hello\x1b[2J", "control characters"},
        Refusal{"X-CSTP-Hostname",
                "a\x01"
                "b",
                "control characters"}));

TEST(PushedConfigTest, RefusalQuotesControlCharactersEscaped) {
  auto checked = CheckPushedConfig(With("X-CSTP-Banner", "hi\x1b[2J\x07"), kGateway);
  ASSERT_FALSE(checked);
  EXPECT_THAT(checked.error().context, HasSubstr("hi\\x1b[2J\\x07"));
}

TEST(PushedConfigTest, TheLastAddressIsTheOneCheckedAgainstTheGateway) {
  // The parser keeps the last X-CSTP-Address (§6.2): that is the one installed.
  auto headers = SaneHeaders();
  headers.push_back({"X-CSTP-Address", "198.18.0.77"});
  auto checked = CheckPushedConfig(headers, kGateway);
  ASSERT_FALSE(checked);
  EXPECT_THAT(checked.error().context, HasSubstr("198.18.0.77/255.255.255.0"));
}

TEST(PushedConfigTest, WithoutANetmaskTheAddressIsAHost) {
  proto::http::HeaderList headers = {{"X-CSTP-Address", "198.18.0.2"}, {"X-CSTP-MTU", "1400"}};
  EXPECT_TRUE(CheckPushedConfig(headers, kGateway));
  headers[0].value = "198.18.0.1";
  EXPECT_FALSE(CheckPushedConfig(headers, kGateway));
}

TEST(PushedConfigTest, OverIpv6TheGatewayChecksAreSkipped) {
  EXPECT_TRUE(CheckPushedConfig(With("X-CSTP-Split-Include", "198.18.0.0/16"), std::nullopt));
  EXPECT_FALSE(CheckPushedConfig(With("X-CSTP-Netmask", "0.0.0.0"), std::nullopt));
}

TEST(PushedConfigTest, DnsNames) {
  EXPECT_TRUE(IsDnsName("example.com"));
  EXPECT_TRUE(IsDnsName("EXAMPLE.com."));
  EXPECT_TRUE(IsDnsName("xn--bcher-kva.example"));
  EXPECT_TRUE(IsDnsName(std::string(63, 'a') + ".com"));
  EXPECT_FALSE(IsDnsName(std::string(64, 'a') + ".com"));
  std::string long_name;
  for (int i = 0; i < 50; ++i) {
    long_name += "abcd.";
  }
  long_name += "com";  // 253 characters
  EXPECT_TRUE(IsDnsName(long_name));
  EXPECT_FALSE(IsDnsName("a" + long_name));
  EXPECT_FALSE(IsDnsName(""));
  EXPECT_FALSE(IsDnsName("."));
  EXPECT_FALSE(IsDnsName("a.-b"));
  EXPECT_FALSE(IsDnsName("a.b-"));
  EXPECT_FALSE(IsDnsName("a b"));
  EXPECT_FALSE(IsDnsName("a\nb"));
  EXPECT_FALSE(IsDnsName("*.example"));
}

TEST(PushedConfigTest, DottedQuadIsStrict) {
  EXPECT_EQ(ParseDottedQuad("198.18.0.1"), 0xC6120001u);
  EXPECT_FALSE(ParseDottedQuad("198.18.0.01"));
  EXPECT_FALSE(ParseDottedQuad(" 198.18.0.1"));
  EXPECT_FALSE(ParseDottedQuad("198.18.0.1.5"));
  EXPECT_FALSE(ParseDottedQuad("fd00::1"));
}

}  // namespace
}  // namespace sekisho::client

#include "proto/tunnel/connect_request.h"

#include "base/encoding.h"
#include "base/strings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sekisho::proto::tunnel {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kMasterSecretHex[] =
    "52DCD11247B6A25827E4242F5EE79AEAF58DF7CD9CD756D0D1BAFC57784266681D23D3F8F316C4844D86C61AECDE"
    "B0A8";

// openconnect 9.01-3 against ocserv 1.1.6, traces/ref-oc901-ocserv116-psk.log lines 150-166.
http::HeaderList OpenconnectRequest() {
  return {
      {"Host", "localhost:4443"},
      {"User-Agent", "Open AnyConnect VPN Agent v9.01-3"},
      {"Cookie", "webvpn=ALHdSI913rXJhUQfSOZoH/S0GIzQFAur5bdKoCfWxbQ="},
      {"X-CSTP-Version", "1"},
      {"X-CSTP-Hostname", "vm"},
      {"X-AnyConnect-STRAP-Verify", "MEYCIQCLKlr9FOxDWpZflRm4G0Spa"},
      {"X-AnyConnect-STRAP-Pubkey", "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE4PUk"},
      {"X-CSTP-Accept-Encoding", "oc-lz4,lzs"},
      {"X-CSTP-Base-MTU", "65535"},
      {"X-CSTP-MTU", "65425"},
      {"X-CSTP-Address-Type", "IPv6,IPv4"},
      {"X-CSTP-Full-IPv6-Capability", "true"},
      {"X-DTLS-Master-Secret", kMasterSecretHex},
      {"X-DTLS-CipherSuite",
       "PSK-NEGOTIATE:OC-DTLS1_2-AES256-GCM:OC2-DTLS1_2-CHACHA20-POLY1305:OC-DTLS1_2-AES128-GCM:"
       "DHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA:AES256-SHA:AES128-SHA"},
      {"X-DTLS12-CipherSuite",
       "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:AES256-GCM-SHA384:"
       "AES128-GCM-SHA256:DHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA:AES256-SHA:AES128-SHA"},
      {"X-DTLS-Accept-Encoding", "oc-lz4,lzs"},
  };
}

TEST(ConnectRequestTest, ParsesOpenconnectTrace) {
  auto req = ParseConnectRequest(OpenconnectRequest());
  ASSERT_TRUE(req.has_value());
  EXPECT_EQ(req->hostname, "vm");
  EXPECT_EQ(req->base_mtu, 65535u);
  EXPECT_EQ(req->mtu, 65425u);
  EXPECT_TRUE(req->want_ipv4);
  EXPECT_TRUE(req->want_ipv6);
  EXPECT_TRUE(req->full_ipv6);
  EXPECT_THAT(req->previous_addresses, IsEmpty());
  EXPECT_EQ(HexEncode(req->dtls_master_secret.reveal(), HexCase::kUpper), kMasterSecretHex);
  ASSERT_EQ(req->dtls_ciphersuites.size(), 8u);
  EXPECT_EQ(req->dtls_ciphersuites[0], "PSK-NEGOTIATE");
  EXPECT_EQ(req->dtls12_ciphersuites.size(), 8u);
  EXPECT_THAT(req->cstp_accept_encoding, ElementsAre("oc-lz4", "lzs"));
  EXPECT_THAT(req->dtls_accept_encoding, ElementsAre("oc-lz4", "lzs"));
  EXPECT_EQ(req->user_agent, "Open AnyConnect VPN Agent v9.01-3");
  EXPECT_EQ(req->strap_pubkey, "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE4PUk");
  EXPECT_TRUE(req->OffersPskNegotiate());
}

TEST(ConnectRequestTest, AddressTypeIsASet) {
  for (const char* value : {"IPv4,IPv6", "IPv6,IPv4", "IPv6, IPv4"}) {
    auto req = ParseConnectRequest({{"X-CSTP-Address-Type", value}});
    ASSERT_TRUE(req.has_value());
    EXPECT_TRUE(req->want_ipv4) << value;
    EXPECT_TRUE(req->want_ipv6) << value;
  }
  auto v4 = ParseConnectRequest({{"x-cstp-address-type", "IPv4"}});
  EXPECT_TRUE(v4->want_ipv4);
  EXPECT_FALSE(v4->want_ipv6);
  auto none = ParseConnectRequest({});
  EXPECT_TRUE(none->want_ipv4);
  EXPECT_TRUE(none->want_ipv6);
  EXPECT_FALSE(none->full_ipv6);
}

TEST(ConnectRequestTest, MasterSecretUsesFirst96HexDigitsOnly) {
  std::string longer = std::string(kMasterSecretHex) + "FFFF";
  auto req = ParseConnectRequest({{"X-DTLS-Master-Secret", longer}});
  EXPECT_EQ(req->dtls_master_secret.reveal().size(), kDtlsMasterSecretSize);

  std::string shorter(kMasterSecretHex, 94);
  EXPECT_TRUE(ParseConnectRequest({{"X-DTLS-Master-Secret", shorter}})->dtls_master_secret.empty());

  std::string bad(kMasterSecretHex);
  bad[10] = 'Z';
  EXPECT_TRUE(ParseConnectRequest({{"X-DTLS-Master-Secret", bad}})->dtls_master_secret.empty());

  std::string lower = ToLower(kMasterSecretHex);
  EXPECT_EQ(ParseConnectRequest({{"X-DTLS-Master-Secret", lower}})->dtls_master_secret.reveal(),
            ParseConnectRequest({{"X-DTLS-Master-Secret", kMasterSecretHex}})
                ->dtls_master_secret.reveal());
}

TEST(ConnectRequestTest, MalformedValuesAreDroppedNotRejected) {
  auto req = ParseConnectRequest({
      {"X-CSTP-MTU", "abc"},
      {"X-CSTP-Base-MTU", "99999999999"},
      {"X-CSTP-Hostname", "evil\x01host"},
      {"X-Unknown", "whatever"},
      {"X-DTLS-CipherSuite", "::AES128-SHA::"},
  });
  ASSERT_TRUE(req.has_value());
  EXPECT_FALSE(req->mtu.has_value());
  EXPECT_FALSE(req->base_mtu.has_value());
  EXPECT_TRUE(req->hostname.empty());
  EXPECT_THAT(req->dtls_ciphersuites, ElementsAre("AES128-SHA"));
}

TEST(ConnectRequestTest, PskTokenMustMatchWhole) {
  auto req = ParseConnectRequest({{"X-DTLS-CipherSuite", "XPSK-NEGOTIATE:AES128-SHA"}});
  EXPECT_FALSE(req->OffersPskNegotiate());
}

TEST(ConnectRequestTest, PlatformPrefersIdentifierHeader) {
  auto req = ParseConnectRequest(
      {{"X-AnyConnect-Platform", "linux-64"}, {"X-AnyConnect-Identifier-Platform", "android"}});
  EXPECT_EQ(req->platform, "android");
  EXPECT_EQ(ParseConnectRequest({{"X-AnyConnect-Platform", "linux-64"}})->platform, "linux-64");
}

TEST(ConnectRequestTest, BuildMatchesOpenconnectOrderWithoutStrap) {
  auto parsed = ParseConnectRequest(OpenconnectRequest());
  ASSERT_TRUE(parsed.has_value());
  http::HeaderList built = BuildConnectRequestHeaders(
      *parsed, "ALHdSI913rXJhUQfSOZoH/S0GIzQFAur5bdKoCfWxbQ=", "localhost:4443");
  http::HeaderList expected;
  for (const auto& h : OpenconnectRequest()) {
    if (h.name.rfind("X-AnyConnect-STRAP", 0) != 0) {
      expected.push_back(h);
    }
  }
  ASSERT_EQ(built.size(), expected.size());
  for (std::size_t i = 0; i < built.size(); ++i) {
    EXPECT_EQ(built[i].name, expected[i].name) << i;
    EXPECT_EQ(built[i].value, expected[i].value) << i;
  }
}

TEST(ConnectRequestTest, BuildPlacesPreviousAddressesLikeOpenconnect) {
  ConnectRequest req;
  req.hostname = "vm";
  req.mtu = 1390;
  req.full_ipv6 = true;
  req.previous_addresses = {"fd00::5", "198.18.10.190"};
  auto h = BuildConnectRequestHeaders(req, "c", "gw");
  std::vector<std::string> names;
  for (const auto& [n, v] : h) {
    names.push_back(n + "=" + v);
  }
  EXPECT_THAT(names, ElementsAre("Host=gw", "Cookie=webvpn=c", "X-CSTP-Version=1",
                                 "X-CSTP-Hostname=vm", "X-CSTP-MTU=1390",
                                 "X-CSTP-Address-Type=IPv6,IPv4", "X-CSTP-Address=198.18.10.190",
                                 "X-CSTP-Full-IPv6-Capability=true", "X-CSTP-Address=fd00::5"));
}

TEST(ConnectRequestTest, BuildOmitsDtlsWithoutMasterSecret) {
  ConnectRequest req;
  req.dtls_ciphersuites = {"PSK-NEGOTIATE"};
  req.want_ipv6 = false;
  auto h = BuildConnectRequestHeaders(req, "c", "gw");
  for (const auto& [n, v] : h) {
    EXPECT_EQ(n.find("X-DTLS"), std::string::npos) << n;
    if (n == "X-CSTP-Address-Type") {
      EXPECT_EQ(v, "IPv4");
    }
  }
}

TEST(ConnectRequestTest, BuildNeverEmitsLineBreaks) {
  ConnectRequest req;
  req.hostname = "a\r\nX-Evil: 1";
  auto h = BuildConnectRequestHeaders(req, "c\r\n", "gw");
  for (const auto& [n, v] : h) {
    EXPECT_EQ(v.find_first_of("\r\n"), std::string::npos) << n;
  }
}

}  // namespace
}  // namespace sekisho::proto::tunnel

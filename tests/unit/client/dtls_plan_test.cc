#include "client/dtls_plan.h"

#include "base/strings.h"
#include "proto/tunnel/connect_response.h"
#include "testutil/fakes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace sekisho::client {
namespace {

namespace http = proto::http;
namespace tunnel = proto::tunnel;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::string* Find(const http::HeaderList& headers, std::string_view name) {
  return http::FindHeader(headers, name);
}

http::HeaderList Build(const tunnel::ConnectRequest& request) {
  return tunnel::BuildConnectRequestHeaders(request, "cookie", "vpn.example.com");
}

bool IsUpperHex(const std::string& s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

TEST(DtlsOfferTest, DefaultOfferSendsFreshSecretAndOpenconnectLists) {
  testutil::FakeRng rng;
  tunnel::ConnectRequest request;
  SecretBytes secret = AddDtlsOffer(DtlsOffer{}, rng, &request);
  ASSERT_EQ(secret.reveal().size(), 48u);
  http::HeaderList headers = Build(request);
  const std::string* master = Find(headers, "X-DTLS-Master-Secret");
  ASSERT_NE(master, nullptr);
  EXPECT_EQ(master->size(), 96u);
  EXPECT_TRUE(IsUpperHex(*master)) << *master;
  ASSERT_NE(Find(headers, "X-DTLS-CipherSuite"), nullptr);
  EXPECT_EQ(*Find(headers, "X-DTLS-CipherSuite"), tunnel::ClientDtlsCipherOffer());
  EXPECT_TRUE(Find(headers, "X-DTLS-CipherSuite")->starts_with("PSK-NEGOTIATE:"));
  ASSERT_NE(Find(headers, "X-DTLS12-CipherSuite"), nullptr);
  EXPECT_EQ(*Find(headers, "X-DTLS12-CipherSuite"), tunnel::ClientDtls12CipherOffer());
  EXPECT_EQ(Find(headers, "X-DTLS-Accept-Encoding"), nullptr);

  // Decision #16: a new secret for every CONNECT.
  tunnel::ConnectRequest again;
  SecretBytes second = AddDtlsOffer(DtlsOffer{}, rng, &again);
  EXPECT_NE(second.reveal(), secret.reveal());
  EXPECT_NE(*Find(Build(again), "X-DTLS-Master-Secret"), *master);
}

TEST(DtlsOfferTest, CipherOverrideDropsTheDtls12ListLikeOpenconnect) {
  testutil::FakeRng rng;
  tunnel::ConnectRequest request;
  DtlsOffer offer;
  offer.ciphers = "AES128-SHA";
  (void)AddDtlsOffer(offer, rng, &request);
  EXPECT_THAT(request.dtls_ciphersuites, ElementsAre("AES128-SHA"));
  EXPECT_THAT(request.dtls12_ciphersuites, IsEmpty());
  http::HeaderList headers = Build(request);
  EXPECT_EQ(*Find(headers, "X-DTLS-CipherSuite"), "AES128-SHA");
  EXPECT_EQ(Find(headers, "X-DTLS12-CipherSuite"), nullptr);

  offer.dtls12_ciphers = "AES256-GCM-SHA384:AES128-GCM-SHA256";
  (void)AddDtlsOffer(offer, rng, &request);
  EXPECT_THAT(request.dtls12_ciphersuites, ElementsAre("AES256-GCM-SHA384", "AES128-GCM-SHA256"));
}

TEST(DtlsOfferTest, Dtls12OverrideKeepsTheDefaultLegacyList) {
  testutil::FakeRng rng;
  tunnel::ConnectRequest request;
  DtlsOffer offer;
  offer.dtls12_ciphers = "AES256-GCM-SHA384";
  (void)AddDtlsOffer(offer, rng, &request);
  EXPECT_EQ(request.dtls_ciphersuites.front(), "PSK-NEGOTIATE");
  EXPECT_THAT(request.dtls12_ciphersuites, ElementsAre("AES256-GCM-SHA384"));
}

TEST(DtlsOfferTest, NoDtlsSendsNoDtlsHeaders) {
  testutil::FakeRng rng;
  tunnel::ConnectRequest request;
  DtlsOffer offer;
  offer.enabled = false;
  SecretBytes secret = AddDtlsOffer(offer, rng, &request);
  EXPECT_TRUE(secret.reveal().empty());
  for (const auto& header : Build(request)) {
    EXPECT_FALSE(StartsWithIgnoreCase(header.name, "X-DTLS")) << header.name;
  }
}

// ---------------------------------------------------------------- the gateway's answer

http::HeaderList BaseResponse() {
  return {{"X-CSTP-Address", "198.18.10.190"},
          {"X-CSTP-Netmask", "255.255.255.0"},
          {"X-CSTP-DPD", "90"},
          {"X-CSTP-Keepalive", "32400"},
          {"X-CSTP-Base-MTU", "1500"},
          {"X-CSTP-MTU", "1423"}};
}

tunnel::ConnectResponse Parse(http::HeaderList headers) {
  auto parsed = tunnel::ParseConnectResponse(headers);
  EXPECT_TRUE(parsed.has_value()) << parsed.error().ToString();
  return *parsed;
}

const std::string kId64 = "4d09e16119b4b87765866be7ad17d249cbb6207ff6b32ffac614ddf2902c99ae";

TEST(PlanClientDtlsTest, PskNegotiateFromOcservTrace) {
  http::HeaderList headers = BaseResponse();
  headers.push_back({"X-DTLS-DPD", "30"});
  headers.push_back({"X-DTLS-Port", "4443"});
  headers.push_back({"X-DTLS-Keepalive", "20"});
  headers.push_back({"X-DTLS-App-ID", kId64});
  headers.push_back({"X-DTLS-CipherSuite", "PSK-NEGOTIATE"});
  auto plan = PlanClientDtls(Parse(headers), DtlsOffer{}, false, 1500);
  ASSERT_TRUE(plan.has_value()) << plan.error().ToString();
  ASSERT_TRUE(plan->has_value());
  const ClientDtlsPlan& p = **plan;
  EXPECT_EQ(p.suite.mode, tunnel::DtlsMode::kPsk);
  EXPECT_EQ(p.port, 4443);
  EXPECT_EQ(p.session_id.size(), 32u);
  EXPECT_EQ(p.session_id[0], 0x4d);
  EXPECT_EQ(p.dtls_mtu, 1434u);  // 1500 - 20 - 8 - 37 - 1, no X-DTLS-MTU in PSK mode
  EXPECT_EQ(p.cstp_mtu, 1423u);
  EXPECT_EQ(p.udp_payload_mtu, 1472u);
  EXPECT_EQ(p.dpd, seconds(30));
  EXPECT_EQ(p.keepalive, seconds(20));
}

TEST(PlanClientDtlsTest, LegacyResumption) {
  http::HeaderList headers = BaseResponse();
  headers.push_back({"X-DTLS-Session-ID", kId64});
  headers.push_back({"X-DTLS-Port", "443"});
  headers.push_back({"X-DTLS-CipherSuite", "AES128-SHA"});
  headers.push_back({"X-DTLS-MTU", "1406"});
  auto plan = PlanClientDtls(Parse(headers), DtlsOffer{}, false, 1500);
  ASSERT_TRUE(plan.has_value() && plan->has_value());
  EXPECT_EQ((*plan)->suite.mode, tunnel::DtlsMode::kLegacy09);
  EXPECT_EQ((*plan)->suite.protocol, "DTLS0.9");
  EXPECT_EQ((*plan)->suite.cipher, "AES-128-CBC");
  EXPECT_EQ((*plan)->dtls_mtu, 1406u);
  EXPECT_EQ((*plan)->cstp_mtu, 1423u);
  EXPECT_EQ((*plan)->dpd, seconds(90));  // X-CSTP-DPD when X-DTLS-DPD is absent
}

TEST(PlanClientDtlsTest, Dtls12SuiteWinsOverTheLegacyHeader) {
  http::HeaderList headers = BaseResponse();
  headers.push_back({"X-DTLS-Session-ID", kId64});
  headers.push_back({"X-DTLS-Port", "443"});
  headers.push_back({"X-DTLS12-CipherSuite", "AES256-GCM-SHA384"});
  headers.push_back({"X-DTLS-MTU", "1434"});
  auto plan = PlanClientDtls(Parse(headers), DtlsOffer{}, false, 1500);
  ASSERT_TRUE(plan.has_value() && plan->has_value());
  EXPECT_EQ((*plan)->suite.mode, tunnel::DtlsMode::kDtls12Resume);
  EXPECT_EQ((*plan)->suite.cipher, "AES-256-GCM");

  http::HeaderList oc = BaseResponse();
  oc.push_back({"X-DTLS-Session-ID", kId64});
  oc.push_back({"X-DTLS-Port", "443"});
  oc.push_back({"X-DTLS-CipherSuite", "OC-DTLS1_2-AES256-GCM"});
  auto oc_plan = PlanClientDtls(Parse(oc), DtlsOffer{}, false, 1500);
  ASSERT_TRUE(oc_plan.has_value() && oc_plan->has_value());
  EXPECT_EQ((*oc_plan)->suite.mode, tunnel::DtlsMode::kOcDtls12);
  EXPECT_EQ((*oc_plan)->dtls_mtu, 1423u);  // no X-DTLS-MTU: X-CSTP-MTU
}

TEST(PlanClientDtlsTest, NoDtlsOfferedOrDisabled) {
  auto none = PlanClientDtls(Parse(BaseResponse()), DtlsOffer{}, false, 1500);
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());

  http::HeaderList headers = BaseResponse();
  headers.push_back({"X-DTLS-App-ID", kId64});
  headers.push_back({"X-DTLS-Port", "443"});
  headers.push_back({"X-DTLS-CipherSuite", "PSK-NEGOTIATE"});
  DtlsOffer disabled;
  disabled.enabled = false;
  auto off = PlanClientDtls(Parse(headers), disabled, false, 1500);
  ASSERT_TRUE(off.has_value());
  EXPECT_FALSE(off->has_value());
}

TEST(PlanClientDtlsTest, UnknownSuiteIsReportedNotUsed) {
  http::HeaderList headers = BaseResponse();
  headers.push_back({"X-DTLS-Session-ID", kId64});
  headers.push_back({"X-DTLS-Port", "443"});
  headers.push_back({"X-DTLS-CipherSuite", "RC4-MD5"});
  auto plan = PlanClientDtls(Parse(headers), DtlsOffer{}, false, 1500);
  ASSERT_FALSE(plan.has_value());
  EXPECT_EQ(plan.error().code, Errc::kUnsupported);

  http::HeaderList psk_without_app_id = BaseResponse();
  psk_without_app_id.push_back({"X-DTLS-Session-ID", kId64});
  psk_without_app_id.push_back({"X-DTLS-Port", "443"});
  psk_without_app_id.push_back({"X-DTLS-CipherSuite", "PSK-NEGOTIATE"});
  auto bad = PlanClientDtls(Parse(psk_without_app_id), DtlsOffer{}, false, 1500);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Errc::kProtocol);
}

}  // namespace
}  // namespace sekisho::client

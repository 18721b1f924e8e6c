#include "proto/tunnel/dtls_negotiation.h"

#include "base/strings.h"

#include <gtest/gtest.h>

namespace sekisho::proto::tunnel {
namespace {

constexpr char kOpenconnectDtls[] =
    "PSK-NEGOTIATE:OC-DTLS1_2-AES256-GCM:OC2-DTLS1_2-CHACHA20-POLY1305:OC-DTLS1_2-AES128-GCM:"
    "DHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA:AES256-SHA:AES128-SHA";
constexpr char kOpenconnectDtls12[] =
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:AES256-GCM-SHA384:"
    "AES128-GCM-SHA256:DHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA:AES256-SHA:AES128-SHA";

ConnectRequest Request(std::string_view dtls, std::string_view dtls12, bool secret = true) {
  http::HeaderList h;
  if (secret) {
    h.push_back({"X-DTLS-Master-Secret", std::string(96, 'A')});
  }
  if (!dtls.empty()) {
    h.push_back({"X-DTLS-CipherSuite", std::string(dtls)});
  }
  if (!dtls12.empty()) {
    h.push_back({"X-DTLS12-CipherSuite", std::string(dtls12)});
  }
  return *ParseConnectRequest(h);
}

TEST(DtlsNegotiationTest, OpenconnectDefaultGetsPsk) {
  auto s = ChooseDtlsSuite(Request(kOpenconnectDtls, kOpenconnectDtls12), {}, "AES-256-GCM");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->mode, DtlsMode::kPsk);
  EXPECT_EQ(s->name, "PSK-NEGOTIATE");
  EXPECT_EQ(s->cipher, "AES-256-GCM");
  EXPECT_EQ(s->record_overhead, 37u);
}

TEST(DtlsNegotiationTest, PskNeedsNoMasterSecret) {
  auto s = ChooseDtlsSuite(Request("PSK-NEGOTIATE", "", /*secret=*/false), {}, "");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->mode, DtlsMode::kPsk);
  EXPECT_FALSE(ChooseDtlsSuite(Request("AES128-SHA", "", /*secret=*/false), {}, "").has_value());
}

TEST(DtlsNegotiationTest, PskFollowsTlsCipher) {
  auto s = ChooseDtlsSuite(Request("PSK-NEGOTIATE", ""), {}, "CHACHA20-POLY1305");
  EXPECT_EQ(s->cipher, "CHACHA20-POLY1305");
  EXPECT_EQ(s->record_overhead, 29u);
}

TEST(DtlsNegotiationTest, Dtls12OverridesLegacyList) {
  DtlsPolicy no_psk;
  no_psk.allow_psk = false;
  auto s = ChooseDtlsSuite(Request(kOpenconnectDtls, kOpenconnectDtls12), no_psk, "AES-256-GCM");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->mode, DtlsMode::kDtls12Resume);
  // First AES-256-GCM match in client order: the ECDHE code point (decision #14).
  EXPECT_EQ(s->name, "ECDHE-RSA-AES256-GCM-SHA384");
  EXPECT_EQ(s->suite_id, 0xC030);
  EXPECT_EQ(s->protocol, "DTLS1.2");
}

TEST(DtlsNegotiationTest, OcservTraceDtls12Profile) {
  // traces/ref-oc901-ocserv116-dtls12-profile.log: ocserv answered AES256-GCM-SHA384.
  auto s = ChooseDtlsSuite(Request("AES256-SHA:AES128-SHA", "AES256-GCM-SHA384"), {}, "");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->name, "AES256-GCM-SHA384");
  EXPECT_EQ(s->suite_id, 0x009D);
}

TEST(DtlsNegotiationTest, OcservTraceDtls09) {
  // traces/ref-oc901-ocserv116-dtls09.log: AES128-SHA only.
  auto s = ChooseDtlsSuite(Request("AES128-SHA", ""), {}, "AES-256-GCM");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->mode, DtlsMode::kLegacy09);
  EXPECT_EQ(s->protocol, "DTLS0.9");
  EXPECT_EQ(s->suite_id, 0x002F);
  EXPECT_EQ(s->record_overhead, 65u);
}

TEST(DtlsNegotiationTest, LegacyPrioritiesAndTlsMatch) {
  DtlsPolicy no_psk;
  no_psk.allow_psk = false;
  std::string offer = "AES128-SHA:DES-CBC3-SHA:AES256-SHA:OC-DTLS1_2-AES128-GCM";
  EXPECT_EQ(ChooseDtlsSuite(Request(offer, ""), no_psk, "")->name, "OC-DTLS1_2-AES128-GCM");
  // The suite matching the TLS cipher wins at once, as in ocserv.
  EXPECT_EQ(ChooseDtlsSuite(Request(offer, ""), no_psk, "AES-256-CBC")->name, "AES256-SHA");
  DtlsPolicy legacy_only = no_psk;
  legacy_only.allow_dtls12 = false;
  EXPECT_EQ(ChooseDtlsSuite(Request(offer, ""), legacy_only, "")->name, "AES256-SHA");
  // DHE legacy names are understood but never chosen (ocserv does not either).
  EXPECT_FALSE(ChooseDtlsSuite(Request("DHE-RSA-AES256-SHA", ""), no_psk, "").has_value());
}

TEST(DtlsNegotiationTest, PolicyOff) {
  DtlsPolicy off;
  off.enabled = false;
  EXPECT_FALSE(ChooseDtlsSuite(Request(kOpenconnectDtls, kOpenconnectDtls12), off, "").has_value());
  DtlsPolicy nothing;
  nothing.allow_psk = nothing.allow_legacy = nothing.allow_dtls12 = false;
  EXPECT_FALSE(
      ChooseDtlsSuite(Request(kOpenconnectDtls, kOpenconnectDtls12), nothing, "").has_value());
  EXPECT_FALSE(ChooseDtlsSuite(Request("", ""), {}, "").has_value());
}

TEST(DtlsNegotiationTest, Lookup) {
  EXPECT_EQ(LookupSuiteByName("PSK-NEGOTIATE")->mode, DtlsMode::kPsk);
  EXPECT_EQ(LookupSuiteByName("AES256-SHA")->mode, DtlsMode::kLegacy09);
  EXPECT_EQ(LookupDtls12SuiteByName("AES256-SHA")->mode, DtlsMode::kDtls12Resume);
  EXPECT_EQ(LookupSuiteByName("OC-DTLS1_2-AES256-GCM")->suite_id, 0x009D);
  EXPECT_EQ(LookupDtls12SuiteByName("ECDHE-RSA-AES128-GCM-SHA256")->suite_id, 0xC02F);
  EXPECT_FALSE(LookupSuiteByName("OC2-DTLS1_2-CHACHA20-POLY1305").has_value());
  EXPECT_FALSE(LookupSuiteByName("psk-negotiate").has_value());
  EXPECT_FALSE(LookupDtls12SuiteByName("PSK-NEGOTIATE").has_value());
}

TEST(DtlsNegotiationTest, ClientOffersAreAllKnown) {
  auto dtls = ClientDtlsCipherOffer();
  EXPECT_EQ(dtls.rfind("PSK-NEGOTIATE:", 0), 0u);
  for (auto name : Split(dtls, ':')) {
    EXPECT_TRUE(LookupSuiteByName(name).has_value()) << name;
  }
  auto dtls12 = ClientDtls12CipherOffer();
  EXPECT_EQ(dtls12, kOpenconnectDtls12);
  for (auto name : Split(dtls12, ':')) {
    EXPECT_TRUE(LookupDtls12SuiteByName(name).has_value()) << name;
  }
}

}  // namespace
}  // namespace sekisho::proto::tunnel

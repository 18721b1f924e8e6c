#include "client/preferences.h"

#include "client/xdg_paths.h"
#include "client_core_test_util.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

namespace sekisho::client {
namespace {

TEST(PreferencesTest, MissingFileIsEmpty) {
  testing::TempDir dir;
  auto prefs = Preferences::Load(dir.path() + "/preferences.xml");
  ASSERT_TRUE(prefs.has_value());
  EXPECT_TRUE(prefs->gateways().empty());
  EXPECT_EQ(prefs->Find("vpn.example.com:443"), nullptr);
}

TEST(PreferencesTest, RoundTripThroughTheFile) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/sekisho/preferences.xml";
  Preferences prefs(path);
  GatewayPrefs& gw = prefs.Upsert(GatewayKey("vpn.example.com", 443));
  gw.server_cert_hash = "D27A5A0A2A917D7B2F3D121DE97B741483F98F2D";
  gw.last_group = "Employees & <co>";
  gw.Accept("pin-sha256:nuNMGKV5//+3MExIXjndUYXj/XskmuSa2v0BhmNnXmI=", "signer not found",
            "servercert");
  gw.Accept("pin-sha256:nuNMGKV5//+3MExIXjndUYXj/XskmuSa2v0BhmNnXmI=", "expired", "interactive");
  prefs.Upsert("other:4443").last_group = "g";
  ASSERT_TRUE(prefs.Save().has_value());

  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto loaded = Preferences::Load(path);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
  ASSERT_EQ(loaded->gateways().size(), 2u);
  const GatewayPrefs* found = loaded->Find("vpn.example.com:443");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->server_cert_hash, gw.server_cert_hash);
  EXPECT_EQ(found->last_group, "Employees & <co>");
  ASSERT_EQ(found->accepted_certs.size(), 1u);
  const CertAcceptance* record =
      found->FindAcceptance("pin-sha256:nuNMGKV5//+3MExIXjndUYXj/XskmuSa2v0BhmNnXmI=");
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->reason, "expired");
  EXPECT_EQ(record->how, "interactive");
  EXPECT_EQ(loaded->path(), path);
}

TEST(PreferencesTest, CorruptFileIsAnErrorNamingIt) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/preferences.xml";
  ASSERT_TRUE(WriteFileAtomic(path, "<sekisho-preferences><gateway").has_value());
  auto loaded = Preferences::Load(path);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code, Errc::kMalformed);
  EXPECT_NE(loaded.error().context.find(path), std::string::npos);

  auto wrong_root = Preferences::Parse("<other/>", "p.xml");
  ASSERT_FALSE(wrong_root.has_value());
  EXPECT_EQ(wrong_root.error().code, Errc::kMalformed);
}

TEST(PreferencesTest, UnknownElementsAreIgnored) {
  auto prefs = Preferences::Parse(R"(<?xml version="1.0"?>
<sekisho-preferences version="2"><future/>
  <gateway key="h:443" extra="1"><server-cert-hash> ab </server-cert-hash><new-thing/></gateway>
</sekisho-preferences>)",
                                  "p.xml");
  ASSERT_TRUE(prefs.has_value());
  ASSERT_NE(prefs->Find("h:443"), nullptr);
  EXPECT_EQ(prefs->Find("h:443")->server_cert_hash, "ab");
}

TEST(PreferencesTest, CompareServerCertHash) {
  EXPECT_EQ(CompareServerCertHash(nullptr, "AB"), CertHashCheck::kFirstSeen);
  GatewayPrefs gw;
  EXPECT_EQ(CompareServerCertHash(&gw, "AB"), CertHashCheck::kFirstSeen);
  gw.server_cert_hash = "ABCDEF";
  EXPECT_EQ(CompareServerCertHash(&gw, "abcdef"), CertHashCheck::kSame);
  EXPECT_EQ(CompareServerCertHash(&gw, "ABCDEE"), CertHashCheck::kChanged);
}

TEST(PreferencesTest, ForgetAcceptance) {
  GatewayPrefs gw;
  gw.Accept("pin-sha256:a", "r", "servercert");
  EXPECT_TRUE(gw.Forget("pin-sha256:a"));
  EXPECT_FALSE(gw.Forget("pin-sha256:a"));
  EXPECT_EQ(gw.FindAcceptance("pin-sha256:a"), nullptr);
}

}  // namespace
}  // namespace sekisho::client

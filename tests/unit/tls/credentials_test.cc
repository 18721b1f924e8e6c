#include "tls/credentials.h"

#include "base/encoding.h"
#include "testutil/test_certs.h"

#include <gmock/gmock.h>
#include <gnutls/x509.h>
#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <sstream>

namespace sekisho::tls {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// Live values from anyconnect.md §1.4.
ServerTlsConfig ServerConfig(std::string cert, std::string key) {
  ServerTlsConfig config;
  config.certificate_file = std::move(cert);
  config.private_key_file = std::move(key);
  return config;
}

CertificateFingerprints DocVector() {
  CertificateFingerprints fp;
  fp.sha1_hex_upper = "D27A5A0A2A917D7B2F3D121DE97B741483F98F2D";
  fp.pin_sha256 = "pin-sha256:nuNMGKV5//+3MExIXjndUYXj/XskmuSa2v0BhmNnXmI=";
  fp.spki_sha256_hex = HexEncode(*Base64Decode("nuNMGKV5//+3MExIXjndUYXj/XskmuSa2v0BhmNnXmI="));
  fp.spki_sha1_hex = "0123456789abcdef0123456789abcdef01234567";
  return fp;
}

TEST(PinMatchesTest, PinSha256IsCaseSensitivePrefixOfAtLeastFourChars) {
  const auto fp = DocVector();
  EXPECT_TRUE(PinMatches("pin-sha256:nuNMGKV5//+3MExIXjndUYXj/XskmuSa2v0BhmNnXmI=", fp));
  EXPECT_TRUE(PinMatches("pin-sha256:nuNM", fp));
  EXPECT_FALSE(PinMatches("pin-sha256:nuN", fp));
  EXPECT_FALSE(PinMatches("pin-sha256:NUNM", fp));
  EXPECT_FALSE(PinMatches("pin-sha256:nuNMx", fp));
}

TEST(PinMatchesTest, HexFormsAreCaseInsensitivePrefixes) {
  const auto fp = DocVector();
  EXPECT_TRUE(PinMatches("d27a5a0a2a917d7b2f3d121de97b741483f98f2d", fp));
  EXPECT_TRUE(PinMatches("D27A5A", fp));
  EXPECT_FALSE(PinMatches("D27", fp));
  EXPECT_FALSE(PinMatches("D27B", fp));
  EXPECT_TRUE(PinMatches("sha256:" + fp.spki_sha256_hex.substr(0, 8), fp));
  EXPECT_TRUE(PinMatches("SHA256:9EE34C18", fp));
  EXPECT_TRUE(PinMatches("sha1:0123456789ABCDEF", fp));
  EXPECT_FALSE(PinMatches("sha1:d27a5a0a", fp));  // That is the certificate hash, not SPKI.
  EXPECT_FALSE(PinMatches("md5:d27a5a0a", fp));
}

TEST(ServerCredentialsTest, FingerprintsMatchIndependentComputation) {
  auto certs = testutil::TestCerts::Create();
  auto creds = ServerCredentials::Load(ServerConfig(certs->server().cert, certs->server().key));
  ASSERT_TRUE(creds.has_value()) << creds.error().ToString();
  EXPECT_THAT((*creds)->server_cert_sha1_hex_upper(), MatchesRegex("^[0-9A-F]{40}$"));
  EXPECT_THAT((*creds)->server_cert_pin_sha256(), MatchesRegex("^pin-sha256:[A-Za-z0-9+/]{43}=$"));
  EXPECT_FALSE((*creds)->requests_client_certificates());

  // Cross-check against GnuTLS's own fingerprint and SHA-256 key id of the PEM file.
  std::ifstream in(certs->server().cert);
  std::stringstream pem;
  pem << in.rdbuf();
  const std::string text = pem.str();
  gnutls_datum_t datum{reinterpret_cast<unsigned char*>(const_cast<char*>(text.data())),
                       static_cast<unsigned int>(text.size())};
  gnutls_x509_crt_t crt = nullptr;
  ASSERT_GE(gnutls_x509_crt_init(&crt), 0);
  ASSERT_GE(gnutls_x509_crt_import(crt, &datum, GNUTLS_X509_FMT_PEM), 0);
  std::array<unsigned char, 32> buf{};
  size_t size = buf.size();
  ASSERT_GE(gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA1, buf.data(), &size), 0);
  EXPECT_EQ((*creds)->server_cert_sha1_hex_upper(),
            HexEncode(ByteSpan(buf.data(), size), HexCase::kUpper));
  size = buf.size();
  ASSERT_GE(gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, buf.data(), &size), 0);
  EXPECT_EQ((*creds)->server_cert_pin_sha256(),
            "pin-sha256:" + Base64Encode(ByteSpan(buf.data(), size)));
  gnutls_x509_crt_deinit(crt);
}

TEST(ServerCredentialsTest, MissingFilesAreConfigErrors) {
  auto certs = testutil::TestCerts::Create();
  auto creds =
      ServerCredentials::Load(ServerConfig(certs->dir() + "/nope.pem", certs->server().key));
  ASSERT_FALSE(creds.has_value());
  EXPECT_EQ(creds.error().code, Errc::kConfig);
  EXPECT_THAT(creds.error().context, HasSubstr("nope.pem"));

  ServerTlsConfig mismatched = ServerConfig(certs->server().cert, certs->client_a().key);
  EXPECT_EQ(ServerCredentials::Load(mismatched).error().code, Errc::kConfig);

  ServerTlsConfig bad_priority = ServerConfig(certs->server().cert, certs->server().key);
  bad_priority.priority_override = "NORMAL:+NONSENSE";
  EXPECT_EQ(ServerCredentials::Load(bad_priority).error().code, Errc::kConfig);
}

TEST(ClientCredentialsTest, LoadsPemAndPkcs12Identities) {
  auto certs = testutil::TestCerts::Create();
  ClientTlsConfig config;
  config.use_system_trust = false;
  config.identities.push_back({certs->client_a().cert, certs->client_a().key, {}, {}});
  config.identities.push_back(
      {{}, {}, certs->client_a_p12(), SecretString(testutil::TestCerts::kP12Password)});
  auto creds = ClientCredentials::Load(config);
  ASSERT_TRUE(creds.has_value()) << creds.error().ToString();
  ASSERT_EQ((*creds)->identities().size(), 2u);
  for (const auto& id : (*creds)->identities()) {
    EXPECT_THAT(id.subject_dn, HasSubstr("CN=Alice Example"));
    EXPECT_FALSE(id.issuer_dn_der.empty());
  }
  EXPECT_EQ((*creds)->identities()[0].issuer_dn_der, (*creds)->identities()[1].issuer_dn_der);
}

TEST(ClientCredentialsTest, WrongPkcs12PasswordIsConfigErrorWithoutThePassword) {
  auto certs = testutil::TestCerts::Create();
  ClientTlsConfig config;
  config.use_system_trust = false;
  config.identities.push_back({{}, {}, certs->client_a_p12(), SecretString("wrong-secret")});
  auto creds = ClientCredentials::Load(config);
  ASSERT_FALSE(creds.has_value());
  EXPECT_EQ(creds.error().code, Errc::kConfig);
  EXPECT_THAT(creds.error().context, HasSubstr("client-a.p12"));
  EXPECT_THAT(creds.error().context, ::testing::Not(HasSubstr("wrong-secret")));
}

TEST(TlsErrorTest, MapsCodes) {
  EXPECT_EQ(TlsError(GNUTLS_E_AGAIN, "x").code, Errc::kWouldBlock);
  EXPECT_EQ(TlsError(GNUTLS_E_CERTIFICATE_ERROR, "x").code, Errc::kUntrusted);
  EXPECT_EQ(TlsError(GNUTLS_E_PREMATURE_TERMINATION, "x").code, Errc::kClosed);
  Error e = TlsError(GNUTLS_E_DECRYPTION_FAILED, "receive");
  EXPECT_EQ(e.code, Errc::kTls);
  EXPECT_THAT(e.context, HasSubstr("receive: "));
}

}  // namespace
}  // namespace sekisho::tls

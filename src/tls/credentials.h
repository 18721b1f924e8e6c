#pragma once
// TLS credentials: what a TlsEngine needs besides the peer's bytes. A ServerCredentials holds
// the gateway's certificate chain and key (and optionally the CAs it accepts client
// certificates from); a ClientCredentials holds the trust anchors, pins and client identities.
// Both are loaded once, immutable afterwards and shared by many engines (shared_ptr); every
// engine keeps its credentials alive. Loading reads files; nothing here touches a socket.
//
// Pins follow openconnect's --servercert formats (docs/protocol/tls.md, anyconnect.md §1.4):
//   pin-sha256:<base64>  SHA-256 of the DER SubjectPublicKeyInfo, case-sensitive prefix
//   sha256:<hex>         SHA-256 of the DER SPKI, case-insensitive prefix
//   sha1:<hex>           SHA-1 of the DER SPKI, case-insensitive prefix
//   <hex>                SHA-1 of the whole DER certificate (legacy), case-insensitive prefix
// Matching needs at least 4 characters after the prefix; the client refuses weaker pins than
// 128 bits (or the full hash) before they get here (client/server_pin.h, issue 11).

#include "base/bytes.h"
#include "base/redacted.h"
#include "base/result.h"
#include "tls/remote_key.h"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho::tls {

struct ServerTlsConfig {
  std::string certificate_file;  // PEM chain, leaf first.
  std::string private_key_file;  // PEM, RSA or ECDSA.
  // Optional. When set, engines request (do not require) a client certificate, send these
  // CAs' subject DNs in the CertificateRequest and verify the certificate against them.
  std::string ca_file;
  // Off for old Cisco clients that fail TLS 1.3 with RSA client keys (ocserv issue #318).
  bool allow_tls13 = true;
  // Replaces the whole GnuTLS priority string when not empty.
  std::string priority_override;
  // LoadWithRemoteKey only: the chain and the CAs as PEM text, used instead of reading
  // certificate_file / ca_file when not empty (a sandboxed worker that cannot open files gets
  // them from main on a configuration reload). The file names still label errors.
  std::string certificate_pem;
  std::string ca_pem;
};

// A client certificate with its key: either PEM files or a PKCS#12 file.
struct ClientIdentity {
  std::string certificate_file;  // PEM chain, leaf first.
  std::string private_key_file;  // PEM.
  std::string pkcs12_file;       // Used instead of the two above when not empty.
  SecretString pkcs12_password;
};

struct ClientTlsConfig {
  // The host the user asked for: checked against the certificate, and sent as SNI only when it
  // is a DNS name (never for IP literals, like openconnect).
  std::string server_name;
  std::string ca_file;  // Optional extra trust anchors (PEM).
  bool use_system_trust = true;
  std::vector<std::string> pins;  // Any match accepts an otherwise untrusted server.
  // --servercert: when not empty the certificate must match one of these, trusted or not (a
  // trusted certificate that matches none is rejected, like openconnect 9); a match also
  // accepts an otherwise untrusted certificate.
  std::vector<std::string> required_pins;
  std::vector<ClientIdentity> identities;
  bool allow_tls13 = true;
  std::string priority_override;
};

// The priority strings used unless overridden.
std::string DefaultServerPriority(bool allow_tls13);
std::string DefaultClientPriority(bool allow_tls13);

// Fingerprints of one DER certificate, in the formats the protocol uses.
struct CertificateFingerprints {
  std::string sha1_hex_upper;   // SHA-1 of the DER certificate (Cisco server-cert-hash).
  std::string pin_sha256;       // "pin-sha256:<base64 SHA-256 of DER SPKI>".
  std::string spki_sha256_hex;  // lower-case hex of the same hash.
  std::string spki_sha1_hex;    // lower-case hex of SHA-1 of the DER SPKI.
};

// Errors: kMalformed when `der` is not a certificate.
Result<CertificateFingerprints> FingerprintCertificate(ByteSpan der);

// True when `pin` (one of the formats above) matches the fingerprints. Unknown forms and pins
// shorter than 4 significant characters never match.
bool PinMatches(std::string_view pin, const CertificateFingerprints& fp);

// Wraps a GnuTLS error code: kUntrusted for certificate failures, kClosed for EOF-like codes,
// kWouldBlock for GNUTLS_E_AGAIN, kConfig for file errors, kTls otherwise. The context is
// "<what>: <gnutls_strerror text>".
Error TlsError(int gnutls_code, std::string_view what);

class ServerCredentials {
 public:
  // Errors: kConfig (unreadable or mismatched files, bad priority string) with the file named.
  static Result<std::shared_ptr<ServerCredentials>> Load(const ServerTlsConfig& config);
  // The same certificate chain with a key held by another process: `config.private_key_file`
  // is not read; every handshake signature is asked of `signer` (ECDHE key exchange only).
  // Errors: kConfig (unreadable chain, bad priority string) with the file named.
  static Result<std::shared_ptr<ServerCredentials>> LoadWithRemoteKey(
      const ServerTlsConfig& config, std::shared_ptr<RemoteSigner> signer);
  ~ServerCredentials();
  ServerCredentials(const ServerCredentials&) = delete;
  ServerCredentials& operator=(const ServerCredentials&) = delete;

  // Uppercase hex SHA-1 of the DER leaf certificate: the Cisco `server-cert-hash`.
  const std::string& server_cert_sha1_hex_upper() const { return fingerprints_.sha1_hex_upper; }
  // openconnect's --servercert value for this certificate.
  const std::string& server_cert_pin_sha256() const { return fingerprints_.pin_sha256; }
  // Lower-case hex SHA-256 of the certificate's public key (KeyHolder::SpkiSha256Hex).
  const std::string& server_spki_sha256_hex() const { return fingerprints_.spki_sha256_hex; }
  bool requests_client_certificates() const { return requests_client_certs_; }

  // For TlsEngine.
  gnutls_certificate_credentials_t handle() const { return cred_; }
  gnutls_priority_t priority() const { return priority_; }

 private:
  ServerCredentials() = default;
  Result<void> Finish(const ServerTlsConfig& config, const std::string& default_priority);
  static int RemoteSignData(gnutls_privkey_t key, gnutls_sign_algorithm_t algo, void* userdata,
                            unsigned int flags, const gnutls_datum_t* data,
                            gnutls_datum_t* signature);
  static int RemoteSignHash(gnutls_privkey_t key, gnutls_sign_algorithm_t algo, void* userdata,
                            unsigned int flags, const gnutls_datum_t* hash,
                            gnutls_datum_t* signature);
  static int RemoteKeyInfo(gnutls_privkey_t key, unsigned int flags, void* userdata);
  int RemoteSign(SignInput input, gnutls_sign_algorithm_t algo, unsigned flags,
                 const gnutls_datum_t* payload, gnutls_datum_t* signature);

  gnutls_certificate_credentials_t cred_ = nullptr;
  std::shared_ptr<RemoteSigner> signer_;  // set for a remote key
  gnutls_pk_algorithm_t remote_pk_ = GNUTLS_PK_UNKNOWN;
  unsigned int remote_bits_ = 0;
  gnutls_priority_t priority_ = nullptr;
  CertificateFingerprints fingerprints_;
  bool requests_client_certs_ = false;
};

class ClientCredentials {
 public:
  // A loaded client identity, ready for GnuTLS.
  struct LoadedIdentity {
    std::string label;       // The file it came from.
    std::string subject_dn;  // Leaf subject, RFC 4514 string.
    Bytes issuer_dn_der;     // Raw DER issuer name of the leaf.
    // Raw DER issuer names of every certificate of the chain (leaf first, then the
    // intermediates given with it): the identity fits a CertificateRequest when any of them is
    // in the server's CA list, so a gateway that trusts only the root still gets a certificate
    // issued by an intermediate (the intermediates are sent with it).
    std::vector<Bytes> chain_issuer_dns_der;
    std::vector<gnutls_pcert_st> chain;
    gnutls_privkey_t key = nullptr;
  };

  // Errors: kConfig (unreadable file, wrong PKCS#12 password, bad priority) with the file named.
  static Result<std::shared_ptr<ClientCredentials>> Load(const ClientTlsConfig& config);
  ~ClientCredentials();
  ClientCredentials(const ClientCredentials&) = delete;
  ClientCredentials& operator=(const ClientCredentials&) = delete;

  const ClientTlsConfig& config() const { return config_; }
  const std::vector<LoadedIdentity>& identities() const { return identities_; }
  // True when some pin (accepting or required) matches.
  bool MatchesPin(const CertificateFingerprints& fp) const;
  // True when required pins are configured and none matches: the certificate is refused.
  bool ViolatesRequiredPins(const CertificateFingerprints& fp) const;

  // For TlsEngine.
  gnutls_certificate_credentials_t handle() const { return cred_; }
  gnutls_priority_t priority() const { return priority_; }

 private:
  ClientCredentials() = default;
  ClientTlsConfig config_;
  gnutls_certificate_credentials_t cred_ = nullptr;
  gnutls_priority_t priority_ = nullptr;
  std::vector<LoadedIdentity> identities_;
};

}  // namespace sekisho::tls

#include "tls/credentials.h"

#include "base/encoding.h"
#include "base/strings.h"
#include "tls/callbacks.h"

#include <gnutls/crypto.h>
#include <gnutls/pkcs12.h>
#include <gnutls/x509.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

namespace sekisho::tls {
namespace {

// Owns a gnutls_datum_t allocated by GnuTLS.
class GnutlsDatum {
 public:
  GnutlsDatum() = default;
  ~GnutlsDatum() { gnutls_free(datum_.data); }
  GnutlsDatum(const GnutlsDatum&) = delete;
  GnutlsDatum& operator=(const GnutlsDatum&) = delete;
  gnutls_datum_t* get() { return &datum_; }
  ByteSpan span() const { return {datum_.data, datum_.size}; }

 private:
  gnutls_datum_t datum_{nullptr, 0};
};

gnutls_datum_t ToDatum(ByteSpan b) {
  return {const_cast<unsigned char*>(b.data()), static_cast<unsigned int>(b.size())};
}

Error ConfigError(int code, std::string_view what, const std::string& file) {
  return Error{Errc::kConfig, std::string(what) + " " + file + ": " + gnutls_strerror(code)};
}

Result<gnutls_priority_t> MakePriority(const std::string& text) {
  gnutls_priority_t priority = nullptr;
  const char* err_pos = nullptr;
  int rc = gnutls_priority_init(&priority, text.c_str(), &err_pos);
  if (rc < 0) {
    return Fail(Errc::kConfig,
                "bad TLS priority string near '" + std::string(err_pos ? err_pos : "") + "'");
  }
  return priority;
}

std::string SubjectDn(gnutls_x509_crt_t crt) {
  GnutlsDatum dn;
  if (gnutls_x509_crt_get_dn3(crt, dn.get(), 0) < 0) {
    return {};
  }
  return std::string(AsChars(dn.span()));
}

// Fills the derived fields of an identity from its chain (leaf first).
Result<void> DescribeIdentity(ClientCredentials::LoadedIdentity& id) {
  for (std::size_t i = 0; i < id.chain.size(); ++i) {
    gnutls_x509_crt_t crt = nullptr;
    if (gnutls_x509_crt_init(&crt) < 0) {
      return Fail(Errc::kInternal, "gnutls_x509_crt_init");
    }
    int rc = gnutls_x509_crt_import(crt, &id.chain[i].cert, GNUTLS_X509_FMT_DER);
    GnutlsDatum issuer;
    if (rc >= 0) {
      if (i == 0) {
        id.subject_dn = SubjectDn(crt);
      }
      rc = gnutls_x509_crt_get_raw_issuer_dn(crt, issuer.get());
    }
    gnutls_x509_crt_deinit(crt);
    if (rc < 0) {
      return Fail(ConfigError(rc, "cannot parse client certificate", id.label));
    }
    id.chain_issuer_dns_der.emplace_back(issuer.span().begin(), issuer.span().end());
  }
  id.issuer_dn_der = id.chain_issuer_dns_der.front();
  return Ok();
}

Result<void> LoadPemIdentity(const ClientIdentity& in, ClientCredentials::LoadedIdentity& out) {
  out.label = in.certificate_file;
  GnutlsDatum cert_pem;
  int rc = gnutls_load_file(in.certificate_file.c_str(), cert_pem.get());
  if (rc < 0) {
    return Fail(ConfigError(rc, "cannot read client certificate", in.certificate_file));
  }
  std::array<gnutls_pcert_st, 16> pcerts{};
  unsigned int count = pcerts.size();
  rc = gnutls_pcert_list_import_x509_raw(pcerts.data(), &count, cert_pem.get(), GNUTLS_X509_FMT_PEM,
                                         0);
  if (rc < 0 || count == 0) {
    return Fail(ConfigError(rc, "cannot parse client certificate", in.certificate_file));
  }
  out.chain.assign(pcerts.begin(), pcerts.begin() + count);

  const std::string& key_file =
      in.private_key_file.empty() ? in.certificate_file : in.private_key_file;
  GnutlsDatum key_pem;
  rc = gnutls_load_file(key_file.c_str(), key_pem.get());
  if (rc < 0) {
    return Fail(ConfigError(rc, "cannot read client key", key_file));
  }
  rc = gnutls_privkey_init(&out.key);
  if (rc >= 0) {
    rc = gnutls_privkey_import_x509_raw(out.key, key_pem.get(), GNUTLS_X509_FMT_PEM, nullptr, 0);
  }
  if (rc < 0) {
    return Fail(ConfigError(rc, "cannot parse client key", key_file));
  }
  return DescribeIdentity(out);
}

Result<void> LoadPkcs12Identity(const ClientIdentity& in, ClientCredentials::LoadedIdentity& out) {
  out.label = in.pkcs12_file;
  GnutlsDatum der;
  int rc = gnutls_load_file(in.pkcs12_file.c_str(), der.get());
  if (rc < 0) {
    return Fail(ConfigError(rc, "cannot read PKCS#12 file", in.pkcs12_file));
  }
  gnutls_pkcs12_t p12 = nullptr;
  gnutls_pkcs12_init(&p12);
  rc = gnutls_pkcs12_import(p12, der.get(), GNUTLS_X509_FMT_DER, 0);
  if (rc < 0) {
    rc = gnutls_pkcs12_import(p12, der.get(), GNUTLS_X509_FMT_PEM, 0);
  }
  gnutls_x509_privkey_t xkey = nullptr;
  gnutls_x509_crt_t* chain = nullptr;
  unsigned int chain_len = 0;
  if (rc >= 0) {
    rc = gnutls_pkcs12_simple_parse(p12, in.pkcs12_password.reveal().c_str(), &xkey, &chain,
                                    &chain_len, nullptr, nullptr, nullptr, 0);
  }
  gnutls_pkcs12_deinit(p12);
  if (rc >= 0 && chain_len == 0) {
    rc = GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE;
  }
  for (unsigned int i = 0; i < chain_len; ++i) {
    if (rc >= 0) {
      gnutls_pcert_st pcert{};
      rc = gnutls_pcert_import_x509(&pcert, chain[i], 0);
      if (rc >= 0) {
        out.chain.push_back(pcert);
      }
    }
    gnutls_x509_crt_deinit(chain[i]);
  }
  gnutls_free(chain);
  if (rc >= 0) {
    rc = gnutls_privkey_init(&out.key);
  }
  if (rc >= 0) {
    rc = gnutls_privkey_import_x509(out.key, xkey, GNUTLS_PRIVKEY_IMPORT_COPY);
  }
  if (xkey != nullptr) {
    gnutls_x509_privkey_deinit(xkey);
  }
  if (rc < 0) {
    return Fail(ConfigError(rc, "cannot load PKCS#12 identity", in.pkcs12_file));
  }
  return DescribeIdentity(out);
}

// Case-insensitive prefix test for hex pins.
bool HexPrefixMatches(std::string_view pin, std::string_view hex) {
  return pin.size() >= 4 && pin.size() <= hex.size() &&
         EqualsIgnoreCase(pin, hex.substr(0, pin.size()));
}

}  // namespace

std::string DefaultServerPriority(bool allow_tls13) {
  std::string p = "NORMAL:%SERVER_PRECEDENCE:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1";
  if (!allow_tls13) {
    p += ":-VERS-TLS1.3";
  }
  return p;
}

std::string DefaultClientPriority(bool allow_tls13) {
  // openconnect 9.01's string (anyconnect.md §1.2).
  std::string p = "NORMAL:-VERS-SSL3.0:+SHA256:%COMPAT:-3DES-CBC:-ARCFOUR-128";
  if (!allow_tls13) {
    p += ":-VERS-TLS1.3";
  }
  return p;
}

Result<CertificateFingerprints> FingerprintCertificate(ByteSpan der) {
  CertificateFingerprints fp;
  std::array<std::uint8_t, 20> sha1{};
  std::array<std::uint8_t, 32> sha256{};
  gnutls_hash_fast(GNUTLS_DIG_SHA1, der.data(), der.size(), sha1.data());
  fp.sha1_hex_upper = HexEncode(sha1, HexCase::kUpper);

  gnutls_x509_crt_t crt = nullptr;
  gnutls_pubkey_t pub = nullptr;
  GnutlsDatum spki;
  gnutls_datum_t in = ToDatum(der);
  int rc = gnutls_x509_crt_init(&crt);
  if (rc >= 0) {
    rc = gnutls_x509_crt_import(crt, &in, GNUTLS_X509_FMT_DER);
  }
  if (rc >= 0) {
    rc = gnutls_pubkey_init(&pub);
  }
  if (rc >= 0) {
    rc = gnutls_pubkey_import_x509(pub, crt, 0);
  }
  if (rc >= 0) {
    rc = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, spki.get());
  }
  if (pub != nullptr) {
    gnutls_pubkey_deinit(pub);
  }
  if (crt != nullptr) {
    gnutls_x509_crt_deinit(crt);
  }
  if (rc < 0) {
    return Fail(Errc::kMalformed, std::string("certificate: ") + gnutls_strerror(rc));
  }
  gnutls_hash_fast(GNUTLS_DIG_SHA256, spki.span().data(), spki.span().size(), sha256.data());
  fp.pin_sha256 = "pin-sha256:" + Base64Encode(sha256);
  fp.spki_sha256_hex = HexEncode(sha256);
  gnutls_hash_fast(GNUTLS_DIG_SHA1, spki.span().data(), spki.span().size(), sha1.data());
  fp.spki_sha1_hex = HexEncode(sha1);
  return fp;
}

bool PinMatches(std::string_view pin, const CertificateFingerprints& fp) {
  constexpr std::string_view kPinSha256 = "pin-sha256:";
  constexpr std::string_view kSha256 = "sha256:";
  constexpr std::string_view kSha1 = "sha1:";
  if (pin.starts_with(kPinSha256)) {
    std::string_view want = pin.substr(kPinSha256.size());
    std::string_view have = std::string_view(fp.pin_sha256).substr(kPinSha256.size());
    return want.size() >= 4 && have.starts_with(want);
  }
  if (StartsWithIgnoreCase(pin, kSha256)) {
    return HexPrefixMatches(pin.substr(kSha256.size()), fp.spki_sha256_hex);
  }
  if (StartsWithIgnoreCase(pin, kSha1)) {
    return HexPrefixMatches(pin.substr(kSha1.size()), fp.spki_sha1_hex);
  }
  if (pin.find(':') != std::string_view::npos) {
    return false;
  }
  return HexPrefixMatches(pin, fp.sha1_hex_upper);
}

Error TlsError(int gnutls_code, std::string_view what) {
  Errc code = Errc::kTls;
  switch (gnutls_code) {
    case GNUTLS_E_AGAIN:
    case GNUTLS_E_INTERRUPTED: code = Errc::kWouldBlock; break;
    case GNUTLS_E_CERTIFICATE_ERROR:
    case GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR: code = Errc::kUntrusted; break;
    case GNUTLS_E_PREMATURE_TERMINATION:
    case GNUTLS_E_SESSION_EOF: code = Errc::kClosed; break;
    case GNUTLS_E_FILE_ERROR:
    case GNUTLS_E_BASE64_DECODING_ERROR:
    case GNUTLS_E_CERTIFICATE_KEY_MISMATCH: code = Errc::kConfig; break;
    case GNUTLS_E_TIMEDOUT: code = Errc::kTimeout; break;
    default: break;
  }
  return Error{code, std::string(what) + ": " + gnutls_strerror(gnutls_code)};
}

// ServerCredentials

Result<std::shared_ptr<ServerCredentials>> ServerCredentials::Load(const ServerTlsConfig& config) {
  std::shared_ptr<ServerCredentials> creds(new ServerCredentials());
  int rc = gnutls_certificate_allocate_credentials(&creds->cred_);
  if (rc < 0) {
    return Fail(TlsError(rc, "allocate credentials"));
  }
  rc = gnutls_certificate_set_x509_key_file2(creds->cred_, config.certificate_file.c_str(),
                                             config.private_key_file.c_str(), GNUTLS_X509_FMT_PEM,
                                             nullptr, 0);
  if (rc < 0) {
    return Fail(ConfigError(rc, "cannot load certificate/key",
                            config.certificate_file + " + " + config.private_key_file));
  }
  SEKISHO_TRY(creds->Finish(config, DefaultServerPriority(config.allow_tls13)));
  return creds;
}

// GnuTLS calls these from inside a handshake; `userdata` is the ServerCredentials.
int ServerCredentials::RemoteSignData(gnutls_privkey_t /*key*/, gnutls_sign_algorithm_t algo,
                                      void* userdata, unsigned int flags,
                                      const gnutls_datum_t* data, gnutls_datum_t* signature) {
  return static_cast<ServerCredentials*>(userdata)->RemoteSign(SignInput::kData, algo, flags, data,
                                                               signature);
}

int ServerCredentials::RemoteSignHash(gnutls_privkey_t /*key*/, gnutls_sign_algorithm_t algo,
                                      void* userdata, unsigned int flags,
                                      const gnutls_datum_t* hash, gnutls_datum_t* signature) {
  return static_cast<ServerCredentials*>(userdata)->RemoteSign(SignInput::kHash, algo, flags, hash,
                                                               signature);
}

int ServerCredentials::RemoteKeyInfo(gnutls_privkey_t /*key*/, unsigned int flags, void* userdata) {
  const auto* self = static_cast<const ServerCredentials*>(userdata);
  if ((flags & GNUTLS_PRIVKEY_INFO_PK_ALGO) != 0) {
    return self->remote_pk_;
  }
  if ((flags & GNUTLS_PRIVKEY_INFO_PK_ALGO_BITS) != 0) {
    return static_cast<int>(self->remote_bits_);
  }
  if ((flags & GNUTLS_PRIVKEY_INFO_HAVE_SIGN_ALGO) != 0) {
    auto algo = static_cast<gnutls_sign_algorithm_t>(GNUTLS_FLAGS_TO_SIGN_ALGO(flags));
    return gnutls_sign_supports_pk_algorithm(algo, self->remote_pk_) != 0 ? 1 : 0;
  }
  return GNUTLS_E_UNKNOWN_PK_ALGORITHM;
}

int ServerCredentials::RemoteSign(SignInput input, gnutls_sign_algorithm_t algo, unsigned flags,
                                  const gnutls_datum_t* payload, gnutls_datum_t* signature) {
  Result<Bytes> signed_bytes =
      signer_->Sign(input, algo, flags, ByteSpan(payload->data, payload->size));
  if (!signed_bytes) {
    return GNUTLS_E_PK_SIGN_FAILED;
  }
  signature->data = static_cast<unsigned char*>(gnutls_malloc(signed_bytes->size()));
  if (signature->data == nullptr) {
    return GNUTLS_E_MEMORY_ERROR;
  }
  std::copy(signed_bytes->begin(), signed_bytes->end(), signature->data);
  signature->size = static_cast<unsigned int>(signed_bytes->size());
  return 0;
}

Result<std::shared_ptr<ServerCredentials>> ServerCredentials::LoadWithRemoteKey(
    const ServerTlsConfig& config, std::shared_ptr<RemoteSigner> signer) {
  std::shared_ptr<ServerCredentials> creds(new ServerCredentials());
  creds->signer_ = std::move(signer);
  int rc = gnutls_certificate_allocate_credentials(&creds->cred_);
  if (rc < 0) {
    return Fail(TlsError(rc, "allocate credentials"));
  }
  constexpr unsigned kMaxChain = 16;
  std::array<gnutls_pcert_st, kMaxChain> chain{};
  unsigned chain_size = kMaxChain;
  if (config.certificate_pem.empty()) {
    rc = gnutls_pcert_list_import_x509_file(chain.data(), &chain_size,
                                            config.certificate_file.c_str(), GNUTLS_X509_FMT_PEM,
                                            nullptr, nullptr, 0);
  } else {
    gnutls_datum_t pem{
        reinterpret_cast<unsigned char*>(const_cast<char*>(config.certificate_pem.data())),
        static_cast<unsigned>(config.certificate_pem.size())};
    rc = gnutls_pcert_list_import_x509_raw(chain.data(), &chain_size, &pem, GNUTLS_X509_FMT_PEM, 0);
  }
  if (rc < 0 || chain_size == 0) {
    return Fail(ConfigError(rc < 0 ? rc : GNUTLS_E_FILE_ERROR, "cannot load certificate",
                            config.certificate_file));
  }
  creds->remote_pk_ = static_cast<gnutls_pk_algorithm_t>(
      gnutls_pubkey_get_pk_algorithm(chain[0].pubkey, &creds->remote_bits_));
  gnutls_privkey_t key = nullptr;
  rc = gnutls_privkey_init(&key);
  if (rc >= 0) {
    rc = gnutls_privkey_import_ext4(key, creds.get(), &ServerCredentials::RemoteSignData,
                                    &ServerCredentials::RemoteSignHash, nullptr, nullptr,
                                    &ServerCredentials::RemoteKeyInfo, 0);
  }
  if (rc >= 0) {
    // The credentials take ownership of the chain and the key.
    rc = gnutls_certificate_set_key(creds->cred_, nullptr, 0, chain.data(), chain_size, key);
  }
  if (rc < 0) {
    if (key != nullptr) {
      gnutls_privkey_deinit(key);
    }
    for (unsigned i = 0; i < chain_size; ++i) {
      gnutls_pcert_deinit(&chain[i]);
    }
    return Fail(ConfigError(rc, "cannot use the remote key with", config.certificate_file));
  }
  // Without the key the worker cannot decrypt, so RSA key exchange is off (ECDHE only).
  SEKISHO_TRY(creds->Finish(config, DefaultServerPriority(config.allow_tls13) + ":-RSA"));
  return creds;
}

Result<void> ServerCredentials::Finish(const ServerTlsConfig& config,
                                       const std::string& default_priority) {
  gnutls_datum_t leaf{};
  int rc = gnutls_certificate_get_crt_raw(cred_, 0, 0, &leaf);
  if (rc < 0) {
    return Fail(ConfigError(rc, "no certificate in", config.certificate_file));
  }
  SEKISHO_ASSIGN_OR_RETURN(fingerprints_, FingerprintCertificate(ByteSpan(leaf.data, leaf.size)));
  if (!config.ca_pem.empty()) {
    gnutls_datum_t pem{reinterpret_cast<unsigned char*>(const_cast<char*>(config.ca_pem.data())),
                       static_cast<unsigned>(config.ca_pem.size())};
    rc = gnutls_certificate_set_x509_trust_mem(cred_, &pem, GNUTLS_X509_FMT_PEM);
    if (rc <= 0) {
      return Fail(
          ConfigError(rc < 0 ? rc : GNUTLS_E_FILE_ERROR, "no CA certificates in", config.ca_file));
    }
    requests_client_certs_ = true;
  } else if (!config.ca_file.empty()) {
    rc = gnutls_certificate_set_x509_trust_file(cred_, config.ca_file.c_str(), GNUTLS_X509_FMT_PEM);
    if (rc <= 0) {
      return Fail(
          ConfigError(rc < 0 ? rc : GNUTLS_E_FILE_ERROR, "no CA certificates in", config.ca_file));
    }
    requests_client_certs_ = true;
  }
  const std::string priority =
      config.priority_override.empty() ? default_priority : config.priority_override;
  SEKISHO_ASSIGN_OR_RETURN(priority_, MakePriority(priority));
  return Ok();
}

ServerCredentials::~ServerCredentials() {
  if (priority_ != nullptr) {
    gnutls_priority_deinit(priority_);
  }
  if (cred_ != nullptr) {
    gnutls_certificate_free_credentials(cred_);
  }
}

// ClientCredentials

Result<std::shared_ptr<ClientCredentials>> ClientCredentials::Load(const ClientTlsConfig& config) {
  std::shared_ptr<ClientCredentials> creds(new ClientCredentials());
  creds->config_ = config;
  int rc = gnutls_certificate_allocate_credentials(&creds->cred_);
  if (rc < 0) {
    return Fail(TlsError(rc, "allocate credentials"));
  }
  if (config.use_system_trust) {
    // A machine without a system store still works with pins or ca_file: not fatal.
    gnutls_certificate_set_x509_system_trust(creds->cred_);
  }
  if (!config.ca_file.empty()) {
    rc = gnutls_certificate_set_x509_trust_file(creds->cred_, config.ca_file.c_str(),
                                                GNUTLS_X509_FMT_PEM);
    if (rc <= 0) {
      return Fail(
          ConfigError(rc < 0 ? rc : GNUTLS_E_FILE_ERROR, "no CA certificates in", config.ca_file));
    }
  }
  creds->identities_.reserve(config.identities.size());
  for (const ClientIdentity& identity : config.identities) {
    creds->identities_.emplace_back();
    if (!identity.pkcs12_file.empty()) {
      SEKISHO_TRY(LoadPkcs12Identity(identity, creds->identities_.back()));
    } else {
      SEKISHO_TRY(LoadPemIdentity(identity, creds->identities_.back()));
    }
  }
  gnutls_certificate_set_verify_function(creds->cred_, &internal::VerifyServerCertificate);
  gnutls_certificate_set_retrieve_function2(creds->cred_, &internal::RetrieveClientCertificate);
  const std::string priority = config.priority_override.empty()
                                   ? DefaultClientPriority(config.allow_tls13)
                                   : config.priority_override;
  SEKISHO_ASSIGN_OR_RETURN(creds->priority_, MakePriority(priority));
  return creds;
}

bool ClientCredentials::MatchesPin(const CertificateFingerprints& fp) const {
  auto matches = [&](const std::string& pin) { return PinMatches(pin, fp); };
  return std::any_of(config_.pins.begin(), config_.pins.end(), matches) ||
         std::any_of(config_.required_pins.begin(), config_.required_pins.end(), matches);
}

bool ClientCredentials::ViolatesRequiredPins(const CertificateFingerprints& fp) const {
  return !config_.required_pins.empty() &&
         std::none_of(config_.required_pins.begin(), config_.required_pins.end(),
                      [&](const std::string& pin) { return PinMatches(pin, fp); });
}

ClientCredentials::~ClientCredentials() {
  for (LoadedIdentity& id : identities_) {
    for (gnutls_pcert_st& pcert : id.chain) {
      gnutls_pcert_deinit(&pcert);
    }
    if (id.key != nullptr) {
      gnutls_privkey_deinit(id.key);
    }
  }
  if (priority_ != nullptr) {
    gnutls_priority_deinit(priority_);
  }
  if (cred_ != nullptr) {
    gnutls_certificate_free_credentials(cred_);
  }
}

}  // namespace sekisho::tls

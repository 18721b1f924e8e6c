// TlsEngine's DTLS sessions that start from values the CSTP CONNECT exchanged instead of a
// certificate handshake: PSK-NEGOTIATE (a key exported from the TLS session) and the resumed
// DTLS 0.9 / 1.2 sessions (X-DTLS-Master-Secret + session id). Member functions of the engine
// (engine.h); the rest of the engine is in engine.cc.

#include "tls/engine.h"

#include <gnutls/crypto.h>
#include <gnutls/dtls.h>
#include <gnutls/gnutls.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace sekisho::tls {

namespace {

// Plain-PSK DTLS 1.2 only: no certificates, no (EC)DHE, as ocserv's PSK priority.
constexpr const char* kDtlsPskPriority =
    "NORMAL:-VERS-ALL:+VERS-DTLS1.2:-KX-ALL:+PSK:%SERVER_PRECEDENCE";
constexpr std::size_t kMaxAppIdSize = 32;

}  // namespace

int TlsEngine::PskServerCallback(gnutls_session_t session, const char* /*username*/,
                                 gnutls_datum_t* key) {
  TlsEngine* engine = static_cast<TlsEngine*>(gnutls_session_get_ptr(session));
  if (engine == nullptr || engine->psk_.empty()) {
    return -1;
  }
  // GnuTLS frees the key it is given.
  const Bytes& psk = engine->psk_.reveal();
  key->data = static_cast<unsigned char*>(gnutls_malloc(psk.size()));
  if (key->data == nullptr) {
    return -1;
  }
  std::memcpy(key->data, psk.data(), psk.size());
  key->size = static_cast<unsigned int>(psk.size());
  return 0;
}

Result<std::unique_ptr<TlsEngine>> TlsEngine::CreateDtlsPskClient(const SecretBytes& psk,
                                                                  ByteSpan app_id,
                                                                  EngineOptions options) {
  if (psk.empty() || app_id.empty() || app_id.size() > kMaxAppIdSize) {
    return Fail(Errc::kInvalidArgument, "PSK DTLS needs a key and a 1-32 byte app id");
  }
  options.datagram = true;
  std::unique_ptr<TlsEngine> engine(new TlsEngine(std::move(options)));
  SEKISHO_TRY(engine->Init(GNUTLS_CLIENT));
  gnutls_session_t s = engine->session_;
  int rc = gnutls_psk_allocate_client_credentials(&engine->psk_client_);
  gnutls_datum_t key{const_cast<unsigned char*>(psk.reveal().data()),
                     static_cast<unsigned int>(psk.reveal().size())};
  if (rc >= 0) {
    rc = gnutls_psk_set_client_credentials(engine->psk_client_, "psk", &key, GNUTLS_PSK_KEY_RAW);
  }
  if (rc >= 0) {
    rc = gnutls_priority_init(&engine->own_priority_, kDtlsPskPriority, nullptr);
  }
  if (rc >= 0) {
    rc = gnutls_priority_set(s, engine->own_priority_);
  }
  if (rc >= 0) {
    rc = gnutls_credentials_set(s, GNUTLS_CRD_PSK, engine->psk_client_);
  }
  if (rc >= 0) {
    // openconnect's trick: a fake resumable session whose id is the App-ID makes GnuTLS put
    // the id into the ClientHello. The master secret is random and never used: the gateway
    // answers with a full PSK handshake and a fresh session id.
    std::array<unsigned char, 48> master{};
    rc = gnutls_rnd(GNUTLS_RND_RANDOM, master.data(), master.size());
    gnutls_datum_t master_datum{master.data(), static_cast<unsigned int>(master.size())};
    gnutls_datum_t id{const_cast<unsigned char*>(app_id.data()),
                      static_cast<unsigned int>(app_id.size())};
    if (rc >= 0) {
      rc = gnutls_session_set_premaster(s, GNUTLS_CLIENT, GNUTLS_DTLS1_2, GNUTLS_KX_PSK,
                                        GNUTLS_CIPHER_AES_128_GCM, GNUTLS_MAC_AEAD,
                                        GNUTLS_COMP_NULL, &master_datum, &id);
    }
  }
  if (rc < 0) {
    return Fail(TlsError(rc, "PSK DTLS client setup"));
  }
  return engine;
}

Result<std::unique_ptr<TlsEngine>> TlsEngine::CreateDtlsPskServer(const SecretBytes& psk,
                                                                  EngineOptions options) {
  if (psk.empty()) {
    return Fail(Errc::kInvalidArgument, "PSK DTLS needs a key");
  }
  options.datagram = true;
  std::unique_ptr<TlsEngine> engine(new TlsEngine(std::move(options)));
  engine->psk_ = psk;
  SEKISHO_TRY(engine->Init(GNUTLS_SERVER));
  gnutls_session_t s = engine->session_;
  int rc = gnutls_psk_allocate_server_credentials(&engine->psk_server_);
  if (rc >= 0) {
    gnutls_psk_set_server_credentials_function(engine->psk_server_, &PskServerCallback);
    rc = gnutls_priority_init(&engine->own_priority_, kDtlsPskPriority, nullptr);
  }
  if (rc >= 0) {
    rc = gnutls_priority_set(s, engine->own_priority_);
  }
  if (rc >= 0) {
    rc = gnutls_credentials_set(s, GNUTLS_CRD_PSK, engine->psk_server_);
  }
  if (rc < 0) {
    return Fail(TlsError(rc, "PSK DTLS server setup"));
  }
  return engine;
}

namespace {

constexpr std::size_t kMasterSecretSize = 48;
constexpr std::size_t kMaxSessionIdSize = 32;

// GnuTLS algorithm names are upper-case letters, digits and dashes; anything else could smuggle
// extra keywords into the priority string.
bool IsAlgorithmName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// Exactly the one suite, like ocserv and openconnect. %NO_SESSION_HASH: an extended master
// secret (RFC 7627) would change the keys derived from the given master secret and make
// GnuTLS refuse to resume a session created without it. %DISABLE_SAFE_RENEGOTIATION: Cisco's
// DTLS 0.9 knows no renegotiation_info; ocserv uses the same two for all resumed DTLS.
std::string ResumedPriority(const ResumedDtlsParams& params) {
  std::string priority =
      params.protocol == DtlsProtocol::kDtls09 ? "NONE:+VERS-DTLS0.9" : "NONE:+VERS-DTLS1.2";
  priority += ":+COMP-NULL:+" + params.cipher + ":+" + params.mac + ":+" + params.kx;
  priority += ":+SIGN-ALL:%COMPAT:%NO_SESSION_HASH:%DISABLE_SAFE_RENEGOTIATION";
  return priority;
}

}  // namespace

int TlsEngine::ServerHelloHook(gnutls_session_t session, unsigned int /*htype*/,
                               unsigned int /*when*/, unsigned int /*incoming*/,
                               const gnutls_datum_t* msg) {
  // A resuming server echoes our session id in its ServerHello; anything else starts a full
  // handshake, which we stop before an impostor's Certificate is processed (our certificate
  // credentials are empty and would verify nothing). gnutls_session_is_resumed() cannot tell
  // yet on the client: GnuTLS copies the resumed id into the session only at the end.
  TlsEngine* engine = static_cast<TlsEngine*>(gnutls_session_get_ptr(session));
  if (engine == nullptr) {
    return GNUTLS_E_INTERNAL_ERROR;
  }
  // ServerHello body: server_version(2) random(32) session_id<0..32> ...
  constexpr std::size_t kIdLengthOffset = 2 + 32;
  const Bytes& expected = engine->expected_session_id_;
  const bool echoed = msg != nullptr && msg->size > kIdLengthOffset &&
                      msg->data[kIdLengthOffset] == expected.size() &&
                      msg->size >= kIdLengthOffset + 1 + expected.size() &&
                      std::equal(expected.begin(), expected.end(), msg->data + kIdLengthOffset + 1);
  if (echoed) {
    return 0;
  }
  engine->not_resumed_ = true;
  return GNUTLS_E_UNEXPECTED_HANDSHAKE_PACKET;
}

Result<void> TlsEngine::SetUpResumed(const ResumedDtlsParams& params, unsigned int side) {
  if (params.master_secret.reveal().size() != kMasterSecretSize) {
    return Fail(Errc::kInvalidArgument, "resumed DTLS needs a 48-byte master secret");
  }
  if (params.session_id.empty() || params.session_id.size() > kMaxSessionIdSize) {
    return Fail(Errc::kInvalidArgument, "resumed DTLS needs a 1-32 byte session id");
  }
  if (!IsAlgorithmName(params.kx) || !IsAlgorithmName(params.cipher) ||
      !IsAlgorithmName(params.mac)) {
    return Fail(Errc::kInvalidArgument, "malformed DTLS algorithm name");
  }
  const gnutls_kx_algorithm_t kx = gnutls_kx_get_id(params.kx.c_str());
  const gnutls_cipher_algorithm_t cipher = gnutls_cipher_get_id(params.cipher.c_str());
  const gnutls_mac_algorithm_t mac = gnutls_mac_get_id(params.mac.c_str());
  if (kx == GNUTLS_KX_UNKNOWN || cipher == GNUTLS_CIPHER_UNKNOWN || mac == GNUTLS_MAC_UNKNOWN) {
    return Fail(Errc::kInvalidArgument,
                "unknown DTLS algorithm: " + params.kx + "/" + params.cipher + "/" + params.mac);
  }
  // (kx, cipher, mac) must name a TLS suite, and AEAD suites do not exist before (D)TLS 1.2.
  if (gnutls_cipher_suite_get_name(kx, cipher, mac) == nullptr ||
      (params.protocol == DtlsProtocol::kDtls09 && mac == GNUTLS_MAC_AEAD)) {
    return Fail(Errc::kInvalidArgument,
                "no such DTLS cipher suite: " + params.kx + "/" + params.cipher + "/" + params.mac);
  }
  const std::string priority = ResumedPriority(params);
  const char* error_pos = nullptr;
  int rc = gnutls_priority_init(&own_priority_, priority.c_str(), &error_pos);
  if (rc < 0) {
    own_priority_ = nullptr;
    Error error = TlsError(rc, "resumed DTLS priority " + priority);
    error.code = Errc::kUnsupported;
    return Fail(std::move(error));
  }
  rc = gnutls_priority_set(session_, own_priority_);
  if (rc >= 0) {
    // Never used (no key exchange runs), but GnuTLS wants credentials for the suite's kx to
    // consider the suite usable.
    rc = gnutls_certificate_allocate_credentials(&empty_certificate_);
  }
  if (rc >= 0) {
    rc = gnutls_credentials_set(session_, GNUTLS_CRD_CERTIFICATE, empty_certificate_);
  }
  if (rc >= 0) {
    const Bytes& master = params.master_secret.reveal();
    gnutls_datum_t master_datum{const_cast<unsigned char*>(master.data()),
                                static_cast<unsigned int>(master.size())};
    gnutls_datum_t id{const_cast<unsigned char*>(params.session_id.data()),
                      static_cast<unsigned int>(params.session_id.size())};
    const gnutls_protocol_t version =
        params.protocol == DtlsProtocol::kDtls09 ? GNUTLS_DTLS0_9 : GNUTLS_DTLS1_2;
    rc = gnutls_session_set_premaster(session_, side, version, kx, cipher, mac, GNUTLS_COMP_NULL,
                                      &master_datum, &id);
  }
  if (rc < 0) {
    Error error = TlsError(rc, "resumed DTLS setup");
    if (error.code != Errc::kInvalidArgument) {
      error.code = Errc::kTls;
    }
    return Fail(std::move(error));
  }
  if (side == GNUTLS_CLIENT) {
    require_resumption_ = true;
    expected_session_id_ = params.session_id;
    gnutls_handshake_set_hook_function(session_, GNUTLS_HANDSHAKE_SERVER_HELLO, GNUTLS_HOOK_POST,
                                       &ServerHelloHook);
  }
  return Ok();
}

Result<std::unique_ptr<TlsEngine>> TlsEngine::CreateDtlsResumedClient(
    const ResumedDtlsParams& params, EngineOptions options) {
  options.datagram = true;
  std::unique_ptr<TlsEngine> engine(new TlsEngine(std::move(options)));
  SEKISHO_TRY(engine->Init(GNUTLS_CLIENT));
  SEKISHO_TRY(engine->SetUpResumed(params, GNUTLS_CLIENT));
  return engine;
}

Result<std::unique_ptr<TlsEngine>> TlsEngine::CreateDtlsResumedServer(
    const ResumedDtlsParams& params, EngineOptions options) {
  options.datagram = true;
  std::unique_ptr<TlsEngine> engine(new TlsEngine(std::move(options)));
  SEKISHO_TRY(engine->Init(GNUTLS_SERVER));
  SEKISHO_TRY(engine->SetUpResumed(params, GNUTLS_SERVER));
  return engine;
}

}  // namespace sekisho::tls

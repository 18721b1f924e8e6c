// Why this file is over 600 lines: it is the core of the one GnuTLS session wrapper (engine.h):
// construction and the certificate handshake, the push/pull callbacks and buffers that TLS and
// DTLS share (stream input, datagram ring), records in and out, the retransmit deadline that
// OnTimer keeps and PullTimeoutCallback answers GnuTLS, and the certificate callbacks
// (tls/callbacks.h, friends) and peer-certificate facts, all working on one session and the
// engine's private state. The parts that stand apart are in their own files: the DTLS sessions
// set up from CONNECT values (engine_dtls.cc) and rekeying (engine_rekey.cc).

#include "tls/engine.h"

#include <gnutls/crypto.h>
#include <gnutls/dtls.h>
#include <gnutls/x509.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

namespace sekisho::tls {
namespace {

// Compact the stream input buffer once this many consumed bytes sit in front of it.
constexpr std::size_t kCompactThreshold = 64 * 1024;
// DTLS handshake retransmission on the owner's clock: first interval, cap and overall limit
// (RFC 6347 §4.2.4.1 defaults).
constexpr Duration kDtlsFirstRetransmit = seconds(1);
constexpr Duration kDtlsMaxRetransmit = seconds(60);
constexpr Duration kDtlsGiveUp = seconds(60);
// GnuTLS's own DTLS timers run on its wall clock, which a sans-I/O engine must not depend on.
// With a zero retransmission window GnuTLS resends its flight whenever the pull-timeout
// callback reports "timed out" while it waits for the peer, which PullTimeoutCallback does
// only when OnTimer decided so. The total limit is pushed out of the way (a day): OnTimer
// enforces kDtlsGiveUp.
constexpr unsigned int kGnutlsRetransMs = 0;
constexpr unsigned int kGnutlsTotalMs = 24u * 3600u * 1000u;

bool IsIpLiteral(std::string_view host) {
  if (host.find(':') != std::string_view::npos) {
    return true;
  }
  return !host.empty() && std::all_of(host.begin(), host.end(),
                                      [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

TlsEngine* EngineOf(gnutls_session_t session) {
  return static_cast<TlsEngine*>(gnutls_session_get_ptr(session));
}

// Short, stable reasons for the verification flags we expect to see; GnuTLS's own wording is
// longer and changes between releases.
std::string DescribeVerifyStatus(unsigned int status) {
  if (status == 0) {
    return "ok";
  }
  struct Flag {
    unsigned int bit;
    const char* text;
  };
  static constexpr Flag kFlags[] = {
      {GNUTLS_CERT_SIGNER_NOT_FOUND, "signer not found"},
      {GNUTLS_CERT_SIGNER_NOT_CA, "signer not a CA"},
      {GNUTLS_CERT_EXPIRED, "expired"},
      {GNUTLS_CERT_NOT_ACTIVATED, "not yet valid"},
      {GNUTLS_CERT_UNEXPECTED_OWNER, "hostname mismatch"},
      {GNUTLS_CERT_REVOKED, "revoked"},
      {GNUTLS_CERT_INSECURE_ALGORITHM, "insecure algorithm"},
      {GNUTLS_CERT_SIGNATURE_FAILURE, "bad signature"},
      {GNUTLS_CERT_PURPOSE_MISMATCH, "purpose mismatch"},
      {GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE, "signer constraints failure"},
  };
  std::string out;
  for (const Flag& flag : kFlags) {
    if ((status & flag.bit) != 0) {
      if (!out.empty()) {
        out += ", ";
      }
      out += flag.text;
    }
  }
  if (out.empty()) {
    gnutls_datum_t text{nullptr, 0};
    if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) >= 0) {
      out.assign(reinterpret_cast<const char*>(text.data), text.size);
      gnutls_free(text.data);
    } else {
      out = "not trusted";
    }
  }
  return out;
}

std::string DnField(gnutls_x509_crt_t crt, const char* oid) {
  char buf[512];
  size_t size = sizeof(buf);
  if (gnutls_x509_crt_get_dn_by_oid(crt, oid, 0, 0, buf, &size) < 0) {
    return {};
  }
  return std::string(buf, size);
}

std::string TakeDatumString(gnutls_datum_t& d) {
  std::string s(reinterpret_cast<const char*>(d.data), d.size);
  gnutls_free(d.data);
  d.data = nullptr;
  return s;
}

}  // namespace

// GnuTLS callbacks (tls/callbacks.h)

namespace internal {

int VerifyServerCertificate(gnutls_session_t session) {
  TlsEngine* engine = EngineOf(session);
  if (engine == nullptr || engine->client_credentials_ == nullptr) {
    return -1;
  }
  VerifyResult result;
  unsigned int count = 0;
  const gnutls_datum_t* certs = gnutls_certificate_get_peers(session, &count);
  if (certs == nullptr || count == 0) {
    result.reason = "no certificate";
    engine->verify_result_ = std::move(result);
    return -1;
  }
  auto fp = FingerprintCertificate(ByteSpan(certs[0].data, certs[0].size));
  if (!fp.has_value()) {
    result.reason = "unparsable certificate";
    engine->verify_result_ = std::move(result);
    return -1;
  }
  result.pin_sha256 = fp->pin_sha256;
  result.cert_sha1_hex_upper = fp->sha1_hex_upper;
  result.pinned = engine->client_credentials_->MatchesPin(*fp);
  if (engine->client_credentials_->ViolatesRequiredPins(*fp)) {
    // --servercert restricts even a certificate the trust store accepts (openconnect 9).
    result.pin_mismatch = true;
    result.pinned = false;  // an acceptance recorded earlier does not override the pin
    result.reason = "does not match the pinned certificate; it presents " + fp->pin_sha256;
    engine->options_.logger.Info("server certificate rejected: {}", result.reason);
    engine->verify_result_ = std::move(result);
    return -1;
  }

  unsigned int status = 0;
  int rc = 0;
  if (engine->server_name_.empty()) {
    rc = gnutls_certificate_verify_peers(session, nullptr, 0, &status);
  } else {
    gnutls_typed_vdata_st data{};
    data.type = GNUTLS_DT_DNS_HOSTNAME;
    data.data = reinterpret_cast<unsigned char*>(engine->server_name_.data());
    data.size = 0;
    rc = gnutls_certificate_verify_peers(session, &data, 1, &status);
  }
  if (rc < 0) {
    result.reason = std::string("verification error: ") + gnutls_strerror(rc);
  } else {
    result.trusted = status == 0;
    result.reason = DescribeVerifyStatus(status);
  }
  const bool accept = result.trusted || result.pinned;
  engine->options_.logger.Info("server certificate {}: {}{} ({})", accept ? "accepted" : "rejected",
                               result.reason, result.pinned ? ", pinned" : "", result.pin_sha256);
  engine->verify_result_ = std::move(result);
  return accept ? 0 : -1;
}

int RetrieveClientCertificate(gnutls_session_t session, const gnutls_datum_t* req_ca_rdn, int nreqs,
                              const gnutls_pk_algorithm_t* /*pk_algos*/, int /*pk_algos_length*/,
                              gnutls_pcert_st** pcert, unsigned int* pcert_length,
                              gnutls_privkey_t* privkey) {
  *pcert = nullptr;
  *pcert_length = 0;
  *privkey = nullptr;
  TlsEngine* engine = EngineOf(session);
  if (engine == nullptr || engine->client_credentials_ == nullptr) {
    return 0;
  }
  engine->cert_requested_ = true;
  engine->requested_ca_names_.clear();
  for (int i = 0; i < nreqs; ++i) {
    gnutls_datum_t text{nullptr, 0};
    if (gnutls_x509_rdn_get2(&req_ca_rdn[i], &text, 0) >= 0) {
      engine->requested_ca_names_.push_back(TakeDatumString(text));
    }
  }
  const auto& identities = engine->client_credentials_->identities();
  const ClientCredentials::LoadedIdentity* chosen = nullptr;
  for (const auto& identity : identities) {
    // An empty CA list means "any issuer" (RFC 5246 §7.4.4).
    // Otherwise any certificate of the chain issued by a listed CA will do: a gateway that
    // lists only the root accepts a leaf issued by an intermediate sent along with it.
    bool match = nreqs == 0;
    for (int i = 0; i < nreqs && !match; ++i) {
      const ByteSpan wanted(req_ca_rdn[i].data, req_ca_rdn[i].size);
      match = std::any_of(identity.chain_issuer_dns_der.begin(),
                          identity.chain_issuer_dns_der.end(), [&](const Bytes& issuer) {
                            return std::equal(issuer.begin(), issuer.end(), wanted.begin(),
                                              wanted.end());
                          });
    }
    if (match) {
      chosen = &identity;
      break;
    }
  }
  if (chosen == nullptr) {
    // Like the Cisco client: send nothing rather than a certificate the server cannot verify;
    // the gateway may still allow password authentication.
    if (!identities.empty()) {
      engine->options_.logger.Info(
          "client certificate requested, but no identity is issued by one of {} listed CAs", nreqs);
    }
    engine->chosen_identity_.clear();
    return 0;
  }
  engine->chosen_identity_ = chosen->label;
  engine->options_.logger.Info("sending client certificate {} ({})", chosen->label,
                               chosen->subject_dn);
  // GnuTLS does not take ownership of credentials returned by retrieve_function2; the
  // ClientCredentials the engine holds keeps them alive.
  *pcert = const_cast<gnutls_pcert_st*>(chosen->chain.data());
  *pcert_length = static_cast<unsigned int>(chosen->chain.size());
  *privkey = chosen->key;
  return 0;
}

}  // namespace internal

// TlsEngine

TlsEngine::TlsEngine(EngineOptions options) : options_(std::move(options)) {}

TlsEngine::~TlsEngine() {
  if (session_ != nullptr) {
    gnutls_deinit(session_);
  }
  if (psk_client_ != nullptr) {
    gnutls_psk_free_client_credentials(psk_client_);
  }
  if (psk_server_ != nullptr) {
    gnutls_psk_free_server_credentials(psk_server_);
  }
  if (own_priority_ != nullptr) {
    gnutls_priority_deinit(own_priority_);
  }
  if (empty_certificate_ != nullptr) {
    gnutls_certificate_free_credentials(empty_certificate_);
  }
}

Result<std::unique_ptr<TlsEngine>> TlsEngine::CreateServer(
    std::shared_ptr<const ServerCredentials> credentials, EngineOptions options) {
  std::unique_ptr<TlsEngine> engine(new TlsEngine(std::move(options)));
  engine->server_credentials_ = std::move(credentials);
  SEKISHO_TRY(engine->Init(GNUTLS_SERVER));
  gnutls_session_t s = engine->session_;
  int rc = gnutls_priority_set(s, engine->server_credentials_->priority());
  if (rc >= 0) {
    rc = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, engine->server_credentials_->handle());
  }
  if (rc < 0) {
    return Fail(TlsError(rc, "server session setup"));
  }
  if (engine->server_credentials_->requests_client_certificates()) {
    // Request, never require: other authentication methods may follow (anyconnect.md §1.5).
    gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUEST);
  }
  return engine;
}

Result<std::unique_ptr<TlsEngine>> TlsEngine::CreateClient(
    std::shared_ptr<const ClientCredentials> credentials, std::string server_name,
    EngineOptions options) {
  std::unique_ptr<TlsEngine> engine(new TlsEngine(std::move(options)));
  engine->client_credentials_ = std::move(credentials);
  engine->server_name_ =
      server_name.empty() ? engine->client_credentials_->config().server_name : server_name;
  SEKISHO_TRY(engine->Init(GNUTLS_CLIENT));
  gnutls_session_t s = engine->session_;
  int rc = gnutls_priority_set(s, engine->client_credentials_->priority());
  if (rc >= 0) {
    rc = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, engine->client_credentials_->handle());
  }
  if (rc >= 0 && !engine->server_name_.empty() && !IsIpLiteral(engine->server_name_)) {
    // SNI only for DNS names, as openconnect does (§1.2).
    rc = gnutls_server_name_set(s, GNUTLS_NAME_DNS, engine->server_name_.data(),
                                engine->server_name_.size());
  }
  if (rc < 0) {
    return Fail(TlsError(rc, "client session setup"));
  }
  return engine;
}

Result<void> TlsEngine::Init(unsigned int flags) {
  flags |= GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL;
  if (options_.datagram) {
    flags |= GNUTLS_DATAGRAM;
  }
  int rc = gnutls_init(&session_, flags);
  if (rc < 0) {
    session_ = nullptr;
    return Fail(TlsError(rc, "gnutls_init"));
  }
  gnutls_session_set_ptr(session_, this);
  gnutls_transport_set_ptr(session_, this);
  gnutls_transport_set_pull_function(session_, &PullCallback);
  gnutls_transport_set_pull_timeout_function(session_, &PullTimeoutCallback);
  gnutls_transport_set_vec_push_function(session_, &VecPushCallback);
  // Timeouts belong to the owner's timers (NextDeadline), not to GnuTLS.
  gnutls_handshake_set_timeout(session_, 0);
  if (options_.datagram) {
    gnutls_dtls_set_mtu(session_, options_.dtls_mtu);
    gnutls_dtls_set_timeouts(session_, kGnutlsRetransMs, kGnutlsTotalMs);
    retransmit_interval_ = kDtlsFirstRetransmit;
  }
  return Ok();
}

// Transport callbacks. GnuTLS sees a non-blocking socket: EAGAIN when our buffer is empty.

// DatagramRing

Bytes& TlsEngine::DatagramRing::PushBack() {
  if (size_ == slots_.size()) {
    // Full: double, keeping the queued datagrams in order. Happens only while the queue grows
    // to its high-water mark.
    std::vector<Bytes> grown;
    grown.reserve(std::max<std::size_t>(8, slots_.size() * 2));
    for (std::size_t i = 0; i < size_; ++i) {
      grown.push_back(std::move(slots_[(head_ + i) % slots_.size()]));
    }
    grown.resize(grown.capacity());
    slots_ = std::move(grown);
    head_ = 0;
  }
  Bytes& slot = slots_[(head_ + size_) % slots_.size()];
  slot.clear();
  ++size_;
  return slot;
}

void TlsEngine::DatagramRing::PopFront() {
  if (size_ == 0) {
    return;
  }
  slots_[head_].clear();  // Keeps the capacity for the next datagram.
  head_ = (head_ + 1) % slots_.size();
  --size_;
}

std::size_t TlsEngine::IncomingAvailable() const {
  if (options_.datagram) {
    return incoming_ring_.empty() ? 0 : incoming_ring_.front().size();
  }
  return incoming_.size() - incoming_pos_;
}

ssize_t TlsEngine::PullCallback(gnutls_transport_ptr_t ptr, void* data, size_t size) {
  auto* self = static_cast<TlsEngine*>(ptr);
  if (self->options_.datagram) {
    if (self->incoming_ring_.empty()) {
      gnutls_transport_set_errno(self->session_, EAGAIN);
      return -1;
    }
    const Bytes& front = self->incoming_ring_.front();
    // Like recv() on a UDP socket: a datagram larger than the buffer is truncated.
    std::size_t n = std::min(size, front.size());
    std::memcpy(data, front.data(), n);
    self->incoming_ring_.PopFront();
    return static_cast<ssize_t>(n);
  }
  std::size_t available = self->incoming_.size() - self->incoming_pos_;
  if (available == 0) {
    gnutls_transport_set_errno(self->session_, EAGAIN);
    return -1;
  }
  std::size_t n = std::min(size, available);
  std::memcpy(data, self->incoming_.data() + self->incoming_pos_, n);
  self->incoming_pos_ += n;
  return static_cast<ssize_t>(n);
}

int TlsEngine::PullTimeoutCallback(gnutls_transport_ptr_t ptr, unsigned int /*ms*/) {
  auto* self = static_cast<TlsEngine*>(ptr);
  // Never wait: report what is buffered.
  if (self->IncomingAvailable() > 0) {
    return 1;
  }
  if (!self->options_.datagram) {
    return 0;
  }
  // DTLS: this is where GnuTLS decides about retransmission (lib/dtls.c, GnuTLS 3.7). With
  // its window at zero (kGnutlsRetransMs) it reacts to our answer as follows:
  //  - right after sending a flight it asks once more; "timed out" (0) makes it return
  //    GNUTLS_E_AGAIN and keep the flight, whereas EAGAIN would make it discard the flight;
  //  - when it waits for the peer with a flight outstanding, "timed out" means "resend now"
  //    and EAGAIN means "nothing yet, return GNUTLS_E_AGAIN".
  // So: 0 once after each send, 0 while OnTimer's Handshake() call runs, EAGAIN otherwise.
  if (self->fresh_flight_) {
    self->fresh_flight_ = false;
    return 0;
  }
  if (self->timer_fired_) {
    return 0;
  }
  gnutls_transport_set_errno(self->session_, EAGAIN);
  return -1;
}

ssize_t TlsEngine::VecPushCallback(gnutls_transport_ptr_t ptr, const giovec_t* iov, int iovcnt) {
  auto* self = static_cast<TlsEngine*>(ptr);
  std::size_t total = 0;
  Bytes* out = &self->outgoing_;
  ++self->pushes_;
  if (self->options_.datagram) {
    self->fresh_flight_ = true;
    return self->PushDatagramRecords(iov, iovcnt);
  }
  if (self->outgoing_pos_ == self->outgoing_.size()) {
    self->outgoing_.clear();
    self->outgoing_pos_ = 0;
  }
  for (int i = 0; i < iovcnt; ++i) {
    const auto* base = static_cast<const std::uint8_t*>(iov[i].iov_base);
    out->insert(out->end(), base, base + iov[i].iov_len);
    total += iov[i].iov_len;
  }
  return static_cast<ssize_t>(total);
}

ssize_t TlsEngine::PushDatagramRecords(const giovec_t* iov, int iovcnt) {
  // GnuTLS hands a whole flight that fits the MTU to one vec_push call (ServerHello,
  // ChangeCipherSpec and Finished together). We send each record in its own datagram, as
  // ocserv and Cisco do (ref-udp-dtls09-handshake.hex): legacy DTLS 0.9 peers are old OpenSSL
  // forks, and a one-record datagram is what every peer has been seen to accept.
  ByteSpan wire;
  std::size_t total = 0;
  if (iovcnt == 1) {
    wire = ByteSpan(static_cast<const std::uint8_t*>(iov[0].iov_base), iov[0].iov_len);
    total = iov[0].iov_len;
  } else {
    push_scratch_.clear();
    for (int i = 0; i < iovcnt; ++i) {
      const auto* base = static_cast<const std::uint8_t*>(iov[i].iov_base);
      push_scratch_.insert(push_scratch_.end(), base, base + iov[i].iov_len);
    }
    wire = push_scratch_;
    total = push_scratch_.size();
  }
  // DTLS record header: type(1) version(2) epoch(2) sequence(6) length(2).
  constexpr std::size_t kHeaderSize = 13;
  constexpr std::size_t kLengthOffset = 11;
  while (!wire.empty()) {
    std::size_t record = wire.size();
    if (wire.size() >= kHeaderSize) {
      record = std::min(wire.size(), kHeaderSize + LoadU16(wire.data() + kLengthOffset));
    }
    Bytes& slot = outgoing_ring_.PushBack();
    slot.assign(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(record));
    wire = wire.subspan(record);
  }
  return static_cast<ssize_t>(total);
}

void TlsEngine::FeedIncoming(ByteSpan ciphertext) {
  if (options_.datagram) {
    incoming_ring_.PushBack().assign(ciphertext.begin(), ciphertext.end());
    return;
  }
  if (incoming_pos_ == incoming_.size()) {
    incoming_.clear();
    incoming_pos_ = 0;
  } else if (incoming_pos_ >= kCompactThreshold) {
    incoming_.erase(incoming_.begin(),
                    incoming_.begin() + static_cast<std::ptrdiff_t>(incoming_pos_));
    incoming_pos_ = 0;
  }
  incoming_.insert(incoming_.end(), ciphertext.begin(), ciphertext.end());
}

Result<bool> TlsEngine::Handshake() {
  if (handshake_done_) {
    return true;
  }
  if (failed_) {
    return Fail(Errc::kTls, "handshake already failed");
  }
  if (!options_.datagram) {
    return DriveHandshake();
  }
  const bool retransmission = timer_fired_;
  const std::uint64_t pushes_before = pushes_;
  fresh_flight_ = false;
  Result<bool> result = DriveHandshake();
  timer_fired_ = false;
  awaiting_peer_ = result.has_value() && !*result;
  if (pushes_ != pushes_before || retransmission) {
    // A flight went out: it is timed from the next `now` the owner shows us. Back off after a
    // timer expiry (even one with nothing to resend: a resumed client whose ClientHello was
    // answered waits for the server's retransmission), start again at 1 s after a new flight.
    flight_outstanding_ = true;
    anchor_pending_ = true;
    retransmit_interval_ = retransmission ? std::min(retransmit_interval_ * 2, kDtlsMaxRetransmit)
                                          : kDtlsFirstRetransmit;
  }
  return result;
}

Result<bool> TlsEngine::DriveHandshake() {
  for (;;) {
    int rc = gnutls_handshake(session_);
    if (rc == GNUTLS_E_SUCCESS) {
      if (require_resumption_ && gnutls_session_is_resumed(session_) == 0) {
        // The ServerHello hook normally catches this first.
        failed_ = true;
        gnutls_alert_send(session_, GNUTLS_AL_FATAL, GNUTLS_A_HANDSHAKE_FAILURE);
        return Fail(Errc::kProtocol,
                    "DTLS session was not resumed; possible man-in-the-middle attack");
      }
      handshake_done_ = true;
      options_.logger.Debug("handshake done: {}", CipherDescription());
      return true;
    }
    if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
      return false;
    }
    if (gnutls_error_is_fatal(rc) == 0) {
      // Warning alerts and the like: keep going.
      continue;
    }
    failed_ = true;
    if (not_resumed_) {
      gnutls_alert_send(session_, GNUTLS_AL_FATAL, GNUTLS_A_HANDSHAKE_FAILURE);
      options_.logger.Info("DTLS server answered with a full handshake; refused");
      return Fail(Errc::kProtocol,
                  "DTLS session was not resumed; possible man-in-the-middle attack");
    }
    if (rc != GNUTLS_E_FATAL_ALERT_RECEIVED) {
      gnutls_alert_send_appropriate(session_, rc);
    }
    if (rc == GNUTLS_E_CERTIFICATE_ERROR || rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
      if (verify_result_.has_value() && verify_result_->pin_mismatch) {
        return Fail(Errc::kUntrusted, "server certificate " + verify_result_->reason);
      }
      if (verify_result_.has_value()) {
        return Fail(Errc::kUntrusted, "server certificate not trusted (" + verify_result_->reason +
                                          "); it would be accepted with " +
                                          verify_result_->pin_sha256);
      }
      return Fail(TlsError(rc, "peer certificate"));
    }
    Error error = TlsError(rc, "TLS handshake");
    if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED) {
      error.context += std::string(" (") + gnutls_alert_get_name(gnutls_alert_get(session_)) + ")";
    }
    if (error.code != Errc::kUntrusted) {
      error.code = Errc::kTls;
    }
    options_.logger.Info("{}", error.context);
    return Fail(std::move(error));
  }
}

Result<std::size_t> TlsEngine::ReadRecord(MutableByteSpan out) {
  if (failed_) {
    return Fail(Errc::kTls, "session failed");
  }
  fresh_flight_ = false;  // Data records are no flight (see PullTimeoutCallback).
  for (;;) {
    if (renegotiating_ && gnutls_record_check_pending(session_) == 0) {
      SEKISHO_ASSIGN_OR_RETURN(bool progressed, DriveRenegotiation());
      if (!progressed) {
        return 0;
      }
      if (renegotiating_) {
        // GnuTLS buffered a data record that arrived before the ServerHello: hand it out (the
        // receive below returns it without reading further).
        if (gnutls_record_check_pending(session_) == 0) {
          continue;
        }
      }
    }
    const std::size_t before = IncomingAvailable();
    ssize_t n = gnutls_record_recv(session_, out.data(), out.size());
    if (n > 0) {
      return static_cast<std::size_t>(n);
    }
    if (n == 0) {
      return Fail(Errc::kClosed, "peer sent close_notify");
    }
    const int rc = static_cast<int>(n);
    if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
      // A post-handshake message (ticket, key update) may have been consumed with more
      // input still buffered: keep reading while that makes progress.
      const std::size_t after = IncomingAvailable();
      const bool progress =
          options_.datagram ? !incoming_ring_.empty() : (after > 0 && after < before);
      if (progress) {
        continue;
      }
      return 0;
    }
    if (rc == GNUTLS_E_REHANDSHAKE) {
      // Renegotiation is not part of the protocol; refusing keeps the session usable.
      gnutls_alert_send(session_, GNUTLS_AL_WARNING, GNUTLS_A_NO_RENEGOTIATION);
      continue;
    }
    if (gnutls_error_is_fatal(rc) == 0) {
      continue;
    }
    if (options_.datagram && rc != GNUTLS_E_FATAL_ALERT_RECEIVED) {
      // DTLS: a corrupt or forged datagram is dropped, the session survives (RFC 6347 §4.1.2.7).
      if (incoming_ring_.empty()) {
        return 0;
      }
      continue;
    }
    failed_ = true;
    Error error = TlsError(rc, "TLS receive");
    if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED) {
      error.context += std::string(" (") + gnutls_alert_get_name(gnutls_alert_get(session_)) + ")";
    }
    if (error.code != Errc::kClosed) {
      error.code = Errc::kTls;
    }
    return Fail(std::move(error));
  }
}

Result<void> TlsEngine::WriteRecord(ByteSpan plaintext) {
  if (plaintext.size() > kMaxRecordPlaintext) {
    return Fail(Errc::kInvalidArgument, "record larger than 16384 bytes");
  }
  if (closed_) {
    return Fail(Errc::kClosed, "engine closed");
  }
  if (failed_ || !handshake_done_) {
    return Fail(Errc::kTls, "no established session");
  }
  if (plaintext.empty()) {
    return Ok();
  }
  if (renegotiating_) {
    held_records_.emplace_back(plaintext.begin(), plaintext.end());
    return Ok();
  }
  ssize_t n = gnutls_record_send(session_, plaintext.data(), plaintext.size());
  if (n == static_cast<ssize_t>(plaintext.size())) {
    return Ok();
  }
  if (n >= 0) {
    // A peer-negotiated record_size_limit below our frame size would split the frame.
    return Fail(Errc::kTooLarge, "peer record size limit smaller than the record");
  }
  const int rc = static_cast<int>(n);
  if (rc == GNUTLS_E_LARGE_PACKET) {
    return Fail(Errc::kTooLarge, "record exceeds the DTLS MTU");
  }
  failed_ = gnutls_error_is_fatal(rc) != 0;
  Error error = TlsError(rc, "TLS send");
  error.code = Errc::kTls;
  return Fail(std::move(error));
}

Result<void> TlsEngine::WriteRecords(std::span<const ByteSpan> plaintexts, std::size_t* written) {
  *written = 0;
  for (ByteSpan plaintext : plaintexts) {
    SEKISHO_TRY(WriteRecord(plaintext));
    ++*written;
  }
  return Ok();
}

Result<void> TlsEngine::Uncork() {
  corked_ = false;
  return Ok();
}

ByteSpan TlsEngine::PendingOutgoing() const {
  if (corked_ || options_.datagram) {
    return {};
  }
  return ByteSpan(outgoing_).subspan(outgoing_pos_);
}

void TlsEngine::ConsumeOutgoing(std::size_t n) {
  outgoing_pos_ = std::min(outgoing_.size(), outgoing_pos_ + n);
  if (outgoing_pos_ == outgoing_.size()) {
    outgoing_.clear();
    outgoing_pos_ = 0;
  }
}

std::optional<ByteSpan> TlsEngine::FrontDatagram() const {
  if (corked_ || outgoing_ring_.empty()) {
    return std::nullopt;
  }
  return ByteSpan(outgoing_ring_.front());
}

void TlsEngine::PopDatagram() { outgoing_ring_.PopFront(); }

std::size_t TlsEngine::PeekDatagrams(std::span<ByteSpan> out) const {
  if (corked_) {
    return 0;
  }
  const std::size_t n = std::min(out.size(), outgoing_ring_.size());
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = ByteSpan(outgoing_ring_.at(i));
  }
  return n;
}

void TlsEngine::PopDatagrams(std::size_t n) {
  n = std::min(n, outgoing_ring_.size());
  for (std::size_t i = 0; i < n; ++i) {
    outgoing_ring_.PopFront();
  }
}

void TlsEngine::Close() {
  if (closed_) {
    return;
  }
  closed_ = true;
  if (session_ != nullptr && handshake_done_ && !failed_) {
    // Memory push never blocks, so this returns after queueing the alert.
    gnutls_bye(session_, GNUTLS_SHUT_WR);
  }
}

void TlsEngine::AnchorRetransmitTimer(Instant now) const {
  if (!anchor_pending_) {
    return;
  }
  anchor_pending_ = false;
  flight_sent_at_ = now;
  if (!give_up_at_.has_value()) {
    give_up_at_ = now + kDtlsGiveUp;
  }
}

std::optional<Instant> TlsEngine::NextDeadline(Instant now) const {
  if (!options_.datagram || handshake_done_ || failed_ || !awaiting_peer_ || !flight_outstanding_) {
    return std::nullopt;
  }
  AnchorRetransmitTimer(now);
  return std::min(flight_sent_at_ + retransmit_interval_, *give_up_at_);
}

Result<void> TlsEngine::OnTimer(Instant now) {
  if (!options_.datagram || handshake_done_ || failed_ || !awaiting_peer_ || !flight_outstanding_) {
    return Ok();
  }
  AnchorRetransmitTimer(now);
  if (now >= *give_up_at_) {
    failed_ = true;
    options_.logger.Info("DTLS handshake timed out");
    return Fail(Errc::kTimeout, "DTLS handshake timed out");
  }
  if (now < flight_sent_at_ + retransmit_interval_) {
    return Ok();
  }
  timer_fired_ = true;
  auto done = Handshake();
  if (!done.has_value()) {
    return Fail(done.error());
  }
  return Ok();
}

std::string TlsEngine::CipherDescription() const {
  char* desc = gnutls_session_get_desc(session_);
  if (desc == nullptr) {
    return {};
  }
  std::string out(desc);
  gnutls_free(desc);
  return out;
}

bool TlsEngine::resumed() const {
  return session_ != nullptr && handshake_done_ && gnutls_session_is_resumed(session_) != 0;
}

bool TlsEngine::IsTls13() const { return gnutls_protocol_get_version(session_) == GNUTLS_TLS1_3; }

std::optional<PeerCertificate> TlsEngine::PeerCertificateInfo() const {
  if (!handshake_done_) {
    return std::nullopt;
  }
  unsigned int count = 0;
  const gnutls_datum_t* certs = gnutls_certificate_get_peers(session_, &count);
  if (certs == nullptr || count == 0) {
    return std::nullopt;
  }
  gnutls_x509_crt_t crt = nullptr;
  if (gnutls_x509_crt_init(&crt) < 0) {
    return std::nullopt;
  }
  if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) < 0) {
    gnutls_x509_crt_deinit(crt);
    return std::nullopt;
  }
  PeerCertificate info;
  info.der.assign(certs[0].data, certs[0].data + certs[0].size);
  gnutls_datum_t dn{nullptr, 0};
  if (gnutls_x509_crt_get_dn3(crt, &dn, 0) >= 0) {
    info.subject_dn = TakeDatumString(dn);
  }
  if (gnutls_x509_crt_get_issuer_dn3(crt, &dn, 0) >= 0) {
    info.issuer_dn = TakeDatumString(dn);
  }
  info.common_name = DnField(crt, GNUTLS_OID_X520_COMMON_NAME);
  info.uid = DnField(crt, GNUTLS_OID_LDAP_UID);
  info.organizational_unit = DnField(crt, GNUTLS_OID_X520_ORGANIZATIONAL_UNIT_NAME);
  gnutls_x509_crt_deinit(crt);

  unsigned int status = 0;
  int rc = gnutls_certificate_verify_peers2(session_, &status);
  if (rc < 0) {
    info.verify_reason = std::string("verification error: ") + gnutls_strerror(rc);
  } else {
    info.verified = status == 0;
    info.verify_reason = DescribeVerifyStatus(status);
  }
  return info;
}

Result<Bytes> TlsEngine::ExportKeyingMaterial(std::string_view label, std::size_t length) const {
  if (!handshake_done_) {
    return Fail(Errc::kProtocol, "exporter used before the handshake completed");
  }
  Bytes out(length);
  int rc = gnutls_prf_rfc5705(session_, label.size(), label.data(), 0, nullptr, length,
                              reinterpret_cast<char*>(out.data()));
  if (rc < 0) {
    return Fail(TlsError(rc, "keying material exporter"));
  }
  return out;
}

}  // namespace sekisho::tls

#pragma once
// TlsEngine: one TLS (stream) or DTLS (datagram) session run over memory buffers, with no
// socket anywhere (the sans-I/O contract of STYLE.md §2). GnuTLS talks to the engine through
// push/pull callbacks; the owner moves ciphertext between the engine and the network:
//
//   socket bytes --FeedIncoming--> [GnuTLS] --ReadRecord--> plaintext (one record per call)
//   plaintext --WriteRecord (one record per call)--> [GnuTLS] --PendingOutgoing--> socket
//
// Life cycle:
//   created --Handshake() true--> established --Close()/peer close_notify--> closed
//        \--Handshake() error--> failed (PendingOutgoing may still hold an alert to send)
//
// Record discipline (ANYCONNECT.md §1.3): every WriteRecord produces exactly one TLS record,
// and ReadRecord returns exactly one record, so a CSTP frame maps to one record both ways.
//
// Threading: an engine is used from one thread at a time. Credentials are shared read-only.
// Allocation: the incoming and outgoing buffers grow to a high-water mark and are reused; the
// data path (FeedIncoming/ReadRecord/WriteRecord/Consume) allocates nothing in steady state.

#include "base/bytes.h"
#include "base/log.h"
#include "base/redacted.h"
#include "base/result.h"
#include "base/time.h"
#include "tls/callbacks.h"
#include "tls/credentials.h"

#include <gnutls/gnutls.h>

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho::tls {

// Largest plaintext of one TLS record.
inline constexpr std::size_t kMaxRecordPlaintext = 16384;

struct EngineOptions {
  // DTLS instead of TLS: one FeedIncoming call = one datagram, output via FrontDatagram().
  bool datagram = false;
  // Datagram only: the path MTU given to GnuTLS (UDP payload bytes).
  unsigned int dtls_mtu = 1400;
  // Only connection-level events (handshake result, verification) are logged, never secrets.
  Logger logger;
};

// What the server learnt about the client's certificate.
struct PeerCertificate {
  std::string subject_dn;
  std::string common_name;          // 2.5.4.3
  std::string uid;                  // 0.9.2342.19200300.100.1.1
  std::string organizational_unit;  // 2.5.4.11
  std::string issuer_dn;
  Bytes der;
  bool verified = false;      // Chains to ServerTlsConfig::ca_file and is currently valid.
  std::string verify_reason;  // "ok" or why not ("signer not found, expired").
};

// What the client learnt about the server's certificate.
struct VerifyResult {
  bool trusted = false;    // Chain and host name verified.
  std::string reason;      // "ok" or why not: "signer not found", "expired", "hostname mismatch".
  std::string pin_sha256;  // The pin that would accept this certificate.
  std::string cert_sha1_hex_upper;  // SHA-1 of the DER leaf (Cisco server-cert-hash).
  bool pinned = false;              // A configured pin matched.
};

class TlsEngine {
 public:
  // Errors: kTls when GnuTLS refuses to set up the session (out of memory, bad credentials).
  static Result<std::unique_ptr<TlsEngine>> CreateServer(
      std::shared_ptr<const ServerCredentials> credentials, EngineOptions options = {});
  // `server_name` overrides ClientTlsConfig::server_name when not empty. The handshake fails
  // with kUntrusted unless the certificate verifies or matches a pin (see VerifyResult).
  static Result<std::unique_ptr<TlsEngine>> CreateClient(
      std::shared_ptr<const ClientCredentials> credentials, std::string server_name = {},
      EngineOptions options = {});

  // DTLS with PSK-NEGOTIATE (ANYCONNECT.md §8.6): a full DTLS 1.2 handshake with a plain-PSK
  // key exchange, keyed with `psk` = ExportKeyingMaterial("EXPORTER-openconnect-psk", 32) of
  // the CSTP connection. The client puts `app_id` (1-32 bytes, X-DTLS-App-ID) into the
  // ClientHello session_id so the gateway can find the session before the handshake, and
  // sends the PSK identity "psk" like openconnect 9.01; the server ignores the identity.
  // `options.datagram` is forced on.
  // Errors: kInvalidArgument for an empty PSK or a bad app_id length; kTls from GnuTLS.
  static Result<std::unique_ptr<TlsEngine>> CreateDtlsPskClient(const SecretBytes& psk,
                                                                ByteSpan app_id,
                                                                EngineOptions options = {});
  static Result<std::unique_ptr<TlsEngine>> CreateDtlsPskServer(const SecretBytes& psk,
                                                                EngineOptions options = {});

  ~TlsEngine();
  TlsEngine(const TlsEngine&) = delete;
  TlsEngine& operator=(const TlsEngine&) = delete;

  // Hands ciphertext read from the network to the engine (copied). In datagram mode one call
  // is one datagram. Call Handshake() or ReadRecord() afterwards.
  void FeedIncoming(ByteSpan ciphertext);

  // Advances the handshake. Returns true once established (and on every later call), false
  // when more input is needed (send PendingOutgoing first).
  // Errors (the engine is unusable afterwards; send PendingOutgoing, which may hold an alert,
  // then close the connection):
  //   kUntrusted  the server certificate neither verified nor matched a pin (client side);
  //               the context carries the reason and the pin-sha256 that would accept it;
  //   kTls        any other handshake failure, with GnuTLS's text.
  Result<bool> Handshake();
  bool handshake_done() const { return handshake_done_; }

  // Decrypts the next record into `out` (REQUIRES: out.size() >= kMaxRecordPlaintext, or
  // the datagram MTU in datagram mode). Returns its length, or 0 when no complete record is
  // buffered (feed more). Handshake messages after the handshake (TLS 1.3 tickets, key update)
  // are processed silently; renegotiation requests are refused with a no_renegotiation alert.
  // In datagram mode bad or replayed datagrams are dropped silently.
  // Errors: kClosed on close_notify (answer with Close(), then flush and close);
  //         kTls on a fatal alert or corrupt stream (close the connection).
  Result<std::size_t> ReadRecord(MutableByteSpan out);

  // Encrypts `plaintext` into exactly one record (REQUIRES: handshake done). An empty
  // plaintext writes nothing.
  // Errors: kInvalidArgument when plaintext exceeds kMaxRecordPlaintext (a caller bug);
  //         kTooLarge in datagram mode when it exceeds the DTLS data MTU (resend over TLS);
  //         kClosed after Close(); kTls on other GnuTLS failures (close the connection).
  Result<void> WriteRecord(ByteSpan plaintext);

  // Batching for the data path: while corked, PendingOutgoing() reports nothing, so many
  // WriteRecord calls go out in one flush after Uncork(). Records stay separate: this is not
  // gnutls_record_cork(), which merges the plaintext of several sends into shared records and
  // would put two CSTP frames into one record (§1.3).
  void Cork() { corked_ = true; }
  Result<void> Uncork();

  // Stream mode: ciphertext waiting to be sent; ConsumeOutgoing(n) after n bytes were sent.
  ByteSpan PendingOutgoing() const;
  void ConsumeOutgoing(std::size_t n);
  // Datagram mode: the next datagram to send, then PopDatagram() once sent.
  std::optional<ByteSpan> FrontDatagram() const;
  void PopDatagram();

  // Queues close_notify. Later WriteRecord calls fail with kClosed.
  void Close();

  // DTLS handshake retransmission: when to call OnTimer(); nullopt when nothing is pending.
  // GnuTLS measures the retransmission interval with its own clock, so OnTimer earlier than
  // the deadline is harmless.
  std::optional<Instant> NextDeadline(Instant now) const;
  // Errors: as Handshake(); kTimeout when the DTLS handshake gave up.
  Result<void> OnTimer(Instant now);

  // "(TLS1.2)-(ECDHE-SECP256R1)-(RSA-SHA256)-(AES-256-GCM)", like openconnect prints.
  std::string CipherDescription() const;
  bool IsTls13() const;

  // Server side, after the handshake: the client's certificate, if it sent one.
  std::optional<PeerCertificate> PeerCertificateInfo() const;
  // Client side: the result of server certificate verification, once it ran.
  const std::optional<VerifyResult>& verify_result() const { return verify_result_; }
  // Client side: whether the server sent a CertificateRequest, the CA DNs it listed, and the
  // label of the identity sent ("" when none fitted: like Cisco, nothing is sent then).
  bool client_certificate_requested() const { return cert_requested_; }
  const std::vector<std::string>& requested_ca_names() const { return requested_ca_names_; }
  const std::string& ChosenIdentity() const { return chosen_identity_; }

  // RFC 5705 exporter with no context (PSK-NEGOTIATE: "EXPORTER-openconnect-psk", 32 bytes).
  // Errors: kProtocol before the handshake completed; kTls from GnuTLS.
  Result<Bytes> ExportKeyingMaterial(std::string_view label, std::size_t length) const;

 private:
  explicit TlsEngine(EngineOptions options);
  Result<void> Init(unsigned int flags);

  // Transport callbacks.
  static ssize_t PullCallback(gnutls_transport_ptr_t ptr, void* data, size_t size);
  static int PullTimeoutCallback(gnutls_transport_ptr_t ptr, unsigned int ms);
  static ssize_t VecPushCallback(gnutls_transport_ptr_t ptr, const giovec_t* iov, int iovcnt);
  std::size_t IncomingAvailable() const;
  static int PskServerCallback(gnutls_session_t session, const char* username, gnutls_datum_t* key);

  friend int internal::VerifyServerCertificate(gnutls_session_t session);
  friend int internal::RetrieveClientCertificate(gnutls_session_t, const gnutls_datum_t*, int,
                                                 const gnutls_pk_algorithm_t*, int,
                                                 gnutls_pcert_st**, unsigned int*,
                                                 gnutls_privkey_t*);

  EngineOptions options_;
  gnutls_session_t session_ = nullptr;
  std::shared_ptr<const ServerCredentials> server_credentials_;
  std::shared_ptr<const ClientCredentials> client_credentials_;
  std::string server_name_;
  gnutls_psk_client_credentials_t psk_client_ = nullptr;
  gnutls_psk_server_credentials_t psk_server_ = nullptr;
  gnutls_priority_t own_priority_ = nullptr;
  SecretBytes psk_;

  // Stream buffers: bytes before *_pos_ were already consumed.
  Bytes incoming_;
  std::size_t incoming_pos_ = 0;
  Bytes outgoing_;
  std::size_t outgoing_pos_ = 0;
  // Datagram queues; spare_ keeps emptied buffers for reuse.
  std::deque<Bytes> incoming_datagrams_;
  std::deque<Bytes> outgoing_datagrams_;
  std::vector<Bytes> spare_;

  bool handshake_done_ = false;
  bool failed_ = false;
  bool closed_ = false;
  bool corked_ = false;

  std::optional<VerifyResult> verify_result_;
  bool cert_requested_ = false;
  std::vector<std::string> requested_ca_names_;
  std::string chosen_identity_;
};

}  // namespace sekisho::tls

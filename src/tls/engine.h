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
// Record discipline (anyconnect.md §1.3): every WriteRecord produces exactly one TLS record,
// and ReadRecord returns exactly one record, so a CSTP frame maps to one record both ways.
//
// Threading: an engine is used from one thread at a time. Credentials are shared read-only.
// Allocation: the incoming and outgoing buffers grow to a high-water mark and are reused; the
// data path (FeedIncoming/ReadRecord/WriteRecord/Consume, and in datagram mode the datagram
// rings behind FrontDatagram/PeekDatagrams) allocates nothing of ours in steady state. (GnuTLS
// itself allocates a small buffer per record inside gnutls_record_send.)
//
// DTLS flavours (docs/protocol/tls.md, anyconnect.md §8):
//   certificate DTLS 1.2      CreateServer/CreateClient with options.datagram
//   PSK-NEGOTIATE             CreateDtlsPskClient/CreateDtlsPskServer
//   resumed (Cisco/OC)        CreateDtlsResumedClient/CreateDtlsResumedServer: DTLS 0.9 or 1.2
//                             resumed from X-DTLS-Master-Secret + X-DTLS-Session-ID

#include "base/bytes.h"
#include "base/log.h"
#include "base/redacted.h"
#include "base/result.h"
#include "base/time.h"
#include "tls/callbacks.h"
#include "tls/credentials.h"

#include <gnutls/gnutls.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
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

// Protocol of a resumed DTLS session.
enum class DtlsProtocol {
  kDtls09,  // Cisco's pre-RFC DTLS, version 0x0100 (GNUTLS_DTLS0_9), anyconnect.md §8.4
  kDtls12,  // DTLS 1.2, version 0xFEFD: Cisco X-DTLS12-CipherSuite and OC-DTLS1_2-* (§8.5)
};

// Everything both ends of a resumed DTLS session agree on before the first datagram. tls/ does
// not know the AnyConnect suite names: the gateway and client translate a
// proto::tunnel::DtlsSuite (protocol, kx, cipher, mac) into this.
struct ResumedDtlsParams {
  DtlsProtocol protocol = DtlsProtocol::kDtls12;
  // GnuTLS algorithm names: kx "RSA", "DHE-RSA", "ECDHE-RSA"; cipher "AES-128-CBC",
  // "AES-256-CBC", "3DES-CBC", "AES-128-GCM", "AES-256-GCM"; mac "SHA1" (CBC) or "AEAD" (GCM).
  // The key exchange never runs; together with cipher and mac it only selects the suite code
  // point (e.g. RSA+AES-256-GCM = 0x009D, ECDHE-RSA+AES-256-GCM = 0xC030).
  std::string kx;
  std::string cipher;
  std::string mac;
  SecretBytes master_secret;  // X-DTLS-Master-Secret: exactly 48 bytes
  Bytes session_id;           // X-DTLS-Session-ID: 1-32 bytes (32 in practice)
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
  // Required pins (ClientTlsConfig::required_pins) are set and none matched: refused whatever
  // the trust store says; `reason` names the pin the certificate presents.
  bool pin_mismatch = false;
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

  // DTLS with PSK-NEGOTIATE (anyconnect.md §8.6): a full DTLS 1.2 handshake with a plain-PSK
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

  // Resumed DTLS (anyconnect.md §8.4/8.5): no key exchange; both ends install `params` as a
  // cached session (gnutls_session_set_premaster) and run an abbreviated handshake: ClientHello
  // with the session id and exactly one suite, ServerHello echoing the id, ChangeCipherSpec
  // and Finished both ways. Extended master secret and the safe-renegotiation requirement are
  // off, as with ocserv and openconnect. `options.datagram` is forced on.
  // The client refuses a full handshake (a real gateway always resumes; anything else is a
  // possible man in the middle) and the server, which holds no certificate, cannot do one.
  // A wrong master secret makes the Finished check fail: the handshake never completes (DTLS
  // drops the undecryptable Finished) or fails with kTls; the owner's timer ends it.
  // Errors: kInvalidArgument for a master secret that is not 48 bytes, a session id that is
  //         empty or longer than 32 bytes, or an unknown or unsupported kx/cipher/mac name;
  //         kUnsupported when this GnuTLS refuses the combination (e.g. 3DES disabled);
  //         kTls for other GnuTLS setup failures.
  static Result<std::unique_ptr<TlsEngine>> CreateDtlsResumedClient(const ResumedDtlsParams& params,
                                                                    EngineOptions options = {});
  static Result<std::unique_ptr<TlsEngine>> CreateDtlsResumedServer(const ResumedDtlsParams& params,
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
  //   kProtocol   resumed-DTLS client: the server answered with a full handshake;
  //   kTls        any other handshake failure, with GnuTLS's text.
  // Datagram mode: a call with no new datagram while a flight is outstanding does nothing;
  // retransmission happens only from OnTimer (or when the peer retransmits).
  Result<bool> Handshake();
  bool handshake_done() const { return handshake_done_; }
  // Whether the established session was resumed (always true for a resumed-DTLS client whose
  // handshake succeeded).
  bool resumed() const;

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

  // Batch form of WriteRecord for the data path: each plaintext becomes its own record (in
  // datagram mode its own datagram, ready for one sendmmsg via PeekDatagrams). Stops at the
  // first failure; `*written` (REQUIRES: not null) is the number of records written before it.
  // Errors: as WriteRecord, for plaintexts[*written]. After kTooLarge the caller may send that
  // one over TLS and continue with the rest.
  Result<void> WriteRecords(std::span<const ByteSpan> plaintexts, std::size_t* written);

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
  // Datagram mode, for sendmmsg: fills `out` with the oldest min(out.size(), queued) datagrams
  // and returns how many. The views stay valid until the engine is next used for anything but
  // Peek/Front (PopDatagrams, WriteRecord, FeedIncoming, ...). Nothing while corked.
  std::size_t PeekDatagrams(std::span<ByteSpan> out) const;
  // Drops the oldest n queued datagrams (those sent); n larger than the queue drops all.
  void PopDatagrams(std::size_t n);
  std::size_t queued_datagrams() const { return outgoing_ring_.size(); }

  // Queues close_notify. Later WriteRecord calls fail with kClosed.
  void Close();

  // DTLS handshake retransmission, on the owner's clock: when to call OnTimer(); nullopt when
  // no flight of ours is waiting for an answer. The engine learns the time only from `now`:
  // the first NextDeadline/OnTimer call after a flight went out counts as the moment it was
  // sent, so call NextDeadline after every Handshake/OnTimer that may have sent something.
  // Retransmission after 1 s, doubling up to 60 s; the handshake gives up 60 s after the first
  // flight (RFC 6347 §4.2.4.1). OnTimer earlier than the deadline does nothing.
  std::optional<Instant> NextDeadline(Instant now) const;
  // Errors: as Handshake(); kTimeout when the DTLS handshake gave up (the engine is failed).
  Result<void> OnTimer(Instant now);

  // ---- rekeying the established TLS session in place (client, X-CSTP-Rekey-Method: ssl)
  // TLS 1.3: queues a KeyUpdate that also asks the peer to update its keys (what
  // gnutls_handshake() on an established TLS 1.3 client session sends); done at once.
  // TLS 1.2 and older: starts a renegotiation (a new full handshake inside the session; the
  // peer must support secure renegotiation, RFC 5746). ReadRecord drives it from then on,
  // still returning the peer's data records; until it ends, WriteRecord holds the records
  // (a server in the middle of the handshake must not receive data: ocserv drops the
  // connection) and sends them afterwards, in order. The owner pauses its bulk sources
  // meanwhile and asks TakeRekeyResult() after each ReadRecord.
  // Errors: kProtocol before the handshake, after Close() or while a renegotiation runs;
  //         kTls from GnuTLS (the session is still usable).
  Result<void> BeginRekey();
  bool rekey_pending() const { return renegotiating_; }
  // Once per finished renegotiation: Ok, or kUnsupported (the peer answered no_renegotiation; the
  // session goes on with the old keys). A renegotiation that fails fatally fails ReadRecord.
  std::optional<Result<void>> TakeRekeyResult();

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
  ssize_t PushDatagramRecords(const giovec_t* iov, int iovcnt);
  std::size_t IncomingAvailable() const;
  Result<void> SetUpResumed(const ResumedDtlsParams& params, unsigned int side);
  Result<bool> DriveHandshake();
  void AnchorRetransmitTimer(Instant now) const;
  static int ServerHelloHook(gnutls_session_t session, unsigned int htype, unsigned int when,
                             unsigned int incoming, const gnutls_datum_t* msg);
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
  // Datagram queues. Slots keep their capacity, so after warm-up no datagram allocates.
  class DatagramRing {
   public:
    bool empty() const { return size_ == 0; }
    std::size_t size() const { return size_; }
    Bytes& front() { return slots_[head_]; }
    const Bytes& front() const { return slots_[head_]; }
    const Bytes& at(std::size_t i) const { return slots_[(head_ + i) % slots_.size()]; }
    // Appends an empty slot (grows the ring when full) and returns it.
    Bytes& PushBack();
    void PopFront();

   private:
    std::vector<Bytes> slots_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
  };
  DatagramRing incoming_ring_;
  DatagramRing outgoing_ring_;
  Bytes push_scratch_;  // gathers a multi-part vec_push before it is split into records

  // Resumed DTLS.
  gnutls_certificate_credentials_t empty_certificate_ = nullptr;
  bool require_resumption_ = false;
  Bytes expected_session_id_;  // client: the id the ServerHello must echo
  bool not_resumed_ = false;

  // DTLS retransmission on the owner's clock (NextDeadline/OnTimer). The anchors are set
  // lazily from the first `now` the owner shows us after a flight went out.
  std::uint64_t pushes_ = 0;         // vec_push calls so far
  bool awaiting_peer_ = false;       // GnuTLS waits for the peer's next message
  bool flight_outstanding_ = false;  // ... and a flight of ours is waiting for its answer
  bool timer_fired_ = false;         // OnTimer asked GnuTLS to retransmit
  bool fresh_flight_ = false;        // sent since GnuTLS last asked for input (see .cc)
  mutable bool anchor_pending_ = false;
  mutable Instant flight_sent_at_;
  mutable std::optional<Instant> give_up_at_;
  Duration retransmit_interval_{};

  // Client-initiated renegotiation (BeginRekey).
  bool renegotiating_ = false;
  std::vector<Bytes> held_records_;  // written while renegotiating
  std::optional<Result<void>> rekey_result_;
  Result<bool> DriveRenegotiation();  // true: data buffered or finished; false: needs input
  Result<void> SendHeldRecords();

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

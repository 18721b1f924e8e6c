#pragma once
// DtlsLink: the client's UDP transport for DTLS (anyconnect.md §8-§10), the mirror of the
// gateway's DtlsChannel. It owns one attempt at a time: a UDP socket connected to the
// gateway's X-DTLS-Port (a new socket, hence a new source port, per attempt, so that a gateway
// still holding the previous channel routes the new ClientHello to its listener) and a DTLS
// client TlsEngine (PSK-NEGOTIATE or resumed). It moves datagrams and records and reports what
// happened; it decides nothing. When to attempt, retry or give up, liveness, which channel
// carries data and what the packets mean are proto::session::TunnelCore's business, and the
// Tunnel connects the two.
//
//   BeginAttempt --Finished--> established --failure--> (idle)
//        \------failure / Abandon------------------------^
//
// Sending is batched: QueueRecord encrypts into the engine's datagram ring, Flush sends the ring
// with one sendmmsg(2); receiving uses recvmmsg(2). Nothing allocates per packet.
//
// Sink calls happen from inside the link's read handler and Flush/OnEngineTimer; the Sink must
// not call BeginAttempt or Abandon from them (the Tunnel only feeds its core there and acts on
// the core's events in OnDtlsWake, once the link has returned).
//
// Thread affinity: the io_context's thread. Owned by the Tunnel.

#include "base/bytes.h"
#include "base/log.h"
#include "base/redacted.h"
#include "base/result.h"
#include "base/time.h"
#include "client/dtls_plan.h"
#include "tls/engine.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sekisho::client {

class DtlsLink {
 public:
  class Sink {
   public:
    virtual ~Sink() = default;
    // The gateway answered the current attempt for the first time (UDP works).
    virtual void OnDtlsAnswered() = 0;
    // The handshake completed.
    virtual void OnDtlsHandshakeDone() = 0;
    // One decrypted record (AnyConnect 1-byte header + payload).
    virtual void OnDtlsRecord(ByteSpan record) = 0;
    // The attempt or the channel failed (handshake error or timeout, socket error, close
    // alert). The link has already dropped it.
    virtual void OnDtlsFailed(std::string_view reason) = 0;
    // The link's read handler finished a batch: act on what the calls above changed.
    virtual void OnDtlsWake() = 0;
  };

  struct Options {
    boost::asio::ip::udp::endpoint remote;  // gateway IP, X-DTLS-Port
    ClientDtlsPlan plan;
    // PSK mode: the 32-byte EXPORTER-openconnect-psk of the CSTP connection; resumed modes:
    // the X-DTLS-Master-Secret we sent.
    SecretBytes key;
  };

  DtlsLink(boost::asio::io_context& io, Options options, Sink& sink, Logger log);
  ~DtlsLink();
  DtlsLink(const DtlsLink&) = delete;
  DtlsLink& operator=(const DtlsLink&) = delete;

  // Drops any previous attempt, opens a new socket and sends ClientHello #1.
  // Errors: kIo/kTls (nothing was sent; the attempt counts as failed).
  Result<void> BeginAttempt();
  // Drops the current attempt or channel (socket closed); no Sink calls for it afterwards.
  void Abandon();
  // Reads the datagrams already waiting on the socket now, outside the io_context (a rekey
  // retiring the link delivers what the gateway still sent on it).
  void ReadPending();

  bool established() const { return state_ == State::kEstablished; }
  // "(DTLS1.2)-(PSK)-(AES-256-GCM)" and the AnyConnect suite name.
  std::string Description() const;

  // Encrypts one record (header included) into the datagram ring.
  // Errors: kTooLarge (beyond the DTLS data MTU), kTls/kClosed, kInvalidArgument when not
  // established: the caller sends the packet over TLS instead.
  Result<void> QueueRecord(ByteSpan record);
  // Sends every queued datagram (one sendmmsg per up to 64). A send error is reported as
  // OnDtlsFailed.
  void Flush();

  // While handshaking: the engine's retransmission deadline, anchored at `now` (the instant
  // the TunnelCore's retry schedule started from names the same retransmissions).
  std::optional<Instant> EngineDeadline(Instant now) const;
  // Drives the engine's handshake timer; a timeout is reported as OnDtlsFailed.
  void OnEngineTimer(Instant now);

 private:
  enum class State { kIdle, kHandshaking, kEstablished };

  void Drop(const std::string& reason);  // Abandon + OnDtlsFailed
  void ArmRead();
  void OnReadable();
  void OnDatagram(ByteSpan datagram);
  Result<std::unique_ptr<tls::TlsEngine>> CreateEngine() const;

  boost::asio::io_context& io_;
  Options options_;
  Sink& sink_;
  Logger log_;
  State state_ = State::kIdle;
  bool answered_ = false;
  std::unique_ptr<tls::TlsEngine> engine_;  // current attempt or established channel
  std::optional<boost::asio::ip::udp::socket> socket_;
  bool read_armed_ = false;
  std::uint64_t generation_ = 0;  // bumped per socket: stale read handlers return
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  static constexpr std::size_t kBatch = 16;
  static constexpr std::size_t kDatagramSize = 16384 + 64;
  std::array<std::array<std::uint8_t, kDatagramSize>, kBatch> rx_buffers_{};
  std::array<std::uint8_t, 16384 + 256> record_buffer_{};
};

}  // namespace sekisho::client

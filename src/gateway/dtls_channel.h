#pragma once
// DtlsChannel: the UDP transport of one tunnel's DTLS (anyconnect.md §8), the mirror of the
// client's DtlsLink. It owns a UDP socket bound to the gateway's DTLS address and connected to
// the client's address, so the kernel delivers that client's datagrams here and nowhere else
// (ocserv hands workers such a socket, §1.1), and a DTLS server TlsEngine (PSK-NEGOTIATE or
// resumed from X-DTLS-Master-Secret) with its handshake retransmission timer.
//
//   kHandshake --Finished--> kEstablished --error / close alert / Close()--> kDead
//
// A channel on probation (SetProbation: a ClientHello for an established session from a new
// address, proto::dtls::DtlsPeerGate) has not proven anything yet, so until its handshake
// completes it only answers what its peer sends: it never retransmits on its timer, ignores
// further ClientHellos (a replay would otherwise draw a flight each), and fails at its
// deadline. Once established it is an ordinary channel.
//
// It moves datagrams and records and reports what happened; it decides nothing. What the
// records mean (DATA, DPD, DISCONNECT), liveness, and which channel carries data belong to the
// tunnel's proto::session::TunnelCore, which the GatewayTunnel feeds from the Sink calls below.
//
// Sending is batched: QueueRecord encrypts into the engine's datagram ring and Flush sends the
// ring with one sendmmsg(2); receiving uses recvmmsg(2). Nothing allocates per packet.
//
// Sink calls happen from inside the channel (its read and timer handlers, Start, Flush). The
// Sink must not destroy the channel from them; it may Close() it and destroy it later (the
// GatewayTunnel posts the destruction). OnDtlsWake is the last thing a handler does.
//
// Thread affinity: the worker's io_context thread. Owned by the GatewayTunnel.

#include "base/log.h"
#include "base/result.h"
#include "base/time.h"
#include "net/scoped_fd.h"
#include "tls/engine.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sekisho::gateway {

class DtlsChannel {
 public:
  class Sink {
   public:
    virtual ~Sink() = default;
    // `channel` names the caller (a tunnel may run a probation channel beside its channel).
    // The handshake completed.
    virtual void OnDtlsHandshakeDone(DtlsChannel& channel) = 0;
    // One decrypted record (AnyConnect 1-byte header + payload), valid during the call.
    virtual void OnDtlsRecord(DtlsChannel& channel, ByteSpan record) = 0;
    // The handshake or the channel failed (handshake error or timeout, socket error, ICMP,
    // close alert). The channel is dead: no further Sink calls except a final OnDtlsWake.
    virtual void OnDtlsFailed(DtlsChannel& channel, std::string_view reason) = 0;
    // A read or timer handler finished its batch: act on what the calls above changed.
    virtual void OnDtlsWake() = 0;
  };

  // Takes ownership of a socket from OpenDtlsSocket (connected to `remote`) and of a DTLS
  // server engine. Errors: kIo (the socket cannot be registered with the event loop).
  static Result<std::unique_ptr<DtlsChannel>> Create(
      boost::asio::io_context& io, const Clock& clock, const boost::asio::ip::udp::endpoint& remote,
      net::ScopedFd socket, std::unique_ptr<tls::TlsEngine> engine, Sink& sink, Logger log);
  ~DtlsChannel();
  DtlsChannel(const DtlsChannel&) = delete;
  DtlsChannel& operator=(const DtlsChannel&) = delete;

  // REQUIRES: before Start(). Puts the channel on probation until its handshake completes;
  // it fails (OnDtlsFailed) at `deadline` if the handshake has not completed by then.
  void SetProbation(Instant deadline);
  bool on_probation() const { return probation_deadline_.has_value(); }

  // Feeds the ClientHello the listener received before this socket existed and starts reading.
  // A failure is reported as OnDtlsFailed (without OnDtlsWake: the caller acts afterwards).
  void Start(ByteSpan first_datagram);

  bool established() const { return state_ == State::kEstablished; }
  const boost::asio::ip::udp::endpoint& remote() const { return remote_; }

  // Encrypts one record (1-byte header included) into the datagram ring.
  // Errors: kTooLarge (beyond the DTLS record limit), kTls, kInvalidArgument when not
  // established: the caller sends the packet over TLS instead.
  Result<void> QueueRecord(ByteSpan record);
  // Sends every queued datagram (one sendmmsg per up to 64). The client's UDP port being
  // closed (ICMP) is reported as OnDtlsFailed; other send errors drop the datagrams.
  void Flush();
  // Stops: the socket and timer are cancelled, no Sink calls afterwards. Sends nothing (the
  // TunnelCore queues any DISCONNECT, and the caller flushes it before closing).
  void Close();

  std::string Description() const;

 private:
  enum class State { kHandshake, kEstablished, kDead };

  DtlsChannel(boost::asio::io_context& io, const Clock& clock,
              const boost::asio::ip::udp::endpoint& remote, std::unique_ptr<tls::TlsEngine> engine,
              Sink& sink, Logger log);
  void ArmRead();
  void OnReadable();
  void OnDatagram(ByteSpan datagram);
  void ArmTimer();
  void OnTimer();
  void Fail(const std::string& reason);

  const Clock& clock_;
  boost::asio::ip::udp::endpoint remote_;
  std::unique_ptr<tls::TlsEngine> engine_;
  Sink& sink_;
  Logger log_;
  boost::asio::ip::udp::socket socket_;
  boost::asio::steady_timer timer_;
  State state_ = State::kHandshake;
  std::optional<Instant> probation_deadline_;  // set while on probation
  bool hello_seen_ = false;                    // the first ClientHello was fed to the engine
  bool read_armed_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  // recvmmsg batch: 16 datagrams of up to one full DTLS record each.
  static constexpr std::size_t kBatch = 16;
  static constexpr std::size_t kDatagramSize = 16384 + 64;
  std::array<std::array<std::uint8_t, kDatagramSize>, kBatch> rx_buffers_{};
  std::array<std::uint8_t, 16384 + 256> record_buffer_{};
};

// A UDP socket bound to the gateway's DTLS address and port (`local`) and connected to one
// client (`remote`): the kernel then delivers that client's datagrams to it rather than to the
// listener (ocserv does the same). Binding the DTLS port may need privileges, so main opens it
// and hands it to the worker. Non-blocking, close-on-exec, with large buffers.
// Errors: kIo (socket, bind or connect failed).
Result<net::ScopedFd> OpenDtlsSocket(const boost::asio::ip::udp::endpoint& local,
                                     const boost::asio::ip::udp::endpoint& remote);

}  // namespace sekisho::gateway

#pragma once
// DtlsChannel: the UDP half of one tunnel (ANYCONNECT.md §8). It owns a UDP socket bound to the
// gateway's DTLS address and connected to the client's address, so the kernel delivers that
// client's datagrams here and nowhere else (ocserv hands workers such a socket, §1.1), and a
// DTLS server TlsEngine (PSK-NEGOTIATE or resumed from X-DTLS-Master-Secret).
//
//   kHandshake --Finished--> kEstablished --DPD silence / error--> kDead
//
// Packets inside DTLS records carry the 1-byte AnyConnect header (§8.1). The channel answers
// DPD requests itself, echoing the payload byte for byte (openconnect's MTU probe needs the
// same length back, §8.9), and hands IP packets to its Sink. Sending is batched: records are
// queued as datagrams and leave with one sendmmsg(2) per flush; receiving uses recvmmsg(2).
//
// Thread affinity: the gateway's io_context thread. Owned by the tunnel's Connection.

#include "base/log.h"
#include "base/result.h"
#include "base/time.h"
#include "net/scoped_fd.h"
#include "proto/session/liveness.h"
#include "tls/engine.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace sekisho::gateway {

class DtlsChannel {
 public:
  class Sink {
   public:
    virtual ~Sink() = default;
    virtual void OnDtlsPacket(ByteSpan ip_packet) = 0;
    virtual void OnDtlsEstablished() = 0;
    // The channel stopped (DPD timeout, error, client DISCONNECT); data goes back to TLS.
    virtual void OnDtlsDown(std::string_view reason) = 0;
  };

  struct Options {
    boost::asio::ip::udp::endpoint remote;  // the client's address and port
    Duration dpd;
    Duration keepalive;
  };

  // Takes ownership of a socket from OpenDtlsSocket and of a DTLS server engine.
  // Errors: kIo (the socket cannot be registered with the event loop).
  static Result<std::unique_ptr<DtlsChannel>> Create(boost::asio::io_context& io,
                                                     const Clock& clock, Options options,
                                                     net::ScopedFd socket,
                                                     std::unique_ptr<tls::TlsEngine> engine,
                                                     Sink& sink, Logger log);
  ~DtlsChannel();

  // Feeds the ClientHello the listener received before this socket existed.
  void Start(ByteSpan first_datagram);

  bool established() const { return state_ == State::kEstablished; }
  const boost::asio::ip::udp::endpoint& remote() const { return options_.remote; }

  // Queues one IP packet that starts at `packet` and has one byte of writable headroom just
  // before it (packet.data() - 1), where the AnyConnect header is written in place.
  // Errors: kTooLarge (bigger than the DTLS record limit: send it over TLS instead).
  Result<void> QueuePacket(MutableByteSpan packet_with_headroom, std::size_t packet_size);
  // Sends every queued datagram (one sendmmsg per up to 64).
  void Flush();
  // Sends a bare DISCONNECT and stops; no callbacks after this.
  void Close();

  std::string Description() const;

 private:
  enum class State { kHandshake, kEstablished, kDead };

  DtlsChannel(boost::asio::io_context& io, const Clock& clock, Options options,
              std::unique_ptr<tls::TlsEngine> engine, Sink& sink, Logger log);
  void ArmRead();
  void OnReadable();
  void OnDatagram(ByteSpan datagram);
  void DrainRecords();
  void OnRecord(ByteSpan record);
  void SendControl(std::uint8_t type, ByteSpan payload);
  void ArmTimer();
  void OnTimer();
  void Fail(std::string_view reason);

  const Clock& clock_;
  Options options_;
  std::unique_ptr<tls::TlsEngine> engine_;
  Sink& sink_;
  Logger log_;
  boost::asio::ip::udp::socket socket_;
  boost::asio::steady_timer timer_;
  State state_ = State::kHandshake;
  std::optional<proto::session::ChannelLiveness> liveness_;
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

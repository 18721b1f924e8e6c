#pragma once
// DtlsLink: the client's UDP half of the tunnel (ANYCONNECT.md §8-§10), the mirror of the
// gateway's DtlsChannel. It runs DTLS attempts over a UDP socket connected to the gateway's
// X-DTLS-Port (a new socket, hence a new source port, per attempt, so that a gateway still
// holding the previous channel routes the new ClientHello to its listener), under the timing
// of a DtlsSupervisor: ClientHello retries at 1, 2, 4, 8, 16 s, give-up, retry every period.
//
//   attempt --Finished--> up --DPD silence / error / DISCONNECT--> (new attempt at once)
//      \--no answer after 5 retries, or failure--> waiting --retry period--> attempt
//
// Once up it carries AnyConnect packets with the 1-byte header (§8.1): DATA to the Sink, DPD
// requests from the gateway answered by echoing the payload (decision #10), DPD and keepalive
// of its own on the client schedule (ChannelLiveness, openconnect's algorithm). Sending is
// batched: QueuePacket encrypts into the engine's datagram ring, Flush sends the ring with one
// sendmmsg(2); receiving uses recvmmsg(2). Nothing allocates per packet.
//
// The link never decides where data goes: the Tunnel sends on DTLS while up() and on TLS
// otherwise, and accepts DATA on both channels always.
//
// Thread affinity: the io_context's thread. Owned by the Tunnel.

#include "base/bytes.h"
#include "base/log.h"
#include "base/redacted.h"
#include "base/result.h"
#include "base/time.h"
#include "client/dtls_plan.h"
#include "proto/session/dtls_supervisor.h"
#include "proto/session/liveness.h"
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

namespace sekisho::client {

using proto::session::DtlsSupervisor;

class DtlsLink {
 public:
  class Sink {
   public:
    virtual ~Sink() = default;
    // An IP packet that arrived over DTLS.
    virtual void OnDtlsPacket(ByteSpan ip_packet) = 0;
    // The handshake completed: data may move to DTLS (`description` names the suite).
    virtual void OnDtlsUp(const std::string& description) = 0;
    // The established channel stopped: data must go back to TLS at once.
    virtual void OnDtlsDown(std::string_view reason) = 0;
    // The TUN MTU should change (X-CSTP-MTU after a give-up, the DTLS MTU once up again).
    virtual void OnDtlsMtu(std::uint32_t mtu) = 0;
    // One user-visible progress line (retries, give-up, new attempt).
    virtual void OnDtlsProgress(const std::string& line) = 0;
  };

  struct Options {
    boost::asio::ip::udp::endpoint remote;  // gateway IP, X-DTLS-Port
    ClientDtlsPlan plan;
    // PSK mode: the 32-byte EXPORTER-openconnect-psk of the CSTP connection; resumed modes:
    // the X-DTLS-Master-Secret we sent.
    SecretBytes key;
    DtlsSupervisor::Config retry;
  };

  DtlsLink(boost::asio::io_context& io, Options options, Sink& sink, Logger log);
  ~DtlsLink();
  DtlsLink(const DtlsLink&) = delete;
  DtlsLink& operator=(const DtlsLink&) = delete;

  // Sends the first ClientHello now. The TUN is expected to have the DTLS MTU already.
  void Start();
  // Stops everything (sockets closed, timers cancelled); no Sink calls afterwards.
  void Close();

  bool up() const {
    return engine_ != nullptr && supervisor_.state() == DtlsSupervisor::State::kUp;
  }
  // "(DTLS1.2)-(PSK)-(AES-256-GCM)" and the AnyConnect suite name.
  std::string Description() const;

  // Encrypts one IP packet of `packet_size` bytes that starts at header + 1; the AnyConnect
  // header is written at `header` (in place, no copy). REQUIRES: up().
  // Errors: kTooLarge (beyond the DTLS data MTU: send this one over TLS); kTls/kClosed (the
  // channel is failing: send over TLS, the link notices on its own).
  Result<void> QueuePacket(std::uint8_t* header, std::size_t packet_size);
  // Sends every queued datagram (one sendmmsg per up to 64).
  void Flush();

  std::uint64_t packets_in() const { return packets_in_; }

 private:
  void BeginAttempt(Instant now);
  void AbandonAttempt();
  void AttemptFailed(Instant now, const std::string& reason);
  void ChannelDead(Instant now, const std::string& reason);
  void ReportMtu();
  void ArmRead();
  void OnReadable();
  void OnDatagram(ByteSpan datagram, Instant now);
  void DrainRecords(Instant now);
  void OnRecord(ByteSpan record, Instant now);
  void SendControl(std::uint8_t type, ByteSpan payload, Instant now);
  void ArmTimer(Instant now);
  void OnTimer();
  Result<std::unique_ptr<tls::TlsEngine>> CreateEngine() const;

  boost::asio::io_context& io_;
  Options options_;
  Sink& sink_;
  Logger log_;
  DtlsSupervisor supervisor_;
  std::unique_ptr<tls::TlsEngine> engine_;  // current attempt or established channel
  std::optional<boost::asio::ip::udp::socket> socket_;
  boost::asio::steady_timer timer_;
  std::optional<proto::session::ChannelLiveness> liveness_;
  std::uint32_t reported_mtu_ = 0;
  bool closed_ = false;
  bool read_armed_ = false;
  std::uint64_t generation_ = 0;  // bumped per socket: stale read handlers return
  std::uint64_t packets_in_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  static constexpr std::size_t kBatch = 16;
  static constexpr std::size_t kDatagramSize = 16384 + 64;
  std::array<std::array<std::uint8_t, kDatagramSize>, kBatch> rx_buffers_{};
  std::array<std::uint8_t, 16384 + 256> record_buffer_{};
};

}  // namespace sekisho::client

#pragma once
// Tunnel: the client's CSTP data path over one established TLS connection, after a 200
// CONNECT (ANYCONNECT.md §7, §9). It is the mirror of the gateway's tunnel phase
// (gateway/connection.cc) and batches the same way: one wake-up reads up to kTunBatch packets
// from the TUN, frames each as its own TLS record while the engine is corked, and sends them
// with one write; socket reads are 64 KiB and every record they hold is decrypted and written
// to the TUN.
//
// DTLS (ANYCONNECT.md §8, §10): when the CONNECT response offered DTLS, the Tunnel owns a
// DtlsLink that runs the handshake while data already flows over TLS. Data moves to DTLS only
// once the handshake completed and everything sent on TLS so far was acknowledged by the
// gateway (TUN reads pause meanwhile, at most kSwitchDrainLimit), so the switch reorders
// nothing; it moves back to TLS the moment the link reports DTLS down. DATA is accepted on both
// channels always. Packets the DTLS record limit refuses go over TLS. Every change of path is
// reported on the progress callback ("data path: DTLS (...)" / "data path: TLS (reason)"), and
// the TUN MTU follows the link's wish (X-CSTP-MTU after DTLS gave up, the DTLS MTU once up).
//
// Liveness uses proto::session::ChannelLiveness in the client role: DPD requests after
// X-CSTP-DPD seconds of silence, keepalives after X-CSTP-Keepalive seconds without sending,
// DPD requests from the gateway answered by echoing their payload, keepalives never answered.
//
// How it ends (Run() returns the first that happens):
//   kUserQuit          Stop() was called (SIGINT/SIGTERM): DISCONNECT 0xB0 + reason was sent
//                      and TLS closed; the gateway ends the session.
//   kGatewayDisconnect DISCONNECT from the gateway: do not reconnect.
//   kGatewayTerminate  TERMINATE from the gateway: do not reconnect.
//   kLinkDead          DPD timeout, TLS error, EOF, socket error: reconnect with the cookie.
//   kFatal             the TUN failed or the gateway sent a frame we cannot accept.
//
// Thread affinity: the io_context's thread. The TunDevice is borrowed and outlives the Tunnel
// (it is kept across reconnects).

#include "base/bytes.h"
#include "base/log.h"
#include "base/time.h"
#include "client/dtls_link.h"
#include "client/dtls_plan.h"
#include "client/https_session.h"
#include "net/tun_linux.h"
#include "proto/cstp/frame.h"
#include "proto/session/liveness.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace sekisho::client {

struct TunnelParams {
  std::uint32_t mtu = 1400;  // packets longer than this are not read from the TUN
  Duration dpd{0};           // 0 = no DPD
  Duration keepalive{0};     // 0 = no keepalives
  // DTLS, when the gateway offered it: the plan, the key (PSK mode: derived here from the CSTP
  // connection, so this is the master secret for the resumed modes and unused for PSK), the
  // gateway's address and the retry timing.
  std::optional<ClientDtlsPlan> dtls;
  SecretBytes dtls_master_secret;
  std::string gateway_ip;
  DtlsSupervisor::Config dtls_retry;
  // User-visible progress lines (path changes, DTLS retries). May be empty.
  std::function<void(const std::string&)> progress;
  // Changes the TUN MTU at run time. May be empty (then the MTU is left alone).
  std::function<Result<void>(int mtu)> set_mtu;
};

enum class TunnelEnd { kUserQuit, kGatewayDisconnect, kGatewayTerminate, kLinkDead, kFatal };

struct TunnelOutcome {
  TunnelEnd end = TunnelEnd::kLinkDead;
  std::string reason;
};

struct TunnelCounters {
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t packets_in = 0;
  std::uint64_t packets_out = 0;
  std::uint64_t dtls_packets_in = 0;
  std::uint64_t dtls_packets_out = 0;
};

class Tunnel : private DtlsLink::Sink {
 public:
  static constexpr int kTunBatch = 64;
  // Longest TUN pause while waiting for TLS to drain before data moves to DTLS.
  static constexpr Duration kSwitchDrainLimit = std::chrono::milliseconds(200);

  // `leftover`: plaintext that followed the CONNECT head (normally empty), parsed as a record.
  Tunnel(boost::asio::io_context& io, std::unique_ptr<TlsConnection> connection,
         net::TunDevice& tun, TunnelParams params, Bytes leftover, Logger log);
  ~Tunnel() override;
  Tunnel(const Tunnel&) = delete;
  Tunnel& operator=(const Tunnel&) = delete;

  // Runs the io_context until the tunnel ends. Other handlers on the same io_context (signals)
  // run too and may call Stop().
  TunnelOutcome Run();

  // Logs off: DISCONNECT 0xB0 + `reason`, close_notify, best-effort flush, then Run() returns
  // kUserQuit. Safe to call more than once and after the tunnel ended.
  void Stop(std::string_view reason);

  const TunnelCounters& counters() const { return counters_; }

 private:
  void Start();
  void ArmRead();
  void OnReadable();
  void ProcessRecords();
  void HandleRecord(ByteSpan record);
  void ArmTun();
  void OnTunReadable();
  void SendControl(ByteSpan frame);
  void Flush();
  void ArmTimer();
  void OnTimer();
  void Finish(TunnelEnd end, std::string reason);
  void Say(const std::string& line);
  void StartDtls();
  bool TlsDrained();
  void TrySwitchToDtls();

  // DtlsLink::Sink
  void OnDtlsPacket(ByteSpan ip_packet) override;
  void OnDtlsUp(const std::string& description) override;
  void OnDtlsDown(std::string_view reason) override;
  void OnDtlsMtu(std::uint32_t mtu) override;
  void OnDtlsProgress(const std::string& line) override;

  boost::asio::io_context& io_;
  std::unique_ptr<TlsConnection> conn_;
  net::TunDevice& tun_;
  TunnelParams params_;
  Bytes leftover_;
  Logger log_;

  boost::asio::posix::stream_descriptor tun_stream_;
  boost::asio::steady_timer timer_;
  Instant timer_deadline_ = Instant::Max();
  proto::session::ChannelLiveness liveness_;
  std::unique_ptr<DtlsLink> dtls_;
  bool data_on_dtls_ = false;
  bool switch_pending_ = false;  // DTLS is up, waiting for TLS to drain (TUN paused)
  Instant switch_deadline_;
  boost::asio::steady_timer switch_timer_;
  std::uint32_t read_limit_ = 0;  // largest packet read from the TUN
  std::optional<TunnelOutcome> outcome_;
  bool read_armed_ = false;
  bool tun_armed_ = false;
  bool write_blocked_ = false;
  TunnelCounters counters_;
  // Handlers hold a weak reference: once the Tunnel is gone, late (cancelled) handlers return.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);

  std::array<std::uint8_t, 65536> read_buffer_{};
  std::array<std::uint8_t, 16384 + 256> record_buffer_{};
  std::array<std::uint8_t, 16384 + 256> frame_buffer_{};
};

}  // namespace sekisho::client

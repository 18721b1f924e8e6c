#pragma once
// Tunnel: the client's I/O shell around proto::session::TunnelCore, over one established TLS
// connection after a 200 CONNECT (anyconnect.md §7-§10). The core decides everything (CSTP and
// DTLS control packets, DPD/keepalive per channel, when data moves TLS <-> DTLS, DTLS retries
// and give-up, the TUN MTU, how the tunnel ends); the Tunnel moves bytes between the TLS
// socket and engine, the DtlsLink (UDP + DTLS engine), the TUN and the core, and keeps one
// timer armed at min(core.NextDeadline(), the DTLS engine's handshake timer).
//
// Batching as on the gateway: one wake-up reads up to kTunBatch packets from the TUN into a
// buffer with kTunHeadroom bytes in front, the core frames each in place (CSTP header for TLS,
// 1-byte header for DTLS), TLS records are written corked and sent with one write, DTLS
// datagrams with one sendmmsg; socket reads are 64 KiB and every record they hold is decrypted
// and handed to the core. The TUN is not read while the socket is full or while the core
// waits for the TLS backlog to drain before a switch (the backlog is measured here as unsent
// engine bytes + SIOCOUTQ).
//
// Every change of path is reported on the progress callback ("data path: DTLS (...)" /
// "data path: TLS (reason)"), with the DTLS retries, the give-up and every MTU change.
// The reason is DtlsDiagnostics' (status_model.h), which also answers `sekisho status` through
// FillStatus(); the MTU may also change because the path-MTU probe (path_mtu.h) found less.
//
// How it ends (Run() returns the first that happens; mapped from the core's close event):
//   kUserQuit          Stop() was called (SIGINT/SIGTERM): DISCONNECT 0xB0 + reason was sent
//                      and TLS closed; the gateway ends the session.
//   kGatewayDisconnect DISCONNECT from the gateway: do not reconnect.
//   kGatewayTerminate  TERMINATE from the gateway: do not reconnect.
//   kLinkDead          DPD timeout, TLS error, EOF, socket error: reconnect with the cookie.
//   kFatal             the TUN failed or the gateway sent a frame we cannot accept.
//   kRekeyed           X-CSTP-Rekey-Method new-tunnel: a new TLS connection was CONNECTed
//                      (TunnelOutcome::next); run the next Tunnel on it, same TUN.
//
// Rekey (proto/session/rekey_schedule.h decides when): "ssl" renegotiates the TLS session in
// place (TLS 1.3: a KeyUpdate), reading no TUN packets until the handshake ends; a refusal
// falls back to a new tunnel. "new-tunnel" calls TunnelParams::open_tunnel (the data path
// waits meanwhile, its packets queue in the TUN): once the new TLS connection is up, the old
// one is retired (flushed, acknowledged, closed, read until the gateway closes it, its DTLS
// datagrams read; all bounded), then the CONNECT goes out and the Tunnel ends with kRekeyed.
// A new TLS connection that fails keeps the old tunnel (retried later); a CONNECT that fails
// after the old connection was retired ends with kLinkDead (reconnect).
//
// Thread affinity: the io_context's thread. The TunDevice is borrowed and outlives the Tunnel
// (it is kept across reconnects).

#include "base/bytes.h"
#include "base/log.h"
#include "base/time.h"
#include "client/dtls_link.h"
#include "client/dtls_plan.h"
#include "client/https_session.h"
#include "client/status_model.h"
#include "client/tunnel_connect.h"
#include "net/tun_linux.h"
#include "proto/session/rekey_schedule.h"
#include "proto/session/tunnel_core.h"
#include "stream/tls_socket.h"

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
  proto::session::DtlsRetrySchedule::Config dtls_retry;
  // User-visible progress lines (path changes, DTLS retries). May be empty.
  std::function<void(const std::string&)> progress;
  // Changes the TUN MTU at run time. May be empty (then the MTU is left alone).
  std::function<Result<void>(int mtu)> set_mtu;
  // Without a plan: why (sekisho status). kDisabled (--no-dtls), kNotOffered or kUnusable.
  DtlsCause dtls_off = DtlsCause::kNotOffered;
  std::string dtls_off_detail;
  // Path-MTU probing over DTLS (ceiling: the plan's DTLS MTU); nullopt = off.
  std::optional<proto::session::PathMtuProber::Config> path_mtu;
  // Rekeying as the CONNECT answer asked (method none: never), and how to open the new tunnel
  // for "new-tunnel" (may be empty: then a rekey by new tunnel is never attempted).
  proto::session::RekeySchedule::Config rekey;
  // Its argument runs between the new TLS handshake and the CONNECT.
  std::function<Result<ConnectedTunnel>(const std::function<void()>&)> open_tunnel;
};

enum class TunnelEnd {
  kUserQuit,
  kGatewayDisconnect,
  kGatewayTerminate,
  kLinkDead,
  kFatal,
  kRekeyed,
};

struct TunnelOutcome {
  TunnelEnd end = TunnelEnd::kLinkDead;
  std::string reason;
  std::shared_ptr<ConnectedTunnel> next;  // kRekeyed: the new tunnel's connection
};

using TunnelCounters = proto::session::TunnelCounters;

class Tunnel : private DtlsLink::Sink {
 public:
  static constexpr int kTunBatch = 64;

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

  const TunnelCounters& counters() const { return core_->counters(); }
  // The tunnel's part of `sekisho status`: data path, ciphers, MTUs, counters, DTLS diagnosis.
  void FillStatus(ClientStatus& status) const;

 private:
  std::optional<DtlsLink::Options> PrepareDtls();
  void ArmRead();
  void OnReadable();
  void ProcessRecords();
  void ArmTun();
  void OnTunReadable();
  void WriteTun(ByteSpan packet);
  // Acts on the core's outputs and events until it has none, then flushes and re-arms.
  void Pump();
  void ProcessCore();
  void HandleEvent(const proto::session::TunnelEvent& event);
  void HandleDtlsAction(const proto::session::TunnelEvent& event);
  void HandleClose(const proto::session::TunnelEvent& event);
  std::size_t TlsBacklog();
  void Flush();
  void ArmTimer();
  void OnTimer();
  void Finish(TunnelEnd end, std::string reason);
  // Rekey (see the header comment).
  void PollRekey(Instant now);
  void RekeyInPlace(Instant now);
  void RekeyByNewTunnel(Instant now);
  void CheckRekeyResult();
  void DrainOldConnection(Instant deadline);
  void RetireOldConnection();
  void Say(const std::string& line);

  // DtlsLink::Sink
  void OnDtlsAnswered() override;
  void OnDtlsHandshakeDone() override;
  void OnDtlsRecord(ByteSpan record) override;
  void OnDtlsFailed(std::string_view reason) override;
  void OnDtlsWake() override;

  boost::asio::io_context& io_;
  std::unique_ptr<TlsConnection> conn_;
  stream::TlsSocket socket_io_;  // over conn_'s socket and engine
  net::TunDevice& tun_;
  TunnelParams params_;
  Bytes leftover_;
  Logger log_;

  boost::asio::posix::stream_descriptor tun_stream_;
  boost::asio::steady_timer timer_;
  Instant timer_deadline_ = Instant::Max();
  std::optional<proto::session::TunnelCore> core_;
  std::optional<proto::session::RekeySchedule> rekey_;
  std::unique_ptr<DtlsLink> dtls_;
  DtlsDiagnostics diag_;
  int dtls_attempts_ = 0;
  std::uint32_t read_limit_ = 0;  // largest packet read from the TUN
  std::optional<TunnelOutcome> outcome_;
  bool tun_armed_ = false;
  bool retiring_ = false;  // a rekey is retiring this connection: deliver data, decide nothing
  // Handlers hold a weak reference: once the Tunnel is gone, late (cancelled) handlers return.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);

  std::array<std::uint8_t, 16384 + 256> record_buffer_{};
  std::array<std::uint8_t, 16384 + 256> frame_buffer_{};    // TUN packets, with headroom
  std::array<std::uint8_t, 16384 + 256> control_buffer_{};  // the core's control packets
};

}  // namespace sekisho::client

#pragma once
// GatewayTunnel: the tunnel phase of one client connection (anyconnect.md §7-§10), the gateway's
// thin I/O shell around proto::session::TunnelCore, as client/tunnel.h is the client's. The
// core decides everything (CSTP and DTLS control packets, DPD and keepalive per channel, the
// idle and session timeouts, which channel carries data, how the tunnel ends); the tunnel moves
// bytes between the TLS socket and engine, the session's TUN device, the DtlsChannel and the
// core, keeps one timer armed at core.NextDeadline(), and tells the session owner
// (SessionBackend) about traffic and the tunnel's end.
//
//   kPending --Start(handover)--> kRunning --core's kClosed, Terminate()--> kClosed
//      |                                                                      ^
//      +--------------------------- Abandon() --------------------------------+
//
// kPending: the Connection creates the tunnel when it sends a CONNECT to the session owner. It
// is the TunnelHandle given to SessionBackend::Connect (the owner may hold it from the grant
// on) and owns no I/O yet. kRunning: after the "200 CONNECTED", Start() takes over the
// connection's TCP socket, its TLS engine (with any records that followed the CONNECT) and the
// session's TUN device; the Connection is done then. The tunnel registers itself with
// GatewayContext::on_tunnel_started, so that lookups by connection id (Terminate, DtlsHello,
// traffic reports) reach it, and calls GatewayContext::on_closed once when it closes.
//
// The data path is batched: one wake-up reads up to kTunBatch packets from the TUN into a
// buffer with kTunHeadroom bytes in front, the core frames each in place, TLS records are
// written corked and sent with one write, DTLS datagrams with one sendmmsg; socket reads are
// 64 KiB and decrypt every record they hold. The TUN is not read while the socket is full or
// while the core waits for the TLS backlog (unsent engine bytes + SIOCOUTQ) to drain before a
// switch to DTLS.
//
// Bounded output: a client that sends (DPD requests, say) but stops reading would make the
// answers pile up in the TLS engine. Past limits.max_unsent_kib of unsent output, or with output
// queued and none taken by the kernel for kMaxSendStall, the tunnel ends as if the link were
// lost (SendBacklogLimit): the session keeps its cookie, the worker and other tunnels are not
// affected.
//
// Thread affinity: the io_context's thread (the worker's, or main's with --single-process).
// Lifetime: shared_ptr; pending handlers hold a reference (the session owner holds a plain
// TunnelHandle& until TunnelClosed or Terminate). It owns the DtlsChannel.

#include "base/log.h"
#include "base/time.h"
#include "gateway/dtls_channel.h"
#include "gateway/dtls_plan.h"
#include "gateway/send_backlog_limit.h"
#include "gateway/session_backend.h"
#include "gateway/session_registry.h"
#include "net/tun_linux.h"
#include "proto/dtls/peer_gate.h"
#include "proto/ipc/messages.h"
#include "proto/session/tunnel_core.h"
#include "proto/tunnel/mtu.h"
#include "stream/tls_socket.h"
#include "tls/engine.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sekisho::gateway {

class GatewayContext;

class GatewayTunnel final : public std::enable_shared_from_this<GatewayTunnel>,
                            public TunnelHandle,
                            private DtlsChannel::Sink {
 public:
  // Packets read from the TUN per wake-up before yielding to other connections.
  static constexpr int kTunBatch = 64;
  // Output queued that the client's TCP has not taken for this long ends the tunnel.
  static constexpr Duration kMaxSendStall = std::chrono::seconds(60);

  // What the Connection hands over after it answered a granted CONNECT.
  struct Handover {
    boost::asio::ip::tcp::socket socket;  // nonblocking; no operation pending on it
    std::unique_ptr<tls::TlsEngine> tls;  // established; the CONNECT answer queued
    net::TunDevice tun;                   // the session's TUN device (a duplicate fd)
    proto::ipc::ConnectReply grant;       // ok == true
    proto::tunnel::MtuPlan mtus;
    std::uint32_t tun_mtu = 0;                 // max(cstp_mtu, dtls_mtu): the TUN accepts both
    std::optional<GatewayDtlsPlan> dtls_plan;  // what the answer offered; nullopt: no DTLS
  };

  // `id` is the connection's id, `log` its logger. `terminate_pending` is what Terminate() does
  // before Start(): ending the Connection that is still asking for the tunnel.
  GatewayTunnel(GatewayContext& gateway, std::uint64_t id, Logger log,
                std::function<void(std::string_view reason)> terminate_pending);
  ~GatewayTunnel() override;
  GatewayTunnel(const GatewayTunnel&) = delete;
  GatewayTunnel& operator=(const GatewayTunnel&) = delete;

  // kPending -> kRunning: takes over the connection and starts moving data.
  // REQUIRES: kPending. Start does not fail; a broken link ends the tunnel as kLinkLost.
  void Start(Handover handover);
  // kPending -> kClosed: the session in `grant` was granted to this tunnel, but the Connection
  // cannot carry it (closed meanwhile, TUN unusable). Reports TunnelClosed{kLinkLost} so that
  // the owner lets go of this handle. No-op unless kPending.
  void Abandon(const proto::ipc::ConnectReply& grant, std::string_view reason);

  // TunnelHandle
  // Closes the tunnel (admin, takeover, shutdown): the core's DISCONNECT (TLS, and DTLS when up)
  // is flushed first. Sends no TunnelClosed: the owner already let go. Safe in any state.
  void Terminate(std::string_view reason) override;
  // The channel carrying data: the core's data path ("tls" while a switch is pending).
  std::string_view channel() const override;
  // Single-process mode: opens the UDP socket itself, then as AdoptDtls.
  void OnDtlsClientHello(const boost::asio::ip::udp::endpoint& remote, ByteSpan datagram) override;

  // Starts a DTLS handshake on `socket` (bound to the DTLS port, connected to `remote`), which
  // main created when a ClientHello (`datagram`) reached the listener. Ignored unless kRunning
  // with DTLS offered. The DtlsPeerGate decides: from the established channel's peer, the new
  // handshake replaces the channel; from another address while a channel is established, it
  // runs on a probation channel beside it and replaces it only once it completes; at most one
  // handshake per kNewPeerInterval is answered at a new address, the rest are dropped.
  void AdoptDtls(const boost::asio::ip::udp::endpoint& remote, ByteSpan datagram,
                 net::ScopedFd socket);
  // Sends the traffic since the last report to the backend (called about once a second).
  void ReportTraffic();

  std::uint64_t id() const { return id_; }

 private:
  enum class Phase { kPending, kRunning, kClosed };

  // DtlsChannel::Sink
  void OnDtlsHandshakeDone(DtlsChannel& channel) override;
  void OnDtlsRecord(DtlsChannel& channel, ByteSpan record) override;
  void OnDtlsFailed(DtlsChannel& channel, std::string_view reason) override;
  void OnDtlsWake() override;

  // A probation channel's handshake completed: it replaces the channel (the client roamed).
  void PromoteProbation();

  // socket
  void ArmRead();
  void OnReadable();
  void ProcessRecords();
  void Flush();
  // Ends the tunnel (as a lost link) when the client leaves too much output unread.
  void EnforceSendBacklogLimit();
  // A TLS or socket failure: a core input (Pump() acts on the close it causes).
  void OnLinkError(std::string_view reason);
  // TUN
  void WriteTun(ByteSpan ip_packet);
  void ArmTun();
  void OnTunReadable();
  // After any input: the core's output, a flush, the TUN and the timer.
  void Pump();
  void ProcessCore();
  void HandleEvent(const proto::session::TunnelEvent& event);
  void HandleClose(const proto::session::TunnelEvent& event);
  // Unsent engine bytes + SIOCOUTQ: what the client's TCP has not acknowledged yet.
  std::size_t TlsBacklog();
  // Closes the DTLS channel (or the probation channel) now and destroys it once the current
  // handler has returned.
  void RetireDtls();
  void RetireProbation();
  void ArmTimer();
  void OnTimer();
  // The session owner: traffic since the last report; the tunnel's end (told once).
  proto::ipc::TrafficDelta TakeTraffic();
  void EndTunnel(proto::ipc::TunnelClosed::Kind kind, std::string_view reason);
  void Close(std::string_view reason);

  GatewayContext& gateway_;
  const std::uint64_t id_;
  Logger log_;
  std::function<void(std::string_view)> terminate_pending_;
  Phase phase_ = Phase::kPending;

  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<tls::TlsEngine> tls_;
  std::optional<stream::TlsSocket> socket_io_;     // over socket_ and *tls_, from Start() on
  std::optional<SendBacklogLimit> backlog_limit_;  // from Start() on
  bool tun_armed_ = false;

  std::optional<SessionId> session_id_;  // reset once the owner was told (or let go)
  std::uint32_t leased_ipv4_ = 0;        // the client's address (host order), for logs
  std::optional<net::TunDevice> tun_;
  std::optional<boost::asio::posix::stream_descriptor> tun_stream_;
  std::uint32_t tun_mtu_ = 0;
  std::optional<proto::session::TunnelCore> core_;  // from Start() on
  proto::session::TunnelCounters reported_;         // the core's counters at the last report

  // DTLS (§8): what CONNECT announced, and the channel once a ClientHello arrived.
  std::optional<GatewayDtlsPlan> dtls_plan_;
  std::unique_ptr<DtlsChannel> dtls_;
  // A handshake from a new address while dtls_ is established (DtlsPeerGate::kNewPeer).
  std::unique_ptr<DtlsChannel> dtls_probation_;
  proto::dtls::DtlsPeerGate dtls_gate_;

  boost::asio::steady_timer timer_;
  Instant timer_deadline_ = Instant::Max();

  std::array<std::uint8_t, 16384 + 256> record_buffer_{};
  std::array<std::uint8_t, 16384 + 256> frame_buffer_{};    // TUN packets, with headroom
  std::array<std::uint8_t, 16384 + 256> control_buffer_{};  // the core's control frames
};

}  // namespace sekisho::gateway

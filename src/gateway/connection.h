#pragma once
// Connection: one client TCP connection through its whole life (ANYCONNECT.md §0.3):
//
//   kHandshake --TLS done--> kHttp --CONNECT accepted--> kTunnel --+--> kClosed
//        |                     |  (requests answered by AuthFront) |
//        +---------------------+-----------------------------------+  (error, timeout, close)
//
// It is the thin I/O shell around the sans-I/O pieces: bytes move between the nonblocking
// socket, tls::TlsEngine, proto::http::RequestReader / AuthFront, and in the tunnel phase
// between the engines, the session's TUN device, the DtlsChannel and a
// proto::session::TunnelCore, which decides everything about the tunnel (CSTP/DTLS control,
// DPD and keepalive, the idle and session timeouts, which channel carries data, how it ends).
// The data path is batched: one wake-up reads up to kTunBatch packets from the TUN, has the
// core frame them in place, encrypts them as corked records (or DTLS datagrams), and sends the
// result with one write; socket reads are 64 KiB and decrypt every record they hold.
//
// Thread affinity: everything runs on the gateway's io_context thread. Lifetime: shared_ptr;
// pending handlers hold a reference.

#include "base/log.h"
#include "base/time.h"
#include "gateway/auth_front.h"
#include "gateway/dtls_channel.h"
#include "gateway/dtls_plan.h"
#include "gateway/session_backend.h"
#include "gateway/session_registry.h"
#include "net/tun_linux.h"
#include "proto/http/message.h"
#include "proto/http/request_reader.h"
#include "proto/ipc/messages.h"
#include "proto/session/tunnel_core.h"
#include "proto/tunnel/connect_request.h"
#include "proto/tunnel/connect_response.h"
#include "proto/tunnel/dtls_negotiation.h"
#include "proto/tunnel/mtu.h"
#include "tls/engine.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace sekisho::gateway {

class GatewayContext;

class Connection final : public std::enable_shared_from_this<Connection>,
                         public TunnelHandle,
                         public DtlsChannel::Sink {
 public:
  Connection(GatewayContext& gateway, boost::asio::ip::tcp::socket socket, std::uint64_t id);
  ~Connection() override;

  void Start();
  // Closes immediately (admin, takeover, shutdown). When a tunnel is up, the core's DISCONNECT
  // (TLS, and DTLS when up) is flushed first. Sends no TunnelClosed: the owner already let go.
  void Terminate(std::string_view reason) override;
  // The channel carrying data: the core's data path ("tls" while a switch is pending).
  std::string_view channel() const override;
  // Single-process mode: opens the UDP socket itself, then as AdoptDtls.
  void OnDtlsClientHello(const boost::asio::ip::udp::endpoint& remote, ByteSpan datagram) override;
  // Starts a DTLS handshake on `socket` (bound to the DTLS port, connected to `remote`), which
  // main created when the client's first ClientHello (`datagram`) reached the listener.
  void AdoptDtls(const boost::asio::ip::udp::endpoint& remote, ByteSpan datagram,
                 net::ScopedFd socket);
  // Sends the traffic since the last report to the backend (called about once a second).
  void ReportTraffic();
  std::uint64_t id() const { return id_; }
  // The session this connection carries a tunnel for; nullopt before CONNECT.
  std::optional<SessionId> session_id() const { return session_id_; }

  // DtlsChannel::Sink
  void OnDtlsHandshakeDone() override;
  void OnDtlsRecord(ByteSpan record) override;
  void OnDtlsFailed(std::string_view reason) override;
  void OnDtlsWake() override;

 private:
  enum class Phase { kHandshake, kHttp, kTunnel, kClosed };

  // socket
  void ArmRead();
  void OnReadable();
  void Flush();
  void OnWritable();
  // The TLS connection failed: in the tunnel phase a core input, before it a close.
  void OnLinkError(std::string_view reason);
  void CloseAfterFlush();
  // phases
  void ProcessIncoming();
  void ProcessHandshake();
  void ProcessHttp();
  void HandleRequest(proto::http::HttpRequest request);
  void OnLoginReply(proto::ipc::LoginReply reply);
  void HandleConnect(const proto::http::HttpRequest& request);
  void RefuseConnect(unsigned status, std::string why);
  void SendResponse(const proto::http::HttpResponse& response, bool is_connect);
  // tunnel
  void OnTunnelGranted(TunnelGrant grant);
  void SendConnectResponse(const proto::ipc::ConnectReply& grant);
  void EndTunnel(proto::ipc::TunnelClosed::Kind kind, std::string_view reason);
  proto::ipc::TrafficDelta TakeTraffic();
  void ProcessTunnelRecords();
  void WriteTun(ByteSpan ip_packet);
  void ArmTun();
  void OnTunReadable();
  // After any input in the tunnel phase: the core's output, a flush, the TUN and the timer.
  void Pump();
  void ProcessCore();
  void HandleEvent(const proto::session::TunnelEvent& event);
  void HandleClose(const proto::session::TunnelEvent& event);
  // Unsent engine bytes + SIOCOUTQ: what the client's TCP has not acknowledged yet.
  std::size_t TlsBacklog();
  // Closes the DTLS channel now and destroys it once the current handler has returned.
  void RetireDtls();
  // timers
  void ArmTimer();
  void OnTimer();
  void Close(std::string_view reason);

  GatewayContext& gateway_;
  boost::asio::ip::tcp::socket socket_;
  const std::uint64_t id_;
  std::string peer_ip_;
  Logger log_;
  Phase phase_ = Phase::kHandshake;

  std::unique_ptr<tls::TlsEngine> tls_;
  proto::http::RequestReader request_reader_;
  std::string http_plain_;  // decrypted request bytes not yet consumed
  int requests_served_ = 0;
  bool awaiting_backend_ = false;  // a login or CONNECT request is with the backend
  std::optional<ClientCertificate> client_cert_;
  Instant phase_deadline_;  // handshake / request / auth deadline before the tunnel

  bool read_armed_ = false;
  bool write_blocked_ = false;  // socket send buffer full: wait for writable, pause the TUN
  bool tun_armed_ = false;
  bool close_after_flush_ = false;

  // tunnel state
  std::optional<SessionId> session_id_;
  proto::tunnel::ConnectRequest connect_;  // the client's CONNECT headers
  proto::tunnel::MtuPlan mtus_;
  std::string user_;
  std::string group_;
  std::optional<net::TunDevice> tun_;
  std::optional<boost::asio::posix::stream_descriptor> tun_stream_;
  std::uint32_t tunnel_mtu_ = 0;
  std::optional<proto::session::TunnelCore> core_;  // from CONNECT on
  proto::session::TunnelCounters reported_;         // the core's counters at the last report

  // DTLS (§8): what CONNECT announced, and the channel once a ClientHello arrived.
  std::optional<GatewayDtlsPlan> dtls_plan_;
  std::unique_ptr<DtlsChannel> dtls_;

  boost::asio::steady_timer timer_;
  Instant timer_deadline_ = Instant::Max();

  std::array<std::uint8_t, 65536> read_buffer_{};
  std::array<std::uint8_t, 16384 + 256> record_buffer_{};
  std::array<std::uint8_t, 16384 + 256> frame_buffer_{};
  std::array<std::uint8_t, 16384 + 256> control_buffer_{};  // the core's control frames
};

}  // namespace sekisho::gateway

#pragma once
// Connection: one client TCP connection through its whole life (ANYCONNECT.md §0.3):
//
//   kHandshake --TLS done--> kHttp --CONNECT accepted--> kTunnel --+--> kClosed
//        |                     |  (requests answered by AuthFront) |
//        +---------------------+-----------------------------------+  (error, timeout, close)
//
// It is the thin I/O shell around the sans-I/O pieces: bytes move between the nonblocking
// socket, tls::TlsEngine, proto::http::RequestReader / AuthFront, and in the tunnel phase
// between CSTP frames and the session's TUN device. The data path is batched: one wake-up reads
// up to kTunBatch packets from the TUN, encrypts them as corked records, and sends the result
// with one write; socket reads are 64 KiB and decrypt every record they hold.
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
#include "proto/cstp/frame.h"
#include "proto/http/message.h"
#include "proto/http/request_reader.h"
#include "proto/ipc/messages.h"
#include "proto/session/liveness.h"
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
  // Closes immediately (admin, shutdown). Sends a DISCONNECT first when a tunnel is up.
  void Terminate(std::string_view reason) override;
  std::string_view channel() const override { return dtls_active_ ? "dtls" : "tls"; }
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
  void OnDtlsPacket(ByteSpan ip_packet) override;
  void OnDtlsEstablished() override;
  void OnDtlsDown(std::string_view reason) override;

 private:
  enum class Phase { kHandshake, kHttp, kTunnel, kClosed };

  // socket
  void ArmRead();
  void OnReadable();
  void Flush();
  void OnWritable();
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
  void DeliverToTun(ByteSpan ip_packet);
  // True once nothing sent on TLS is still unacknowledged (so DTLS cannot overtake it).
  bool TlsBacklogDrained();
  void ProcessTunnelRecords();
  void OnFrame(const proto::cstp::Frame& frame);
  void ArmTun();
  void OnTunReadable();
  void SendControl(ByteSpan frame);
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
  proto::ipc::TrafficDelta unreported_;  // traffic not yet reported to the backend
  std::optional<net::TunDevice> tun_;
  std::optional<boost::asio::posix::stream_descriptor> tun_stream_;
  std::optional<proto::session::ChannelLiveness> liveness_;
  Instant last_data_;
  std::uint32_t tunnel_mtu_ = 0;

  // DTLS (§8): what CONNECT announced, and the channel once a ClientHello arrived.
  std::optional<GatewayDtlsPlan> dtls_plan_;
  std::unique_ptr<DtlsChannel> dtls_;
  bool dtls_active_ = false;  // send data on DTLS (established and the client uses it)
  bool tls_drained_ = false;  // TLS backlog acknowledged since DTLS became active

  boost::asio::steady_timer timer_;
  Instant timer_deadline_ = Instant::Max();

  std::array<std::uint8_t, 65536> read_buffer_{};
  std::array<std::uint8_t, 16384 + 256> record_buffer_{};
  std::array<std::uint8_t, 16384 + 256> frame_buffer_{};
};

}  // namespace sekisho::gateway

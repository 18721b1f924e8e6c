#pragma once
// Connection: one client TCP connection up to its tunnel (anyconnect.md §0.3): the TLS handshake
// and the HTTP phase (login requests answered by the session owner through SessionBackend, then
// a CONNECT). A granted CONNECT is answered here ("200 CONNECTED", built by BuildConnectAnswer)
// and the connection hands its socket, TLS engine and the session's TUN device to a
// GatewayTunnel, which carries the tunnel phase; the Connection is done then.
//
//   kHandshake --TLS done--> kHttp --CONNECT granted, answered--> kHandedOver (GatewayTunnel)
//        |                     |  (requests answered by the SessionBackend)
//        +---------------------+--> kClosed (error, timeout, refused CONNECT, Connection: close)
//
// Bounded buffers: the socket is read only while the connection can use what arrives (in the
// handshake, or in kHttp with no request at the backend, no response blocked on a full socket
// and no close pending), so a client that keeps sending while it does not read fills its own
// TCP window, not our memory. Answers the client leaves unread (a blocked socket) must leave
// within kFlushTimeout or the connection closes; so does a last response (close after flush),
// after which nothing more is read.
//
// At a CONNECT it creates the GatewayTunnel (pending) that the session owner will hold as the
// session's TunnelHandle; a refused CONNECT drops it, and a grant the connection cannot use
// (closed meanwhile, TUN unusable) is handed back with GatewayTunnel::Abandon.
//
// It is a thin I/O shell: bytes move between the nonblocking socket, tls::TlsEngine and
// proto::http::RequestReader; the login itself is decided by the session owner.
//
// Thread affinity: everything runs on the io_context's thread (the worker's, or main's with
// --single-process). Lifetime: shared_ptr; pending handlers hold a reference. GatewayContext's
// on_closed is called once if it closes before the handover; after it, the tunnel's.

#include "base/log.h"
#include "base/time.h"
#include "gateway/auth_front.h"
#include "gateway/dtls_plan.h"
#include "gateway/gateway_tunnel.h"
#include "gateway/session_backend.h"
#include "proto/http/message.h"
#include "proto/http/request_reader.h"
#include "proto/ipc/messages.h"
#include "proto/tunnel/connect_request.h"
#include "proto/tunnel/mtu.h"
#include "stream/tls_socket.h"
#include "tls/engine.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sekisho::gateway {

class GatewayContext;

class Connection final : public std::enable_shared_from_this<Connection> {
 public:
  Connection(GatewayContext& gateway, boost::asio::ip::tcp::socket socket, std::uint64_t id);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Start();
  // Closes immediately (admin, shutdown, or a Terminate that reached the pending tunnel).
  // No-op after the handover: the GatewayTunnel is terminated instead.
  void Terminate(std::string_view reason);
  std::uint64_t id() const { return id_; }

 private:
  enum class Phase { kHandshake, kHttp, kHandedOver, kClosed };

  bool finished() const { return phase_ == Phase::kHandedOver || phase_ == Phase::kClosed; }
  // Whether bytes from the socket can be used now (see "Bounded buffers" above).
  bool WantsInput() const;
  // socket
  void ArmRead();
  void OnReadable();
  void Flush();
  // The socket took more after a blocked flush: continue with waiting requests.
  void OnWritable();
  void CloseAfterFlush();
  // phases
  void ProcessIncoming();
  void ProcessHandshake();
  void ProcessHttp();
  void HandleRequest(proto::http::HttpRequest request);
  void OnLoginReply(proto::ipc::LoginReply reply);
  void HandleConnect(const proto::http::HttpRequest& request);
  void OnConnectReply(Result<TunnelGrant> grant, unsigned status);
  void RefuseConnect(unsigned status, std::string why);
  void SendResponse(const proto::http::HttpResponse& response, bool is_connect);
  void SendConnectResponse(const proto::ipc::ConnectReply& grant);
  // kHttp -> kHandedOver: `tunnel` takes the socket, the TLS engine and `tun`.
  void HandOver(GatewayTunnel& tunnel, net::TunDevice tun, proto::ipc::ConnectReply grant);
  // timer
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
  Instant phase_deadline_;  // handshake / request / auth deadline
  // While the socket is blocked: when the client must have taken our answers (kFlushTimeout).
  Instant output_deadline_ = Instant::Max();

  std::optional<stream::TlsSocket> socket_io_;  // over socket_ and *tls_, from Start() on
  bool close_after_flush_ = false;

  // CONNECT (§5): the client's headers, the MTUs and DTLS offer computed for it, and the
  // tunnel that the session owner holds while the request is with it.
  proto::tunnel::ConnectRequest connect_;
  proto::tunnel::MtuPlan mtus_;
  std::uint32_t tun_mtu_ = 0;
  std::optional<GatewayDtlsPlan> dtls_plan_;
  std::shared_ptr<GatewayTunnel> tunnel_;

  boost::asio::steady_timer timer_;
  Instant timer_deadline_ = Instant::Max();
};

}  // namespace sekisho::gateway

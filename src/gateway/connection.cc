#include "gateway/connection.h"

#include "base/strings.h"
#include "gateway/connect_answer.h"
#include "gateway/gateway_context.h"
#include "proto/cstp/wire.h"
#include "proto/http/cookies.h"
#include "proto/http/writer.h"
#include "proto/tunnel/connect_response.h"
#include "proto/tunnel/dtls_negotiation.h"

#include <boost/asio/error.hpp>

#include <algorithm>
#include <array>
#include <utility>

namespace sekisho::gateway {
namespace {

namespace asio = boost::asio;
namespace cstp = proto::cstp;
namespace http = proto::http;
namespace tunnel = proto::tunnel;

constexpr int kMaxRequestsPerConnection = 64;
// Answers (a last response too: error, refusal, "Connection: close") that the client leaves
// unread have this long to leave before the connection is closed: a client that stopped
// reading does not keep it open.
constexpr auto kFlushTimeout = std::chrono::seconds(10);
constexpr std::string_view kTunnelPath = "/CSCOSSLC/tunnel";

// One decrypted record at a time, appended to http_plain_ at once: one buffer per thread serves
// every connection on it, so a connection that is only waiting holds none.
std::array<std::uint8_t, 16384 + 256>& RecordBuffer() {
  thread_local std::array<std::uint8_t, 16384 + 256> buffer;
  return buffer;
}

}  // namespace

Connection::Connection(GatewayContext& gateway, asio::ip::tcp::socket socket, std::uint64_t id)
    : gateway_(gateway),
      socket_(std::move(socket)),
      id_(id),
      request_reader_(http::Limits{}),
      timer_(gateway.io) {
  boost::system::error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  peer_ip_ = ec ? std::string("?") : endpoint.address().to_string();
  std::string prefix = "conn " + std::to_string(id_) + " " + peer_ip_;
  if (!ec) {
    prefix += ":" + std::to_string(endpoint.port());
  }
  log_ = Logger(gateway_.log_sink, "conn", prefix);
}

Connection::~Connection() = default;

void Connection::Start() {
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  auto engine = tls::TlsEngine::CreateServer(gateway_.credentials);
  if (!engine) {
    log_.Error("cannot create TLS session: {}", engine.error().ToString());
    Close("internal error");
    return;
  }
  tls_ = std::move(*engine);
  socket_io_.emplace(socket_, *tls_);
  phase_deadline_ = gateway_.clock.Now() + seconds(gateway_.config.listen.handshake_timeout_s);
  ArmTimer();
  ArmRead();
}

// ---------------------------------------------------------------- socket

bool Connection::WantsInput() const {
  if (phase_ == Phase::kHandshake) {
    return true;
  }
  return phase_ == Phase::kHttp && !awaiting_backend_ && !close_after_flush_ &&
         !socket_io_->blocked();
}

void Connection::ArmRead() {
  if (!WantsInput()) {
    return;
  }
  socket_io_->WaitReadable([self = shared_from_this()] { self->OnReadable(); });
}

void Connection::OnReadable() {
  if (!finished()) {
    Result<std::size_t> read = socket_io_->ReadAvailable([this] {
      ProcessIncoming();
      return WantsInput();
    });
    if (!read) {
      Close(read.error().code == Errc::kClosed ? "peer closed the connection"
                                               : read.error().context);
    }
  }
  Flush();
  ArmRead();
}

void Connection::Flush() {
  if (finished()) {
    return;
  }
  Result<bool> blocked = socket_io_->Flush([self = shared_from_this()] { self->OnWritable(); });
  if (!blocked) {
    close_after_flush_ = false;
    Close(blocked.error().context);
    return;
  }
  if (*blocked && output_deadline_ == Instant::Max()) {
    output_deadline_ = gateway_.clock.Now() + kFlushTimeout;
    ArmTimer();
  } else if (!*blocked) {
    output_deadline_ = Instant::Max();
  }
  if (!*blocked && close_after_flush_) {
    Close("response sent");
  }
}

void Connection::OnWritable() {
  Flush();
  if (phase_ == Phase::kHttp && !socket_io_->blocked()) {
    ProcessHttp();  // requests that waited for the client to read our answers
    Flush();
    ArmRead();
  }
}

void Connection::CloseAfterFlush() {
  // close_notify after the last response, then close once the socket took everything; from
  // now on nothing is read (a client that does not read either meets the output deadline).
  tls_->Close();
  close_after_flush_ = true;
  Flush();
}

// ---------------------------------------------------------------- phases

void Connection::ProcessIncoming() {
  if (phase_ == Phase::kHandshake) {
    ProcessHandshake();
  }
  if (phase_ == Phase::kHttp) {
    ProcessHttp();
  }
}

void Connection::ProcessHandshake() {
  Result<bool> done = tls_->Handshake();
  if (!done) {
    log_.Info("TLS handshake failed: {}", done.error().ToString());
    Flush();  // deliver the alert
    Close("TLS handshake failed");
    return;
  }
  if (!*done) {
    return;
  }
  phase_ = Phase::kHttp;
  if (gateway_.on_established) {
    gateway_.on_established(id_);
  }
  phase_deadline_ = gateway_.clock.Now() + seconds(gateway_.config.listen.request_timeout_s);
  ArmTimer();
  log_.Debug("TLS established: {}", tls_->CipherDescription());
  if (auto cert = tls_->PeerCertificateInfo()) {
    if (cert->verified) {
      client_cert_ = ClientCertificate{cert->subject_dn, cert->common_name, cert->uid,
                                       cert->organizational_unit};
      log_.Info("client certificate '{}' verified", EscapeForLog(cert->subject_dn, 256));
    } else {
      log_.Info("client certificate '{}' not accepted: {}", EscapeForLog(cert->subject_dn, 256),
                cert->verify_reason);
    }
  }
}

void Connection::ProcessHttp() {
  // Pipelined requests are answered one after another: while one is with the backend, the
  // rest wait (in http_plain_ or still encrypted) and the socket is not read.
  // Nor are they answered while the client leaves earlier answers unread (a blocked socket):
  // OnWritable() continues once it reads again.
  auto ready = [this] { return WantsInput(); };
  while (ready()) {
    while (ready() && !http_plain_.empty()) {
      Result<std::size_t> used = request_reader_.Feed(AsBytes(http_plain_));
      if (!used) {
        log_.Info("bad HTTP request: {}", EscapeForLog(used.error().ToString()));
        http::HttpResponse response;
        response.status = used.error().code == Errc::kTooLarge ? 413 : 400;
        response.reason = response.status == 413 ? "Payload Too Large" : "Bad Request";
        response.headers.push_back({"Connection", "close"});
        SendResponse(response, false);
        CloseAfterFlush();
        return;
      }
      http_plain_.erase(0, *used);
      if (!request_reader_.done()) {
        break;
      }
      http::HttpRequest request = request_reader_.Take();
      request_reader_.Reset();
      HandleRequest(std::move(request));
    }
    if (!ready()) {
      return;
    }
    std::array<std::uint8_t, 16384 + 256>& record = RecordBuffer();
    Result<std::size_t> n = tls_->ReadRecord(MutableByteSpan(record));
    if (!n) {
      Close(n.error().code == Errc::kClosed ? "peer closed TLS" : n.error().ToString());
      return;
    }
    if (*n == 0) {
      return;
    }
    http_plain_.append(reinterpret_cast<const char*>(record.data()), *n);
  }
}

void Connection::HandleRequest(http::HttpRequest request) {
  ++requests_served_;
  phase_deadline_ = gateway_.clock.Now() + seconds(gateway_.config.listen.request_timeout_s);
  // The query is left out: a legacy client may carry form fields (a password) in it.
  log_.Debug("{} {}", EscapeForLog(request.method, 16),
             EscapeForLog(std::string_view(request.target).substr(0, request.target.find('?'))));
  if (request.method == "CONNECT") {
    HandleConnect(request);
    return;
  }
  // The body is parsed here, in the worker; the session owner sees only the parsed request.
  proto::ipc::LoginRequest login = ParseLoginRequest(std::move(request));
  login.peer_ip = peer_ip_;
  if (client_cert_) {
    login.client_cert =
        proto::ipc::CertificateIdentity{client_cert_->subject_dn, client_cert_->common_name,
                                        client_cert_->uid, client_cert_->organizational_unit};
  }
  awaiting_backend_ = true;
  gateway_.backend.Login(std::move(login),
                         [self = shared_from_this()](proto::ipc::LoginReply reply) {
                           self->OnLoginReply(std::move(reply));
                         });
}

void Connection::OnLoginReply(proto::ipc::LoginReply reply) {
  awaiting_backend_ = false;
  if (phase_ != Phase::kHttp) {
    return;
  }
  bool close = reply.close_connection || requests_served_ >= kMaxRequestsPerConnection;
  if (close) {
    reply.response.headers.push_back({"Connection", "close"});
  }
  SendResponse(reply.response, false);
  if (close) {
    CloseAfterFlush();
    return;
  }
  // Pipelined requests wait while one is with the backend; answer them now, in order.
  ProcessHttp();
  Flush();
  ArmRead();
}

void Connection::SendResponse(const http::HttpResponse& response, bool is_connect) {
  // A 200 to CONNECT has no body and no Content-Length: the CSTP frames follow it.
  std::string wire = is_connect && response.status == 200 ? http::SerializeConnectResponse(response)
                                                          : http::SerializeResponse(response);
  ByteSpan bytes = AsBytes(wire);
  // HTTP text may be split across records freely (§1.3); the first CSTP frame after a CONNECT
  // response must start a record of its own, which the per-call records guarantee.
  while (!bytes.empty()) {
    std::size_t chunk = std::min<std::size_t>(bytes.size(), cstp::kMaxRecordSize);
    if (auto written = tls_->WriteRecord(bytes.first(chunk)); !written) {
      log_.Warn("cannot write response: {}", written.error().ToString());
      return;
    }
    bytes = bytes.subspan(chunk);
  }
}

void Connection::RefuseConnect(unsigned status, std::string why) {
  std::string reason = status == 401   ? "Cookie is not acceptable"
                       : status == 404 ? "Not Found"
                                       : "Service Unavailable";
  log_.Info("CONNECT refused ({} {}): {}", status, reason, EscapeForLog(why));
  http::HttpResponse response;
  response.status = status;
  response.reason = std::move(reason);
  SendResponse(response, true);
  CloseAfterFlush();
}

void Connection::HandleConnect(const http::HttpRequest& request) {
  if (request.target != kTunnelPath) {
    RefuseConnect(404, "unknown tunnel path");
    return;
  }
  auto cookie = http::FindCookie(request, "webvpn");
  if (!cookie) {
    RefuseConnect(503, "no webvpn cookie");
    return;
  }
  auto connect = tunnel::ParseConnectRequest(request.headers);
  if (!connect) {
    RefuseConnect(503, connect.error().ToString());
    return;
  }
  connect_ = std::move(*connect);
  // MTUs (decision #1): X-CSTP-MTU for the TLS path, X-DTLS-MTU for DTLS; the TUN accepts the
  // larger of the two, since a client may use either. The DTLS suite only depends on the
  // client's offer, so it is chosen now with a placeholder id and bound to the session later.
  tunnel::ConnectResponse::Dtls provisional;
  dtls_plan_ = PlanGatewayDtls(gateway_.config, gateway_.dtls_port, Bytes(32, 0), connect_, *tls_,
                               log_, provisional);
  tunnel::TlsOverhead tls_overhead =
      tls_->IsTls13() ? tunnel::TlsOverhead::Tls13() : tunnel::TlsOverhead::Tls12Gcm();
  std::optional<tunnel::DtlsSuite> suite;
  if (dtls_plan_) {
    suite = dtls_plan_->suite;
  }
  mtus_ = tunnel::ComputeGatewayMtus(gateway_.config.network.mtu, connect_.base_mtu, connect_.mtu,
                                     false, suite, tls_overhead);
  tun_mtu_ = std::max(mtus_.cstp_mtu, mtus_.dtls_mtu);

  proto::ipc::ConnectRequest ask;
  ask.connection_id = id_;
  ask.cookie = SecretString(std::string(*cookie));
  ask.peer_ip = peer_ip_;
  boost::system::error_code ec;
  ask.local_ip = socket_.local_endpoint(ec).address().to_string();
  ask.tun_mtu = tun_mtu_;
  // The session owner holds this tunnel from the grant on; until then Terminate() on it ends
  // this connection.
  tunnel_ = std::make_shared<GatewayTunnel>(gateway_, id_, log_,
                                            [weak = weak_from_this()](std::string_view reason) {
                                              if (auto self = weak.lock()) {
                                                self->Terminate(reason);
                                              }
                                            });
  awaiting_backend_ = true;
  gateway_.backend.Connect(std::move(ask), *tunnel_,
                           [self = shared_from_this()](Result<TunnelGrant> grant, unsigned status) {
                             self->awaiting_backend_ = false;
                             self->OnConnectReply(std::move(grant), status);
                           });
}

void Connection::OnConnectReply(Result<TunnelGrant> grant, unsigned status) {
  std::shared_ptr<GatewayTunnel> tunnel = std::move(tunnel_);
  if (phase_ != Phase::kHttp) {
    if (grant && tunnel) {
      tunnel->Abandon(grant->reply, "connection closed");
    }
    return;
  }
  if (!grant) {
    RefuseConnect(status, grant.error().ToString());
    Flush();
    return;
  }
  auto tun = net::TunDevice::FromFd(std::move(grant->tun_fd));
  if (!tun) {
    RefuseConnect(503, "TUN device: " + tun.error().ToString());
    tunnel->Abandon(grant->reply, "TUN device unusable");
    Flush();
    return;
  }
  SendConnectResponse(grant->reply);
  HandOver(*tunnel, std::move(*tun), std::move(grant->reply));
}

void Connection::SendConnectResponse(const proto::ipc::ConnectReply& grant) {
  std::optional<ConnectAnswerDtls> dtls;
  if (dtls_plan_) {
    ConnectAnswerDtls offer;
    // The same choice as at HandleConnect, now with the session's DTLS id.
    dtls_plan_ = PlanGatewayDtls(gateway_.config, grant.dtls_port, grant.dtls_session_id, connect_,
                                 *tls_, log_, offer.headers);
    if (dtls_plan_) {
      dtls_plan_->udp_payload_mtu = mtus_.base_mtu - 28;  // IPv4 + UDP headers
      offer.mode = dtls_plan_->suite.mode;
      dtls = std::move(offer);
    }
  }
  http::HttpResponse head;
  head.status = 200;
  head.reason = "CONNECTED";
  head.headers = tunnel::BuildConnectResponseHeaders(
      BuildConnectAnswer(gateway_.config, grant, connect_.hostname, mtus_, std::move(dtls)));
  SendResponse(head, true);
}

void Connection::HandOver(GatewayTunnel& tunnel, net::TunDevice tun,
                          proto::ipc::ConnectReply grant) {
  phase_ = Phase::kHandedOver;
  timer_.cancel();
  // A pending write wait ends here (its handler finds the connection handed over); the tunnel
  // flushes the CONNECT answer itself and waits on its own.
  boost::system::error_code ec;
  socket_.cancel(ec);
  tunnel.Start(GatewayTunnel::Handover{.socket = std::move(socket_),
                                       .tls = std::move(tls_),
                                       .tun = std::move(tun),
                                       .grant = std::move(grant),
                                       .mtus = mtus_,
                                       .tun_mtu = tun_mtu_,
                                       .dtls_plan = std::move(dtls_plan_)});
}

// ---------------------------------------------------------------- timer and closing

void Connection::ArmTimer() {
  const Instant deadline = std::min(phase_deadline_, output_deadline_);
  if (finished() || deadline == timer_deadline_) {
    return;
  }
  timer_deadline_ = deadline;
  Duration wait = std::max(Duration(0), deadline - gateway_.clock.Now());
  timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait));
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) {
      self->timer_deadline_ = Instant::Max();
      self->OnTimer();
    }
  });
}

void Connection::OnTimer() {
  if (finished()) {
    return;
  }
  const Instant now = gateway_.clock.Now();
  if (now >= output_deadline_) {
    log_.Info("answers not collected within {} s (the client does not read); closing",
              kFlushTimeout.count());
    Close("client does not read");
    return;
  }
  if (now >= phase_deadline_) {
    log_.Info("{} timed out", phase_ == Phase::kHandshake ? "TLS handshake" : "HTTP request");
    Close("timeout");
    return;
  }
  ArmTimer();
}

void Connection::Terminate(std::string_view reason) {
  if (finished()) {
    return;
  }
  log_.Info("terminating: {}", reason);
  Close(reason);
}

void Connection::Close(std::string_view reason) {
  if (finished()) {
    return;
  }
  phase_ = Phase::kClosed;
  log_.Debug("connection closed: {}", reason);
  boost::system::error_code ec;
  timer_.cancel();
  socket_.cancel(ec);
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  if (gateway_.on_closed) {
    gateway_.on_closed(id_);
  }
}

}  // namespace sekisho::gateway

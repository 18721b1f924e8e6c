#include "gateway/connection.h"

#include "gateway/connect_answer.h"
#include "gateway/gateway_context.h"
#include "proto/cstp/wire.h"
#include "proto/http/cookies.h"
#include "proto/http/writer.h"

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <utility>

namespace sekisho::gateway {
namespace {

namespace asio = boost::asio;
namespace cstp = proto::cstp;
namespace http = proto::http;
namespace session = proto::session;
namespace tunnel = proto::tunnel;
using session::Channel;
using session::CloseCause;
using session::CloseOutcome;
using session::kTunHeadroom;
using session::TunnelEvent;

constexpr int kMaxRequestsPerConnection = 64;
// Packets read from the TUN per wake-up before yielding to other connections; their records are
// sent with one write.
constexpr int kTunBatch = 64;
constexpr std::string_view kTunnelPath = "/CSCOSSLC/tunnel";
// Received IP packets may exceed the tunnel MTU by this much before they are dropped.
constexpr std::size_t kRxPacketSlack = 64;

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
  phase_deadline_ = gateway_.clock.Now() + seconds(gateway_.config.listen.handshake_timeout_s);
  ArmTimer();
  ArmRead();
}

// ---------------------------------------------------------------- socket

void Connection::ArmRead() {
  if (read_armed_ || phase_ == Phase::kClosed || awaiting_backend_) {
    return;
  }
  read_armed_ = true;
  socket_.async_wait(asio::socket_base::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       self->read_armed_ = false;
                       if (!ec) {
                         self->OnReadable();
                       }
                     });
}

void Connection::OnReadable() {
  if (phase_ == Phase::kClosed) {
    return;
  }
  // Drain what the kernel holds, but bounded so one busy client cannot starve the others.
  for (int round = 0; round < 8 && phase_ != Phase::kClosed; ++round) {
    boost::system::error_code ec;
    std::size_t n = socket_.read_some(asio::buffer(read_buffer_), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      break;
    }
    if (ec) {
      OnLinkError(ec == asio::error::eof ? "peer closed the connection" : ec.message());
      break;
    }
    tls_->FeedIncoming(ByteSpan(read_buffer_.data(), n));
    ProcessIncoming();
    if (n < read_buffer_.size() || awaiting_backend_) {
      break;
    }
  }
  Pump();
  ArmRead();
}

void Connection::Flush() {
  if (phase_ == Phase::kClosed || write_blocked_) {
    return;
  }
  while (true) {
    ByteSpan pending = tls_->PendingOutgoing();
    if (pending.empty()) {
      break;
    }
    boost::system::error_code ec;
    std::size_t n = socket_.write_some(asio::buffer(pending.data(), pending.size()), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      write_blocked_ = true;
      socket_.async_wait(asio::socket_base::wait_write,
                         [self = shared_from_this()](const boost::system::error_code& wait_ec) {
                           self->write_blocked_ = false;
                           if (!wait_ec) {
                             self->OnWritable();
                           }
                         });
      return;
    }
    if (ec) {
      close_after_flush_ = false;
      OnLinkError(ec.message());
      return;
    }
    tls_->ConsumeOutgoing(n);
  }
  if (close_after_flush_) {
    Close("response sent");
  }
}

void Connection::CloseAfterFlush() {
  // close_notify after the last response, then close once the socket took everything.
  tls_->Close();
  close_after_flush_ = true;
  Flush();
}

void Connection::OnWritable() {
  Pump();  // the TUN pauses while the socket is full and resumes here
}

void Connection::OnLinkError(std::string_view reason) {
  if (phase_ == Phase::kTunnel) {
    core_->OnTlsClosed(reason, gateway_.clock.Now());  // Pump() acts on it
  } else {
    Close(reason);
  }
}

// ---------------------------------------------------------------- phases

void Connection::ProcessIncoming() {
  if (phase_ == Phase::kHandshake) {
    ProcessHandshake();
  }
  if (phase_ == Phase::kHttp) {
    ProcessHttp();
  }
  if (phase_ == Phase::kTunnel) {
    ProcessTunnelRecords();
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
  phase_deadline_ = gateway_.clock.Now() + seconds(gateway_.config.listen.request_timeout_s);
  ArmTimer();
  log_.Debug("TLS established: {}", tls_->CipherDescription());
  if (auto cert = tls_->PeerCertificateInfo()) {
    if (cert->verified) {
      client_cert_ = ClientCertificate{cert->subject_dn, cert->common_name, cert->uid,
                                       cert->organizational_unit};
      log_.Info("client certificate '{}' verified", cert->subject_dn);
    } else {
      log_.Info("client certificate '{}' not accepted: {}", cert->subject_dn, cert->verify_reason);
    }
  }
}

void Connection::ProcessHttp() {
  // Pipelined requests are answered one after another: while one is with the backend, the
  // rest wait (in http_plain_ or still encrypted) and the socket is not read.
  auto ready = [this] {
    return phase_ == Phase::kHttp && !close_after_flush_ && !awaiting_backend_;
  };
  while (ready()) {
    while (ready() && !http_plain_.empty()) {
      Result<std::size_t> used = request_reader_.Feed(AsBytes(http_plain_));
      if (!used) {
        log_.Info("bad HTTP request: {}", used.error().ToString());
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
    Result<std::size_t> n = tls_->ReadRecord(MutableByteSpan(record_buffer_));
    if (!n) {
      Close(n.error().code == Errc::kClosed ? "peer closed TLS" : n.error().ToString());
      return;
    }
    if (*n == 0) {
      return;
    }
    http_plain_.append(reinterpret_cast<const char*>(record_buffer_.data()), *n);
  }
}

void Connection::HandleRequest(http::HttpRequest request) {
  ++requests_served_;
  phase_deadline_ = gateway_.clock.Now() + seconds(gateway_.config.listen.request_timeout_s);
  log_.Debug("{} {}", request.method, request.target);
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
  log_.Info("CONNECT refused ({} {}): {}", status, reason, why);
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
  tunnel_mtu_ = std::max(mtus_.cstp_mtu, mtus_.dtls_mtu);

  proto::ipc::ConnectRequest ask;
  ask.connection_id = id_;
  ask.cookie = SecretString(std::string(*cookie));
  ask.peer_ip = peer_ip_;
  boost::system::error_code ec;
  ask.local_ip = socket_.local_endpoint(ec).address().to_string();
  ask.tun_mtu = tunnel_mtu_;
  awaiting_backend_ = true;
  gateway_.backend.Connect(std::move(ask), *this,
                           [self = shared_from_this()](Result<TunnelGrant> grant, unsigned status) {
                             self->awaiting_backend_ = false;
                             if (self->phase_ != Phase::kHttp) {
                               return;
                             }
                             if (!grant) {
                               self->RefuseConnect(status, grant.error().ToString());
                               self->Flush();
                               return;
                             }
                             self->OnTunnelGranted(std::move(*grant));
                           });
}

void Connection::OnTunnelGranted(TunnelGrant grant) {
  auto tun = net::TunDevice::FromFd(std::move(grant.tun_fd));
  if (!tun) {
    RefuseConnect(503, "TUN device: " + tun.error().ToString());
    EndTunnel(proto::ipc::TunnelClosed::Kind::kLinkLost, "TUN device unusable");
    Flush();
    return;
  }
  tun_ = std::move(*tun);
  tun_stream_.emplace(gateway_.io, tun_->fd());
  session_id_ = grant.reply.session_id;
  user_ = grant.reply.user;
  group_ = grant.reply.group;
  SendConnectResponse(grant.reply);
  phase_ = Phase::kTunnel;
  const Instant now = gateway_.clock.Now();
  const TunnelConfig& tunnel = gateway_.config.tunnel;
  session::TunnelCore::Config config;
  config.role = session::TunnelCore::Role::kGateway;
  config.tls_dpd = seconds(tunnel.dpd_s);
  config.tls_keepalive = seconds(tunnel.keepalive_s);
  config.dtls = dtls_plan_.has_value();
  config.dtls_dpd = config.tls_dpd;
  config.dtls_keepalive = config.tls_keepalive;
  config.cstp_mtu = mtus_.cstp_mtu;
  config.dtls_mtu = mtus_.dtls_mtu;
  if (tunnel.idle_timeout_s > 0) {
    config.idle_timeout = seconds(tunnel.idle_timeout_s);
  }
  if (grant.reply.session_remaining_s > 0) {
    config.session_deadline = now + seconds(grant.reply.session_remaining_s);
  }
  config.max_rx_packet = tunnel_mtu_ + kRxPacketSlack;
  core_.emplace(config, now);
  log_ = log_.WithPrefix(log_.prefix() + " sess " + std::to_string(*session_id_));
  log_.Info("tunnel up: user {} group {} address {} on {} (MTU {}, {}); DTLS: {}", user_, group_,
            FormatIpv4(grant.reply.ipv4), tun_->name(), tunnel_mtu_, tls_->CipherDescription(),
            dtls_plan_ ? std::string(dtls_plan_->suite.name) : std::string("not offered"));
  ProcessTunnelRecords();  // frames that arrived right behind the CONNECT
  Pump();
  ArmRead();
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

// ---------------------------------------------------------------- DTLS

void Connection::OnDtlsClientHello(const asio::ip::udp::endpoint& remote, ByteSpan datagram) {
  boost::system::error_code ec;
  asio::ip::udp::endpoint local(socket_.local_endpoint(ec).address(), gateway_.dtls_port);
  auto socket = OpenDtlsSocket(local, remote);
  if (!socket) {
    log_.Warn("cannot open the DTLS socket: {}", socket.error().ToString());
    return;
  }
  AdoptDtls(remote, datagram, std::move(*socket));
}

void Connection::AdoptDtls(const asio::ip::udp::endpoint& remote, ByteSpan datagram,
                           net::ScopedFd socket) {
  if (phase_ != Phase::kTunnel || !dtls_plan_) {
    return;
  }
  if (dtls_ && dtls_->remote() == remote && !dtls_->established()) {
    return;  // a retransmitted ClientHello for the handshake already running
  }
  auto engine = CreateDtlsServerEngine(*dtls_plan_, log_.WithComponent("dtls"));
  if (!engine) {
    log_.Warn("cannot start DTLS: {}", engine.error().ToString());
    return;
  }
  auto channel = DtlsChannel::Create(gateway_.io, gateway_.clock, remote, std::move(socket),
                                     std::move(*engine), *this, log_.WithComponent("dtls"));
  if (!channel) {
    log_.Warn("cannot use the DTLS socket: {}", channel.error().ToString());
    return;
  }
  // A new handshake replaces an old channel; DATA on TLS covers the gap until it completes.
  if (dtls_) {
    RetireDtls();
  }
  dtls_ = std::move(*channel);
  core_->OnDtlsHandshakeStarted(gateway_.clock.Now());
  log_.Debug("DTLS ClientHello from {}:{} ({})", remote.address().to_string(), remote.port(),
             dtls_plan_->suite.name);
  dtls_->Start(datagram);
  Pump();
}

void Connection::OnDtlsHandshakeDone() { core_->OnDtlsHandshakeDone(gateway_.clock.Now()); }

void Connection::OnDtlsRecord(ByteSpan record) {
  WriteTun(core_->OnDtlsRecord(record, gateway_.clock.Now()));
}

void Connection::OnDtlsFailed(std::string_view reason) {
  core_->OnDtlsFailed(reason, gateway_.clock.Now());
  RetireDtls();
}

void Connection::OnDtlsWake() {
  if (phase_ == Phase::kTunnel) {
    Pump();
  }
}

void Connection::RetireDtls() {
  if (!dtls_) {
    return;
  }
  dtls_->Close();
  // Often called from inside the channel (a Sink call): it dies once that call has returned.
  asio::post(gateway_.io, [retired = std::shared_ptr<DtlsChannel>(std::move(dtls_))] {});
}

// ---------------------------------------------------------------- tunnel

void Connection::ProcessTunnelRecords() {
  while (phase_ == Phase::kTunnel && !core_->closed()) {
    Result<std::size_t> n = tls_->ReadRecord(MutableByteSpan(record_buffer_));
    if (!n) {
      OnLinkError(n.error().code == Errc::kClosed ? "peer closed TLS" : n.error().ToString());
      return;
    }
    if (*n == 0) {
      return;
    }
    WriteTun(core_->OnTlsRecord(ByteSpan(record_buffer_.data(), *n), gateway_.clock.Now()));
  }
}

void Connection::WriteTun(ByteSpan ip_packet) {
  if (ip_packet.empty()) {
    return;
  }
  if (auto written = tun_->Write(ip_packet); !written) {
    log_.Debug("TUN write failed: {}", written.error().ToString());
  }
}

void Connection::Pump() {
  if (phase_ == Phase::kTunnel) {
    ProcessCore();
  }
  Flush();
  if (phase_ == Phase::kTunnel) {
    ProcessCore();  // a failed flush is a core input too
    ArmTun();
    ArmTimer();
  }
}

void Connection::ProcessCore() {
  for (int round = 0; round < 8 && phase_ == Phase::kTunnel; ++round) {
    const Instant now = gateway_.clock.Now();
    while (std::size_t n = core_->WriteTlsFrame(control_buffer_, now)) {
      if (auto written = tls_->WriteRecord(ByteSpan(control_buffer_.data(), n)); !written) {
        log_.Debug("cannot queue control frame: {}", written.error().ToString());
      }
    }
    while (std::size_t n = core_->WriteDtlsRecord(control_buffer_, now)) {
      if (dtls_) {
        (void)dtls_->QueueRecord(ByteSpan(control_buffer_.data(), n));
      }
    }
    while (auto event = core_->PollEvent()) {
      HandleEvent(*event);
      if (phase_ != Phase::kTunnel) {
        return;
      }
    }
    if (core_->wants_tls_backlog()) {
      core_->OnTlsBacklog(TlsBacklog(), now);
    }
    if (dtls_) {
      dtls_->Flush();  // a send error comes back as OnDtlsFailed
    }
    if (!core_->has_output()) {
      return;
    }
  }
}

void Connection::HandleEvent(const TunnelEvent& event) {
  switch (event.kind) {
    case TunnelEvent::Kind::kDataPath:
      if (event.channel == Channel::kDtls) {
        log_.Info(
            "data moves to DTLS ({}){}", dtls_ ? dtls_->Description() : std::string("?"),
            event.path_reason == session::PathReason::kDrainLimit ? ", TLS not yet drained" : "");
      } else if (event.path_reason == session::PathReason::kPeerUsesTls) {
        log_.Info("client sends on TLS again; replying on TLS");
      } else {
        log_.Info("data falls back to TLS: {}",
                  event.text.empty() ? session::PathReasonText(event.path_reason) : event.text);
      }
      return;
    case TunnelEvent::Kind::kDtls:
      if (event.dtls_action == session::DtlsAction::kAbandon) {
        RetireDtls();
      }
      return;
    case TunnelEvent::Kind::kDpdTimeout:
      if (event.channel == Channel::kDtls) {
        log_.Info("DTLS channel down: DTLS DPD timeout");
      }
      return;                              // TLS: the kClosed event follows
    case TunnelEvent::Kind::kMtu: return;  // client only
    case TunnelEvent::Kind::kClosed: HandleClose(event); return;
  }
}

void Connection::HandleClose(const TunnelEvent& event) {
  std::string reason = event.text;
  const bool end_session = event.close_outcome == CloseOutcome::kEndSession;
  switch (event.close_cause) {
    case CloseCause::kLocalDisconnect:
      tls_->Close();  // Terminate(): close_notify right behind the DISCONNECT
      break;
    case CloseCause::kPeerDisconnect:
      if (end_session) {
        log_.Info("client logged off: {}", reason.empty() ? "no reason" : reason);
      } else {
        log_.Info("client disconnected temporarily; session kept for reconnect");
      }
      reason = end_session ? "client disconnect" : "client disconnect (temporary)";
      break;
    case CloseCause::kPeerTerminate:
      log_.Info("client sent TERMINATE; closing");
      reason = "client terminate";
      break;
    case CloseCause::kTlsDpdTimeout:
      log_.Info("DPD timeout: the client stopped answering");
      reason = "DPD timeout";
      break;
    case CloseCause::kTlsClosed: break;
    case CloseCause::kProtocolError: log_.Warn("{}", reason); break;
    case CloseCause::kIdleTimeout:
      log_.Info("idle timeout: no data for {} s", gateway_.config.tunnel.idle_timeout_s);
      break;
    case CloseCause::kSessionTimeout: log_.Info("session timeout: the session ends"); break;
  }
  if (end_session) {
    // The session owner ends the session (the cookie dies); else Close() reports kLinkLost.
    EndTunnel(proto::ipc::TunnelClosed::Kind::kLogoff, event.text);
  }
  if (dtls_) {
    dtls_->Flush();  // the core's DTLS DISCONNECT, if any
  }
  Flush();  // its TLS DISCONNECT, if any
  Close(reason);
}

std::size_t Connection::TlsBacklog() {
  // Packets already handed to TLS must reach the client before the first DTLS one, or the
  // switch would reorder them: unsent engine bytes, a blocked socket, and SIOCOUTQ (bytes in
  // the TCP send queue not yet acknowledged by the client) all count.
  std::size_t backlog = tls_->PendingOutgoing().size() + (write_blocked_ ? 1 : 0);
  int unacked = 0;
  if (::ioctl(socket_.native_handle(), SIOCOUTQ, &unacked) == 0 && unacked > 0) {
    backlog += static_cast<std::size_t>(unacked);
  }
  return backlog;
}

void Connection::ArmTun() {
  if (tun_armed_ || !tun_stream_ || phase_ != Phase::kTunnel || write_blocked_ ||
      core_->tun_paused()) {
    return;
  }
  tun_armed_ = true;
  tun_stream_->async_wait(asio::posix::stream_descriptor::wait_read,
                          [self = shared_from_this()](const boost::system::error_code& ec) {
                            self->tun_armed_ = false;
                            if (!ec) {
                              self->OnTunReadable();
                            }
                          });
}

void Connection::OnTunReadable() {
  if (phase_ != Phase::kTunnel) {
    return;
  }
  std::uint8_t* buffer = frame_buffer_.data();
  const std::size_t max_packet = std::min<std::size_t>(cstp::kMaxPayload, tunnel_mtu_);
  const Instant now = gateway_.clock.Now();
  bool dtls_queued = false;
  tls_->Cork();
  for (int i = 0; i < kTunBatch && !core_->tun_paused(); ++i) {
    // The packet lands after room for the CSTP header; the core frames it in place.
    Result<std::size_t> n = tun_->Read(MutableByteSpan(buffer + kTunHeadroom, max_packet));
    if (!n) {
      if (n.error().code != Errc::kWouldBlock) {
        log_.Warn("TUN read failed: {}", n.error().ToString());
      }
      break;
    }
    const MutableByteSpan framed(buffer, kTunHeadroom + *n);
    session::TunnelCore::Outbound out = core_->FrameTunPacket(framed, *n, now);
    if (out.channel == Channel::kDtls) {
      if (dtls_ && dtls_->QueueRecord(out.record)) {
        dtls_queued = true;
        continue;
      }
      // Too big for a DTLS record (or refused by the engine): this one goes over TLS.
      out = {Channel::kTls, core_->RerouteToTls(framed, *n, now)};
    }
    if (out.channel != Channel::kTls) {
      continue;
    }
    if (auto written = tls_->WriteRecord(out.record); !written) {
      log_.Warn("TLS write failed: {}", written.error().ToString());
      break;
    }
  }
  if (dtls_queued && dtls_) {
    dtls_->Flush();  // one sendmmsg for the batch
  }
  if (auto flushed = tls_->Uncork(); !flushed) {
    OnLinkError(flushed.error().ToString());
  }
  Pump();
}

// ---------------------------------------------------------------- timers and closing

void Connection::ArmTimer() {
  if (phase_ == Phase::kClosed) {
    return;
  }
  const Instant now = gateway_.clock.Now();
  const Instant deadline = phase_ == Phase::kTunnel ? core_->NextDeadline() : phase_deadline_;
  if (deadline == timer_deadline_) {
    return;
  }
  timer_deadline_ = deadline;
  if (deadline == Instant::Max()) {
    timer_.cancel();
    return;
  }
  Duration wait = std::max(Duration(0), deadline - now);
  timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait));
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) {
      self->timer_deadline_ = Instant::Max();
      self->OnTimer();
    }
  });
}

void Connection::OnTimer() {
  if (phase_ == Phase::kClosed) {
    return;
  }
  const Instant now = gateway_.clock.Now();
  if (phase_ != Phase::kTunnel) {
    if (now >= phase_deadline_) {
      log_.Info("{} timed out", phase_ == Phase::kHandshake ? "TLS handshake" : "HTTP request");
      Close("timeout");
      return;
    }
    ArmTimer();
    return;
  }
  if (core_->wants_tls_backlog()) {
    Flush();
    core_->OnTlsBacklog(TlsBacklog(), now);
  }
  core_->OnTimer(now);
  Pump();
}

void Connection::Terminate(std::string_view reason) {
  if (phase_ == Phase::kClosed) {
    return;
  }
  log_.Info("terminating: {}", reason);
  session_id_.reset();  // the registry already dropped (or is replacing) this tunnel
  if (phase_ != Phase::kTunnel) {
    Close(reason);
    return;
  }
  // A bare DISCONNECT makes openconnect exit without reconnecting (§7.3); the kClosed event
  // flushes it and closes.
  core_->Disconnect(reason, gateway_.clock.Now());
  Pump();
}

std::string_view Connection::channel() const {
  return core_ && core_->data_path() == Channel::kDtls ? "dtls" : "tls";
}

proto::ipc::TrafficDelta Connection::TakeTraffic() {
  if (!core_) {
    return {};
  }
  const session::TunnelCounters& now = core_->counters();
  proto::ipc::TrafficDelta delta{
      now.bytes_in - reported_.bytes_in, now.bytes_out - reported_.bytes_out,
      now.packets_in - reported_.packets_in, now.packets_out - reported_.packets_out};
  reported_ = now;
  return delta;
}

void Connection::ReportTraffic() {
  if (!session_id_ || phase_ != Phase::kTunnel) {
    return;
  }
  proto::ipc::TunnelStats stats{id_, *session_id_, TakeTraffic(), std::string(channel())};
  gateway_.backend.ReportTraffic(stats, *this);
}

void Connection::EndTunnel(proto::ipc::TunnelClosed::Kind kind, std::string_view reason) {
  if (!session_id_) {
    return;
  }
  proto::ipc::TunnelClosed closed{id_, *session_id_, kind, TakeTraffic(), std::string(reason)};
  session_id_.reset();  // told once: the session owner forgets this tunnel now
  gateway_.backend.TunnelClosed(closed, *this);
}

void Connection::Close(std::string_view reason) {
  if (phase_ == Phase::kClosed) {
    return;
  }
  bool was_tunnel = phase_ == Phase::kTunnel;
  phase_ = Phase::kClosed;
  EndTunnel(proto::ipc::TunnelClosed::Kind::kLinkLost, reason);
  if (was_tunnel) {
    log_.Info("tunnel closed: {}", reason);
  } else {
    log_.Debug("connection closed: {}", reason);
  }
  RetireDtls();
  boost::system::error_code ec;
  timer_.cancel();
  if (tun_stream_) {
    tun_stream_->cancel(ec);
    tun_stream_->release();  // the TunDevice owns the fd
    tun_stream_.reset();
  }
  tun_.reset();  // closing the fd removes the device and its routes
  socket_.cancel(ec);
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  if (gateway_.on_closed) {
    gateway_.on_closed(id_);
  }
}

}  // namespace sekisho::gateway

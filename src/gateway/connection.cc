#include "gateway/connection.h"

#include "base/encoding.h"
#include "base/strings.h"
#include "gateway/gateway_context.h"
#include "net/tun_config.h"
#include "proto/cstp/wire.h"
#include "proto/http/cookies.h"
#include "proto/http/writer.h"
#include "proto/tunnel/connect_request.h"
#include "proto/tunnel/connect_response.h"
#include "proto/tunnel/mtu.h"

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
namespace tunnel = proto::tunnel;

constexpr int kMaxRequestsPerConnection = 64;
// Packets read from the TUN per wake-up before yielding to other connections; their records are
// sent with one write.
constexpr int kTunBatch = 64;
constexpr std::string_view kTunnelPath = "/CSCOSSLC/tunnel";

// openconnect sends its node name; accept only a plain host name, as ocserv checks (§5.2).
std::string SanitizeHostname(std::string_view name) {
  if (name.empty() || name.size() > 63) {
    return "client";
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.';
    if (!ok) {
      return "client";
    }
  }
  return std::string(name);
}

std::optional<std::uint32_t> OptionalSeconds(std::uint32_t value) {
  return value == 0 ? std::nullopt : std::optional<std::uint32_t>(value);
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
      Close(ec == asio::error::eof ? "peer closed the connection" : ec.message());
      return;
    }
    tls_->FeedIncoming(ByteSpan(read_buffer_.data(), n));
    ProcessIncoming();
    if (n < read_buffer_.size() || awaiting_backend_) {
      break;
    }
  }
  Flush();
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
      Close(ec.message());
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
  Flush();
  // The TUN pauses while the socket is full; resume once the backlog is gone.
  if (!write_blocked_ && phase_ == Phase::kTunnel) {
    ArmTun();
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
  Instant now = gateway_.clock.Now();
  liveness_.emplace(seconds(gateway_.config.tunnel.dpd_s),
                    seconds(gateway_.config.tunnel.keepalive_s),
                    proto::session::ChannelLiveness::Role::kGateway, now);
  last_data_ = now;
  log_ = log_.WithPrefix(log_.prefix() + " sess " + std::to_string(*session_id_));
  log_.Info("tunnel up: user {} group {} address {} on {} (MTU {}, {}); DTLS: {}", user_, group_,
            FormatIpv4(grant.reply.ipv4), tun_->name(), tunnel_mtu_, tls_->CipherDescription(),
            dtls_plan_ ? std::string(dtls_plan_->suite.name) : std::string("not offered"));
  Flush();
  ArmTun();
  ArmTimer();
  ProcessTunnelRecords();  // frames that arrived right behind the CONNECT
  Flush();
  ArmRead();
}

void Connection::SendConnectResponse(const proto::ipc::ConnectReply& grant) {
  const GatewayConfig& config = gateway_.config;
  const GroupConfig* group = config.FindGroup(grant.group);
  const GroupConfig& settings = group != nullptr ? *group : config.DefaultGroup();
  tunnel::ConnectResponse response;
  if (dtls_plan_) {
    tunnel::ConnectResponse::Dtls headers;
    // The same choice as at HandleConnect, now with the session's DTLS id.
    dtls_plan_ = PlanGatewayDtls(config, grant.dtls_port, grant.dtls_session_id, connect_, *tls_,
                                 log_, headers);
    if (dtls_plan_) {
      dtls_plan_->udp_payload_mtu = mtus_.base_mtu - 28;  // IPv4 + UDP headers
      if (dtls_plan_->suite.mode != tunnel::DtlsMode::kPsk) {
        headers.mtu = mtus_.dtls_mtu;  // PSK clients compute it themselves (§8.6)
      }
      response.dtls = std::move(headers);
    }
  }
  response.server_name = "sekishod 0.1";
  response.hostname = SanitizeHostname(connect_.hostname);
  response.address = FormatIpv4(grant.ipv4);
  response.netmask = config.PoolOf(settings).MaskDotted();
  for (std::uint32_t dns : config.DnsOf(settings)) {
    response.dns.push_back(FormatIpv4(dns));
  }
  for (const Ipv4Cidr& route : config.RoutesOf(settings)) {
    response.split_include.push_back(route.ToNetMask());
  }
  response.split_dns = config.network.split_dns;
  response.default_domain = config.network.default_domain;
  response.tunnel_all_dns = response.split_include.empty();
  response.mtu = mtus_.cstp_mtu;
  response.base_mtu = mtus_.base_mtu;
  response.dpd_s = config.tunnel.dpd_s;
  response.keepalive_s = config.tunnel.keepalive_s;
  response.idle_timeout_s = OptionalSeconds(config.tunnel.idle_timeout_s);
  response.session_timeout_s = OptionalSeconds(config.tunnel.session_timeout_s);
  response.session_timeout_remaining_s = OptionalSeconds(grant.session_remaining_s);
  response.disconnected_timeout_s = config.auth.cookie_timeout_s;
  response.rekey_time_s = config.tunnel.rekey_time_s;
  // sekishod refuses TLS renegotiation (and TLS 1.3 has none, decision #17), so a rekey is
  // always announced as new-tunnel: the client reconnects with its cookie and keeps its address.
  // Announcing "ssl" would make openconnect try a rehandshake, fail, and only then fall back.
  response.rekey_method = config.tunnel.rekey_method == RekeyMethod::kNone ? "" : "new-tunnel";
  response.banner = config.BannerOf(settings);
  response.extra = {
      {"X-CSTP-Keep", "true"}, {"X-CSTP-TCP-Keepalive", "true"}, {"X-CSTP-License", "accept"}};

  http::HttpResponse head;
  head.status = 200;
  head.reason = "CONNECTED";
  head.headers = tunnel::BuildConnectResponseHeaders(response);
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
  DtlsChannel::Options options;
  options.remote = remote;
  options.dpd = seconds(gateway_.config.tunnel.dpd_s);
  options.keepalive = seconds(gateway_.config.tunnel.keepalive_s);
  auto channel = DtlsChannel::Create(gateway_.io, gateway_.clock, options, std::move(socket),
                                     std::move(*engine), *this, log_.WithComponent("dtls"));
  if (!channel) {
    log_.Warn("cannot use the DTLS socket: {}", channel.error().ToString());
    return;
  }
  // A new handshake replaces an old channel; DATA on TLS covers the gap until it completes.
  dtls_active_ = false;
  dtls_ = std::move(*channel);
  log_.Debug("DTLS ClientHello from {}:{} ({})", remote.address().to_string(), remote.port(),
             dtls_plan_->suite.name);
  dtls_->Start(datagram);
}

bool Connection::TlsBacklogDrained() {
  if (tls_drained_) {
    return true;
  }
  // Packets already handed to TLS must reach the client before the first DTLS one, or the
  // switch would reorder them. Until the client's TCP has acknowledged everything (SIOCOUTQ =
  // 0), data stays on TLS; this is checked once per batch, only around a switch.
  int unacked = 0;
  if (tls_->PendingOutgoing().empty() &&
      ::ioctl(socket_.native_handle(), SIOCOUTQ, &unacked) == 0 && unacked == 0) {
    tls_drained_ = true;
  }
  return tls_drained_;
}

void Connection::OnDtlsEstablished() {
  dtls_active_ = true;
  tls_drained_ = false;
  log_.Info("data moves to DTLS ({})", dtls_->Description());
}

void Connection::OnDtlsPacket(ByteSpan ip_packet) {
  // A packet on DTLS proves the client uses it again (ocserv's rule, §8.7).
  dtls_active_ = true;
  DeliverToTun(ip_packet);
}

void Connection::OnDtlsDown(std::string_view reason) {
  if (dtls_active_) {
    log_.Info("data falls back to TLS: {}", reason);
  }
  dtls_active_ = false;
  // The channel calls this from inside itself: destroy it once it has returned, unless a new
  // ClientHello has replaced it meanwhile (that handshake must live).
  asio::post(gateway_.io, [self = shared_from_this(), down = dtls_.get()] {
    if (self->dtls_ && self->dtls_.get() == down) {
      self->dtls_.reset();
    }
  });
}

// ---------------------------------------------------------------- tunnel

void Connection::ProcessTunnelRecords() {
  while (phase_ == Phase::kTunnel) {
    Result<std::size_t> n = tls_->ReadRecord(MutableByteSpan(record_buffer_));
    if (!n) {
      Close(n.error().code == Errc::kClosed ? "peer closed TLS" : n.error().ToString());
      return;
    }
    if (*n == 0) {
      return;
    }
    Result<cstp::Frame> frame = cstp::ParseRecord(ByteSpan(record_buffer_.data(), *n));
    if (!frame) {
      // Both real peers end the session on a broken frame (§7.1); so do we, loudly.
      log_.Warn("bad CSTP frame: {}", frame.error().ToString());
      Close("bad CSTP frame");
      return;
    }
    liveness_->OnReceived(gateway_.clock.Now());
    OnFrame(*frame);
  }
}

void Connection::OnFrame(const cstp::Frame& frame) {
  switch (frame.type) {
    case cstp::PacketType::kData:
      if (dtls_active_) {
        // DATA on TLS while DTLS is up: the client fell back; answer on TLS too (§8.7).
        log_.Debug("client sends on TLS again; replying on TLS");
        dtls_active_ = false;
        tls_drained_ = false;
      }
      DeliverToTun(frame.payload);
      return;
    case cstp::PacketType::kDpdRequest:
      // Echo byte for byte (decision #10).
      SendControl(cstp::DpdResponseFrame(frame.payload));
      Flush();
      return;
    case cstp::PacketType::kDpdResponse:
    case cstp::PacketType::kKeepalive:
      return;  // liveness already noted; keepalives are never answered (decision #9)
    case cstp::PacketType::kDisconnect: {
      cstp::DisconnectKind kind = cstp::ClassifyDisconnect(frame.payload);
      std::string reason = cstp::DisconnectReasonText(frame.payload);
      if (kind == cstp::DisconnectKind::kTemporary) {
        log_.Info("client disconnected temporarily; session kept for reconnect");
        Close("client disconnect (temporary)");
      } else {
        log_.Info("client logged off: {}", reason.empty() ? "no reason" : reason);
        EndTunnel(proto::ipc::TunnelClosed::Kind::kLogoff, reason);
        Close("client disconnect");
      }
      return;
    }
    case cstp::PacketType::kCompressed:
      // No compression is negotiated, so a compressed frame is a protocol error (§12).
      log_.Warn("compressed frame without negotiated compression");
      Close("unexpected compressed frame");
      return;
    case cstp::PacketType::kTerminate:
      log_.Info("client sent TERMINATE; closing");
      Close("client terminate");
      return;
  }
}

void Connection::DeliverToTun(ByteSpan ip_packet) {
  if (ip_packet.size() > tunnel_mtu_ + 64) {
    log_.Debug("dropping oversized packet ({} bytes)", ip_packet.size());
    return;
  }
  if (auto written = tun_->Write(ip_packet); !written) {
    log_.Debug("TUN write failed: {}", written.error().ToString());
  }
  last_data_ = gateway_.clock.Now();
  unreported_.bytes_in += ip_packet.size();
  ++unreported_.packets_in;
}

void Connection::SendControl(ByteSpan frame) {
  if (auto written = tls_->WriteRecord(frame); !written) {
    log_.Debug("cannot queue control frame: {}", written.error().ToString());
    return;
  }
  liveness_->OnSent(gateway_.clock.Now());
}

void Connection::ArmTun() {
  if (tun_armed_ || !tun_stream_ || phase_ != Phase::kTunnel || write_blocked_) {
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
  std::uint8_t* frame = frame_buffer_.data();
  const std::size_t max_packet = std::min<std::size_t>(cstp::kMaxPayload, tunnel_mtu_);
  std::uint64_t bytes = 0;
  std::uint64_t packets = 0;
  const bool use_dtls = dtls_active_ && dtls_ && dtls_->established() && TlsBacklogDrained();
  tls_->Cork();
  for (int i = 0; i < kTunBatch; ++i) {
    // The packet lands right after room for the CSTP header: no copy to frame it.
    Result<std::size_t> n = tun_->Read(MutableByteSpan(frame + cstp::kHeaderSize, max_packet));
    if (!n) {
      if (n.error().code != Errc::kWouldBlock) {
        log_.Warn("TUN read failed: {}", n.error().ToString());
      }
      break;
    }
    bytes += *n;
    ++packets;
    if (use_dtls) {
      // The DTLS header goes in the byte just before the packet.
      if (dtls_->QueuePacket(MutableByteSpan(frame + cstp::kHeaderSize, *n), *n)) {
        continue;
      }
      // Too big for a DTLS record (or refused by the engine): this one goes over TLS.
    }
    cstp::WriteHeader(frame, cstp::PacketType::kData, static_cast<std::uint16_t>(*n));
    if (auto written = tls_->WriteRecord(ByteSpan(frame, cstp::kHeaderSize + *n)); !written) {
      log_.Warn("TLS write failed: {}", written.error().ToString());
      break;
    }
  }
  if (use_dtls) {
    dtls_->Flush();
  }
  if (auto flushed = tls_->Uncork(); !flushed) {
    Close(flushed.error().ToString());
    return;
  }
  if (packets > 0) {
    Instant now = gateway_.clock.Now();
    if (!use_dtls) {
      liveness_->OnSent(now);
    }
    last_data_ = now;
    unreported_.bytes_out += bytes;
    unreported_.packets_out += packets;
  }
  Flush();
  ArmTun();
}

// ---------------------------------------------------------------- timers and closing

void Connection::ArmTimer() {
  if (phase_ == Phase::kClosed) {
    return;
  }
  Instant deadline = phase_deadline_;
  if (phase_ == Phase::kTunnel) {
    deadline = liveness_->NextDeadline();
    if (gateway_.config.tunnel.idle_timeout_s > 0) {
      deadline = std::min(deadline, last_data_ + seconds(gateway_.config.tunnel.idle_timeout_s));
    }
  }
  if (deadline == timer_deadline_) {
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
  if (phase_ == Phase::kClosed) {
    return;
  }
  Instant now = gateway_.clock.Now();
  if (phase_ != Phase::kTunnel) {
    if (now >= phase_deadline_) {
      log_.Info("{} timed out", phase_ == Phase::kHandshake ? "TLS handshake" : "HTTP request");
      Close("timeout");
      return;
    }
    ArmTimer();
    return;
  }
  if (gateway_.config.tunnel.idle_timeout_s > 0 &&
      now - last_data_ >= seconds(gateway_.config.tunnel.idle_timeout_s)) {
    log_.Info("idle timeout: no data for {} s", gateway_.config.tunnel.idle_timeout_s);
    SendControl(cstp::BareDisconnectFrame());
    Flush();
    Close("idle timeout");
    return;
  }
  switch (liveness_->Poll(now)) {
    case proto::session::ChannelLiveness::Action::kSendDpd:
      SendControl(cstp::DpdRequestFrame());
      Flush();
      break;
    case proto::session::ChannelLiveness::Action::kSendKeepalive:
      SendControl(cstp::KeepaliveFrame());
      Flush();
      break;
    case proto::session::ChannelLiveness::Action::kPeerDead:
      log_.Info("DPD timeout: the client stopped answering");
      Close("DPD timeout");
      return;
    case proto::session::ChannelLiveness::Action::kNone: break;
  }
  ArmTimer();
}

void Connection::Terminate(std::string_view reason) {
  if (phase_ == Phase::kClosed) {
    return;
  }
  log_.Info("terminating: {}", reason);
  if (phase_ == Phase::kTunnel) {
    // A bare DISCONNECT makes openconnect exit without reconnecting (§7.3).
    SendControl(cstp::BareDisconnectFrame());
    tls_->Close();
    Flush();
  }
  session_id_.reset();  // the registry already dropped (or is replacing) this tunnel
  Close(reason);
}

void Connection::ReportTraffic() {
  if (!session_id_ || phase_ != Phase::kTunnel) {
    return;
  }
  proto::ipc::TunnelStats stats{id_, *session_id_, std::exchange(unreported_, {}),
                                std::string(channel())};
  gateway_.backend.ReportTraffic(stats, *this);
}

void Connection::EndTunnel(proto::ipc::TunnelClosed::Kind kind, std::string_view reason) {
  if (!session_id_) {
    return;
  }
  proto::ipc::TunnelClosed closed{id_, *session_id_, kind, std::exchange(unreported_, {}),
                                  std::string(reason)};
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
  if (dtls_) {
    dtls_->Close();
    dtls_.reset();
  }
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

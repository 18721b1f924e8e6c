#include "gateway/gateway_tunnel.h"

#include "base/strings.h"
#include "gateway/gateway_context.h"
#include "proto/cstp/wire.h"
#include "proto/session/tunnel_shell_loops.h"

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <utility>

namespace sekisho::gateway {
namespace {

namespace asio = boost::asio;
namespace cstp = proto::cstp;
namespace session = proto::session;
using session::Channel;
using session::CloseCause;
using session::CloseOutcome;
using session::kTunHeadroom;
using session::TunnelEvent;

// Received IP packets may exceed the tunnel MTU by this much before they are dropped.
constexpr std::size_t kRxPacketSlack = 64;

}  // namespace

GatewayTunnel::GatewayTunnel(GatewayContext& gateway, std::uint64_t id, Logger log,
                             std::function<void(std::string_view)> terminate_pending)
    : gateway_(gateway),
      id_(id),
      log_(std::move(log)),
      terminate_pending_(std::move(terminate_pending)),
      socket_(gateway.io),
      timer_(gateway.io) {}

GatewayTunnel::~GatewayTunnel() = default;

void GatewayTunnel::Start(Handover handover) {
  if (phase_ != Phase::kPending) {
    return;
  }
  phase_ = Phase::kRunning;
  terminate_pending_ = nullptr;
  socket_ = std::move(handover.socket);
  tls_ = std::move(handover.tls);
  socket_io_.emplace(socket_, *tls_);
  backlog_limit_.emplace(std::size_t{gateway_.config.limits.max_unsent_kib} * 1024, kMaxSendStall);
  tun_.emplace(std::move(handover.tun));
  tun_stream_.emplace(gateway_.io, tun_->fd());
  tun_mtu_ = handover.tun_mtu;
  dtls_plan_ = std::move(handover.dtls_plan);
  const proto::ipc::ConnectReply& grant = handover.grant;
  session_id_ = grant.session_id;
  leased_ipv4_ = grant.ipv4;

  const Instant now = gateway_.clock.Now();
  const TunnelConfig& tunnel = gateway_.config.tunnel;
  session::TunnelCore::Config config;
  config.role = session::TunnelCore::Role::kGateway;
  config.tls_dpd = seconds(tunnel.dpd_s);
  config.tls_keepalive = seconds(tunnel.keepalive_s);
  config.dtls = dtls_plan_.has_value();
  config.dtls_dpd = config.tls_dpd;
  config.dtls_keepalive = config.tls_keepalive;
  config.cstp_mtu = handover.mtus.cstp_mtu;
  config.dtls_mtu = handover.mtus.dtls_mtu;
  if (tunnel.idle_timeout_s > 0) {
    config.idle_timeout = seconds(tunnel.idle_timeout_s);
  }
  if (grant.session_remaining_s > 0) {
    config.session_deadline = now + seconds(grant.session_remaining_s);
  }
  config.max_rx_packet = tun_mtu_ + kRxPacketSlack;
  // Only the leased address may appear as a source; the gateway leases no IPv6 yet.
  config.source_filter.emplace(grant.ipv4, std::nullopt);
  core_.emplace(config, now);
  log_ = log_.WithPrefix(log_.prefix() + " sess " + std::to_string(*session_id_));
  log_.Info("tunnel up: user {} group {} address {} on {} (MTU {}, {}); DTLS: {}",
            EscapeForLog(grant.user), EscapeForLog(grant.group), FormatIpv4(grant.ipv4),
            tun_->name(), tun_mtu_, tls_->CipherDescription(),
            dtls_plan_ ? std::string(dtls_plan_->suite.name) : std::string("not offered"));
  if (gateway_.on_tunnel_started) {
    gateway_.on_tunnel_started(id_, weak_from_this());
  }
  ProcessRecords();  // frames that arrived right behind the CONNECT
  Pump();
  ArmRead();
}

void GatewayTunnel::Abandon(const proto::ipc::ConnectReply& grant, std::string_view reason) {
  if (phase_ != Phase::kPending) {
    return;
  }
  phase_ = Phase::kClosed;
  terminate_pending_ = nullptr;
  proto::ipc::TunnelClosed closed{
      id_, grant.session_id, proto::ipc::TunnelClosed::Kind::kLinkLost, {}, std::string(reason)};
  gateway_.backend.TunnelClosed(closed, *this);
}

// ---------------------------------------------------------------- socket

void GatewayTunnel::ArmRead() {
  if (phase_ != Phase::kRunning) {
    return;
  }
  socket_io_->WaitReadable([self = shared_from_this()] { self->OnReadable(); });
}

void GatewayTunnel::OnReadable() {
  if (phase_ == Phase::kRunning) {
    Result<std::size_t> read = socket_io_->ReadAvailable([this] {
      ProcessRecords();
      return phase_ == Phase::kRunning;
    });
    if (!read) {
      OnLinkError(read.error().code == Errc::kClosed ? "peer closed the connection"
                                                     : read.error().context);
    }
  }
  Pump();
  ArmRead();
}

void GatewayTunnel::ProcessRecords() {
  while (phase_ == Phase::kRunning && !core_->closed()) {
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

void GatewayTunnel::Flush() {
  if (phase_ != Phase::kRunning) {
    return;
  }
  // Blocked: the TUN pauses until the socket takes more; Pump() flushes and resumes it.
  Result<bool> blocked = socket_io_->Flush([self = shared_from_this()] { self->Pump(); });
  if (!blocked) {
    OnLinkError(blocked.error().context);
  }
}

void GatewayTunnel::EnforceSendBacklogLimit() {
  if (phase_ != Phase::kRunning || core_->closed()) {
    return;
  }
  std::optional<std::string> over =
      backlog_limit_->Check(socket_io_->unsent(), socket_io_->bytes_sent(), gateway_.clock.Now());
  if (over) {
    log_.Warn("{}; ending the tunnel (the session stays for a reconnect)", *over);
    OnLinkError(*over);
  }
}

void GatewayTunnel::OnLinkError(std::string_view reason) {
  if (phase_ == Phase::kRunning) {
    core_->OnTlsClosed(reason, gateway_.clock.Now());  // Pump() acts on it
  }
}

// ---------------------------------------------------------------- TUN and the core

void GatewayTunnel::WriteTun(ByteSpan ip_packet) {
  if (ip_packet.empty()) {
    return;
  }
  if (auto written = tun_->Write(ip_packet); !written) {
    log_.Debug("TUN write failed: {}", written.error().ToString());
  }
}

void GatewayTunnel::Pump() {
  if (phase_ != Phase::kRunning) {
    return;
  }
  ProcessCore();
  Flush();
  EnforceSendBacklogLimit();
  if (phase_ == Phase::kRunning) {
    ProcessCore();  // a failed flush (or an unread backlog) is a core input too
    ArmTun();
    ArmTimer();
  }
}

void GatewayTunnel::ProcessCore() {
  // The shell's side of one core turn (proto/session/tunnel_shell_loops.h).
  struct Io {
    GatewayTunnel& self;
    bool running() const { return self.phase_ == Phase::kRunning; }
    Instant now() const { return self.gateway_.clock.Now(); }
    void write_tls(ByteSpan frame) {
      if (auto written = self.tls_->WriteRecord(frame); !written) {
        self.log_.Debug("cannot queue control frame: {}", written.error().ToString());
      }
    }
    void queue_dtls(ByteSpan record) {
      if (self.dtls_) {
        (void)self.dtls_->QueueRecord(record);
      }
    }
    void handle_event(const TunnelEvent& event) { self.HandleEvent(event); }
    std::size_t tls_backlog() { return self.TlsBacklog(); }
    void flush_dtls() {
      if (self.dtls_) {
        self.dtls_->Flush();
      }
    }
  } io{*this};
  session::RunCoreTurn(*core_, control_buffer_, 8, io);
}

void GatewayTunnel::HandleEvent(const TunnelEvent& event) {
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
    case TunnelEvent::Kind::kSourceRefused:
      log_.Warn(
          "dropped {} packet(s) from the client that failed source validation, the last "
          "with {} (leased {}); next report in {} s at the earliest",
          event.dropped, event.text, FormatIpv4(leased_ipv4_),
          std::chrono::duration_cast<seconds>(session::kSourceRefusalReport).count());
      return;
  }
}

void GatewayTunnel::HandleClose(const TunnelEvent& event) {
  std::string reason = event.text;
  const bool end_session = event.close_outcome == CloseOutcome::kEndSession;
  switch (event.close_cause) {
    case CloseCause::kLocalDisconnect:
      tls_->Close();  // Terminate(): close_notify right behind the DISCONNECT
      break;
    case CloseCause::kPeerDisconnect:
      if (end_session) {
        log_.Info("client logged off: {}", reason.empty() ? "no reason" : EscapeForLog(reason));
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

std::size_t GatewayTunnel::TlsBacklog() {
  // Packets already handed to TLS must reach the client before the first DTLS one, or the
  // switch would reorder them: unsent engine bytes, a blocked socket, and SIOCOUTQ (bytes in
  // the TCP send queue not yet acknowledged by the client) all count.
  return socket_io_->Backlog();
}

void GatewayTunnel::ArmTun() {
  if (tun_armed_ || phase_ != Phase::kRunning || socket_io_->blocked() || core_->tun_paused()) {
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

void GatewayTunnel::OnTunReadable() {
  if (phase_ != Phase::kRunning) {
    return;
  }
  const std::size_t max_packet = std::min<std::size_t>(cstp::kMaxPayload, tun_mtu_);
  tls_->Cork();
  session::TunBatch batch = session::FrameTunBatch(
      *core_, frame_buffer_, max_packet, kTunBatch, gateway_.clock.Now(),
      [this](MutableByteSpan packet) { return tun_->Read(packet); },
      [this](ByteSpan record) { return dtls_ && dtls_->QueueRecord(record); },
      [this](ByteSpan record) -> Result<void> {
        SEKISHO_TRY(tls_->WriteRecord(record));
        return Ok();
      });
  if (batch.read_error) {
    log_.Warn("TUN read failed: {}", batch.read_error->ToString());
  }
  if (batch.write_error) {
    log_.Warn("TLS write failed: {}", batch.write_error->ToString());
  }
  if (batch.dtls_queued && dtls_) {
    dtls_->Flush();  // one sendmmsg for the batch
  }
  if (auto flushed = tls_->Uncork(); !flushed) {
    OnLinkError(flushed.error().ToString());
  }
  Pump();
}

// ---------------------------------------------------------------- timer and closing

void GatewayTunnel::ArmTimer() {
  if (phase_ != Phase::kRunning) {
    return;
  }
  const Instant deadline = core_->NextDeadline();
  if (deadline == timer_deadline_) {
    return;
  }
  timer_deadline_ = deadline;
  if (deadline == Instant::Max()) {
    timer_.cancel();
    return;
  }
  Duration wait = std::max(Duration(0), deadline - gateway_.clock.Now());
  timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait));
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) {
      self->timer_deadline_ = Instant::Max();
      self->OnTimer();
    }
  });
}

void GatewayTunnel::OnTimer() {
  if (phase_ != Phase::kRunning) {
    return;
  }
  const Instant now = gateway_.clock.Now();
  if (core_->wants_tls_backlog()) {
    Flush();
    core_->OnTlsBacklog(TlsBacklog(), now);
  }
  core_->OnTimer(now);
  Pump();
}

void GatewayTunnel::Terminate(std::string_view reason) {
  if (phase_ == Phase::kPending) {
    if (auto terminate = std::move(terminate_pending_)) {
      terminate(reason);
    }
    return;
  }
  if (phase_ != Phase::kRunning) {
    return;
  }
  log_.Info("terminating: {}", reason);
  session_id_.reset();  // the registry already dropped (or is replacing) this tunnel
  // A bare DISCONNECT makes openconnect exit without reconnecting (§7.3); the kClosed event
  // flushes it and closes.
  core_->Disconnect(reason, gateway_.clock.Now());
  Pump();
}

std::string_view GatewayTunnel::channel() const {
  return core_ && core_->data_path() == Channel::kDtls ? "dtls" : "tls";
}

proto::ipc::TrafficDelta GatewayTunnel::TakeTraffic() {
  if (!core_) {
    return {};
  }
  const session::TunnelCounters& now = core_->counters();
  proto::ipc::TrafficDelta delta{
      now.bytes_in - reported_.bytes_in, now.bytes_out - reported_.bytes_out,
      now.packets_in - reported_.packets_in, now.packets_out - reported_.packets_out,
      now.dropped_spoofed - reported_.dropped_spoofed};
  reported_ = now;
  return delta;
}

void GatewayTunnel::ReportTraffic() {
  if (!session_id_ || phase_ != Phase::kRunning) {
    return;
  }
  proto::ipc::TunnelStats stats{id_, *session_id_, TakeTraffic(), std::string(channel())};
  gateway_.backend.ReportTraffic(stats, *this);
}

void GatewayTunnel::EndTunnel(proto::ipc::TunnelClosed::Kind kind, std::string_view reason) {
  if (!session_id_) {
    return;
  }
  proto::ipc::TunnelClosed closed{id_, *session_id_, kind, TakeTraffic(), std::string(reason)};
  session_id_.reset();  // told once: the session owner forgets this tunnel now
  gateway_.backend.TunnelClosed(closed, *this);
}

void GatewayTunnel::Close(std::string_view reason) {
  if (phase_ != Phase::kRunning) {
    return;
  }
  phase_ = Phase::kClosed;
  EndTunnel(proto::ipc::TunnelClosed::Kind::kLinkLost, reason);
  log_.Info("tunnel closed: {}", reason);
  RetireDtls();
  RetireProbation();
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

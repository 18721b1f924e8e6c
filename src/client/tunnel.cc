#include "client/tunnel.h"

#include "base/rng.h"
#include "client/terminal_text.h"
#include "proto/cstp/wire.h"
#include "proto/session/tunnel_shell_loops.h"

#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <utility>

namespace sekisho::client {
namespace {

namespace asio = boost::asio;
namespace session = proto::session;
using session::Channel;
using session::CloseCause;
using session::DtlsAction;
using session::kTunHeadroom;
using session::TunnelEvent;

double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

// Why the core moved data back to TLS, in the diagnostics' terms.
DtlsCause LostCause(session::PathReason reason) {
  switch (reason) {
    case session::PathReason::kDtlsDpdTimeout: return DtlsCause::kDpdTimeout;
    case session::PathReason::kDtlsDisconnect: return DtlsCause::kPeerDisconnect;
    default: return DtlsCause::kChannelFailed;
  }
}

}  // namespace

Tunnel::Tunnel(asio::io_context& io, std::unique_ptr<TlsConnection> connection, net::TunDevice& tun,
               TunnelParams params, Bytes leftover, Logger log)
    : io_(io),
      conn_(std::move(connection)),
      socket_io_(conn_->socket(), conn_->engine()),
      tun_(tun),
      params_(std::move(params)),
      leftover_(std::move(leftover)),
      log_(std::move(log)),
      tun_stream_(io, tun.fd()),
      timer_(io),
      diag_(params_.dtls_retry.max_retries) {
  read_limit_ = params_.mtu;
  std::optional<DtlsLink::Options> dtls = PrepareDtls();
  session::TunnelCore::Config config;
  config.role = session::TunnelCore::Role::kClient;
  config.tls_dpd = params_.dpd;
  config.tls_keepalive = params_.keepalive;
  config.dtls = dtls.has_value();
  config.cstp_mtu = params_.mtu;
  config.dtls_retry = params_.dtls_retry;
  if (params_.dtls) {
    const ClientDtlsPlan& plan = *params_.dtls;
    read_limit_ = std::max({read_limit_, plan.dtls_mtu, plan.cstp_mtu});
    config.dtls_dpd = plan.dpd;
    config.dtls_keepalive = plan.keepalive;
    config.cstp_mtu = plan.cstp_mtu;
    config.dtls_mtu = plan.dtls_mtu;
    if (params_.path_mtu) {
      config.path_mtu = *params_.path_mtu;
      std::array<std::uint8_t, 4> seed{};
      SystemRng().Fill(seed);
      config.path_mtu->id_seed = (std::uint32_t{seed[0]} << 24) | (std::uint32_t{seed[1]} << 16) |
                                 (std::uint32_t{seed[2]} << 8) | seed[3];
    }
  } else {
    diag_.Off(params_.dtls_off, params_.dtls_off_detail);
  }
  core_.emplace(config, ClientNow());
  if (params_.rekey.method == session::RekeyMethod::kNewTunnel && !params_.open_tunnel) {
    params_.rekey.method = session::RekeyMethod::kNone;
  }
  rekey_.emplace(params_.rekey, ClientNow());
  if (dtls) {
    DtlsLink::Sink& sink = *this;
    dtls_ = std::make_unique<DtlsLink>(io_, std::move(*dtls), sink, log_.WithComponent("dtls"));
  }
}

Tunnel::~Tunnel() {
  dtls_.reset();
  boost::system::error_code ec;
  timer_.cancel();
  tun_stream_.cancel(ec);
  tun_stream_.release();  // the TunDevice owns the fd and survives the tunnel
  if (conn_) {
    conn_->socket().cancel(ec);
    conn_->socket().close(ec);
  }
}

std::optional<DtlsLink::Options> Tunnel::PrepareDtls() {
  if (!params_.dtls) {
    return std::nullopt;
  }
  const ClientDtlsPlan& plan = *params_.dtls;
  DtlsLink::Options options;
  options.plan = plan;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(params_.gateway_ip, ec);
  if (ec) {
    Say("DTLS: no usable gateway address (" + params_.gateway_ip + "); data path: TLS");
    diag_.Off(DtlsCause::kUnusable, "no usable gateway address " + params_.gateway_ip);
    return std::nullopt;
  }
  options.remote = asio::ip::udp::endpoint(address, plan.port);
  if (plan.suite.mode == proto::tunnel::DtlsMode::kPsk) {
    // The PSK is bound to this very TLS connection (§8.6): every reconnect derives a new one.
    auto psk = conn_->engine().ExportKeyingMaterial("EXPORTER-openconnect-psk", 32);
    if (!psk) {
      Say("DTLS: cannot derive the PSK (" + psk.error().ToString() + "); data path: TLS");
      diag_.Off(DtlsCause::kUnusable, "cannot derive the PSK: " + psk.error().ToString());
      return std::nullopt;
    }
    options.key = SecretBytes(std::move(*psk));
  } else {
    options.key = params_.dtls_master_secret;
  }
  return options;
}

TunnelOutcome Tunnel::Run() {
  if (!leftover_.empty()) {
    // Only happens with a gateway that put the first frame into the CONNECT head's record.
    Bytes first = std::move(leftover_);
    WriteTun(core_->OnTlsRecord(first, ClientNow()));
  }
  ProcessRecords();  // records the engine may already hold
  ArmRead();
  Pump();
  while (!outcome_) {
    io_.run_one();
  }
  return *outcome_;
}

void Tunnel::Say(const std::string& line) {
  log_.Info("{}", TerminalSafe(line));
  if (params_.progress) {
    params_.progress(line);
  }
}

void Tunnel::Finish(TunnelEnd end, std::string reason) {
  if (outcome_) {
    return;
  }
  outcome_.emplace();
  outcome_->end = end;
  outcome_->reason = std::move(reason);
  if (dtls_) {
    dtls_->Abandon();
  }
  boost::system::error_code ec;
  timer_.cancel();
  tun_stream_.cancel(ec);
  conn_->socket().cancel(ec);
}

// ---------------------------------------------------------------- the core's outputs

void Tunnel::Pump() {
  ProcessCore();
  Flush();
  ProcessCore();  // a failed flush is a core input too
  ArmTun();
  ArmTimer();
}

void Tunnel::ProcessCore() {
  // The shell's side of one core turn (proto/session/tunnel_shell_loops.h).
  struct Io {
    Tunnel& self;
    bool running() const { return !self.outcome_; }
    Instant now() const { return ClientNow(); }
    void write_tls(ByteSpan frame) {
      if (auto written = self.conn_->engine().WriteRecord(frame); !written) {
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

void Tunnel::HandleEvent(const TunnelEvent& event) {
  switch (event.kind) {
    case TunnelEvent::Kind::kDataPath:
      if (event.channel == Channel::kDtls) {
        diag_.DataOnDtls();
        Say("data path: DTLS (" + dtls_->Description() + ")" +
            (event.path_reason == session::PathReason::kDrainLimit
                 ? std::string(", TLS not yet drained")
                 : std::string()));
      } else if (event.path_reason == session::PathReason::kLocalDisconnect) {
        Say("data path: TLS (disconnecting)");
      } else {
        // The same words `sekisho status` shows as the reason (status_model.h).
        diag_.Lost(LostCause(event.path_reason), event.text);
        Say(fmt::format("data path: TLS ({})", DtlsCauseText(diag_.status())));
      }
      return;
    case TunnelEvent::Kind::kMtu: {
      if (!params_.set_mtu) {
        return;
      }
      const bool fallback = params_.dtls && event.mtu == params_.dtls->cstp_mtu;
      if (auto set = params_.set_mtu(static_cast<int>(event.mtu)); !set) {
        Say("Tunnel: cannot change the MTU to " + std::to_string(event.mtu) + ": " +
            set.error().ToString());
        return;
      }
      Say(fmt::format("Tunnel: MTU {} ({})", event.mtu,
                      !event.text.empty() ? event.text
                      : fallback          ? "X-CSTP-MTU, DTLS unavailable"
                                          : "DTLS MTU, DTLS up again"));
      return;
    }
    case TunnelEvent::Kind::kDtls: HandleDtlsAction(event); return;
    case TunnelEvent::Kind::kDpdTimeout:
      log_.Debug("DPD timeout on {}", event.channel == Channel::kTls ? "TLS" : "DTLS");
      return;
    case TunnelEvent::Kind::kClosed: HandleClose(event); return;
    case TunnelEvent::Kind::kSourceRefused: return;  // gateway only: the client has no filter
  }
}

void Tunnel::HandleDtlsAction(const TunnelEvent& event) {
  if (!dtls_) {
    return;
  }
  const int max_retries = params_.dtls_retry.max_retries;
  switch (event.dtls_action) {
    case DtlsAction::kStartAttempt: {
      diag_.AttemptStarted();
      if (dtls_attempts_++ == 0) {
        Say(fmt::format("DTLS: {} handshake with {}:{} started; data path: TLS until it completes",
                        params_.dtls->suite.name, params_.gateway_ip, params_.dtls->port));
      } else {
        Say("DTLS: new attempt");
      }
      if (auto begun = dtls_->BeginAttempt(); !begun) {
        OnDtlsFailed("cannot set DTLS up: " + begun.error().ToString());
      }
      return;
    }
    case DtlsAction::kRetransmitted:
      diag_.Retransmitted(event.retry);
      Say(fmt::format("DTLS: ClientHello retry {} of {} after {} s (t+{:.1f} s)", event.retry,
                      max_retries, std::chrono::duration_cast<seconds>(event.backoff).count(),
                      Seconds(event.since_start)));
      return;
    case DtlsAction::kGiveUp:
      diag_.GaveUp(max_retries);
      dtls_->Abandon();
      Say(fmt::format(
          "DTLS: no answer after {} retries (blocked UDP?); data stays on TLS (t+{:.1f} s)",
          max_retries, Seconds(event.since_start)));
      return;
    case DtlsAction::kAbandon: dtls_->Abandon(); return;
  }
}

void Tunnel::HandleClose(const TunnelEvent& event) {
  switch (event.close_cause) {
    case CloseCause::kLocalDisconnect: Finish(TunnelEnd::kUserQuit, event.text); return;
    case CloseCause::kPeerDisconnect:
      Finish(TunnelEnd::kGatewayDisconnect, event.text.empty()
                                                ? "the gateway ended the session"
                                                : "the gateway ended the session: " + event.text);
      return;
    case CloseCause::kPeerTerminate:
      Finish(TunnelEnd::kGatewayTerminate, "the gateway is shutting down (TERMINATE)");
      return;
    case CloseCause::kTlsDpdTimeout:
      Finish(TunnelEnd::kLinkDead, "DPD timeout: the gateway stopped answering");
      return;
    case CloseCause::kTlsClosed: Finish(TunnelEnd::kLinkDead, event.text); return;
    case CloseCause::kProtocolError:
      log_.Warn("ending the tunnel: {}", event.text);
      Finish(TunnelEnd::kFatal, event.text);
      return;
    case CloseCause::kIdleTimeout:
    case CloseCause::kSessionTimeout:  // gateway-only causes
      Finish(TunnelEnd::kLinkDead, event.text);
      return;
  }
}

// ---------------------------------------------------------------- socket

void Tunnel::ArmRead() {
  if (outcome_) {
    return;
  }
  socket_io_.WaitReadable([this, alive = std::weak_ptr<int>(alive_)] {
    if (!alive.expired()) {
      OnReadable();
    }
  });
}

void Tunnel::OnReadable() {
  if (!outcome_ && !core_->closed()) {
    Result<std::size_t> read = socket_io_.ReadAvailable([this] {
      ProcessRecords();
      return !outcome_ && !core_->closed();
    });
    if (!read) {
      core_->OnTlsClosed(read.error().code == Errc::kClosed ? "the gateway closed the connection"
                                                            : read.error().context,
                         ClientNow());
    }
  }
  CheckRekeyResult();
  Pump();
  ArmRead();
}

void Tunnel::ProcessRecords() {
  while (!outcome_ && !core_->closed()) {
    Result<std::size_t> n = conn_->engine().ReadRecord(MutableByteSpan(record_buffer_));
    if (!n) {
      core_->OnTlsClosed(
          n.error().code == Errc::kClosed ? "the gateway closed TLS" : n.error().ToString(),
          ClientNow());
      return;
    }
    if (*n == 0) {
      return;
    }
    // DATA is accepted on TLS even while DTLS carries ours (§8.7).
    WriteTun(core_->OnTlsRecord(ByteSpan(record_buffer_.data(), *n), ClientNow()));
  }
}

std::size_t Tunnel::TlsBacklog() {
  // Zero (nothing unsent, nothing unacknowledged in the TCP send queue) means every packet sent
  // over TLS so far has arrived at the gateway, so DTLS cannot overtake any of them.
  return socket_io_.Backlog();
}

void Tunnel::Flush() {
  if (outcome_) {
    return;
  }
  Result<bool> blocked = socket_io_.Flush([this, alive = std::weak_ptr<int>(alive_)] {
    if (!alive.expired() && !outcome_) {
      Pump();  // flushes, and the TUN resumes (it pauses while the socket is full)
    }
  });
  if (!blocked) {
    core_->OnTlsClosed("send failed: " + blocked.error().context, ClientNow());
  }
}

// ---------------------------------------------------------------- TUN

void Tunnel::WriteTun(ByteSpan packet) {
  if (packet.empty()) {
    return;
  }
  if (auto written = tun_.Write(packet); !written) {
    log_.Debug("TUN write failed: {}", written.error().ToString());
  }
}

void Tunnel::ArmTun() {
  // While the TLS session renegotiates, the TUN waits: the engine holds what is written then.
  if (tun_armed_ || outcome_ || socket_io_.blocked() || core_->tun_paused() ||
      conn_->engine().rekey_pending()) {
    return;
  }
  tun_armed_ = true;
  tun_stream_.async_wait(
      asio::posix::stream_descriptor::wait_read,
      [this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
        if (alive.expired()) {
          return;
        }
        tun_armed_ = false;
        if (!ec) {
          OnTunReadable();
        }
      });
}

void Tunnel::OnTunReadable() {
  if (outcome_) {
    return;
  }
  const std::size_t max_packet = std::min<std::size_t>(proto::cstp::kMaxPayload, read_limit_);
  const Instant now = ClientNow();
  tls::TlsEngine& engine = conn_->engine();
  engine.Cork();
  session::TunBatch batch = session::FrameTunBatch(
      *core_, frame_buffer_, max_packet, kTunBatch, now,
      [this](MutableByteSpan packet) { return tun_.Read(packet); },
      [this](ByteSpan record) { return dtls_ && dtls_->QueueRecord(record); },
      [&engine](ByteSpan record) -> Result<void> {
        SEKISHO_TRY(engine.WriteRecord(record));
        return Ok();
      });
  if (batch.write_error) {
    log_.Warn("TLS write failed: {}", batch.write_error->ToString());
  }
  if (batch.dtls_queued) {
    dtls_->Flush();  // one sendmmsg for the batch
  }
  if (batch.read_error) {
    (void)engine.Uncork();
    Finish(TunnelEnd::kFatal, "TUN read failed: " + batch.read_error->ToString());
    return;
  }
  if (auto flushed = engine.Uncork(); !flushed) {
    core_->OnTlsClosed(flushed.error().ToString(), now);
  }
  Pump();
}

// ---------------------------------------------------------------- DTLS

void Tunnel::OnDtlsAnswered() {
  diag_.Answered();
  core_->OnDtlsPeerAnswered(ClientNow());
}

void Tunnel::OnDtlsHandshakeDone() {
  diag_.Established();
  Say("DTLS: established (" + dtls_->Description() + ")");
  core_->OnDtlsHandshakeDone(ClientNow());
}

void Tunnel::OnDtlsRecord(ByteSpan record) { WriteTun(core_->OnDtlsRecord(record, ClientNow())); }

void Tunnel::OnDtlsFailed(std::string_view reason) {
  if (outcome_) {
    return;
  }
  if (!core_->dtls_up()) {
    diag_.HandshakeFailed(reason);
    Say(fmt::format("DTLS: {}; data stays on TLS, next attempt in {} s", reason,
                    std::chrono::duration_cast<seconds>(params_.dtls_retry.retry_period).count()));
  }
  core_->OnDtlsFailed(reason, ClientNow());
}

void Tunnel::OnDtlsWake() {
  if (!outcome_ && !retiring_) {
    Pump();
  }
}

// ---------------------------------------------------------------- timers

void Tunnel::ArmTimer() {
  if (outcome_) {
    return;
  }
  const Instant now = ClientNow();
  Instant deadline = std::min(core_->NextDeadline(), rekey_->NextDeadline());
  if (dtls_) {
    if (auto handshake = dtls_->EngineDeadline(now)) {
      deadline = std::min(deadline, *handshake);
    }
  }
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
  timer_.async_wait(
      [this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
        if (alive.expired() || ec) {
          return;
        }
        timer_deadline_ = Instant::Max();
        OnTimer();
      });
}

void Tunnel::OnTimer() {
  if (outcome_) {
    return;
  }
  const Instant now = ClientNow();
  if (dtls_) {
    dtls_->OnEngineTimer(now);
  }
  if (core_->wants_tls_backlog()) {
    Flush();
    core_->OnTlsBacklog(TlsBacklog(), now);
  }
  core_->OnTimer(now);
  PollRekey(now);
  if (outcome_) {
    return;
  }
  Pump();
}

void Tunnel::Stop(std::string_view reason) {
  if (outcome_) {
    return;
  }
  // 0xB0 + text: "the user ended the session"; ocserv then kills the cookie (§7.3).
  if (dtls_) {
    dtls_->Abandon();
  }
  core_->Disconnect(reason, ClientNow());
  const Instant now = ClientNow();
  while (std::size_t n = core_->WriteTlsFrame(control_buffer_, now)) {
    (void)conn_->engine().WriteRecord(ByteSpan(control_buffer_.data(), n));
  }
  conn_->engine().Close();
  (void)conn_->FlushAll(ClientNow() + seconds(2));
  ProcessCore();  // the close event: Run() returns kUserQuit
}

void Tunnel::FillStatus(ClientStatus& s) const {
  const Instant now = ClientNow();
  s.on_dtls = core_->data_path() == Channel::kDtls;
  s.tls_cipher = conn_->engine().CipherDescription();
  s.dtls_cipher = dtls_ && dtls_->established() ? dtls_->Description() : std::string();
  s.cstp_mtu = params_.dtls ? params_.dtls->cstp_mtu : params_.mtu;
  s.dtls_mtu = params_.dtls ? params_.dtls->dtls_mtu : 0;
  s.mtu = params_.dtls ? core_->tun_mtu() : params_.mtu;
  if (const session::PathMtuProber* prober = core_->path_mtu()) {
    s.path_mtu = prober->mtu();
    s.path_mtu_probing =
        prober->state() == session::PathMtuProber::State::kSearching ? prober->probing() : 0;
  }
  const TunnelCounters& c = core_->counters();
  s.dtls.bytes_in += c.dtls_bytes_in;
  s.dtls.bytes_out += c.dtls_bytes_out;
  s.dtls.packets_in += c.dtls_packets_in;
  s.dtls.packets_out += c.dtls_packets_out;
  s.tls.bytes_in += c.bytes_in - c.dtls_bytes_in;
  s.tls.bytes_out += c.bytes_out - c.dtls_bytes_out;
  s.tls.packets_in += c.packets_in - c.dtls_packets_in;
  s.tls.packets_out += c.packets_out - c.dtls_packets_out;
  std::optional<Duration> next_attempt;
  if (const session::DtlsSupervisor* supervisor = core_->dtls_supervisor();
      supervisor != nullptr && supervisor->state() == session::DtlsSupervisor::State::kWaiting &&
      supervisor->NextDeadline() != Instant::Max()) {
    next_attempt = std::max(Duration(0), supervisor->NextDeadline() - now);
  }
  s.dtls_status = diag_.Snapshot(next_attempt);
}

}  // namespace sekisho::client

#include "proto/session/tunnel_core.h"

#include "proto/dtls/payload.h"

#include <algorithm>
#include <array>
#include <utility>

namespace sekisho::proto::session {
namespace {

using cstp::PacketType;

// Longest reason text we put into our own DISCONNECT (openconnect sends "Aborted by caller").
constexpr std::size_t kMaxDisconnectReason = 255;

}  // namespace

const char* PathReasonText(PathReason reason) {
  switch (reason) {
    case PathReason::kTlsDrained: return "TLS drained";
    case PathReason::kDrainLimit: return "TLS not yet drained";
    case PathReason::kDtlsDpdTimeout: return "DTLS DPD timeout: no answer on UDP";
    case PathReason::kDtlsFailed: return "DTLS failed";
    case PathReason::kDtlsDisconnect: return "DISCONNECT received on DTLS";
    case PathReason::kDtlsRestarted: return "a new DTLS handshake started";
    case PathReason::kPeerUsesTls: return "the peer sends on TLS again";
    case PathReason::kLocalDisconnect: return "disconnecting";
  }
  return "unknown";
}

TunnelCore::TunnelCore(Config config, Instant now)
    : config_(std::move(config)),
      tls_liveness_(config_.tls_dpd, config_.tls_keepalive, config_.role, now),
      idle_(config_.role == Role::kGateway ? config_.idle_timeout : std::nullopt, now) {
  events_.reserve(16);
  if (!config_.dtls) {
    return;
  }
  if (client()) {
    supervisor_.emplace(config_.dtls_retry, config_.dtls_mtu, config_.cstp_mtu);
    if (config_.path_mtu) {
      PathMtuProber::Config probe = *config_.path_mtu;
      probe.ceiling = config_.dtls_mtu;
      prober_.emplace(probe);
    }
    // The TUN comes up with the DTLS MTU at once (Cisco's rule, decision #1).
    reported_mtu_ = supervisor_->tun_mtu();
    StartAttempt(now);
  } else {
    dtls_state_ = DtlsState::kDown;  // until a ClientHello arrives
  }
}

std::uint32_t TunnelCore::tun_mtu() const {
  if (!supervisor_) {
    return config_.cstp_mtu;
  }
  const std::uint32_t mtu = supervisor_->tun_mtu();
  if (mtu == config_.dtls_mtu && prober_ && prober_->mtu() != 0) {
    // DTLS usable: what the path carries, never above X-DTLS-MTU.
    return std::min(mtu, prober_->mtu());
  }
  return mtu;
}

// ---------------------------------------------------------------- TLS

ByteSpan TunnelCore::OnTlsRecord(ByteSpan record, Instant now) {
  if (closed_) {
    return {};
  }
  Result<cstp::Frame> frame = cstp::ParseRecord(record);
  if (!frame) {
    // openconnect ends the session on unknown types and broken frames (§7.1, decision #12);
    // sekishod always did too.
    Close(CloseCause::kProtocolError, "bad CSTP frame: " + frame.error().ToString());
    return {};
  }
  tls_liveness_.OnReceived(now);
  if (frame->type != PacketType::kData) {
    HandleFrame(frame->type, frame->payload, now);
    return {};
  }
  if (!client() && (path_ == Channel::kDtls || switching_)) {
    // DATA on TLS while DTLS carries ours (or is about to): the client is on TLS; follow it
    // (§8.7, ocserv). Its next DATA on DTLS starts the switch again.
    switching_ = false;
    switch_deadline_ = Instant::Max();
    next_drain_poll_ = Instant::Max();
    if (path_ == Channel::kDtls) {
      SetPath(Channel::kTls, PathReason::kPeerUsesTls);
    }
  }
  return Deliver(frame->payload, false, now);
}

void TunnelCore::HandleFrame(PacketType type, ByteSpan payload, Instant now) {
  switch (type) {
    case PacketType::kData: return;  // handled by the caller
    case PacketType::kDpdRequest:
      // Echo byte for byte (decision #10): the peer may be probing the MTU with it.
      QueueTls(PacketType::kDpdResponse, payload);
      return;
    case PacketType::kDpdResponse:
    case PacketType::kKeepalive: return;  // liveness noted; keepalives are never answered (#9)
    case PacketType::kDisconnect:
      Close(CloseCause::kPeerDisconnect, cstp::DisconnectReasonText(payload),
            cstp::ClassifyDisconnect(payload) == cstp::DisconnectKind::kTemporary);
      return;
    case PacketType::kTerminate: Close(CloseCause::kPeerTerminate); return;
    case PacketType::kCompressed:
      // Compression is never negotiated, so a compressed frame is a protocol error (§12).
      Close(CloseCause::kProtocolError, "compressed frame although no compression was negotiated");
      return;
  }
  (void)now;
}

void TunnelCore::OnTlsClosed(std::string_view reason, Instant /*now*/) {
  if (!closed_) {
    Close(CloseCause::kTlsClosed, std::string(reason));
  }
}

void TunnelCore::OnTlsBacklog(std::size_t unacknowledged_bytes, Instant now) {
  if (!wants_tls_backlog()) {
    return;
  }
  if (unacknowledged_bytes == 0) {
    CompleteSwitch(PathReason::kTlsDrained);
  } else if (now >= switch_deadline_) {
    CompleteSwitch(PathReason::kDrainLimit);
  } else {
    next_drain_poll_ = now + config_.drain_poll_interval;
  }
}

// ---------------------------------------------------------------- DTLS

ByteSpan TunnelCore::OnDtlsRecord(ByteSpan record, Instant now) {
  if (closed_ || dtls_state_ != DtlsState::kUp) {
    return {};
  }
  dtls_liveness_->OnReceived(now);
  Result<dtls::DtlsPacket> packet = dtls::ParseDtlsPayload(record);
  if (!packet) {
    return {};  // openconnect ignores unknown DTLS types instead of aborting (§8.1)
  }
  switch (packet->type) {
    case PacketType::kData:
      if (!client() && path_ == Channel::kTls && !switching_) {
        // A packet on DTLS proves the client uses it again (ocserv's rule, §8.7).
        BeginSwitch(now);
      }
      return Deliver(packet->payload, true, now);
    case PacketType::kDpdRequest: QueueDtls(PacketType::kDpdResponse, packet->payload); break;
    case PacketType::kDisconnect:
      PushEvent({.kind = TunnelEvent::Kind::kDtls, .dtls_action = DtlsAction::kAbandon});
      DtlsLost(PathReason::kDtlsDisconnect, {}, now);
      break;
    case PacketType::kDpdResponse:
      if (prober_) {
        prober_->OnEcho(packet->payload, now);  // maybe the echo of an MTU probe
      }
      break;
    case PacketType::kKeepalive:
    case PacketType::kCompressed:
    case PacketType::kTerminate: break;  // TERMINATE counts only on TLS
  }
  return {};
}

void TunnelCore::OnDtlsHandshakeStarted(Instant now) {
  if (closed_ || client() || dtls_state_ == DtlsState::kOff) {
    return;
  }
  if (dtls_state_ == DtlsState::kUp) {
    // The new handshake replaces the channel; DATA on TLS covers the gap until it completes.
    DtlsLost(PathReason::kDtlsRestarted, {}, now);
  }
  dtls_state_ = DtlsState::kHandshaking;
}

void TunnelCore::OnDtlsPeerAnswered(Instant /*now*/) {
  if (supervisor_ && dtls_state_ == DtlsState::kHandshaking) {
    supervisor_->OnPeerAnswered();
  }
}

void TunnelCore::OnDtlsHandshakeDone(Instant now) {
  if (closed_ || dtls_state_ == DtlsState::kOff || dtls_state_ == DtlsState::kUp) {
    return;
  }
  dtls_state_ = DtlsState::kUp;
  dtls_liveness_.emplace(config_.dtls_dpd, config_.dtls_keepalive, config_.role, now);
  dtls_queue_.Clear();
  if (supervisor_) {
    supervisor_->OnHandshakeDone();
    ReportMtu();
  }
  if (prober_) {
    prober_->Start(now);
  }
  BeginSwitch(now);
}

void TunnelCore::OnDtlsFailed(std::string_view reason, Instant now) {
  if (closed_ || dtls_state_ == DtlsState::kOff || dtls_state_ == DtlsState::kDown) {
    return;
  }
  if (dtls_state_ == DtlsState::kUp) {
    DtlsLost(PathReason::kDtlsFailed, reason, now);
    return;
  }
  dtls_state_ = DtlsState::kDown;
  if (prober_) {
    prober_->Stop();
  }
  if (supervisor_) {
    // The gateway answered but the handshake failed, or UDP sending failed: same fallback as
    // blocked UDP (docs/client.md), next attempt after the retry period.
    supervisor_->OnFailed(now);
    ReportMtu();
  }
}

void TunnelCore::DtlsLost(PathReason reason, std::string_view text, Instant now) {
  const bool was_on_dtls = path_ == Channel::kDtls || switching_;
  switching_ = false;
  switch_deadline_ = Instant::Max();
  next_drain_poll_ = Instant::Max();
  if (was_on_dtls) {
    SetPath(Channel::kTls, reason, text);
  }
  dtls_liveness_.reset();
  dtls_queue_.Clear();
  dtls_state_ = DtlsState::kDown;
  if (prober_) {
    prober_->Stop();
  }
  if (supervisor_) {
    // openconnect redoes the handshake at once; if UDP is really gone, this attempt runs the
    // blocked-UDP schedule and gives up 47 s later. The MTU stays until then.
    StartAttempt(now);
  }
}

void TunnelCore::StartAttempt(Instant now) {
  supervisor_->StartAttempt(now);
  dtls_state_ = DtlsState::kHandshaking;
  dtls_liveness_.reset();
  dtls_queue_.Clear();
  PushEvent({.kind = TunnelEvent::Kind::kDtls, .dtls_action = DtlsAction::kStartAttempt});
}

void TunnelCore::ReportMtu(std::string_view why) {
  const std::uint32_t mtu = tun_mtu();
  if (mtu != reported_mtu_ && mtu != 0) {
    reported_mtu_ = mtu;
    PushEvent({.kind = TunnelEvent::Kind::kMtu, .mtu = mtu, .text = std::string(why)});
  }
}

// ---------------------------------------------------------------- data path

void TunnelCore::BeginSwitch(Instant now) {
  switching_ = true;
  switch_deadline_ = now + config_.switch_drain_limit;
  next_drain_poll_ = now + config_.drain_poll_interval;
}

void TunnelCore::CompleteSwitch(PathReason reason) {
  switching_ = false;
  switch_deadline_ = Instant::Max();
  next_drain_poll_ = Instant::Max();
  SetPath(Channel::kDtls, reason);
}

void TunnelCore::SetPath(Channel path, PathReason reason, std::string_view text) {
  path_ = path;
  PushEvent({.kind = TunnelEvent::Kind::kDataPath,
             .channel = path,
             .path_reason = reason,
             .text = std::string(text)});
}

ByteSpan TunnelCore::Deliver(ByteSpan packet, bool dtls, Instant now) {
  if (packet.empty() || (config_.max_rx_packet != 0 && packet.size() > config_.max_rx_packet)) {
    return {};
  }
  if (config_.source_filter) {
    const SourceFilter::Verdict verdict = config_.source_filter->Check(packet);
    if (verdict != SourceFilter::Verdict::kPass) {
      RefuseSource(packet, verdict, now);
      return {};
    }
  }
  idle_.OnData(now);
  counters_.bytes_in += packet.size();
  ++counters_.packets_in;
  if (dtls) {
    ++counters_.dtls_packets_in;
    counters_.dtls_bytes_in += packet.size();
  }
  return packet;
}

void TunnelCore::RefuseSource(ByteSpan packet, SourceFilter::Verdict verdict, Instant now) {
  if (verdict == SourceFilter::Verdict::kNoIpv6Lease) {
    ++counters_.dropped_unleased_ipv6;
    return;
  }
  ++counters_.dropped_spoofed;
  if (next_refusal_report_ && now < *next_refusal_report_) {
    return;
  }
  next_refusal_report_ = now + kSourceRefusalReport;
  PushEvent({.kind = TunnelEvent::Kind::kSourceRefused,
             .dropped = counters_.dropped_spoofed - refusals_reported_,
             .text = SourceFilter::Describe(packet, verdict)});
  refusals_reported_ = counters_.dropped_spoofed;
}

TunnelCore::Outbound TunnelCore::FrameTunPacket(MutableByteSpan buffer, std::size_t packet_size,
                                                Instant now) {
  if (closed_ || packet_size > cstp::kMaxPayload || buffer.size() < kTunHeadroom + packet_size) {
    return {};
  }
  idle_.OnData(now);
  counters_.bytes_out += packet_size;
  ++counters_.packets_out;
  if (path_ == Channel::kDtls && !switching_ && dtls_state_ == DtlsState::kUp) {
    std::uint8_t* header = buffer.data() + kTunHeadroom - dtls::kDtlsHeaderSize;
    dtls::WriteDtlsHeader(header, PacketType::kData);
    dtls_liveness_->OnSent(now);
    ++counters_.dtls_packets_out;
    counters_.dtls_bytes_out += packet_size;
    return {Channel::kDtls, ByteSpan(header, dtls::kDtlsHeaderSize + packet_size)};
  }
  return {Channel::kTls, FrameForTls(buffer, packet_size, now)};
}

ByteSpan TunnelCore::RerouteToTls(MutableByteSpan buffer, std::size_t packet_size, Instant now) {
  if (closed_ || packet_size > cstp::kMaxPayload || buffer.size() < kTunHeadroom + packet_size) {
    return {};
  }
  if (counters_.dtls_packets_out > 0) {
    --counters_.dtls_packets_out;  // FrameTunPacket counted it for DTLS
    counters_.dtls_bytes_out -= std::min<std::uint64_t>(counters_.dtls_bytes_out, packet_size);
  }
  return FrameForTls(buffer, packet_size, now);
}

ByteSpan TunnelCore::FrameForTls(MutableByteSpan buffer, std::size_t packet_size, Instant now) {
  cstp::WriteHeader(buffer.data(), PacketType::kData, static_cast<std::uint16_t>(packet_size));
  tls_liveness_.OnSent(now);
  return ByteSpan(buffer.data(), kTunHeadroom + packet_size);
}

// ---------------------------------------------------------------- timers

void TunnelCore::OnTimer(Instant now) {
  if (closed_) {
    return;
  }
  if (now >= config_.session_deadline) {
    QueueTls(PacketType::kDisconnect);
    Close(CloseCause::kSessionTimeout, "session timeout");
    return;
  }
  if (idle_.Expired(now)) {
    // ocserv: bare DISCONNECT, session kept for cookie-timeout (§9.3).
    QueueTls(PacketType::kDisconnect);
    Close(CloseCause::kIdleTimeout, "idle timeout");
    return;
  }
  PollLiveness(tls_liveness_, Channel::kTls, now);
  if (closed_) {
    return;
  }
  if (dtls_liveness_) {
    PollLiveness(*dtls_liveness_, Channel::kDtls, now);
  }
  if (supervisor_) {
    PollSupervisor(now);
  }
  if (prober_ && dtls_state_ == DtlsState::kUp) {
    PollProber(now);
  }
  if (switching_ && now >= switch_deadline_) {
    CompleteSwitch(PathReason::kDrainLimit);
  } else if (switching_ && now >= next_drain_poll_) {
    next_drain_poll_ = now + config_.drain_poll_interval;
  }
}

void TunnelCore::PollLiveness(ChannelLiveness& liveness, Channel channel, Instant now) {
  for (int i = 0; i < 3; ++i) {
    switch (liveness.Poll(now)) {
      case ChannelLiveness::Action::kNone: return;
      case ChannelLiveness::Action::kSendDpd:
        channel == Channel::kTls ? QueueTls(PacketType::kDpdRequest)
                                 : QueueDtls(PacketType::kDpdRequest);
        break;
      case ChannelLiveness::Action::kSendKeepalive:
        channel == Channel::kTls ? QueueTls(PacketType::kKeepalive)
                                 : QueueDtls(PacketType::kKeepalive);
        break;
      case ChannelLiveness::Action::kPeerDead:
        PushEvent({.kind = TunnelEvent::Kind::kDpdTimeout, .channel = channel});
        if (channel == Channel::kTls) {
          Close(CloseCause::kTlsDpdTimeout, "DPD timeout: the peer stopped answering");
        } else {
          PushEvent({.kind = TunnelEvent::Kind::kDtls, .dtls_action = DtlsAction::kAbandon});
          DtlsLost(PathReason::kDtlsDpdTimeout, {}, now);  // destroys `liveness`
        }
        return;
    }
  }
}

void TunnelCore::PollSupervisor(Instant now) {
  for (int i = 0; i < 4; ++i) {
    DtlsSupervisor::Step step = supervisor_->Poll(now);
    switch (step.kind) {
      case DtlsSupervisor::Step::Kind::kNone: return;
      case DtlsSupervisor::Step::Kind::kRetransmit:
        PushEvent({.kind = TunnelEvent::Kind::kDtls,
                   .dtls_action = DtlsAction::kRetransmitted,
                   .retry = step.retry,
                   .backoff = step.backoff,
                   .since_start = step.since_start});
        break;
      case DtlsSupervisor::Step::Kind::kGiveUp:
        dtls_state_ = DtlsState::kDown;
        PushEvent({.kind = TunnelEvent::Kind::kDtls,
                   .dtls_action = DtlsAction::kGiveUp,
                   .retry = supervisor_->max_retries(),
                   .since_start = step.since_start});
        ReportMtu();
        break;
      case DtlsSupervisor::Step::Kind::kStartAttempt:
        // The supervisor restarted its schedule at `now` already.
        dtls_state_ = DtlsState::kHandshaking;
        dtls_liveness_.reset();
        dtls_queue_.Clear();
        PushEvent({.kind = TunnelEvent::Kind::kDtls, .dtls_action = DtlsAction::kStartAttempt});
        break;
    }
  }
}

void TunnelCore::PollProber(Instant now) {
  // A search moves on to its next size within one Poll after a silence; a few rounds suffice.
  for (int i = 0; i < 4; ++i) {
    PathMtuProber::Step step = prober_->Poll(now);
    switch (step.kind) {
      case PathMtuProber::Step::Kind::kNone:
        if (prober_->NextDeadline() > now) {
          return;
        }
        break;
      case PathMtuProber::Step::Kind::kSendProbe: {
        // DPD-REQ padded to the probe size: its record is as large as DATA of that size.
        const std::size_t n = prober_->ProbePayload(MutableByteSpan(probe_buffer_));
        QueueDtls(PacketType::kDpdRequest, ByteSpan(probe_buffer_.data(), n));
        break;
      }
      case PathMtuProber::Step::Kind::kMtuChanged:
        ReportMtu(step.mtu >= config_.dtls_mtu
                      ? "path MTU probe: the path carries X-DTLS-MTU"
                      : "path MTU probe: larger DTLS packets are lost on the way");
        break;
    }
  }
}

Instant TunnelCore::NextDeadline() const {
  if (closed_) {
    return Instant::Max();
  }
  Instant next =
      std::min({tls_liveness_.NextDeadline(), idle_.NextDeadline(), config_.session_deadline});
  if (dtls_liveness_) {
    next = std::min(next, dtls_liveness_->NextDeadline());
  }
  if (supervisor_) {
    next = std::min(next, supervisor_->NextDeadline());
  }
  if (prober_ && dtls_state_ == DtlsState::kUp) {
    next = std::min(next, prober_->NextDeadline());
  }
  if (switching_) {
    next = std::min({next, switch_deadline_, next_drain_poll_});
  }
  return next;
}

// ---------------------------------------------------------------- local end

void TunnelCore::Disconnect(std::string_view reason, Instant /*now*/) {
  if (closed_) {
    return;
  }
  if (client()) {
    // 0xB0 + text: "the user ended the session"; the gateway kills the cookie (§7.3).
    std::array<std::uint8_t, 1 + kMaxDisconnectReason> payload{};
    payload[0] = cstp::kDisconnectReasonUser;
    const std::size_t n = std::min(reason.size(), kMaxDisconnectReason);
    std::copy_n(reason.begin(), n, payload.begin() + 1);
    QueueTls(PacketType::kDisconnect, ByteSpan(payload.data(), 1 + n));
  } else {
    // A bare DISCONNECT makes openconnect exit without reconnecting (§7.3).
    if (dtls_state_ == DtlsState::kUp) {
      QueueDtls(PacketType::kDisconnect);
    }
    QueueTls(PacketType::kDisconnect);
  }
  Close(CloseCause::kLocalDisconnect, std::string(reason));
}

void TunnelCore::Close(CloseCause cause, std::string text, bool temporary_disconnect) {
  CloseOutcome outcome = CloseOutcome::kKeepSession;
  if (client()) {
    switch (cause) {
      case CloseCause::kTlsDpdTimeout:
      case CloseCause::kTlsClosed: outcome = CloseOutcome::kReconnect; break;
      case CloseCause::kProtocolError: outcome = CloseOutcome::kFatal; break;
      default: outcome = CloseOutcome::kStop; break;
    }
  } else if (cause == CloseCause::kSessionTimeout ||
             (cause == CloseCause::kPeerDisconnect && !temporary_disconnect)) {
    outcome = CloseOutcome::kEndSession;
  }
  closed_ = true;
  switching_ = false;
  PushEvent({.kind = TunnelEvent::Kind::kClosed,
             .close_cause = cause,
             .close_outcome = outcome,
             .text = std::move(text)});
}

// ---------------------------------------------------------------- outputs

void TunnelCore::QueueTls(PacketType type, ByteSpan payload) {
  (void)tls_queue_.Push(type, payload);  // full: dropped, the peer asks again
}

void TunnelCore::QueueDtls(PacketType type, ByteSpan payload) {
  (void)dtls_queue_.Push(type, payload);
}

std::size_t TunnelCore::WriteTlsFrame(MutableByteSpan out, Instant now) {
  if (tls_queue_.empty()) {
    return 0;
  }
  ControlQueue::Entry entry = tls_queue_.Front();
  const std::size_t n = cstp::EncodeFrame(entry.type, entry.payload, out);
  tls_queue_.Pop();
  if (n > 0) {
    tls_liveness_.OnSent(now);
  }
  return n;
}

std::size_t TunnelCore::WriteDtlsRecord(MutableByteSpan out, Instant now) {
  if (dtls_queue_.empty()) {
    return 0;
  }
  ControlQueue::Entry entry = dtls_queue_.Front();
  const std::size_t n = dtls::EncodeDtlsPacket(entry.type, entry.payload, out);
  dtls_queue_.Pop();
  if (n > 0 && dtls_liveness_) {
    dtls_liveness_->OnSent(now);
  }
  return n;
}

void TunnelCore::PushEvent(TunnelEvent event) { events_.push_back(std::move(event)); }

std::optional<TunnelEvent> TunnelCore::PollEvent() {
  if (event_head_ == events_.size()) {
    return std::nullopt;
  }
  TunnelEvent event = std::move(events_[event_head_++]);
  if (event_head_ == events_.size()) {
    events_.clear();
    event_head_ = 0;
  }
  return event;
}

}  // namespace sekisho::proto::session

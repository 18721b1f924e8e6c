#include "client/dtls_link.h"

#include "client/https_session.h"
#include "net/datagram_batch_linux.h"
#include "net/socket_buffers.h"
#include "proto/cstp/wire.h"
#include "proto/dtls/payload.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <utility>

namespace sekisho::client {
namespace {

namespace asio = boost::asio;
namespace tunnel = proto::tunnel;
using proto::cstp::PacketType;
using Liveness = proto::session::ChannelLiveness;
using Kind = DtlsSupervisor::Step::Kind;

double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

DtlsLink::DtlsLink(asio::io_context& io, Options options, Sink& sink, Logger log)
    : io_(io),
      options_(std::move(options)),
      sink_(sink),
      log_(std::move(log)),
      supervisor_(options_.retry, options_.plan.dtls_mtu, options_.plan.cstp_mtu),
      timer_(io),
      reported_mtu_(options_.plan.dtls_mtu) {}

DtlsLink::~DtlsLink() {
  *alive_ = false;
  Close();
}

void DtlsLink::Start() {
  Instant now = ClientNow();
  supervisor_.StartAttempt(now);
  BeginAttempt(now);
  ArmTimer(now);
}

void DtlsLink::Close() {
  closed_ = true;
  boost::system::error_code ec;
  timer_.cancel();
  if (socket_) {
    socket_->close(ec);
    socket_.reset();
  }
  engine_.reset();
  liveness_.reset();
}

std::string DtlsLink::Description() const {
  std::string cipher = engine_ ? engine_->CipherDescription() : std::string();
  return fmt::format("{}, {}", options_.plan.suite.name, cipher);
}

Result<std::unique_ptr<tls::TlsEngine>> DtlsLink::CreateEngine() const {
  tls::EngineOptions engine_options;
  engine_options.datagram = true;
  engine_options.dtls_mtu = options_.plan.udp_payload_mtu;
  engine_options.logger = log_;
  const tunnel::DtlsSuite& suite = options_.plan.suite;
  if (suite.mode == tunnel::DtlsMode::kPsk) {
    return tls::TlsEngine::CreateDtlsPskClient(options_.key, options_.plan.session_id,
                                               engine_options);
  }
  tls::ResumedDtlsParams params;
  params.protocol =
      suite.protocol == "DTLS0.9" ? tls::DtlsProtocol::kDtls09 : tls::DtlsProtocol::kDtls12;
  params.kx = std::string(suite.kx);
  params.cipher = std::string(suite.cipher);
  params.mac = std::string(suite.mac);
  params.master_secret = options_.key;
  params.session_id = options_.plan.session_id;
  return tls::TlsEngine::CreateDtlsResumedClient(params, engine_options);
}

// ---------------------------------------------------------------- attempts

void DtlsLink::BeginAttempt(Instant now) {
  AbandonAttempt();
  auto engine = CreateEngine();
  if (!engine) {
    AttemptFailed(now, "cannot set DTLS up: " + engine.error().ToString());
    return;
  }
  engine_ = std::move(*engine);
  boost::system::error_code ec;
  socket_.emplace(io_);
  socket_->open(options_.remote.protocol(), ec);
  if (!ec) {
    socket_->connect(options_.remote, ec);
  }
  if (!ec) {
    socket_->non_blocking(true, ec);
  }
  if (ec) {
    AttemptFailed(now, "UDP socket: " + ec.message());
    return;
  }
  net::EnlargeSocketBuffers(socket_->native_handle(), net::kDtlsSocketBuffer);
  ++generation_;
  log_.Debug("DTLS: ClientHello to {}:{} ({})", options_.remote.address().to_string(),
             options_.remote.port(), options_.plan.suite.name);
  if (auto started = engine_->Handshake(); !started) {
    AttemptFailed(now, "DTLS handshake failed: " + started.error().ToString());
    return;
  }
  Flush();
  ArmRead();
}

void DtlsLink::AbandonAttempt() {
  boost::system::error_code ec;
  if (socket_) {
    socket_->close(ec);
    socket_.reset();
  }
  read_armed_ = false;
  engine_.reset();
  liveness_.reset();
}

void DtlsLink::AttemptFailed(Instant now, const std::string& reason) {
  AbandonAttempt();
  supervisor_.OnFailed(now);
  sink_.OnDtlsProgress(
      fmt::format("DTLS: {}; data stays on TLS, next attempt in {} s", reason,
                  std::chrono::duration_cast<seconds>(options_.retry.retry_period).count()));
  ReportMtu();
}

void DtlsLink::ChannelDead(Instant now, const std::string& reason) {
  AbandonAttempt();
  sink_.OnDtlsDown(reason);
  if (closed_) {
    return;
  }
  // openconnect redoes the handshake at once; if UDP is really gone this attempt runs the
  // blocked-UDP schedule and gives up 47 s later.
  sink_.OnDtlsProgress("DTLS: new attempt");
  supervisor_.StartAttempt(now);
  BeginAttempt(now);
}

void DtlsLink::ReportMtu() {
  std::uint32_t mtu = supervisor_.tun_mtu();
  if (mtu != reported_mtu_ && mtu != 0) {
    reported_mtu_ = mtu;
    sink_.OnDtlsMtu(mtu);
  }
}

// ---------------------------------------------------------------- receive

void DtlsLink::ArmRead() {
  if (read_armed_ || closed_ || !socket_) {
    return;
  }
  read_armed_ = true;
  socket_->async_wait(
      asio::socket_base::wait_read,
      [this, alive = alive_, generation = generation_](const boost::system::error_code& ec) {
        if (!*alive || generation != generation_) {
          return;
        }
        read_armed_ = false;
        if (!ec) {
          OnReadable();
        }
      });
}

void DtlsLink::OnReadable() {
  std::array<MutableByteSpan, kBatch> buffers;
  for (std::size_t i = 0; i < kBatch; ++i) {
    buffers[i] = MutableByteSpan(rx_buffers_[i]);
  }
  std::array<std::size_t, kBatch> sizes{};
  Instant now = ClientNow();
  const std::uint64_t generation = generation_;
  for (int round = 0; round < 4 && socket_ && generation == generation_; ++round) {
    Result<std::size_t> n = net::ReceiveDatagrams(socket_->native_handle(), buffers, sizes);
    if (!n) {
      // kClosed: ICMP port unreachable, nothing listens on the gateway's UDP port.
      if (up()) {
        ChannelDead(now, n.error().ToString());
      } else {
        AttemptFailed(now, n.error().ToString());
      }
      break;
    }
    for (std::size_t i = 0; i < *n && socket_ && generation == generation_; ++i) {
      OnDatagram(ByteSpan(rx_buffers_[i].data(), sizes[i]), now);
    }
    if (*n < kBatch) {
      break;
    }
  }
  Flush();
  ArmRead();
  ArmTimer(now);
}

void DtlsLink::OnDatagram(ByteSpan datagram, Instant now) {
  engine_->FeedIncoming(datagram);
  if (supervisor_.state() == DtlsSupervisor::State::kHandshaking) {
    supervisor_.OnPeerAnswered();
    Result<bool> done = engine_->Handshake();
    if (!done) {
      AttemptFailed(now, "DTLS handshake failed: " + done.error().ToString());
      return;
    }
    if (!*done) {
      return;
    }
    supervisor_.OnHandshakeDone();
    liveness_.emplace(options_.plan.dpd, options_.plan.keepalive, Liveness::Role::kClient, now);
    log_.Info("DTLS established: {}", engine_->CipherDescription());
    sink_.OnDtlsUp(Description());
    ReportMtu();
  }
  DrainRecords(now);
}

void DtlsLink::DrainRecords(Instant now) {
  while (up()) {
    Result<std::size_t> n = engine_->ReadRecord(MutableByteSpan(record_buffer_));
    if (!n) {
      if (n.error().code == Errc::kClosed) {
        ChannelDead(now, "the gateway closed DTLS");
        return;
      }
      // A corrupt or replayed datagram: DTLS drops it and the channel lives on.
      log_.Debug("DTLS record dropped: {}", n.error().ToString());
      continue;
    }
    if (*n == 0) {
      return;
    }
    liveness_->OnReceived(now);
    OnRecord(ByteSpan(record_buffer_.data(), *n), now);
  }
}

void DtlsLink::OnRecord(ByteSpan record, Instant now) {
  Result<proto::dtls::DtlsPacket> packet = proto::dtls::ParseDtlsPayload(record);
  if (!packet) {
    // openconnect ignores unknown DTLS types instead of aborting (§8.1); so do we.
    log_.Debug("ignoring DTLS record: {}", packet.error().ToString());
    return;
  }
  switch (packet->type) {
    case PacketType::kData:
      ++packets_in_;
      sink_.OnDtlsPacket(packet->payload);
      return;
    case PacketType::kDpdRequest:
      // Echo byte for byte (decision #10): the gateway may be probing the MTU.
      SendControl(static_cast<std::uint8_t>(PacketType::kDpdResponse), packet->payload, now);
      return;
    case PacketType::kDisconnect: ChannelDead(now, "the gateway sent DISCONNECT on DTLS"); return;
    case PacketType::kDpdResponse:
    case PacketType::kKeepalive:
    case PacketType::kCompressed:
    case PacketType::kTerminate:
      return;  // liveness already noted; TERMINATE is acted on when it comes over TLS
  }
}

// ---------------------------------------------------------------- send

Result<void> DtlsLink::QueuePacket(std::uint8_t* header, std::size_t packet_size) {
  proto::dtls::WriteDtlsHeader(header, PacketType::kData);
  return engine_->WriteRecord(ByteSpan(header, packet_size + 1));
}

void DtlsLink::SendControl(std::uint8_t type, ByteSpan payload, Instant now) {
  std::array<std::uint8_t, 16384 + 1> frame{};
  std::size_t size = std::min(payload.size(), frame.size() - 1);
  frame[0] = type;
  std::copy_n(payload.begin(), size, frame.begin() + 1);
  if (auto written = engine_->WriteRecord(ByteSpan(frame.data(), size + 1)); !written) {
    log_.Debug("DTLS control record not sent: {}", written.error().ToString());
    return;
  }
  if (liveness_) {
    liveness_->OnSent(now);
  }
}

void DtlsLink::Flush() {
  std::array<ByteSpan, net::kMaxDatagramBatch> queued{};
  while (engine_ && socket_) {
    // The engine's ring holds the encrypted datagrams; send them in place, no copy.
    std::size_t count = engine_->PeekDatagrams(queued);
    if (count == 0) {
      return;
    }
    Result<std::size_t> sent =
        net::SendDatagrams(socket_->native_handle(), std::span(queued.data(), count));
    if (!sent) {
      // A local firewall, an ICMP error, an unreachable network: UDP does not work right now.
      Instant now = ClientNow();
      if (up()) {
        ChannelDead(now, sent.error().ToString());
      } else {
        AttemptFailed(now, sent.error().ToString());
      }
      return;
    }
    // UDP has no backpressure worth waiting for: what the kernel refused is dropped, as a
    // router would (the 8 MiB socket buffer makes that rare).
    engine_->PopDatagrams(count);
    if (liveness_ && *sent > 0) {
      liveness_->OnSent(ClientNow());
    }
  }
}

// ---------------------------------------------------------------- timers

void DtlsLink::ArmTimer(Instant now) {
  if (closed_) {
    return;
  }
  Instant deadline = supervisor_.NextDeadline();
  if (engine_ && supervisor_.state() == DtlsSupervisor::State::kHandshaking) {
    // Anchors the engine's retransmission timer at `now`, the same instant the supervisor's
    // schedule started from, so both name the same retransmission instants.
    if (auto handshake = engine_->NextDeadline(now)) {
      deadline = std::min(deadline, *handshake);
    }
  }
  if (liveness_) {
    deadline = std::min(deadline, liveness_->NextDeadline());
  }
  if (deadline == Instant::Max()) {
    timer_.cancel();
    return;
  }
  Duration wait = std::max(Duration(0), deadline - now);
  timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait));
  timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (*alive && !ec && !closed_) {
      OnTimer();
    }
  });
}

void DtlsLink::OnTimer() {
  Instant now = ClientNow();
  DtlsSupervisor::Step step = supervisor_.Poll(now);
  switch (step.kind) {
    case Kind::kRetransmit:
      sink_.OnDtlsProgress(fmt::format("DTLS: ClientHello retry {} of {} after {} s (t+{:.1f} s)",
                                       step.retry, supervisor_.max_retries(),
                                       std::chrono::duration_cast<seconds>(step.backoff).count(),
                                       Seconds(step.since_start)));
      break;
    case Kind::kGiveUp:
      AbandonAttempt();
      sink_.OnDtlsProgress(fmt::format(
          "DTLS: no answer after {} retries (UDP blocked?); data stays on TLS (t+{:.1f} s)",
          supervisor_.max_retries(), Seconds(step.since_start)));
      ReportMtu();
      break;
    case Kind::kStartAttempt:
      sink_.OnDtlsProgress("DTLS: new attempt");
      BeginAttempt(now);
      break;
    case Kind::kNone: break;
  }
  if (engine_ && supervisor_.state() == DtlsSupervisor::State::kHandshaking) {
    if (auto ticked = engine_->OnTimer(now); !ticked) {
      AttemptFailed(now, ticked.error().code == Errc::kTimeout
                             ? std::string("DTLS handshake timed out")
                             : "DTLS handshake failed: " + ticked.error().ToString());
    }
  } else if (liveness_) {
    switch (liveness_->Poll(now)) {
      case Liveness::Action::kSendDpd:
        SendControl(static_cast<std::uint8_t>(PacketType::kDpdRequest), {}, now);
        break;
      case Liveness::Action::kSendKeepalive:
        SendControl(static_cast<std::uint8_t>(PacketType::kKeepalive), {}, now);
        break;
      case Liveness::Action::kPeerDead:
        ChannelDead(now, "DTLS DPD timeout: no answer on UDP");
        break;
      case Liveness::Action::kNone: break;
    }
  }
  Flush();
  ArmTimer(now);
}

}  // namespace sekisho::client

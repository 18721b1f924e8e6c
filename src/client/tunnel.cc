#include "client/tunnel.h"

#include "proto/cstp/wire.h"

#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <utility>

namespace sekisho::client {
namespace {

namespace asio = boost::asio;
namespace cstp = proto::cstp;
using Liveness = proto::session::ChannelLiveness;

}  // namespace

Tunnel::Tunnel(asio::io_context& io, std::unique_ptr<TlsConnection> connection, net::TunDevice& tun,
               TunnelParams params, Bytes leftover, Logger log)
    : io_(io),
      conn_(std::move(connection)),
      tun_(tun),
      params_(params),
      leftover_(std::move(leftover)),
      log_(std::move(log)),
      tun_stream_(io, tun.fd()),
      timer_(io),
      liveness_(params.dpd, params.keepalive, Liveness::Role::kClient, ClientNow()),
      switch_timer_(io) {
  read_limit_ = params_.mtu;
  if (params_.dtls) {
    read_limit_ = std::max({read_limit_, params_.dtls->dtls_mtu, params_.dtls->cstp_mtu});
  }
}

Tunnel::~Tunnel() {
  dtls_.reset();
  boost::system::error_code ec;
  timer_.cancel();
  switch_timer_.cancel();
  tun_stream_.cancel(ec);
  tun_stream_.release();  // the TunDevice owns the fd and survives the tunnel
  if (conn_) {
    conn_->socket().cancel(ec);
    conn_->socket().close(ec);
  }
}

TunnelOutcome Tunnel::Run() {
  Start();
  while (!outcome_) {
    io_.run_one();
  }
  return *outcome_;
}

void Tunnel::Start() {
  if (!leftover_.empty()) {
    // Only happens with a gateway that put the first frame into the CONNECT head's record.
    Bytes first = std::move(leftover_);
    HandleRecord(first);
  }
  ProcessRecords();  // records the engine may already hold
  Flush();
  ArmRead();
  ArmTun();
  ArmTimer();
  StartDtls();
}

void Tunnel::Say(const std::string& line) {
  log_.Info("{}", line);
  if (params_.progress) {
    params_.progress(line);
  }
}

void Tunnel::Finish(TunnelEnd end, std::string reason) {
  if (outcome_) {
    return;
  }
  outcome_ = TunnelOutcome{end, std::move(reason)};
  if (dtls_) {
    dtls_->Close();
  }
  data_on_dtls_ = false;
  boost::system::error_code ec;
  timer_.cancel();
  switch_timer_.cancel();
  tun_stream_.cancel(ec);
  conn_->socket().cancel(ec);
}

// ---------------------------------------------------------------- socket

void Tunnel::ArmRead() {
  if (read_armed_ || outcome_) {
    return;
  }
  read_armed_ = true;
  conn_->socket().async_wait(
      asio::socket_base::wait_read,
      [this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
        if (alive.expired()) {
          return;
        }
        read_armed_ = false;
        if (!ec) {
          OnReadable();
        }
      });
}

void Tunnel::OnReadable() {
  for (int round = 0; round < 8 && !outcome_; ++round) {
    boost::system::error_code ec;
    std::size_t n = conn_->socket().read_some(asio::buffer(read_buffer_), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      break;
    }
    if (ec) {
      Finish(TunnelEnd::kLinkDead,
             ec == asio::error::eof ? "the gateway closed the connection" : ec.message());
      return;
    }
    conn_->engine().FeedIncoming(ByteSpan(read_buffer_.data(), n));
    ProcessRecords();
    if (n < read_buffer_.size()) {
      break;
    }
  }
  Flush();
  ArmRead();
}

void Tunnel::ProcessRecords() {
  while (!outcome_) {
    Result<std::size_t> n = conn_->engine().ReadRecord(MutableByteSpan(record_buffer_));
    if (!n) {
      Finish(TunnelEnd::kLinkDead,
             n.error().code == Errc::kClosed ? "the gateway closed TLS" : n.error().ToString());
      return;
    }
    if (*n == 0) {
      return;
    }
    HandleRecord(ByteSpan(record_buffer_.data(), *n));
  }
}

void Tunnel::HandleRecord(ByteSpan record) {
  Result<cstp::Frame> frame = cstp::ParseRecord(record);
  if (!frame) {
    // openconnect ends the session on unknown types and broken frames (§7.1, decision #12).
    log_.Warn("bad CSTP frame from the gateway: {}", frame.error().ToString());
    Finish(TunnelEnd::kFatal, "bad CSTP frame: " + frame.error().ToString());
    return;
  }
  liveness_.OnReceived(ClientNow());
  switch (frame->type) {
    case cstp::PacketType::kData:
      // Accepted on TLS even while DTLS carries our data (§8.7).
      if (auto written = tun_.Write(frame->payload); !written) {
        log_.Debug("TUN write failed: {}", written.error().ToString());
      }
      counters_.bytes_in += frame->payload.size();
      ++counters_.packets_in;
      return;
    case cstp::PacketType::kDpdRequest:
      // Echo the payload byte for byte (decision #10): the gateway may probe the MTU with it.
      SendControl(cstp::DpdResponseFrame(frame->payload));
      return;
    case cstp::PacketType::kDpdResponse:
    case cstp::PacketType::kKeepalive:
      return;  // liveness noted above; keepalives are never answered (decision #9)
    case cstp::PacketType::kDisconnect: {
      std::string text = cstp::DisconnectReasonText(frame->payload);
      Finish(TunnelEnd::kGatewayDisconnect, text.empty()
                                                ? "the gateway ended the session"
                                                : "the gateway ended the session: " + text);
      return;
    }
    case cstp::PacketType::kTerminate:
      Finish(TunnelEnd::kGatewayTerminate, "the gateway is shutting down (TERMINATE)");
      return;
    case cstp::PacketType::kCompressed:
      // We never offer compression, so a compressed frame is a protocol error (§12).
      Finish(TunnelEnd::kFatal, "compressed frame although no compression was negotiated");
      return;
  }
}

void Tunnel::SendControl(ByteSpan frame) {
  if (auto written = conn_->engine().WriteRecord(frame); !written) {
    log_.Debug("cannot queue control frame: {}", written.error().ToString());
    return;
  }
  liveness_.OnSent(ClientNow());
}

void Tunnel::Flush() {
  if (write_blocked_ || !conn_) {
    return;
  }
  while (true) {
    ByteSpan pending = conn_->engine().PendingOutgoing();
    if (pending.empty()) {
      return;
    }
    boost::system::error_code ec;
    std::size_t n = conn_->socket().write_some(asio::buffer(pending.data(), pending.size()), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      if (outcome_) {
        return;
      }
      write_blocked_ = true;
      conn_->socket().async_wait(
          asio::socket_base::wait_write,
          [this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& wait_ec) {
            if (alive.expired()) {
              return;
            }
            write_blocked_ = false;
            if (!wait_ec && !outcome_) {
              Flush();
              ArmTun();  // the TUN pauses while the socket is full
            }
          });
      return;
    }
    if (ec) {
      Finish(TunnelEnd::kLinkDead, "send failed: " + ec.message());
      return;
    }
    conn_->engine().ConsumeOutgoing(n);
  }
}

// ---------------------------------------------------------------- TUN

void Tunnel::ArmTun() {
  if (tun_armed_ || outcome_ || write_blocked_ || switch_pending_) {
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
  std::uint8_t* frame = frame_buffer_.data();
  const std::size_t max_packet = std::min<std::size_t>(cstp::kMaxPayload, read_limit_);
  std::uint64_t tls_packets = 0;
  std::uint64_t dtls_packets = 0;
  const bool use_dtls = data_on_dtls_ && dtls_ && dtls_->up();
  tls::TlsEngine& engine = conn_->engine();
  engine.Cork();
  for (int i = 0; i < kTunBatch; ++i) {
    // The packet lands right after room for the CSTP header: no copy to frame it. The 1-byte
    // DTLS header fits in the same room, right before the packet.
    Result<std::size_t> n = tun_.Read(MutableByteSpan(frame + cstp::kHeaderSize, max_packet));
    if (!n) {
      if (n.error().code != Errc::kWouldBlock) {
        (void)engine.Uncork();
        Finish(TunnelEnd::kFatal, "TUN read failed: " + n.error().ToString());
        return;
      }
      break;
    }
    counters_.bytes_out += *n;
    if (use_dtls && dtls_->up()) {
      if (dtls_->QueuePacket(frame + cstp::kHeaderSize - 1, *n)) {
        ++dtls_packets;
        continue;
      }
      // Beyond the DTLS record limit (or DTLS failing): this packet goes over TLS.
    }
    cstp::WriteHeader(frame, cstp::PacketType::kData, static_cast<std::uint16_t>(*n));
    if (auto written = engine.WriteRecord(ByteSpan(frame, cstp::kHeaderSize + *n)); !written) {
      log_.Warn("TLS write failed: {}", written.error().ToString());
      break;
    }
    ++tls_packets;
  }
  if (dtls_packets > 0 && dtls_) {
    dtls_->Flush();  // one sendmmsg for the batch
  }
  if (auto flushed = engine.Uncork(); !flushed) {
    Finish(TunnelEnd::kLinkDead, flushed.error().ToString());
    return;
  }
  counters_.packets_out += tls_packets + dtls_packets;
  counters_.dtls_packets_out += dtls_packets;
  if (tls_packets > 0) {
    liveness_.OnSent(ClientNow());
  }
  Flush();
  ArmTun();
}

// ---------------------------------------------------------------- DTLS

void Tunnel::StartDtls() {
  if (!params_.dtls || outcome_) {
    return;
  }
  const ClientDtlsPlan& plan = *params_.dtls;
  DtlsLink::Options options;
  options.plan = plan;
  options.retry = params_.dtls_retry;
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(params_.gateway_ip, ec);
  if (ec) {
    Say("DTLS: no usable gateway address (" + params_.gateway_ip + "); data path: TLS");
    return;
  }
  options.remote = boost::asio::ip::udp::endpoint(address, plan.port);
  if (plan.suite.mode == proto::tunnel::DtlsMode::kPsk) {
    // The PSK is bound to this very TLS connection (§8.6): every reconnect derives a new one.
    auto psk = conn_->engine().ExportKeyingMaterial("EXPORTER-openconnect-psk", 32);
    if (!psk) {
      Say("DTLS: cannot derive the PSK (" + psk.error().ToString() + "); data path: TLS");
      return;
    }
    options.key = SecretBytes(std::move(*psk));
  } else {
    options.key = params_.dtls_master_secret;
  }
  Say(fmt::format("DTLS: {} handshake with {}:{} started; data path: TLS until it completes",
                  plan.suite.name, params_.gateway_ip, plan.port));
  DtlsLink::Sink& sink = *this;
  dtls_ = std::make_unique<DtlsLink>(io_, std::move(options), sink, log_.WithComponent("dtls"));
  dtls_->Start();
}

bool Tunnel::TlsDrained() {
  if (write_blocked_ || !conn_->engine().PendingOutgoing().empty()) {
    return false;
  }
  // SIOCOUTQ: bytes in the TCP send queue not yet acknowledged by the gateway. Zero means
  // every packet sent over TLS so far has arrived there, so DTLS cannot overtake any of them.
  int unacked = 0;
  if (::ioctl(conn_->socket().native_handle(), SIOCOUTQ, &unacked) != 0) {
    return true;
  }
  return unacked == 0;
}

void Tunnel::TrySwitchToDtls() {
  if (outcome_ || !switch_pending_) {
    return;
  }
  if (!dtls_ || !dtls_->up()) {
    switch_pending_ = false;
    ArmTun();
    return;
  }
  Flush();
  bool drained = TlsDrained();
  if (!drained && ClientNow() < switch_deadline_) {
    switch_timer_.expires_after(std::chrono::milliseconds(2));
    switch_timer_.async_wait(
        [this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
          if (!alive.expired() && !ec) {
            TrySwitchToDtls();
          }
        });
    return;
  }
  switch_pending_ = false;
  data_on_dtls_ = true;
  Say("data path: DTLS (" + dtls_->Description() + ")" +
      (drained ? std::string() : std::string(", TLS not yet drained")));
  ArmTun();
}

void Tunnel::OnDtlsPacket(ByteSpan ip_packet) {
  if (outcome_) {
    return;
  }
  if (auto written = tun_.Write(ip_packet); !written) {
    log_.Debug("TUN write failed: {}", written.error().ToString());
  }
  counters_.bytes_in += ip_packet.size();
  ++counters_.packets_in;
  ++counters_.dtls_packets_in;
}

void Tunnel::OnDtlsUp(const std::string& description) {
  if (outcome_) {
    return;
  }
  Say("DTLS: established (" + description + ")");
  switch_pending_ = true;
  switch_deadline_ = ClientNow() + kSwitchDrainLimit;
  TrySwitchToDtls();
}

void Tunnel::OnDtlsDown(std::string_view reason) {
  if (outcome_) {
    return;
  }
  switch_timer_.cancel();
  bool was_on_dtls = data_on_dtls_ || switch_pending_;
  data_on_dtls_ = false;
  switch_pending_ = false;
  if (was_on_dtls) {
    Say(fmt::format("data path: TLS ({})", reason));
  }
  ArmTun();
}

void Tunnel::OnDtlsMtu(std::uint32_t mtu) {
  if (outcome_ || !params_.set_mtu) {
    return;
  }
  const bool fallback = params_.dtls && mtu == params_.dtls->cstp_mtu;
  if (auto set = params_.set_mtu(static_cast<int>(mtu)); !set) {
    Say("Tunnel: cannot change the MTU to " + std::to_string(mtu) + ": " + set.error().ToString());
    return;
  }
  Say(fmt::format("Tunnel: MTU {} ({})", mtu,
                  fallback ? "X-CSTP-MTU, DTLS unavailable" : "DTLS MTU, DTLS up again"));
}

void Tunnel::OnDtlsProgress(const std::string& line) {
  if (!outcome_) {
    Say(line);
  }
}

// ---------------------------------------------------------------- timers

void Tunnel::ArmTimer() {
  if (outcome_) {
    return;
  }
  Instant deadline = liveness_.NextDeadline();
  if (deadline == timer_deadline_) {
    return;
  }
  timer_deadline_ = deadline;
  if (deadline == Instant::Max()) {
    timer_.cancel();
    return;
  }
  Duration wait = std::max(Duration(0), deadline - ClientNow());
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
  switch (liveness_.Poll(ClientNow())) {
    case Liveness::Action::kSendDpd:
      log_.Debug("sending DPD request");
      SendControl(cstp::DpdRequestFrame());
      Flush();
      break;
    case Liveness::Action::kSendKeepalive:
      SendControl(cstp::KeepaliveFrame());
      Flush();
      break;
    case Liveness::Action::kPeerDead:
      Finish(TunnelEnd::kLinkDead, "DPD timeout: the gateway stopped answering");
      return;
    case Liveness::Action::kNone: break;
  }
  ArmTimer();
}

void Tunnel::Stop(std::string_view reason) {
  if (outcome_) {
    return;
  }
  // 0xB0 + text: "the user ended the session"; ocserv then kills the cookie (§7.3).
  if (dtls_) {
    dtls_->Close();
  }
  SendControl(cstp::UserDisconnectFrame(reason));
  conn_->engine().Close();
  write_blocked_ = false;
  (void)conn_->FlushAll(ClientNow() + seconds(2));
  Finish(TunnelEnd::kUserQuit, std::string(reason));
}

}  // namespace sekisho::client

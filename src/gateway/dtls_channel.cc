#include "gateway/dtls_channel.h"

#include "net/datagram_batch_linux.h"
#include "net/socket_buffers.h"
#include "proto/cstp/wire.h"
#include "proto/dtls/payload.h"

#include <algorithm>
namespace sekisho::gateway {
namespace {

namespace asio = boost::asio;
using proto::cstp::PacketType;

}  // namespace

Result<net::ScopedFd> OpenDtlsSocket(const asio::ip::udp::endpoint& local,
                                     const asio::ip::udp::endpoint& remote) {
  asio::io_context scratch;  // only to use Asio's option and error plumbing
  asio::ip::udp::socket socket(scratch);
  boost::system::error_code ec;
  socket.open(local.protocol(), ec);
  // Shares the listener's address and port; the kernel prefers this connected socket for the
  // client's datagrams.
  if (!ec) {
    socket.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    socket.bind(local, ec);
  }
  if (!ec) {
    socket.connect(remote, ec);
  }
  if (!ec) {
    socket.non_blocking(true, ec);
  }
  if (ec) {
    return sekisho::Fail(Errc::kIo, "DTLS socket: " + ec.message());
  }
  net::EnlargeSocketBuffers(socket.native_handle(), net::kDtlsSocketBuffer);
  return net::ScopedFd(socket.release(ec));
}

Result<std::unique_ptr<DtlsChannel>> DtlsChannel::Create(asio::io_context& io, const Clock& clock,
                                                         Options options, net::ScopedFd socket,
                                                         std::unique_ptr<tls::TlsEngine> engine,
                                                         Sink& sink, Logger log) {
  std::unique_ptr<DtlsChannel> channel(
      new DtlsChannel(io, clock, std::move(options), std::move(engine), sink, std::move(log)));
  boost::system::error_code ec;
  const auto protocol =
      channel->options_.remote.address().is_v6() ? asio::ip::udp::v6() : asio::ip::udp::v4();
  channel->socket_.assign(protocol, socket.get(), ec);
  if (ec) {
    return sekisho::Fail(Errc::kIo, "DTLS socket: " + ec.message());
  }
  (void)socket.release();  // the Asio socket owns it now
  channel->socket_.non_blocking(true, ec);
  return channel;
}

DtlsChannel::DtlsChannel(asio::io_context& io, const Clock& clock, Options options,
                         std::unique_ptr<tls::TlsEngine> engine, Sink& sink, Logger log)
    : clock_(clock),
      options_(std::move(options)),
      engine_(std::move(engine)),
      sink_(sink),
      log_(std::move(log)),
      socket_(io),
      timer_(io) {}

DtlsChannel::~DtlsChannel() {
  *alive_ = false;
  boost::system::error_code ec;
  timer_.cancel();
  socket_.close(ec);
}

void DtlsChannel::Start(ByteSpan first_datagram) {
  OnDatagram(first_datagram);
  Flush();
  ArmRead();
  ArmTimer();
}

std::string DtlsChannel::Description() const { return engine_->CipherDescription(); }

void DtlsChannel::ArmRead() {
  if (read_armed_ || state_ == State::kDead) {
    return;
  }
  read_armed_ = true;
  socket_.async_wait(asio::socket_base::wait_read,
                     [this, alive = alive_](const boost::system::error_code& ec) {
                       if (!*alive) {
                         return;
                       }
                       read_armed_ = false;
                       if (!ec) {
                         OnReadable();
                       }
                     });
}

void DtlsChannel::OnReadable() {
  std::array<MutableByteSpan, kBatch> buffers;
  for (std::size_t i = 0; i < kBatch; ++i) {
    buffers[i] = MutableByteSpan(rx_buffers_[i]);
  }
  std::array<std::size_t, kBatch> sizes{};
  // Bounded rounds so one busy client cannot starve the event loop.
  for (int round = 0; round < 4 && state_ != State::kDead; ++round) {
    Result<std::size_t> n = net::ReceiveDatagrams(socket_.native_handle(), buffers, sizes);
    if (!n) {
      // ICMP port unreachable and the like: the client's UDP went away.
      Fail(n.error().ToString());
      return;
    }
    for (std::size_t i = 0; i < *n && state_ != State::kDead; ++i) {
      OnDatagram(ByteSpan(rx_buffers_[i].data(), sizes[i]));
    }
    if (*n < kBatch) {
      break;
    }
  }
  Flush();
  ArmRead();
  ArmTimer();
}

void DtlsChannel::OnDatagram(ByteSpan datagram) {
  engine_->FeedIncoming(datagram);
  if (state_ == State::kHandshake) {
    Result<bool> done = engine_->Handshake();
    if (!done) {
      Fail("DTLS handshake failed: " + done.error().ToString());
      return;
    }
    if (!*done) {
      return;
    }
    state_ = State::kEstablished;
    Instant now = clock_.Now();
    liveness_.emplace(options_.dpd, options_.keepalive,
                      proto::session::ChannelLiveness::Role::kGateway, now);
    log_.Info("DTLS established with {}: {}", options_.remote.address().to_string(),
              engine_->CipherDescription());
    sink_.OnDtlsEstablished();
  }
  DrainRecords();
}

void DtlsChannel::DrainRecords() {
  while (state_ == State::kEstablished) {
    Result<std::size_t> n = engine_->ReadRecord(MutableByteSpan(record_buffer_));
    if (!n) {
      if (n.error().code == Errc::kClosed) {
        Fail("client closed DTLS");
      } else {
        // A corrupt or replayed datagram: DTLS drops it and the channel lives on.
        log_.Debug("DTLS record dropped: {}", n.error().ToString());
        continue;
      }
      return;
    }
    if (*n == 0) {
      return;
    }
    liveness_->OnReceived(clock_.Now());
    OnRecord(ByteSpan(record_buffer_.data(), *n));
  }
}

void DtlsChannel::OnRecord(ByteSpan record) {
  Result<proto::dtls::DtlsPacket> packet = proto::dtls::ParseDtlsPayload(record);
  if (!packet) {
    // openconnect ignores unknown DTLS types instead of aborting (§8.1); so do we.
    log_.Debug("ignoring DTLS record: {}", packet.error().ToString());
    return;
  }
  switch (packet->type) {
    case PacketType::kData: sink_.OnDtlsPacket(packet->payload); return;
    case PacketType::kDpdRequest:
      SendControl(static_cast<std::uint8_t>(PacketType::kDpdResponse), packet->payload);
      return;
    case PacketType::kDisconnect: Fail("client sent DISCONNECT on DTLS"); return;
    case PacketType::kDpdResponse:
    case PacketType::kKeepalive:
    case PacketType::kCompressed:
    case PacketType::kTerminate: return;
  }
}

Result<void> DtlsChannel::QueuePacket(MutableByteSpan packet_with_headroom,
                                      std::size_t packet_size) {
  // The caller reserved one byte before the packet for the AnyConnect header.
  std::uint8_t* header = packet_with_headroom.data() - 1;
  proto::dtls::WriteDtlsHeader(header, PacketType::kData);
  SEKISHO_TRY(engine_->WriteRecord(ByteSpan(header, packet_size + 1)));
  return Ok();
}

void DtlsChannel::SendControl(std::uint8_t type, ByteSpan payload) {
  std::array<std::uint8_t, 16384 + 1> frame{};
  std::size_t size = std::min(payload.size(), frame.size() - 1);
  frame[0] = type;
  std::copy_n(payload.begin(), size, frame.begin() + 1);
  if (auto written = engine_->WriteRecord(ByteSpan(frame.data(), size + 1)); !written) {
    log_.Debug("DTLS control record not sent: {}", written.error().ToString());
    return;
  }
  if (liveness_) {
    liveness_->OnSent(clock_.Now());
  }
}

void DtlsChannel::Flush() {
  std::array<ByteSpan, net::kMaxDatagramBatch> queued{};
  while (state_ != State::kDead) {
    // The engine's ring holds the encrypted datagrams; send them in place, no copy.
    std::size_t count = engine_->PeekDatagrams(queued);
    if (count == 0) {
      return;
    }
    Result<std::size_t> sent =
        net::SendDatagrams(socket_.native_handle(), std::span(queued.data(), count));
    if (!sent) {
      if (sent.error().code == Errc::kClosed) {
        Fail("client's UDP port is closed");
        return;
      }
      log_.Debug("DTLS send failed: {}", sent.error().ToString());
    }
    // UDP has no backpressure worth waiting for: what the kernel refused is dropped, as a
    // router would (the 8 MiB socket buffer makes that rare).
    engine_->PopDatagrams(count);
    if (liveness_ && sent && *sent > 0) {
      liveness_->OnSent(clock_.Now());
    }
  }
}

void DtlsChannel::ArmTimer() {
  if (state_ == State::kDead) {
    return;
  }
  Instant now = clock_.Now();
  Instant deadline = Instant::Max();
  if (auto handshake = engine_->NextDeadline(now)) {
    deadline = std::min(deadline, *handshake);
  }
  if (liveness_) {
    deadline = std::min(deadline, liveness_->NextDeadline());
  }
  if (deadline == Instant::Max()) {
    return;
  }
  Duration wait = std::max(Duration(0), deadline - now);
  timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait));
  timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (*alive && !ec) {
      OnTimer();
    }
  });
}

void DtlsChannel::OnTimer() {
  Instant now = clock_.Now();
  if (state_ == State::kHandshake) {
    if (auto result = engine_->OnTimer(now); !result) {
      Fail("DTLS handshake timed out: " + result.error().ToString());
      return;
    }
  } else if (liveness_) {
    switch (liveness_->Poll(now)) {
      case proto::session::ChannelLiveness::Action::kSendDpd:
        SendControl(static_cast<std::uint8_t>(PacketType::kDpdRequest), {});
        break;
      case proto::session::ChannelLiveness::Action::kSendKeepalive:
        SendControl(static_cast<std::uint8_t>(PacketType::kKeepalive), {});
        break;
      case proto::session::ChannelLiveness::Action::kPeerDead: Fail("DTLS DPD timeout"); return;
      case proto::session::ChannelLiveness::Action::kNone: break;
    }
  }
  Flush();
  ArmTimer();
}

void DtlsChannel::Fail(std::string_view reason) {
  if (state_ == State::kDead) {
    return;
  }
  state_ = State::kDead;
  log_.Info("DTLS channel down: {}", reason);
  boost::system::error_code ec;
  timer_.cancel();
  socket_.cancel(ec);
  sink_.OnDtlsDown(reason);
}

void DtlsChannel::Close() {
  if (state_ == State::kEstablished) {
    SendControl(static_cast<std::uint8_t>(PacketType::kDisconnect), {});
    Flush();
  }
  state_ = State::kDead;
  boost::system::error_code ec;
  timer_.cancel();
  socket_.cancel(ec);
}

}  // namespace sekisho::gateway

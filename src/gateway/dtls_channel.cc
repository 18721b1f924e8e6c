#include "gateway/dtls_channel.h"

#include "net/datagram_batch_linux.h"
#include "net/socket_buffers.h"
#include "proto/dtls/client_hello.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

namespace sekisho::gateway {
namespace {

namespace asio = boost::asio;

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
                                                         const asio::ip::udp::endpoint& remote,
                                                         net::ScopedFd socket,
                                                         std::unique_ptr<tls::TlsEngine> engine,
                                                         Sink& sink, Logger log) {
  std::unique_ptr<DtlsChannel> channel(
      new DtlsChannel(io, clock, remote, std::move(engine), sink, std::move(log)));
  boost::system::error_code ec;
  const auto protocol = remote.address().is_v6() ? asio::ip::udp::v6() : asio::ip::udp::v4();
  channel->socket_.assign(protocol, socket.get(), ec);
  if (ec) {
    return sekisho::Fail(Errc::kIo, "DTLS socket: " + ec.message());
  }
  (void)socket.release();  // the Asio socket owns it now
  channel->socket_.non_blocking(true, ec);
  return channel;
}

DtlsChannel::DtlsChannel(asio::io_context& io, const Clock& clock,
                         const asio::ip::udp::endpoint& remote,
                         std::unique_ptr<tls::TlsEngine> engine, Sink& sink, Logger log)
    : clock_(clock),
      remote_(remote),
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

void DtlsChannel::SetProbation(Instant deadline) { probation_deadline_ = deadline; }

void DtlsChannel::Start(ByteSpan first_datagram) {
  OnDatagram(first_datagram);
  Flush();
  ArmRead();
  ArmTimer();
}

std::string DtlsChannel::Description() const { return engine_->CipherDescription(); }

// ---------------------------------------------------------------- receive

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
      break;
    }
    for (std::size_t i = 0; i < *n && state_ != State::kDead; ++i) {
      OnDatagram(ByteSpan(rx_buffers_[i].data(), sizes[i]));
    }
    if (*n < kBatch) {
      break;
    }
  }
  Flush();  // handshake flights
  ArmRead();
  ArmTimer();
  sink_.OnDtlsWake();
}

void DtlsChannel::OnDatagram(ByteSpan datagram) {
  if (state_ == State::kHandshake && proto::dtls::ExtractClientHelloSessionId(datagram)) {
    if (hello_seen_ && on_probation()) {
      // A retransmitted or replayed ClientHello: GnuTLS would resend its whole flight to an
      // address that has proven nothing. A real client gets its answer from the first flight,
      // or starts over once this channel is gone.
      return;
    }
    hello_seen_ = true;
  }
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
    probation_deadline_.reset();
    timer_.cancel();
    log_.Info("DTLS established with {}: {}", remote_.address().to_string(),
              engine_->CipherDescription());
    sink_.OnDtlsHandshakeDone(*this);
  }
  while (state_ == State::kEstablished) {
    Result<std::size_t> n = engine_->ReadRecord(MutableByteSpan(record_buffer_));
    if (!n) {
      if (n.error().code == Errc::kClosed) {
        Fail("client closed DTLS");
        return;
      }
      // A corrupt or replayed datagram: DTLS drops it and the channel lives on.
      log_.Debug("DTLS record dropped: {}", n.error().ToString());
      continue;
    }
    if (*n == 0) {
      return;
    }
    sink_.OnDtlsRecord(*this, ByteSpan(record_buffer_.data(), *n));
  }
}

// ---------------------------------------------------------------- send

Result<void> DtlsChannel::QueueRecord(ByteSpan record) {
  if (state_ != State::kEstablished) {
    return sekisho::Fail(Errc::kInvalidArgument, "DTLS is not established");
  }
  return engine_->WriteRecord(record);
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
  }
}

// ---------------------------------------------------------------- handshake timer

void DtlsChannel::ArmTimer() {
  if (state_ != State::kHandshake) {
    return;
  }
  Instant now = clock_.Now();
  // On probation only the deadline counts: no retransmission to an unproven address.
  std::optional<Instant> deadline =
      on_probation() ? probation_deadline_ : engine_->NextDeadline(now);
  if (!deadline) {
    return;
  }
  Duration wait = std::max(Duration(0), *deadline - now);
  timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait));
  timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (*alive && !ec) {
      OnTimer();
    }
  });
}

void DtlsChannel::OnTimer() {
  if (state_ != State::kHandshake) {
    return;
  }
  if (on_probation()) {
    if (clock_.Now() >= *probation_deadline_) {
      Fail("the handshake from a new address did not complete in time");
    } else {
      ArmTimer();
    }
    sink_.OnDtlsWake();
    return;
  }
  if (auto result = engine_->OnTimer(clock_.Now()); !result) {
    Fail("DTLS handshake timed out: " + result.error().ToString());
  } else {
    Flush();
    ArmTimer();
  }
  sink_.OnDtlsWake();
}

// ---------------------------------------------------------------- end

void DtlsChannel::Fail(const std::string& reason) {
  if (state_ == State::kDead) {
    return;
  }
  if (on_probation()) {
    // Nothing was established: the tunnel's channel (if any) is untouched.
    log_.Info("DTLS handshake on probation with {} given up: {}", remote_.address().to_string(),
              reason);
  } else {
    log_.Info("DTLS channel down: {}", reason);
  }
  Close();
  sink_.OnDtlsFailed(*this, reason);
}

void DtlsChannel::Close() {
  state_ = State::kDead;
  boost::system::error_code ec;
  timer_.cancel();
  socket_.cancel(ec);
}

}  // namespace sekisho::gateway

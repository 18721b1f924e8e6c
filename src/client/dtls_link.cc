#include "client/dtls_link.h"

#include "net/datagram_batch_linux.h"
#include "net/socket_buffers.h"

#include <fmt/format.h>

#include <utility>

namespace sekisho::client {
namespace {

namespace asio = boost::asio;
namespace tunnel = proto::tunnel;

}  // namespace

DtlsLink::DtlsLink(asio::io_context& io, Options options, Sink& sink, Logger log)
    : io_(io), options_(std::move(options)), sink_(sink), log_(std::move(log)) {}

DtlsLink::~DtlsLink() {
  *alive_ = false;
  Abandon();
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

Result<void> DtlsLink::BeginAttempt() {
  Abandon();
  SEKISHO_ASSIGN_OR_RETURN(engine_, CreateEngine());
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
    Abandon();
    return sekisho::Fail(Errc::kIo, "UDP socket: " + ec.message());
  }
  net::EnlargeSocketBuffers(socket_->native_handle(), net::kDtlsSocketBuffer);
  ++generation_;
  state_ = State::kHandshaking;
  answered_ = false;
  log_.Debug("DTLS: ClientHello to {}:{} ({})", options_.remote.address().to_string(),
             options_.remote.port(), options_.plan.suite.name);
  if (auto started = engine_->Handshake(); !started) {
    Abandon();
    return sekisho::Fail(started.error().code,
                         "DTLS handshake failed: " + started.error().ToString());
  }
  ArmRead();
  return Ok();
}

void DtlsLink::Abandon() {
  boost::system::error_code ec;
  if (socket_) {
    socket_->close(ec);
    socket_.reset();
  }
  read_armed_ = false;
  ++generation_;
  engine_.reset();
  state_ = State::kIdle;
}

void DtlsLink::Drop(const std::string& reason) {
  Abandon();
  sink_.OnDtlsFailed(reason);
}

// ---------------------------------------------------------------- receive

void DtlsLink::ArmRead() {
  if (read_armed_ || !socket_) {
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

void DtlsLink::ReadPending() {
  if (socket_) {
    OnReadable();
  }
}

void DtlsLink::OnReadable() {
  std::array<MutableByteSpan, kBatch> buffers;
  for (std::size_t i = 0; i < kBatch; ++i) {
    buffers[i] = MutableByteSpan(rx_buffers_[i]);
  }
  std::array<std::size_t, kBatch> sizes{};
  const std::uint64_t generation = generation_;
  for (int round = 0; round < 4 && socket_ && generation == generation_; ++round) {
    Result<std::size_t> n = net::ReceiveDatagrams(socket_->native_handle(), buffers, sizes);
    if (!n) {
      // kClosed: ICMP port unreachable, nothing listens on the gateway's UDP port.
      Drop(n.error().ToString());
      break;
    }
    for (std::size_t i = 0; i < *n && socket_ && generation == generation_; ++i) {
      OnDatagram(ByteSpan(rx_buffers_[i].data(), sizes[i]));
    }
    if (*n < kBatch) {
      break;
    }
  }
  ArmRead();
  sink_.OnDtlsWake();
}

void DtlsLink::OnDatagram(ByteSpan datagram) {
  engine_->FeedIncoming(datagram);
  if (state_ == State::kHandshaking) {
    if (!answered_) {
      answered_ = true;
      sink_.OnDtlsAnswered();
    }
    Result<bool> done = engine_->Handshake();
    if (!done) {
      Drop("DTLS handshake failed: " + done.error().ToString());
      return;
    }
    if (!*done) {
      return;
    }
    state_ = State::kEstablished;
    log_.Info("DTLS established: {}", engine_->CipherDescription());
    sink_.OnDtlsHandshakeDone();
  }
  while (state_ == State::kEstablished) {
    Result<std::size_t> n = engine_->ReadRecord(MutableByteSpan(record_buffer_));
    if (!n) {
      if (n.error().code == Errc::kClosed) {
        Drop("the gateway closed DTLS");
        return;
      }
      // A corrupt or replayed datagram: DTLS drops it and the channel lives on.
      log_.Debug("DTLS record dropped: {}", n.error().ToString());
      continue;
    }
    if (*n == 0) {
      return;
    }
    sink_.OnDtlsRecord(ByteSpan(record_buffer_.data(), *n));
  }
}

// ---------------------------------------------------------------- send

Result<void> DtlsLink::QueueRecord(ByteSpan record) {
  if (state_ != State::kEstablished) {
    return sekisho::Fail(Errc::kInvalidArgument, "DTLS is not established");
  }
  return engine_->WriteRecord(record);
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
      Drop(sent.error().ToString());
      return;
    }
    // UDP has no backpressure worth waiting for: what the kernel refused is dropped, as a
    // router would (the 8 MiB socket buffer makes that rare).
    engine_->PopDatagrams(count);
  }
}

// ---------------------------------------------------------------- handshake timer

std::optional<Instant> DtlsLink::EngineDeadline(Instant now) const {
  if (state_ != State::kHandshaking || !engine_) {
    return std::nullopt;
  }
  return engine_->NextDeadline(now);
}

void DtlsLink::OnEngineTimer(Instant now) {
  if (state_ != State::kHandshaking || !engine_) {
    return;
  }
  if (auto ticked = engine_->OnTimer(now); !ticked) {
    Drop(ticked.error().code == Errc::kTimeout
             ? std::string("DTLS handshake timed out")
             : "DTLS handshake failed: " + ticked.error().ToString());
    return;
  }
  Flush();
}

}  // namespace sekisho::client

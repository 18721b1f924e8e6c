#include "client/https_session.h"

#include "client/http_dump.h"
#include "proto/http/writer.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <utility>

namespace sekisho::client {
namespace {

namespace asio = boost::asio;

// Waits until `fd` is ready for `events` or the deadline passes.
Result<void> WaitFd(int fd, short events, Instant deadline) {
  while (true) {
    Instant now = ClientNow();
    if (now >= deadline) {
      return Fail(Errc::kTimeout, "no answer from the gateway in time");
    }
    auto ms = std::chrono::duration_cast<milliseconds>(deadline - now).count();
    pollfd pfd{fd, events, 0};
    int rc = ::poll(&pfd, 1, static_cast<int>(std::min<long long>(ms + 1, 60000)));
    if (rc > 0) {
      return Ok();
    }
    if (rc < 0 && errno != EINTR) {
      return Fail(Errc::kIo, std::string("poll: ") + std::strerror(errno));
    }
  }
}

}  // namespace

Instant ClientNow() { return SteadyClock().Now(); }

TlsConnection::TlsConnection(asio::ip::tcp::socket socket, std::unique_ptr<tls::TlsEngine> engine,
                             std::string peer_ip)
    : socket_(std::move(socket)), engine_(std::move(engine)), peer_ip_(std::move(peer_ip)) {}

std::unique_ptr<TlsConnection> TlsConnection::Open(
    asio::io_context& io, const std::string& host, std::uint16_t port,
    std::shared_ptr<const tls::ClientCredentials> creds, Duration timeout, const Logger& log,
    OpenFailure* failure) {
  auto fail = [failure](Error error, std::optional<tls::VerifyResult> verify = std::nullopt) {
    if (failure != nullptr) {
      failure->error = std::move(error);
      failure->verify = std::move(verify);
    }
    return std::unique_ptr<TlsConnection>();
  };
  Instant deadline = ClientNow() + timeout;
  boost::system::error_code ec;
  asio::ip::tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) {
    return fail(Error{Errc::kIo, "cannot resolve " + host + ": " + ec.message()});
  }
  Error last{Errc::kIo, "no address for " + host};
  for (const auto& entry : endpoints) {
    asio::ip::tcp::socket socket(io);
    auto endpoint = entry.endpoint();
    socket.open(endpoint.protocol(), ec);
    if (ec) {
      last = Error{Errc::kIo, "socket: " + ec.message()};
      continue;
    }
    socket.non_blocking(true, ec);
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    socket.connect(endpoint, ec);
    if (ec == asio::error::in_progress || ec == asio::error::would_block) {
      if (auto waited = WaitFd(socket.native_handle(), POLLOUT, deadline); !waited) {
        last = waited.error();
        continue;
      }
      int so_error = 0;
      socklen_t len = sizeof(so_error);
      ::getsockopt(socket.native_handle(), SOL_SOCKET, SO_ERROR, &so_error, &len);
      if (so_error != 0) {
        last = Error{Errc::kIo, "connect to " + endpoint.address().to_string() + ": " +
                                    std::strerror(so_error)};
        continue;
      }
    } else if (ec) {
      last = Error{Errc::kIo, "connect to " + endpoint.address().to_string() + ": " + ec.message()};
      continue;
    }
    log.Debug("TCP connected to {}:{}", endpoint.address().to_string(), port);
    tls::EngineOptions options;
    options.logger = log;
    auto engine = tls::TlsEngine::CreateClient(creds, host, options);
    if (!engine) {
      return fail(engine.error());
    }
    auto conn = std::make_unique<TlsConnection>(std::move(socket), std::move(*engine),
                                                endpoint.address().to_string());
    while (true) {
      Result<bool> done = conn->engine_->Handshake();
      if (!done) {
        // Deliver the alert, best effort.
        (void)conn->FlushAll(std::min(deadline, ClientNow() + seconds(1)));
        return fail(done.error(), conn->engine_->verify_result());
      }
      if (auto flushed = conn->FlushAll(deadline); !flushed) {
        return fail(flushed.error());
      }
      if (*done) {
        break;
      }
      if (auto read = conn->ReadMore(deadline); !read) {
        return fail(read.error().code == Errc::kClosed
                        ? Error{Errc::kTls,
                                "the gateway closed the connection during the TLS "
                                "handshake"}
                        : read.error());
      }
    }
    log.Debug("TLS established: {}", conn->engine_->CipherDescription());
    return conn;
  }
  return fail(last);
}

Result<void> TlsConnection::FlushAll(Instant deadline) {
  while (true) {
    ByteSpan pending = engine_->PendingOutgoing();
    if (pending.empty()) {
      return Ok();
    }
    boost::system::error_code ec;
    std::size_t n = socket_.write_some(asio::buffer(pending.data(), pending.size()), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      SEKISHO_TRY(WaitFd(socket_.native_handle(), POLLOUT, deadline));
      continue;
    }
    if (ec) {
      return Fail(Errc::kIo, "send: " + ec.message());
    }
    engine_->ConsumeOutgoing(n);
  }
}

Result<void> TlsConnection::ReadMore(Instant deadline) {
  while (true) {
    boost::system::error_code ec;
    std::size_t n = socket_.read_some(asio::buffer(read_buffer_), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      SEKISHO_TRY(WaitFd(socket_.native_handle(), POLLIN, deadline));
      continue;
    }
    if (ec == asio::error::eof) {
      return Fail(Errc::kClosed, "the gateway closed the connection");
    }
    if (ec) {
      return Fail(Errc::kIo, "receive: " + ec.message());
    }
    engine_->FeedIncoming(ByteSpan(read_buffer_.data(), n));
    return Ok();
  }
}

HttpsSession::HttpsSession(std::unique_ptr<TlsConnection> connection)
    : connection_(std::move(connection)) {}

Result<proto::http::HttpResponse> HttpsSession::Exchange(const proto::http::HttpRequest& request,
                                                         Duration timeout) {
  if (!reusable_ || !connection_) {
    return Fail(Errc::kClosed, "connection not reusable");
  }
  reusable_ = false;  // until this exchange completes cleanly
  Instant deadline = ClientNow() + timeout;
  DumpHttpRequest(request);  // --dump-http-traffic (redacted; http_dump.h)
  std::string wire = proto::http::SerializeRequest(request);
  ByteSpan bytes = AsBytes(wire);
  tls::TlsEngine& engine = connection_->engine();
  while (!bytes.empty()) {
    std::size_t chunk = std::min<std::size_t>(bytes.size(), tls::kMaxRecordPlaintext);
    SEKISHO_TRY(engine.WriteRecord(bytes.first(chunk)));
    bytes = bytes.subspan(chunk);
  }
  SEKISHO_TRY(connection_->FlushAll(deadline));

  reader_.Reset();
  if (request.method == "CONNECT") {
    reader_.ExpectConnectResponse();
  } else if (request.method == "HEAD") {
    reader_.ExpectHeadResponse();
  }
  bool got_any = false;
  while (true) {
    if (!plain_.empty()) {
      SEKISHO_ASSIGN_OR_RETURN(std::size_t used, reader_.Feed(plain_));
      plain_.erase(plain_.begin(), plain_.begin() + static_cast<std::ptrdiff_t>(used));
      if (reader_.done()) {
        break;
      }
    }
    Result<std::size_t> n = engine.ReadRecord(MutableByteSpan(record_));
    if (!n) {
      if (n.error().code == Errc::kClosed) {
        SEKISHO_TRY(reader_.FinishAtEof());
        break;
      }
      return Fail(n.error());
    }
    if (*n > 0) {
      got_any = true;
      plain_.insert(plain_.end(), record_.begin(),
                    record_.begin() + static_cast<std::ptrdiff_t>(*n));
      continue;
    }
    if (auto read = connection_->ReadMore(deadline); !read) {
      if (read.error().code == Errc::kClosed) {
        if (!got_any) {
          return Fail(Errc::kClosed, "the gateway closed the connection before answering");
        }
        SEKISHO_TRY(reader_.FinishAtEof());
        break;
      }
      return Fail(read.error());
    }
  }
  bool keep = reader_.header_done() && reader_.keep_alive();
  proto::http::HttpResponse response = reader_.Take();
  reader_.Reset();
  DumpHttpResponse(response);
  reusable_ = keep && request.method != "CONNECT";
  return response;
}

std::unique_ptr<TlsConnection> HttpsSession::Release(Bytes* leftover) {
  if (leftover != nullptr) {
    *leftover = std::move(plain_);
  }
  plain_.clear();
  reusable_ = false;
  return std::move(connection_);
}

}  // namespace sekisho::client

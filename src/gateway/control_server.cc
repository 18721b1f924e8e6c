#include "gateway/control_server.h"

#include "proto/ctl/codec.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <type_traits>
#include <unistd.h>
#include <utility>

namespace sekisho::gateway {

namespace ctl = proto::ctl;
using boost::asio::local::stream_protocol;

namespace {

Bytes EncodeOrTooLarge(const ctl::Response& response) {
  auto frame = ctl::EncodeResponse(response);
  if (frame) {
    return std::move(*frame);
  }
  // An error response with a short message always fits.
  return *ctl::EncodeResponse(ctl::ErrorResponse{ctl::Status::kTooLarge, frame.error().context});
}

}  // namespace

std::uint64_t ControlHandler::TerminateUser(std::string_view user) {
  std::uint64_t ended = 0;
  for (const ctl::SessionInfo& session : Sessions()) {
    if (session.user == user && Disconnect(session.id)) {
      ++ended;
    }
  }
  return ended;
}

ctl::ReloadResponse ControlHandler::ReloadFromControl() {
  return {ctl::Status::kNotSupported, "reload not supported by this build"};
}

Bytes HandleControlRequest(ControlHandler& handler, ByteSpan payload) {
  auto request = ctl::DecodeRequest(payload);
  if (!request) {
    const Error& e = request.error();
    ctl::Status status = ctl::Status::kMalformed;
    if (e.code == Errc::kUnsupported) {
      status = ctl::Status::kUnsupportedVersion;
    } else if (e.context.rfind("unknown type", 0) == 0) {
      status = ctl::Status::kUnknownRequest;
    }
    return EncodeOrTooLarge(ctl::ErrorResponse{status, e.context});
  }
  return std::visit(
      [&](const auto& r) -> Bytes {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, ctl::ShowStatusRequest>) {
          return EncodeOrTooLarge(ctl::StatusResponse{handler.Status()});
        } else if constexpr (std::is_same_v<T, ctl::ShowSessionsRequest>) {
          std::vector<ctl::SessionInfo> sessions = handler.Sessions();
          if (!r.user.empty()) {
            std::erase_if(sessions, [&](const ctl::SessionInfo& s) { return s.user != r.user; });
          }
          return EncodeOrTooLarge(ctl::SessionsResponse{std::move(sessions)});
        } else if constexpr (std::is_same_v<T, ctl::ShowBansRequest>) {
          return EncodeOrTooLarge(ctl::BansResponse{handler.Bans()});
        } else if constexpr (std::is_same_v<T, ctl::UnbanRequest>) {
          bool found = handler.LiftBan(r.scope, r.key);
          return EncodeOrTooLarge(
              ctl::UnbanResponse{found ? ctl::Status::kOk : ctl::Status::kNotFound});
        } else if constexpr (std::is_same_v<T, ctl::TerminateUserRequest>) {
          const std::uint64_t ended = handler.TerminateUser(r.user);
          return EncodeOrTooLarge(ctl::TerminateUserResponse{
              ended > 0 ? ctl::Status::kOk : ctl::Status::kNotFound, ended});
        } else if constexpr (std::is_same_v<T, ctl::ReloadRequest>) {
          return EncodeOrTooLarge(handler.ReloadFromControl());
        } else {
          static_assert(std::is_same_v<T, ctl::DisconnectRequest>);
          bool found = handler.Disconnect(r.session_id);
          return EncodeOrTooLarge(
              ctl::DisconnectResponse{found ? ctl::Status::kOk : ctl::Status::kNotFound});
        }
      },
      *request);
}

// One accepted client. Reads a chunk, answers every complete request in it one write at a
// time (so a pipelining client cannot make us buffer unbounded responses), then reads again.
class ControlServer::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ControlServer& server, stream_protocol::socket socket)
      : server_(&server), socket_(std::move(socket)), timer_(socket_.get_executor()) {}

  void Start() {
    ArmTimer();
    Read();
  }

  // Called by the server when it stops; handlers still queued see server_ == nullptr.
  void Detach() {
    server_ = nullptr;
    Close();
  }

 private:
  void ArmTimer() {
    timer_.expires_after(std::chrono::seconds(kIdleTimeoutSeconds));
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) {
        self->Close();
      }
    });
  }

  void Read() {
    socket_.async_read_some(boost::asio::buffer(chunk_),
                            [self = shared_from_this()](const boost::system::error_code& ec,
                                                        std::size_t n) { self->OnRead(ec, n); });
  }

  void OnRead(const boost::system::error_code& ec, std::size_t n) {
    if (ec || server_ == nullptr) {
      Close();
      return;
    }
    ArmTimer();
    chunk_len_ = n;
    chunk_pos_ = 0;
    Process();
  }

  // Feeds buffered bytes until a frame completes, answers it, and continues after the write.
  void Process() {
    while (chunk_pos_ < chunk_len_) {
      auto used = decoder_.Feed(ByteSpan(chunk_.data() + chunk_pos_, chunk_len_ - chunk_pos_));
      if (!used) {
        // The stream cannot be resynchronised: answer once, then close.
        ctl::Status status =
            used.error().code == Errc::kTooLarge ? ctl::Status::kTooLarge : ctl::Status::kMalformed;
        Write(*ctl::EncodeResponse(ctl::ErrorResponse{status, used.error().context}),
              /*close_after=*/true);
        return;
      }
      chunk_pos_ += *used;
      if (decoder_.has_frame()) {
        Bytes response = HandleControlRequest(server_->handler_, decoder_.frame());
        decoder_.Pop();
        Write(std::move(response), /*close_after=*/false);
        return;
      }
    }
    Read();
  }

  void Write(Bytes frame, bool close_after) {
    out_ = std::move(frame);
    boost::asio::async_write(
        socket_, boost::asio::buffer(out_),
        [self = shared_from_this(), close_after](const boost::system::error_code& ec, std::size_t) {
          if (ec || close_after || self->server_ == nullptr) {
            self->Close();
            return;
          }
          self->Process();
        });
  }

  void Close() {
    if (closed_) {
      return;
    }
    closed_ = true;
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.shutdown(stream_protocol::socket::shutdown_both, ignored);
    socket_.close(ignored);
    if (server_ != nullptr) {
      server_->Forget(this);
    }
  }

  ControlServer* server_;
  stream_protocol::socket socket_;
  boost::asio::steady_timer timer_;
  std::array<std::uint8_t, 4096> chunk_{};
  std::size_t chunk_len_ = 0;
  std::size_t chunk_pos_ = 0;
  ctl::FrameDecoder decoder_;
  Bytes out_;
  bool closed_ = false;
};

ControlServer::ControlServer(boost::asio::io_context& io, ControlHandler& handler, Logger log)
    : io_(io), handler_(handler), log_(std::move(log)), acceptor_(io) {}

ControlServer::~ControlServer() {
  Stop();
  *alive_ = false;
}

Result<void> ControlServer::Start(const std::string& socket_path) {
  if (socket_path.empty() || socket_path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return Fail(Errc::kInvalidArgument, "control socket path too long: " + socket_path);
  }
  // The endpoint constructor throws on over-long paths, which the check above rules out.
  stream_protocol::endpoint endpoint(socket_path);
  boost::system::error_code ec;

  struct stat st {};
  if (::lstat(socket_path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return Fail(Errc::kIo, socket_path + " exists and is not a socket");
    }
    stream_protocol::socket probe(io_);
    probe.connect(endpoint, ec);
    if (!ec) {
      return Fail(Errc::kExhausted, "another process is listening on " + socket_path);
    }
    // Nobody answers: a stale socket from a previous run.
    ::unlink(socket_path.c_str());
  }

  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor_.bind(endpoint, ec);
  }
  if (ec) {
    acceptor_.close(ec);
    return Fail(Errc::kIo, "bind " + socket_path + ": " + ec.message());
  }
  path_ = socket_path;
  // chmod before listen(): until then connect() is refused, so the window with the umask's
  // mode cannot be used.
  if (::chmod(socket_path.c_str(), S_IRUSR | S_IWUSR) != 0) {
    std::string why = std::strerror(errno);
    Stop();
    return Fail(Errc::kIo, "chmod " + socket_path + ": " + why);
  }
  acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) {
    Stop();
    return Fail(Errc::kIo, "listen " + socket_path + ": " + ec.message());
  }
  log_.Info("control socket listening on {}", socket_path);
  Accept();
  return Ok();
}

void ControlServer::Accept() {
  acceptor_.async_accept(
      [this, alive = alive_](const boost::system::error_code& ec, stream_protocol::socket socket) {
        if (!*alive || !acceptor_.is_open()) {
          return;
        }
        if (ec) {
          log_.Warn("control accept failed: {}", ec.message());
        } else if (connections_.size() >= kMaxConnections) {
          log_.Warn("control socket: too many connections, refusing one");
          boost::system::error_code ignored;
          socket.close(ignored);
        } else {
          auto connection = std::make_shared<Connection>(*this, std::move(socket));
          connections_.emplace(connection.get(), connection);
          connection->Start();
        }
        Accept();
      });
}

void ControlServer::Forget(Connection* connection) { connections_.erase(connection); }

void ControlServer::Stop() {
  boost::system::error_code ignored;
  if (acceptor_.is_open()) {
    acceptor_.close(ignored);
  }
  auto connections = std::move(connections_);
  connections_.clear();
  for (auto& [raw, weak] : connections) {
    if (auto c = weak.lock()) {
      c->Detach();
    }
  }
  if (!path_.empty()) {
    ::unlink(path_.c_str());
    path_.clear();
  }
}

}  // namespace sekisho::gateway

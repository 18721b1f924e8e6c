#include "client/status_socket.h"

#include "client/pid_file.h"
#include "client/progress.h"
#include "client/xdg_paths.h"

#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <dirent.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

namespace sekisho::client {
namespace {

namespace asio = boost::asio;
using Local = asio::local::stream_protocol;

constexpr std::size_t kMaxAnswer = 64 * 1024;
constexpr int kClientTimeoutMs = 5000;

}  // namespace

// One request: read a line (bounded in size and time), answer, close.
class StatusServer::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& io, Local::socket socket, Provider& provider, Logger& log,
             std::shared_ptr<int> clients)
      : socket_(std::move(socket)),
        timer_(io),
        buffer_(kMaxRequest),
        provider_(provider),
        log_(log),
        clients_(std::move(clients)) {
    ++*clients_;
  }
  ~Connection() { --*clients_; }

  // The server is going away: no handler may call the provider afterwards.
  void Close() {
    closed_ = true;
    timer_.cancel();
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  void Start() {
    timer_.expires_after(kRequestTimeout);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) {
        self->log_.Warn("status socket: no request within {} s; connection closed",
                        kRequestTimeout.count());
        boost::system::error_code ignored;
        self->socket_.close(ignored);
      }
    });
    asio::async_read_until(socket_, buffer_, '\n',
                           [self = shared_from_this()](const boost::system::error_code& ec,
                                                       std::size_t n) { self->OnRequest(ec, n); });
  }

 private:
  void OnRequest(const boost::system::error_code& ec, std::size_t n) {
    timer_.cancel();
    if (closed_) {
      return;
    }
    if (ec) {
      // EOF before a newline, more than kMaxRequest bytes, or the timeout closed it.
      if (ec != asio::error::operation_aborted) {
        log_.Warn("status socket: bad request ({}); connection closed",
                  ec == asio::error::not_found ? "too long" : ec.message());
      }
      return;
    }
    std::string request(asio::buffers_begin(buffer_.data()),
                        asio::buffers_begin(buffer_.data()) + static_cast<std::ptrdiff_t>(n));
    std::optional<StatusFormat> format = ParseStatusRequest(request);
    if (!format) {
      log_.Warn("status socket: unknown request ({} bytes); connection closed", n);
      return;
    }
    ClientStatus status = provider_();
    answer_ = *format == StatusFormat::kJson ? RenderStatusJson(status) : RenderStatusText(status);
    asio::async_write(socket_, asio::buffer(answer_),
                      [self = shared_from_this()](const boost::system::error_code&, std::size_t) {
                        boost::system::error_code ignored;
                        self->socket_.shutdown(Local::socket::shutdown_both, ignored);
                      });
  }

  Local::socket socket_;
  asio::steady_timer timer_;
  asio::streambuf buffer_;
  Provider& provider_;
  Logger& log_;
  std::shared_ptr<int> clients_;
  std::string answer_;
  bool closed_ = false;
};

StatusServer::StatusServer(asio::io_context& io, Provider provider, const Logger& log)
    : io_(io), provider_(std::move(provider)), log_(log) {}

StatusServer::~StatusServer() { Stop(); }

void StatusServer::Start(const std::string& interface_name) {
  auto dir = RunDir();
  if (!dir) {
    log_.Warn("no status socket: {}", dir.error().ToString());
    return;
  }
  if (auto made = MakeDirectories(*dir); !made) {
    log_.Warn("no status socket: {}", made.error().ToString());
    return;
  }
  path_ = *dir + "/" + interface_name + ".sock";
  ::unlink(path_.c_str());  // a stale socket from a client that was killed
  boost::system::error_code ec;
  auto acceptor = std::make_unique<Local::acceptor>(io_);
  acceptor->open(Local(), ec);
  if (!ec) {
    // Created 0600 from the start: no window in which another user could connect.
    const mode_t old_mask = ::umask(0177);
    acceptor->bind(Local::endpoint(path_), ec);
    ::umask(old_mask);
  }
  if (!ec) {
    acceptor->listen(kMaxClients, ec);
  }
  if (ec) {
    log_.Warn("no status socket at {}: {}", path_, ec.message());
    path_.clear();
    return;
  }
  acceptor_ = std::move(acceptor);
  log_.Debug("status socket at {}", path_);
  Accept();
}

void StatusServer::Accept() {
  acceptor_->async_accept([this, alive = std::weak_ptr<int>(clients_)](
                              const boost::system::error_code& ec, Local::socket socket) {
    if (alive.expired() || !acceptor_ || ec == asio::error::operation_aborted) {
      return;
    }
    if (!ec) {
      if (*clients_ >= kMaxClients) {
        log_.Warn("status socket: {} requests already being served; connection closed",
                  kMaxClients);
      } else {
        auto connection =
            std::make_shared<Connection>(io_, std::move(socket), provider_, log_, clients_);
        std::erase_if(connections_, [](const auto& c) { return c.expired(); });
        connections_.push_back(connection);
        connection->Start();
      }
    }
    Accept();
  });
}

void StatusServer::Stop() {
  for (const auto& weak : connections_) {
    if (auto connection = weak.lock()) {
      connection->Close();
    }
  }
  connections_.clear();
  if (acceptor_) {
    boost::system::error_code ec;
    acceptor_->close(ec);
    acceptor_.reset();
  }
  if (!path_.empty()) {
    ::unlink(path_.c_str());
    path_.clear();
  }
}

// ---------------------------------------------------------------- sekisho status

namespace {

// Sends `request` and returns the answer; empty on any error (printed).
std::optional<std::string> Ask(const std::string& path, const std::string& request) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    Say("Error: socket path too long: {}", path);
    return std::nullopt;
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    Say("Error: socket: {}", std::strerror(errno));
    return std::nullopt;
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    Say("Error: cannot reach the client at {}: {}", path, std::strerror(errno));
    return std::nullopt;
  }
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    Say("Error: cannot send to {}: {}", path, std::strerror(errno));
    return std::nullopt;
  }
  std::string answer;
  std::vector<char> chunk(4096);
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kClientTimeoutMs);
  while (answer.size() < kMaxAnswer) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          give_up - std::chrono::steady_clock::now())
                          .count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) {
      Say("Error: no answer from the client at {}", path);
      return std::nullopt;
    }
    ssize_t n = ::recv(fd, chunk.data(), chunk.size(), 0);
    if (n < 0) {
      Say("Error: reading from {}: {}", path, std::strerror(errno));
      return std::nullopt;
    }
    if (n == 0) {
      break;
    }
    answer.append(chunk.data(), static_cast<std::size_t>(n));
  }
  if (answer.empty()) {
    Say("Error: the client at {} closed the connection without an answer", path);
    return std::nullopt;
  }
  return answer;
}

}  // namespace

int RunStatus(const std::string& interface_name, bool json) {
  auto dir = RunDir();
  if (!dir) {
    Say("Error: {}", dir.error().ToString());
    return 1;
  }
  std::vector<std::string> sockets;
  if (!interface_name.empty()) {
    sockets.push_back(*dir + "/" + interface_name + ".sock");
  } else if (DIR* d = ::opendir(dir->c_str())) {
    while (dirent* entry = ::readdir(d)) {
      std::string name = entry->d_name;
      if (name.size() > 5 && name.ends_with(".sock")) {
        sockets.push_back(*dir + "/" + name);
      }
    }
    ::closedir(d);
  }
  if (sockets.empty()) {
    Say("Error: no running sekisho client found in {}", *dir);
    return 1;
  }
  if (sockets.size() > 1) {
    Say("Error: several clients are running; choose one with --interface");
    return 1;
  }
  auto answer = Ask(sockets[0], json ? "status json\n" : "status\n");
  if (!answer) {
    return 1;
  }
  std::fwrite(answer->data(), 1, answer->size(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace sekisho::client

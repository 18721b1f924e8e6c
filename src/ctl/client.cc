#include "ctl/client.h"

#include "proto/ctl/codec.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include <utility>

namespace sekisho::ctl {

Result<CtlClient> CtlClient::Connect(const std::string& socket_path, Duration timeout) {
  sockaddr_un addr{};
  if (socket_path.empty() || socket_path.size() >= sizeof(addr.sun_path)) {
    return Fail(Errc::kInvalidArgument, "socket path too long: " + socket_path);
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return Fail(Errc::kIo, std::string("socket: ") + std::strerror(errno));
  }
  CtlClient client(fd);
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(secs.count());
  tv.tv_usec = static_cast<suseconds_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(timeout - secs).count());
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    Errc code = (err == EACCES || err == EPERM) ? Errc::kPermission : Errc::kIo;
    return Fail(code, "cannot connect to " + socket_path + ": " + std::strerror(err));
  }
  return client;
}

CtlClient::CtlClient(CtlClient&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

CtlClient& CtlClient::operator=(CtlClient&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

CtlClient::~CtlClient() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

Result<proto::ctl::Response> CtlClient::Call(const proto::ctl::Request& request) {
  SEKISHO_ASSIGN_OR_RETURN(Bytes frame, proto::ctl::EncodeRequest(request));
  std::size_t sent = 0;
  while (sent < frame.size()) {
    ssize_t n = ::send(fd_, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      Errc code = (errno == EAGAIN || errno == EWOULDBLOCK) ? Errc::kTimeout : Errc::kIo;
      return Fail(code, std::string("send: ") + std::strerror(errno));
    }
    sent += static_cast<std::size_t>(n);
  }
  proto::ctl::FrameDecoder decoder;
  std::array<std::uint8_t, 4096> buf{};
  while (!decoder.has_frame()) {
    ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      Errc code = (errno == EAGAIN || errno == EWOULDBLOCK) ? Errc::kTimeout : Errc::kIo;
      return Fail(code, code == Errc::kTimeout ? std::string("no answer from the gateway")
                                               : std::string("recv: ") + std::strerror(errno));
    }
    if (n == 0) {
      return Fail(Errc::kClosed, "the gateway closed the connection");
    }
    ByteSpan data(buf.data(), static_cast<std::size_t>(n));
    // One request is outstanding, so everything received belongs to its single response.
    SEKISHO_ASSIGN_OR_RETURN(std::size_t used, decoder.Feed(data));
    if (used != data.size()) {
      return Fail(Errc::kMalformed, "trailing bytes after the response");
    }
  }
  return proto::ctl::DecodeResponse(decoder.frame());
}

}  // namespace sekisho::ctl

#include "net/packet_socket_linux.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>

namespace sekisho::net {
namespace {

Error ErrnoError(std::string_view what, int err) {
  if (err == EPIPE || err == ECONNRESET || err == ENOTCONN) {
    return Error{Errc::kClosed, std::string(what) + ": peer gone"};
  }
  if (err == EAGAIN || err == EWOULDBLOCK) {
    return Error{Errc::kTimeout, std::string(what) + ": peer not reading"};
  }
  return Error{Errc::kIo, std::string(what) + ": " + std::strerror(err)};
}

}  // namespace

Result<std::pair<ScopedFd, ScopedFd>> MakePacketSocketPair() {
  int fds[2] = {-1, -1};
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    return Fail(ErrnoError("socketpair", errno));
  }
  ScopedFd a(fds[0]);
  ScopedFd b(fds[1]);
  timeval timeout{2, 0};
  for (int fd : fds) {
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    int size = static_cast<int>(kMaxPacketSize * 4);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  }
  return std::make_pair(std::move(a), std::move(b));
}

Result<void> SendPacket(int socket, ByteSpan payload, int passed_fd) {
  iovec iov{const_cast<std::uint8_t*>(payload.data()), payload.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (passed_fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cmsg), &passed_fd, sizeof(int));
  }
  while (true) {
    ssize_t sent = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
    if (sent >= 0) {
      return Ok();
    }
    if (errno != EINTR) {
      return Fail(ErrnoError("IPC send", errno));
    }
  }
}

Result<ReceivedPacket> ReceivePacket(int socket) {
  ReceivedPacket packet;
  packet.payload.resize(kMaxPacketSize);
  iovec iov{packet.payload.data(), packet.payload.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n = 0;
  do {
    n = ::recvmsg(socket, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return Fail(Errc::kWouldBlock, "no IPC message");
    }
    return Fail(ErrnoError("IPC receive", errno));
  }
  // Take every descriptor first so that none leaks, whatever is wrong with the message.
  for (cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
    if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) {
      continue;
    }
    std::size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
      if (!packet.fd.valid()) {
        packet.fd.reset(fd);
      } else {
        ::close(fd);  // one descriptor per message: extras are dropped
      }
    }
  }
  if (n == 0) {
    return Fail(Errc::kClosed, "IPC peer closed the link");
  }
  if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
    return Fail(Errc::kTooLarge, "IPC message truncated");
  }
  packet.payload.resize(static_cast<std::size_t>(n));
  return packet;
}

Result<ReceivedPacket> ReceivePacketWithin(int socket, Duration timeout) {
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count();
  pollfd pfd{socket, POLLIN, 0};
  int ready = 0;
  do {
    ready = ::poll(&pfd, 1, static_cast<int>(millis));
  } while (ready < 0 && errno == EINTR);
  if (ready < 0) {
    return Fail(ErrnoError("IPC poll", errno));
  }
  if (ready == 0) {
    return Fail(Errc::kTimeout, "no IPC answer in time");
  }
  return ReceivePacket(socket);
}

Result<void> KeepAcrossExec(int fd) {
  int flags = ::fcntl(fd, F_GETFD);
  if (flags < 0 || ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) != 0) {
    return Fail(ErrnoError("fcntl", errno));
  }
  return Ok();
}

}  // namespace sekisho::net

#include "net/datagram_batch_linux.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <sys/socket.h>

namespace sekisho::net {
namespace {

Error SocketError(const char* what) {
  int error = errno;
  return Error{error == ECONNREFUSED ? Errc::kClosed : Errc::kIo,
               std::string(what) + ": " + std::strerror(error)};
}

}  // namespace

Result<std::size_t> ReceiveDatagrams(int fd, std::span<const MutableByteSpan> buffers,
                                     std::span<std::size_t> sizes) {
  const std::size_t count = std::min({buffers.size(), sizes.size(), kMaxDatagramBatch});
  std::array<mmsghdr, kMaxDatagramBatch> messages{};
  std::array<iovec, kMaxDatagramBatch> iovecs{};
  for (std::size_t i = 0; i < count; ++i) {
    iovecs[i] = {buffers[i].data(), buffers[i].size()};
    messages[i].msg_hdr.msg_iov = &iovecs[i];
    messages[i].msg_hdr.msg_iovlen = 1;
  }
  int n = ::recvmmsg(fd, messages.data(), static_cast<unsigned>(count), MSG_DONTWAIT, nullptr);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      return std::size_t{0};
    }
    return Fail(SocketError("UDP receive"));
  }
  for (int i = 0; i < n; ++i) {
    sizes[static_cast<std::size_t>(i)] = messages[static_cast<std::size_t>(i)].msg_len;
  }
  return static_cast<std::size_t>(n);
}

Result<std::size_t> SendDatagrams(int fd, std::span<const ByteSpan> datagrams) {
  const std::size_t count = std::min(datagrams.size(), kMaxDatagramBatch);
  std::array<mmsghdr, kMaxDatagramBatch> messages{};
  std::array<iovec, kMaxDatagramBatch> iovecs{};
  for (std::size_t i = 0; i < count; ++i) {
    // sendmmsg only reads the buffers; iovec's pointer is not const.
    iovecs[i] = {const_cast<std::uint8_t*>(datagrams[i].data()), datagrams[i].size()};
    messages[i].msg_hdr.msg_iov = &iovecs[i];
    messages[i].msg_hdr.msg_iovlen = 1;
  }
  int sent = ::sendmmsg(fd, messages.data(), static_cast<unsigned>(count), MSG_DONTWAIT);
  if (sent < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS || errno == EINTR) {
      return std::size_t{0};
    }
    return Fail(SocketError("UDP send"));
  }
  return static_cast<std::size_t>(sent);
}

}  // namespace sekisho::net

#include "stream/tls_socket.h"

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>

#include <array>
#include <linux/sockios.h>
#include <sys/ioctl.h>

namespace sekisho::stream {
namespace {

namespace asio = boost::asio;

// Reads land here and are copied into the engine at once, so one buffer per thread serves every
// socket on it: thousands of idle connections do not each hold 64 KiB.
std::array<std::uint8_t, TlsSocket::kReadSize>& ReadBuffer() {
  thread_local std::array<std::uint8_t, TlsSocket::kReadSize> buffer;
  return buffer;
}

bool WouldBlock(const boost::system::error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

}  // namespace

TlsSocket::TlsSocket(asio::ip::tcp::socket& socket, tls::TlsEngine& engine)
    : socket_(socket), engine_(engine) {}

TlsSocket::~TlsSocket() = default;

Result<std::size_t> TlsSocket::ReadOnce() {
  boost::system::error_code ec;
  std::array<std::uint8_t, kReadSize>& buffer = ReadBuffer();
  std::size_t n = socket_.read_some(asio::buffer(buffer), ec);
  if (WouldBlock(ec)) {
    return std::size_t{0};
  }
  if (ec == asio::error::eof) {
    return Fail(Errc::kClosed, "end of stream");
  }
  if (ec) {
    return Fail(Errc::kIo, ec.message());
  }
  engine_.FeedIncoming(ByteSpan(buffer.data(), n));
  return n;
}

Result<bool> TlsSocket::WritePending() {
  while (true) {
    ByteSpan pending = engine_.PendingOutgoing();
    if (pending.empty()) {
      return false;
    }
    boost::system::error_code ec;
    std::size_t n = socket_.write_some(asio::buffer(pending.data(), pending.size()), ec);
    if (WouldBlock(ec)) {
      blocked_ = true;
      return true;
    }
    if (ec) {
      return Fail(Errc::kIo, ec.message());
    }
    engine_.ConsumeOutgoing(n);
    bytes_sent_ += n;
  }
}

std::size_t TlsSocket::Backlog() const {
  std::size_t backlog = engine_.PendingOutgoing().size() + (blocked_ ? 1 : 0);
  int unacked = 0;
  if (::ioctl(socket_.native_handle(), SIOCOUTQ, &unacked) == 0 && unacked > 0) {
    backlog += static_cast<std::size_t>(unacked);
  }
  return backlog;
}

}  // namespace sekisho::stream

// Batched datagram I/O over real UDP sockets on the loopback address (no root needed).

#include "net/datagram_batch_linux.h"
#include "net/scoped_fd.h"

#include <gtest/gtest.h>

#include <array>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>

namespace sekisho::net {
namespace {

// A UDP socket bound to 127.0.0.1 on an ephemeral port.
ScopedFd BoundSocket(sockaddr_in& address) {
  ScopedFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0));
  address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  EXPECT_EQ(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length), 0);
  return fd;
}

void Connect(const ScopedFd& fd, const sockaddr_in& peer) {
  ASSERT_EQ(::connect(fd.get(), reinterpret_cast<const sockaddr*>(&peer), sizeof peer), 0);
}

TEST(DatagramBatchTest, SendsAndReceivesABatchInOrder) {
  sockaddr_in a_address{};
  sockaddr_in b_address{};
  ScopedFd a = BoundSocket(a_address);
  ScopedFd b = BoundSocket(b_address);
  Connect(a, b_address);
  Connect(b, a_address);

  const std::array<std::string, 3> payloads{"one", "second datagram", std::string(1400, 'x')};
  std::array<ByteSpan, 3> out{AsBytes(payloads[0]), AsBytes(payloads[1]), AsBytes(payloads[2])};
  Result<std::size_t> sent = SendDatagrams(a.get(), out);
  ASSERT_TRUE(sent.has_value()) << sent.error().ToString();
  EXPECT_EQ(*sent, 3U);

  std::array<std::array<std::uint8_t, 2048>, 4> storage{};
  std::array<MutableByteSpan, 4> buffers{MutableByteSpan(storage[0]), MutableByteSpan(storage[1]),
                                         MutableByteSpan(storage[2]), MutableByteSpan(storage[3])};
  std::array<std::size_t, 4> sizes{};
  Result<std::size_t> received = ReceiveDatagrams(b.get(), buffers, sizes);
  ASSERT_TRUE(received.has_value()) << received.error().ToString();
  ASSERT_EQ(*received, 3U);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(AsChars(ByteSpan(storage[i].data(), sizes[i])), payloads[i]);
  }
  // Nothing more waiting: 0, not an error.
  received = ReceiveDatagrams(b.get(), buffers, sizes);
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(*received, 0U);
}

TEST(DatagramBatchTest, ClosedPeerPortIsReportedAsClosed) {
  sockaddr_in a_address{};
  sockaddr_in b_address{};
  ScopedFd a = BoundSocket(a_address);
  { ScopedFd b = BoundSocket(b_address); }  // nothing listens on b's port any more
  Connect(a, b_address);
  std::array<ByteSpan, 1> out{AsBytes("ping")};
  ASSERT_TRUE(SendDatagrams(a.get(), out).has_value());
  // The ICMP port unreachable surfaces on the next operation of the connected socket.
  std::array<std::uint8_t, 64> storage{};
  std::array<MutableByteSpan, 1> buffers{MutableByteSpan(storage)};
  std::array<std::size_t, 1> sizes{};
  Result<std::size_t> received = ReceiveDatagrams(a.get(), buffers, sizes);
  ASSERT_FALSE(received.has_value());
  EXPECT_EQ(received.error().code, Errc::kClosed);
}

}  // namespace
}  // namespace sekisho::net

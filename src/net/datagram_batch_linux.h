#pragma once
// Batched datagram I/O for the DTLS data path: one recvmmsg(2) or sendmmsg(2) moves up to
// kMaxDatagramBatch datagrams, so a burst costs one system call instead of one per packet.
// Both work on a nonblocking, connected UDP socket and never block.

#include "base/bytes.h"
#include "base/result.h"

#include <cstddef>
#include <span>

namespace sekisho::net {

inline constexpr std::size_t kMaxDatagramBatch = 64;

// Receives up to min(buffers.size(), kMaxDatagramBatch) datagrams; sizes[i] gets the length of
// the datagram in buffers[i]. Returns how many arrived (0 when none is waiting).
// REQUIRES: sizes.size() >= buffers.size().
// Errors: kClosed for ECONNREFUSED (an ICMP port unreachable: nothing listens on the peer's
// port); kIo with the errno text otherwise. The socket stays usable either way.
Result<std::size_t> ReceiveDatagrams(int fd, std::span<const MutableByteSpan> buffers,
                                     std::span<std::size_t> sizes);

// Sends up to min(datagrams.size(), kMaxDatagramBatch) datagrams in order. Returns how many
// the kernel accepted: fewer than asked (possibly 0) when its queue is full (EAGAIN, ENOBUFS).
// Errors: kClosed for ECONNREFUSED; kIo with the errno text otherwise.
Result<std::size_t> SendDatagrams(int fd, std::span<const ByteSpan> datagrams);

}  // namespace sekisho::net

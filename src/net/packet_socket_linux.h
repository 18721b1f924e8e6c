#pragma once
// Message sockets between sekishod's processes: SOCK_SEQPACKET socket pairs that keep message
// boundaries and carry at most one file descriptor per message (SCM_RIGHTS). The payload
// format is proto/ipc's; this layer only moves bytes and descriptors.
//
// Sends never wait for long: every socket made here has a 2 s send timeout, so a process that
// stops reading makes the sender fail (and the caller then treats that peer as broken) instead
// of hanging the sender. Thread-compatible.

#include "base/bytes.h"
#include "base/result.h"
#include "base/time.h"
#include "net/scoped_fd.h"

#include <utility>

namespace sekisho::net {

// Largest message this layer receives; longer ones are truncated and reported as kTooLarge.
inline constexpr std::size_t kMaxPacketSize = 160 * 1024;

// A connected pair, both ends close-on-exec. Errors: kIo.
Result<std::pair<ScopedFd, ScopedFd>> MakePacketSocketPair();

// Sends one message, with `passed_fd` attached when it is >= 0 (the caller keeps its copy).
// Errors: kClosed (the peer is gone), kTimeout (the peer stopped reading), kIo.
Result<void> SendPacket(int socket, ByteSpan payload, int passed_fd = -1);

struct ReceivedPacket {
  Bytes payload;
  ScopedFd fd;  // the attached descriptor, if any (close-on-exec)
};

// Receives one message without waiting.
// Errors: kWouldBlock (nothing queued), kClosed (peer gone), kTooLarge (truncated), kIo.
Result<ReceivedPacket> ReceivePacket(int socket);

// Waits up to `timeout` for one message. Errors: as ReceivePacket, plus kTimeout.
Result<ReceivedPacket> ReceivePacketWithin(int socket, Duration timeout);

// Clears FD_CLOEXEC on `fd` so that it survives an exec (for descriptors handed to children).
Result<void> KeepAcrossExec(int fd);

}  // namespace sekisho::net

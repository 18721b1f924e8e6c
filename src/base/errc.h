#pragma once
// The project-wide error codes. Every fallible function documents which of these it returns
// and what the caller must do with each (nghttpx src/errors.h style).

#include <cstdint>
#include <string_view>

namespace sekisho {

enum class Errc : std::uint8_t {
  // Peer input does not follow the wire format (bad magic, bad XML, bad header value).
  // Caller: log and close that connection only.
  kMalformed = 1,
  // More bytes are needed before anything can be decided. Caller: read more, retry.
  kIncomplete,
  // A length or count exceeds a configured or protocol limit. Caller: close the connection.
  kTooLarge,
  // Well-formed input that this implementation does not support. Caller: refuse politely.
  kUnsupported,
  // Valid messages in an order or state the protocol does not allow. Caller: close.
  kProtocol,
  // Credentials or cookie refused. Caller: tell the peer, count the failure.
  kAuthFailed,
  // A looked-up item (session, user, group, file) does not exist.
  kNotFound,
  // A pool or table is full (no free address, too many sessions). Caller: refuse, retry later.
  kExhausted,
  // An operating-system call failed; the context carries errno text.
  kIo,
  // The TLS/DTLS library reported an error; the context carries its text.
  kTls,
  // A deadline passed.
  kTimeout,
  // Configuration is invalid; the context names the file, line and key.
  kConfig,
  // The peer or the caller closed the channel cleanly.
  kClosed,
  // The operation would block; retry after the next I/O event.
  kWouldBlock,
  // The caller broke a documented precondition (a bug on our side, never peer input).
  kInvalidArgument,
  // Permission denied by the OS or by policy.
  kPermission,
  // The certificate presented by the peer is not trusted.
  kUntrusted,
  // Anything else unexpected inside sekisho.
  kInternal,
};

// Stable lower-case name of an error code, for logs and the control protocol.
std::string_view ErrcName(Errc code);

}  // namespace sekisho

#pragma once
// Wire constants of sekishod's internal messages between its processes (docs/ipc.md).
//
// Every message travels as one SOCK_SEQPACKET datagram, optionally with one file descriptor
// attached (SCM_RIGHTS). The payload is
//
//   payload = u8 version | u8 type | u32 request id | u16 field count | field*
//   field   = u8 tag | u32 length (big-endian) | value
//
// Integers are u64 big-endian (exactly 8 bytes); strings are raw bytes. Tags may repeat (lists)
// and unknown tags are skipped, so a message can grow fields without breaking the other side.
// Nothing outside src/proto/ipc/ should need these numbers.

#include <cstddef>
#include <cstdint>

namespace sekisho::proto::ipc::wire {

inline constexpr std::uint8_t kVersion = 1;
inline constexpr std::size_t kHeaderSize = 8;       // version, type, id, field count
inline constexpr std::size_t kFieldHeaderSize = 5;  // tag, u32 length
// Largest message either side sends or accepts: a login request carries at most one HTTP head
// (16 KiB) and the fields of one login body (64 KiB), so this leaves room for framing.
inline constexpr std::size_t kMaxMessageSize = 128 * 1024;
inline constexpr std::size_t kMaxFields = 1024;

}  // namespace sekisho::proto::ipc::wire

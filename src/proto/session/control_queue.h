#pragma once
// ControlQueue: the AnyConnect control packets (DPD request/response, keepalive, DISCONNECT,
// TERMINATE) a TunnelCore has decided to send on one channel and the shell has not yet taken.
// Payloads are copied into an arena reserved at construction, so queueing never allocates; a
// packet that does not fit is dropped and reported (the protocol tolerates losing a DPD echo:
// the peer asks again).
//
// Thread-compatible.

#include "base/bytes.h"
#include "proto/cstp/wire.h"

#include <array>
#include <cstddef>

namespace sekisho::proto::session {

class ControlQueue {
 public:
  struct Entry {
    cstp::PacketType type = cstp::PacketType::kKeepalive;
    ByteSpan payload;  // points into the queue; valid until the next Push/Pop/Clear
  };

  // Room for kMaxEntries packets and kArenaSize payload bytes in total (two full-size DPD
  // echoes).
  static constexpr std::size_t kMaxEntries = 16;
  static constexpr std::size_t kArenaSize = 2 * cstp::kMaxPayload;

  ControlQueue();

  // Returns false (nothing queued) when the queue or the arena is full.
  bool Push(cstp::PacketType type, ByteSpan payload);
  bool empty() const { return head_ == count_; }
  // REQUIRES: !empty().
  Entry Front() const;
  void Pop();
  void Clear();

 private:
  struct Slot {
    cstp::PacketType type;
    std::size_t offset;
    std::size_t size;
  };
  std::array<Slot, kMaxEntries> slots_{};
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  std::size_t arena_used_ = 0;
  Bytes arena_;
};

}  // namespace sekisho::proto::session

#include "proto/session/control_queue.h"

#include <algorithm>

namespace sekisho::proto::session {

ControlQueue::ControlQueue() : arena_(kArenaSize) {}

bool ControlQueue::Push(cstp::PacketType type, ByteSpan payload) {
  if (count_ == kMaxEntries || payload.size() > kArenaSize - arena_used_) {
    return false;
  }
  std::copy(payload.begin(), payload.end(), arena_.begin() + static_cast<long>(arena_used_));
  slots_[count_++] = Slot{type, arena_used_, payload.size()};
  arena_used_ += payload.size();
  return true;
}

ControlQueue::Entry ControlQueue::Front() const {
  const Slot& slot = slots_[head_];
  return Entry{slot.type, ByteSpan(arena_.data() + slot.offset, slot.size)};
}

void ControlQueue::Pop() {
  ++head_;
  if (head_ == count_) {
    Clear();  // everything taken: the arena starts over
  }
}

void ControlQueue::Clear() {
  head_ = 0;
  count_ = 0;
  arena_used_ = 0;
}

}  // namespace sekisho::proto::session

#include "gateway/ip_pool.h"

#include "base/check.h"

#include <bit>

namespace sekisho::gateway {

Ipv4Pool::Ipv4Pool(Ipv4Cidr cidr) : cidr_(cidr), capacity_(0) {
  SEKISHO_CHECK(cidr.prefix_len >= 8 && cidr.prefix_len <= 30);
  capacity_ = static_cast<std::size_t>(cidr.size()) - 3;
  // Bits past capacity_ in the last word are set so the scan never returns them.
  bits_.assign((capacity_ + 63) / 64, 0);
  for (std::size_t i = capacity_; i < bits_.size() * 64; ++i) {
    Set(i);
  }
}

bool Ipv4Pool::IsClientAddress(std::uint32_t address) const {
  return cidr_.Contains(address) && address - cidr_.network >= kFirstClientOffset &&
         address != cidr_.broadcast();
}

Result<std::uint32_t> Ipv4Pool::Allocate(std::optional<std::uint32_t> preferred) {
  if (used_ == capacity_) {
    return Fail(Errc::kExhausted, "address pool " + cidr_.ToString() + " is full");
  }
  if (preferred && IsClientAddress(*preferred)) {
    std::size_t index = *preferred - cidr_.network - kFirstClientOffset;
    if (!Test(index)) {
      Set(index);
      ++used_;
      return *preferred;
    }
  }
  // Scan whole words starting at the cursor's word; the first word is masked so that indices
  // before the cursor come last (they are reached again when the scan wraps around).
  const std::size_t words = bits_.size();
  std::size_t word = cursor_ / 64;
  std::uint64_t below_cursor = (std::uint64_t{1} << (cursor_ % 64)) - 1;
  for (std::size_t step = 0; step <= words; ++step) {
    std::uint64_t taken = bits_[word];
    if (step == 0) {
      taken |= below_cursor;
    }
    if (taken != ~std::uint64_t{0}) {
      std::size_t index = word * 64 + static_cast<std::size_t>(std::countr_one(taken));
      Set(index);
      ++used_;
      cursor_ = (index + 1) % capacity_;
      return cidr_.network + kFirstClientOffset + static_cast<std::uint32_t>(index);
    }
    word = (word + 1) % words;
  }
  SEKISHO_BUG("pool bitmap disagrees with used count");
  return Fail(Errc::kInternal, "address pool bookkeeping error");
}

void Ipv4Pool::Release(std::uint32_t address) {
  if (!IsClientAddress(address)) {
    return;
  }
  std::size_t index = address - cidr_.network - kFirstClientOffset;
  if (Test(index)) {
    Clear(index);
    --used_;
  }
}

bool Ipv4Pool::IsAllocated(std::uint32_t address) const {
  return IsClientAddress(address) && Test(address - cidr_.network - kFirstClientOffset);
}

}  // namespace sekisho::gateway

#pragma once
// Ipv4Pool hands out client addresses from one CIDR. Pure bookkeeping: no I/O, no clock.
//
// Never hands out the network address, the broadcast address or the gateway address (the
// first host, which the TUN device uses). A rotating cursor makes a released address the last
// candidate rather than the next one, so a quickly reconnecting client does not receive an
// address whose old owner's packets may still be in flight (ocserv does the same by chance,
// through random selection).
//
// Allocation is a bitmap scan from the cursor, 64 addresses per step: O(1) while the pool is
// mostly free, O(size/64) in the worst case. Not thread-safe.

#include "base/result.h"
#include "gateway/config.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace sekisho::gateway {

class Ipv4Pool {
 public:
  // REQUIRES: 8 <= cidr.prefix_len <= 30 (guaranteed by config validation).
  explicit Ipv4Pool(Ipv4Cidr cidr);

  // Allocates `preferred` when it is a free client address of this pool (a reconnecting
  // client asking for its old address), otherwise the next free address after the cursor.
  // Returns a host-order address. Errors: kExhausted when the pool is full; the caller
  // refuses the session ("no address available").
  Result<std::uint32_t> Allocate(std::optional<std::uint32_t> preferred = std::nullopt);
  // Returns an address to the pool. Addresses that are not allocated (or not in the pool) are
  // ignored, so a double release is harmless.
  void Release(std::uint32_t address);

  bool IsAllocated(std::uint32_t address) const;
  // Client addresses: size - 3 (network, gateway, broadcast).
  std::size_t capacity() const { return capacity_; }
  std::size_t free_count() const { return capacity_ - used_; }
  std::size_t used_count() const { return used_; }
  // The first host address (network + 1), assigned to the gateway's TUN device.
  std::uint32_t gateway_address() const { return cidr_.network + 1; }
  const Ipv4Cidr& cidr() const { return cidr_; }

 private:
  // Bit index i stands for address network + kFirstClientOffset + i.
  static constexpr std::uint32_t kFirstClientOffset = 2;
  bool IsClientAddress(std::uint32_t address) const;
  bool Test(std::size_t index) const { return (bits_[index / 64] >> (index % 64)) & 1U; }
  void Set(std::size_t index) { bits_[index / 64] |= std::uint64_t{1} << (index % 64); }
  void Clear(std::size_t index) { bits_[index / 64] &= ~(std::uint64_t{1} << (index % 64)); }

  Ipv4Cidr cidr_;
  std::size_t capacity_;
  std::size_t used_ = 0;
  std::size_t cursor_ = 0;  // next index to try
  std::vector<std::uint64_t> bits_;
};

}  // namespace sekisho::gateway

#include "gateway/ip_pool.h"

#include <gtest/gtest.h>

#include <set>

namespace sekisho::gateway {
namespace {

Ipv4Cidr Cidr(const char* text) { return *ParseIpv4Cidr(text); }

TEST(Ipv4PoolTest, NeverHandsOutReservedAddresses) {
  Ipv4Pool pool(Cidr("10.0.0.0/29"));  // 8 addresses, 5 for clients
  EXPECT_EQ(pool.capacity(), 5u);
  EXPECT_EQ(pool.gateway_address(), 0x0A000001u);
  std::set<std::uint32_t> seen;
  for (int i = 0; i < 5; ++i) {
    auto a = pool.Allocate();
    ASSERT_TRUE(a.has_value());
    EXPECT_GE(*a, 0x0A000002u);
    EXPECT_LE(*a, 0x0A000006u);
    EXPECT_TRUE(seen.insert(*a).second);
    EXPECT_TRUE(pool.IsAllocated(*a));
  }
  EXPECT_EQ(pool.free_count(), 0u);
  EXPECT_EQ(pool.Allocate().error().code, Errc::kExhausted);
  EXPECT_FALSE(pool.IsAllocated(0x0A000000u));
  EXPECT_FALSE(pool.IsAllocated(0x0A000001u));
  EXPECT_FALSE(pool.IsAllocated(0x0A000007u));
}

TEST(Ipv4PoolTest, PreferredAddressAndRotation) {
  Ipv4Pool pool(Cidr("10.0.0.0/24"));
  EXPECT_EQ(*pool.Allocate(0x0A000032u), 0x0A000032u);  // free preferred address
  EXPECT_EQ(*pool.Allocate(0x0A000032u), 0x0A000002u);  // taken: next from cursor
  EXPECT_EQ(*pool.Allocate(0x0A000001u), 0x0A000003u);  // gateway address never given
  EXPECT_EQ(*pool.Allocate(0x0B000005u), 0x0A000004u);  // foreign address ignored
  pool.Release(0x0A000002u);
  EXPECT_FALSE(pool.IsAllocated(0x0A000002u));
  // A just-released address is not reused right away.
  EXPECT_EQ(*pool.Allocate(), 0x0A000005u);
  pool.Release(0x0A000002u);  // double release is harmless
  pool.Release(0x0A0000FFu);  // broadcast: ignored
  EXPECT_EQ(pool.used_count(), 4u);
}

TEST(Ipv4PoolTest, WrapsAroundToReleasedAddresses) {
  Ipv4Pool pool(Cidr("10.0.0.0/26"));  // 61 client addresses, spans a partial bitmap word
  std::vector<std::uint32_t> all;
  while (pool.free_count() > 0) {
    all.push_back(*pool.Allocate());
  }
  EXPECT_EQ(all.size(), 61u);
  EXPECT_EQ(all.back(), 0x0A00003Eu);
  pool.Release(all[10]);
  EXPECT_EQ(*pool.Allocate(), all[10]);
  EXPECT_FALSE(pool.Allocate().has_value());
}

TEST(Ipv4PoolTest, LargePoolUsesAllAddresses) {
  Ipv4Pool pool(Cidr("10.0.0.0/20"));
  std::size_t n = 0;
  while (pool.Allocate().has_value()) {
    ++n;
  }
  EXPECT_EQ(n, 4096u - 3);
}

}  // namespace
}  // namespace sekisho::gateway

#include "gateway/auth_throttle.h"

#include <gtest/gtest.h>

#include <string>

namespace sekisho::gateway {
namespace {

using std::chrono::seconds;

AuthThrottleOptions Options() {
  AuthThrottleOptions o;
  o.max_failures = 3;
  o.user_max_failures = 4;
  o.window = seconds(60);
  o.backoff = seconds(10);
  o.max_backoff = seconds(35);
  o.max_entries = 4;
  return o;
}

const Instant kStart = Instant::FromNanos(0);

TEST(AuthThrottleTest, BlocksAnAddressAfterMaxFailuresAndBacksOff) {
  AuthThrottle t(Options());
  Instant now = kStart;
  EXPECT_TRUE(t.IsAllowed("198.51.100.1", "u1", now));
  EXPECT_FALSE(t.RecordFailure("198.51.100.1", "u1", now).address_blocked.has_value());
  EXPECT_FALSE(t.RecordFailure("198.51.100.1", "u2", now + seconds(1)).address_blocked);
  auto block = t.RecordFailure("198.51.100.1", "u3", now + seconds(2)).address_blocked;
  ASSERT_TRUE(block.has_value());
  EXPECT_EQ(*block, seconds(10));
  EXPECT_EQ(*t.RetryAfter("198.51.100.1", "anyone", now + seconds(5)), seconds(7));
  EXPECT_TRUE(t.IsAllowed("198.51.100.2", "u1", now + seconds(5)));  // other addresses unaffected
  now += seconds(12);
  EXPECT_TRUE(t.IsAllowed("198.51.100.1", "u4", now));
  t.RecordFailure("198.51.100.1", "u4", now);
  t.RecordFailure("198.51.100.1", "u5", now);
  EXPECT_EQ(*t.RecordFailure("198.51.100.1", "u6", now).address_blocked, seconds(20));  // doubled
  now += seconds(21);
  t.RecordFailure("198.51.100.1", "u7", now);
  t.RecordFailure("198.51.100.1", "u8", now);
  EXPECT_EQ(*t.RecordFailure("198.51.100.1", "u9", now).address_blocked, seconds(35));  // capped
}

TEST(AuthThrottleTest, FailuresOutsideTheWindowDoNotAccumulate) {
  AuthThrottle t(Options());
  t.RecordFailure("a", "u1", kStart);
  t.RecordFailure("a", "u2", kStart + seconds(30));
  EXPECT_FALSE(t.RecordFailure("a", "u3", kStart + seconds(91)).address_blocked);
}

TEST(AuthThrottleTest, OneUserGuessedFromManyAddressesIsBlocked) {
  AuthThrottle t(Options());
  // Four addresses, one failure each: no address reaches its limit, the user does.
  AuthThrottle::FailureOutcome last;
  for (int i = 0; i < 4; ++i) {
    last = t.RecordFailure("203.0.113." + std::to_string(i), "alice", kStart + seconds(i));
    EXPECT_FALSE(last.address_blocked);
  }
  ASSERT_TRUE(last.user_blocked.has_value());
  EXPECT_EQ(*last.user_blocked, seconds(10));
  // Every address is refused for alice now, including ones never seen before.
  EXPECT_FALSE(t.IsAllowed("192.0.2.99", "alice", kStart + seconds(5)));
  EXPECT_TRUE(t.IsAllowed("192.0.2.99", "bob", kStart + seconds(5)));
  EXPECT_TRUE(t.IsAllowed("192.0.2.99", "alice", kStart + seconds(14)));
}

TEST(AuthThrottleTest, Ipv6AddressesCountPerSlash64) {
  EXPECT_EQ(AuthThrottle::AddressKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(AuthThrottle::AddressKey("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
  EXPECT_EQ(AuthThrottle::AddressKey("::ffff:198.51.100.7"), "198.51.100.7");
  EXPECT_EQ(AuthThrottle::AddressKey("198.51.100.7"), "198.51.100.7");

  AuthThrottle t(Options());
  // Three hosts of one /64 (a host rotating its interface id) share one record.
  t.RecordFailure("2001:db8:1:2::1", "u1", kStart);
  t.RecordFailure("2001:db8:1:2::2", "u2", kStart);
  EXPECT_TRUE(t.RecordFailure("2001:db8:1:2:dead:beef:0:3", "u3", kStart).address_blocked);
  EXPECT_FALSE(t.IsAllowed("2001:db8:1:2::77", "u4", kStart));
  EXPECT_TRUE(t.IsAllowed("2001:db8:1:3::1", "u4", kStart));  // the next /64 is not blocked
  // sekishoctl unban with any address of the /64 lifts it.
  EXPECT_TRUE(t.Lift(ThrottleScope::kAddress, "2001:db8:1:2::5"));
  EXPECT_TRUE(t.IsAllowed("2001:db8:1:2::77", "u4", kStart));
}

TEST(AuthThrottleTest, OneAccountsSuccessDoesNotLiftTheBlockOnGuessingOthers) {
  AuthThrottle t(Options());
  for (int i = 0; i < 3; ++i) {
    t.RecordFailure("198.51.100.9", "victim" + std::to_string(i), kStart);
  }
  ASSERT_FALSE(t.IsAllowed("198.51.100.9", "victim0", kStart));
  // The attacker's own valid account logs in from the same address...
  t.RecordSuccess("mallory");
  // ...and the address stays blocked for everyone else's names.
  EXPECT_FALSE(t.IsAllowed("198.51.100.9", "victim0", kStart + seconds(1)));
  EXPECT_FALSE(t.IsAllowed("198.51.100.9", "victim3", kStart + seconds(1)));
}

TEST(AuthThrottleTest, SuccessBelowTheLimitDoesNotResetTheAddressCount) {
  AuthThrottle t(Options());
  t.RecordFailure("198.51.100.9", "victim", kStart);
  t.RecordFailure("198.51.100.9", "victim", kStart);
  t.RecordSuccess("mallory");
  EXPECT_TRUE(t.RecordFailure("198.51.100.9", "victim", kStart).address_blocked);
}

TEST(AuthThrottleTest, ASuccessClearsOnlyThatUsersRecord) {
  AuthThrottle t(Options());
  for (int i = 0; i < 3; ++i) {
    t.RecordFailure("192.0.2." + std::to_string(i), "alice", kStart);
    t.RecordFailure("192.0.2." + std::to_string(i + 10), "bob", kStart);
  }
  EXPECT_EQ(t.tracked_users(), 2u);
  t.RecordSuccess("alice");
  EXPECT_EQ(t.tracked_users(), 1u);
  // bob's count is intact: one more failure blocks him.
  EXPECT_TRUE(t.RecordFailure("192.0.2.50", "bob", kStart).user_blocked);
  EXPECT_FALSE(t.RecordFailure("192.0.2.51", "alice", kStart).user_blocked);
}

TEST(AuthThrottleTest, LongQuietResetsTheBackoff) {
  AuthThrottle t(Options());
  for (int i = 0; i < 3; ++i) {
    t.RecordFailure("a", "u" + std::to_string(i), kStart);
  }
  Instant later = kStart + seconds(1000);
  t.RecordFailure("a", "v1", later);
  t.RecordFailure("a", "v2", later);
  EXPECT_EQ(*t.RecordFailure("a", "v3", later).address_blocked, seconds(10));  // first step
}

TEST(AuthThrottleTest, ZeroBackoffNeverBlocks) {
  AuthThrottleOptions o = Options();
  o.backoff = seconds(0);
  AuthThrottle t(o);
  for (int i = 0; i < 10; ++i) {
    auto outcome = t.RecordFailure("a", "alice", kStart);
    EXPECT_FALSE(outcome.address_blocked || outcome.user_blocked);
  }
  EXPECT_TRUE(t.IsAllowed("a", "alice", kStart));
}

TEST(AuthThrottleTest, MemoryIsBoundedPerTable) {
  AuthThrottle t(Options());
  for (int i = 0; i < 3; ++i) {
    t.RecordFailure("blocked", "u", kStart);
  }
  for (int i = 0; i < 100; ++i) {
    t.RecordFailure("x" + std::to_string(i), "name" + std::to_string(i), kStart);
    EXPECT_LE(t.tracked_addresses(), 4u);
    EXPECT_LE(t.tracked_users(), 4u);
  }
  // The least recently seen records went first, the blocked address among them.
  EXPECT_TRUE(t.IsAllowed("blocked", "v", kStart));
  // A long name is keyed by its prefix: it costs no more memory than a short one.
  std::string huge(100000, 'n');
  for (int i = 0; i < 4; ++i) {
    t.RecordFailure("y", huge + std::to_string(i), kStart);
  }
  auto bans = t.Blocked(kStart);
  ASSERT_EQ(bans.size(), 2u);  // "y" and the one shared user record
  EXPECT_EQ(bans[1].key.size(), AuthThrottle::kMaxUserKeyBytes);
}

TEST(AuthThrottleTest, TheBanListShowsBlockedAddressesAndUsersAndLiftForgetsThem) {
  AuthThrottle t(Options());
  for (int i = 0; i < 4; ++i) {
    t.RecordFailure("198.51.100.1", "alice", kStart);
  }
  t.RecordFailure("198.51.100.2", "bob", kStart);
  auto bans = t.Blocked(kStart + seconds(3));
  ASSERT_EQ(bans.size(), 2u);
  EXPECT_EQ(bans[0].scope, ThrottleScope::kAddress);
  EXPECT_EQ(bans[0].key, "198.51.100.1");
  EXPECT_EQ(bans[0].failures, 4u);
  EXPECT_EQ(bans[0].blocked_for, seconds(7));
  EXPECT_EQ(bans[1].scope, ThrottleScope::kUser);
  EXPECT_EQ(bans[1].key, "alice");
  EXPECT_EQ(bans[1].failures, 4u);
  EXPECT_EQ(bans[1].blocked_for, seconds(7));

  EXPECT_TRUE(t.Lift(ThrottleScope::kUser, "alice"));
  EXPECT_FALSE(t.Lift(ThrottleScope::kUser, "alice"));
  EXPECT_FALSE(t.IsAllowed("198.51.100.1", "alice", kStart + seconds(3)));  // address still
  EXPECT_TRUE(t.IsAllowed("198.51.100.3", "alice", kStart + seconds(3)));
  EXPECT_TRUE(t.Lift(ThrottleScope::kAddress, "198.51.100.1"));
  EXPECT_TRUE(t.IsAllowed("198.51.100.1", "alice", kStart + seconds(3)));
  EXPECT_TRUE(t.Blocked(kStart + seconds(3)).empty());
}

}  // namespace
}  // namespace sekisho::gateway

namespace sekisho::gateway {
namespace {

TEST(AuthThrottleReload, NewLimitsApplyAndKeepTheRecords) {
  AuthThrottleOptions options;
  options.max_failures = 5;
  options.user_max_failures = 100;
  AuthThrottle throttle(options);
  const Instant now{};
  for (int i = 0; i < 3; ++i) {
    (void)throttle.RecordFailure("198.51.100.7", "u", now);
  }
  EXPECT_TRUE(throttle.IsAllowed("198.51.100.7", "u", now));
  options.max_failures = 4;  // a reload lowers the limit: the fourth failure now blocks
  throttle.Reconfigure(options);
  auto outcome = throttle.RecordFailure("198.51.100.7", "u", now);
  EXPECT_TRUE(outcome.address_blocked.has_value());
  EXPECT_FALSE(throttle.IsAllowed("198.51.100.7", "u", now));
}

}  // namespace
}  // namespace sekisho::gateway

#include "gateway/auth_throttle.h"

#include <gtest/gtest.h>

namespace sekisho::gateway {
namespace {

using std::chrono::seconds;

AuthThrottleOptions Options() {
  AuthThrottleOptions o;
  o.max_failures = 3;
  o.window = seconds(60);
  o.backoff = seconds(10);
  o.max_backoff = seconds(35);
  o.max_entries = 4;
  return o;
}

TEST(AuthThrottleTest, BlocksAfterMaxFailuresAndBacksOff) {
  AuthThrottle t(Options());
  Instant now = Instant::FromNanos(0);
  EXPECT_TRUE(t.IsAllowed("198.51.100.1", now));
  EXPECT_FALSE(t.RecordFailure("198.51.100.1", now).has_value());
  EXPECT_FALSE(t.RecordFailure("198.51.100.1", now + seconds(1)).has_value());
  auto block = t.RecordFailure("198.51.100.1", now + seconds(2));
  ASSERT_TRUE(block.has_value());
  EXPECT_EQ(*block, seconds(10));
  EXPECT_EQ(*t.RetryAfter("198.51.100.1", now + seconds(5)), seconds(7));
  EXPECT_TRUE(t.IsAllowed("198.51.100.2", now + seconds(5)));  // other addresses unaffected
  now += seconds(12);
  EXPECT_TRUE(t.IsAllowed("198.51.100.1", now));
  t.RecordFailure("198.51.100.1", now);
  t.RecordFailure("198.51.100.1", now);
  EXPECT_EQ(*t.RecordFailure("198.51.100.1", now), seconds(20));  // doubled
  now += seconds(21);
  for (int i = 0; i < 2; ++i) {
    t.RecordFailure("198.51.100.1", now);
  }
  EXPECT_EQ(*t.RecordFailure("198.51.100.1", now), seconds(35));  // capped
}

TEST(AuthThrottleTest, FailuresOutsideWindowDoNotAccumulate) {
  AuthThrottle t(Options());
  Instant now = Instant::FromNanos(0);
  t.RecordFailure("a", now);
  t.RecordFailure("a", now + seconds(30));
  EXPECT_FALSE(t.RecordFailure("a", now + seconds(91)).has_value());  // window restarted
}

TEST(AuthThrottleTest, SuccessForgets) {
  AuthThrottle t(Options());
  Instant now = Instant::FromNanos(0);
  t.RecordFailure("a", now);
  t.RecordFailure("a", now);
  t.RecordSuccess("a");
  EXPECT_EQ(t.tracked(), 0u);
  EXPECT_FALSE(t.RecordFailure("a", now).has_value());
}

TEST(AuthThrottleTest, LongQuietResetsBackoff) {
  AuthThrottle t(Options());
  Instant now = Instant::FromNanos(0);
  for (int i = 0; i < 3; ++i) {
    t.RecordFailure("a", now);
  }
  now += seconds(1000);
  t.RecordFailure("a", now);
  t.RecordFailure("a", now);
  EXPECT_EQ(*t.RecordFailure("a", now), seconds(10));  // back to the first step
}

TEST(AuthThrottleTest, MemoryIsBounded) {
  AuthThrottle t(Options());
  Instant now = Instant::FromNanos(0);
  for (int i = 0; i < 3; ++i) {
    t.RecordFailure("blocked", now);
  }
  for (int i = 0; i < 3; ++i) {
    t.RecordFailure("x" + std::to_string(i), now);
  }
  EXPECT_EQ(t.tracked(), 4u);
  EXPECT_FALSE(t.IsAllowed("blocked", now));
  t.RecordFailure("x3", now);  // evicts the least recently seen: "blocked"
  EXPECT_EQ(t.tracked(), 4u);
  EXPECT_TRUE(t.IsAllowed("blocked", now));
}

}  // namespace
}  // namespace sekisho::gateway

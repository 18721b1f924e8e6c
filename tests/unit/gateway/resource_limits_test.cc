// The small pure pieces of the resource limits (issue 11): accept back-off, log rate limiting,
// the unread-output bound, the login-context cap and the descriptor-limit plan.
#include "gateway/accept_backoff.h"
#include "gateway/file_limit.h"
#include "gateway/log_rate_limiter.h"
#include "gateway/login_context_cap.h"
#include "gateway/send_backlog_limit.h"

#include <gtest/gtest.h>

namespace sekisho::gateway {
namespace {

const Instant kStart = Instant::FromNanos(1'000'000'000);

TEST(AcceptBackoffTest, WaitsGrowAndAreCappedWithOneLogLinePerEpisode) {
  AcceptBackoff backoff;
  Instant now = kStart;
  AcceptBackoff::Step first = backoff.OnExhausted(now);
  EXPECT_TRUE(first.starts_episode);
  EXPECT_EQ(first.wait, milliseconds(100));
  std::vector<Duration> waits;
  for (int i = 0; i < 8; ++i) {
    now += milliseconds(100);
    AcceptBackoff::Step step = backoff.OnExhausted(now);
    EXPECT_FALSE(step.starts_episode);  // no log line per attempt
    waits.push_back(step.wait);
  }
  EXPECT_EQ(waits[0], milliseconds(200));
  EXPECT_EQ(waits[1], milliseconds(400));
  EXPECT_EQ(waits.back(), AcceptBackoff::kMaxWait);
  EXPECT_TRUE(backoff.backing_off());
  std::optional<AcceptBackoff::Episode> episode = backoff.OnAccepted(now + milliseconds(50));
  ASSERT_TRUE(episode);
  EXPECT_EQ(episode->failures, 9u);
  EXPECT_EQ(episode->lasted, milliseconds(850));
  EXPECT_FALSE(backoff.OnAccepted(now));  // no episode running
  // The next episode starts again from the first wait, with its own log line.
  AcceptBackoff::Step again = backoff.OnExhausted(now + seconds(5));
  EXPECT_TRUE(again.starts_episode);
  EXPECT_EQ(again.wait, milliseconds(100));
}

TEST(LogRateLimiterTest, OneLinePerIntervalCountingTheRest) {
  LogRateLimiter limiter(seconds(10));
  EXPECT_EQ(limiter.Allow(kStart), 0u);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(limiter.Allow(kStart + milliseconds(i)));
  }
  EXPECT_FALSE(limiter.Allow(kStart + milliseconds(9999)));
  EXPECT_EQ(limiter.Allow(kStart + seconds(10)), 1001u);
  EXPECT_FALSE(limiter.Allow(kStart + seconds(11)));
  EXPECT_EQ(limiter.Allow(kStart + seconds(60)), 1u);
}

TEST(SendBacklogLimitTest, EndsAClientThatQueuesMoreThanTheBound) {
  SendBacklogLimit limit(1024 * 1024, seconds(60));
  EXPECT_FALSE(limit.Check(0, 0, kStart));
  EXPECT_FALSE(limit.Check(512 * 1024, 10, kStart + seconds(1)));
  EXPECT_FALSE(limit.Check(1024 * 1024, 20, kStart + seconds(2)));  // at the bound: still fine
  std::optional<std::string> over = limit.Check(1024 * 1024 + 1, 30, kStart + seconds(3));
  ASSERT_TRUE(over);
  EXPECT_NE(over->find("1024 KiB"), std::string::npos) << *over;
}

TEST(SendBacklogLimitTest, EndsAClientThatTakesNothingForTooLong) {
  SendBacklogLimit limit(1024 * 1024, seconds(60));
  EXPECT_FALSE(limit.Check(100, 5000, kStart));
  EXPECT_FALSE(limit.Check(100, 5000, kStart + seconds(59)));
  EXPECT_TRUE(limit.Check(100, 5000, kStart + seconds(60)));
  // Progress, however slow, or an empty queue restart the clock.
  SendBacklogLimit slow(1024 * 1024, seconds(60));
  EXPECT_FALSE(slow.Check(100, 5000, kStart));
  EXPECT_FALSE(slow.Check(100, 5001, kStart + seconds(50)));
  EXPECT_FALSE(slow.Check(100, 5001, kStart + seconds(100)));
  EXPECT_FALSE(slow.Check(0, 5001, kStart + seconds(200)));
  EXPECT_FALSE(slow.Check(10, 5001, kStart + seconds(250)));
  EXPECT_TRUE(slow.Check(10, 5001, kStart + seconds(260)));
}

TEST(LoginContextCapTest, EvictsTheOldestBeyondTheCap) {
  LoginContextCap cap(3);
  EXPECT_FALSE(cap.Created("a"));
  EXPECT_FALSE(cap.Created("b"));
  EXPECT_FALSE(cap.Created("c"));
  EXPECT_EQ(cap.Created("d"), "a");
  EXPECT_EQ(cap.Created("e"), "b");
  for (int i = 0; i < 10000; ++i) {
    EXPECT_TRUE(cap.Created("flood" + std::to_string(i)));
  }
  EXPECT_EQ(cap.Created("last"), "flood9997");  // only the newest 3 may live
}

TEST(FileLimitTest, SoftGoesToHardAndBothToWhatTheLimitsNeed) {
  EXPECT_EQ(NeededFileLimit(4096), 4096u * 3 + 256);
  FileLimit plan = PlanFileLimit({1024, 524288}, NeededFileLimit(4096));
  EXPECT_EQ(plan.soft, 524288u);
  EXPECT_EQ(plan.hard, 524288u);
  plan = PlanFileLimit({1024, 4096}, 12544);
  EXPECT_EQ(plan.soft, 12544u);
  EXPECT_EQ(plan.hard, 12544u);
}

}  // namespace
}  // namespace sekisho::gateway

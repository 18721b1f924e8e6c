#include "proto/session/dtls_retry.h"

#include "testutil/fakes.h"

#include <gtest/gtest.h>

namespace sekisho::proto::session {
namespace {

using Step = DtlsRetrySchedule::Step;
using std::chrono::seconds;

class DtlsRetryTest : public ::testing::Test {
 protected:
  Instant At(int s) const { return t0_ + seconds(s); }

  // Polls exactly at every deadline until something other than a retransmit happens.
  std::vector<Instant> RunUntilGiveUp(DtlsRetrySchedule& schedule) {
    std::vector<Instant> retransmits;
    for (int guard = 0; guard < 100; ++guard) {
      clock_.Set(schedule.NextDeadline());
      Step step = schedule.Poll(clock_.Now());
      if (step == Step::kRetransmit) {
        retransmits.push_back(clock_.Now());
        continue;
      }
      EXPECT_EQ(step, Step::kGiveUp);
      break;
    }
    return retransmits;
  }

  testutil::FakeClock clock_;
  Instant t0_ = clock_.Now();
};

TEST_F(DtlsRetryTest, CiscoScheduleThenGiveUpThenRetry) {
  DtlsRetrySchedule s;
  EXPECT_EQ(s.NextDeadline(), Instant::Max());
  s.Start(t0_);
  EXPECT_EQ(s.Poll(t0_ + std::chrono::milliseconds(999)), Step::kWait);
  auto retransmits = RunUntilGiveUp(s);
  EXPECT_EQ(retransmits, (std::vector<Instant>{At(1), At(3), At(7), At(15), At(31)}));
  EXPECT_EQ(s.retries_done(), 5);
  EXPECT_EQ(clock_.Now(), At(47));  // one more 16 s wait after the 5th retry
  EXPECT_TRUE(s.gave_up());
  EXPECT_EQ(s.NextDeadline(), At(107));
  EXPECT_EQ(s.Poll(At(106)), Step::kWait);
  EXPECT_EQ(s.Poll(At(107)), Step::kStartAttempt);
  EXPECT_TRUE(s.handshaking());
  EXPECT_EQ(s.retries_done(), 0);
  EXPECT_EQ(s.attempts(), 2);
  EXPECT_EQ(s.NextDeadline(), At(108));
  auto again = RunUntilGiveUp(s);
  EXPECT_EQ(again.size(), 5u);
  EXPECT_EQ(clock_.Now(), At(107 + 47));
}

TEST_F(DtlsRetryTest, HandshakeDoneStopsTimers) {
  DtlsRetrySchedule s;
  s.Start(t0_);
  EXPECT_EQ(s.Poll(At(1)), Step::kRetransmit);
  s.OnHandshakeDone();
  EXPECT_EQ(s.NextDeadline(), Instant::Max());
  EXPECT_EQ(s.Poll(At(100)), Step::kWait);
  EXPECT_FALSE(s.handshaking());
}

TEST_F(DtlsRetryTest, LatePollSchedulesFromNow) {
  DtlsRetrySchedule s;
  s.Start(t0_);
  EXPECT_EQ(s.Poll(At(5)), Step::kRetransmit);
  EXPECT_EQ(s.NextDeadline(), At(7));
}

TEST_F(DtlsRetryTest, RestartResetsRetries) {
  DtlsRetrySchedule s;
  s.Start(t0_);
  EXPECT_EQ(s.Poll(At(1)), Step::kRetransmit);
  s.Start(At(2));  // e.g. DTLS peer dead: redo at once
  EXPECT_EQ(s.retries_done(), 0);
  EXPECT_EQ(s.NextDeadline(), At(3));
}

TEST_F(DtlsRetryTest, ConfigurableNoRetryPeriod) {
  DtlsRetrySchedule::Config config;
  config.max_retries = 2;
  config.retry_period = seconds(0);
  DtlsRetrySchedule s(config);
  s.Start(t0_);
  EXPECT_EQ(s.Poll(At(1)), Step::kRetransmit);
  EXPECT_EQ(s.Poll(At(3)), Step::kRetransmit);
  EXPECT_EQ(s.NextDeadline(), At(7));
  EXPECT_EQ(s.Poll(At(7)), Step::kGiveUp);
  EXPECT_EQ(s.NextDeadline(), Instant::Max());
  EXPECT_EQ(s.Poll(At(10'000)), Step::kWait);
}

TEST_F(DtlsRetryTest, StopIsFinal) {
  DtlsRetrySchedule s;
  s.Start(t0_);
  s.Stop();
  EXPECT_EQ(s.Poll(At(1000)), Step::kWait);
  EXPECT_EQ(s.NextDeadline(), Instant::Max());
}

}  // namespace
}  // namespace sekisho::proto::session

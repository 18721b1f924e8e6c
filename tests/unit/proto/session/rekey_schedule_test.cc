#include "proto/session/rekey_schedule.h"

#include "testutil/fakes.h"

#include <gtest/gtest.h>

namespace sekisho::proto::session {
namespace {

using Action = RekeySchedule::Action;
using std::chrono::milliseconds;
using std::chrono::seconds;

class RekeyScheduleTest : public ::testing::Test {
 protected:
  RekeySchedule Make(RekeyMethod method, int interval_s, int retry_s = 10) {
    RekeySchedule::Config config;
    config.method = method;
    config.interval = seconds(interval_s);
    config.retry_period = seconds(retry_s);
    return RekeySchedule(config, t0_);
  }
  Instant At(double s) const {
    return t0_ + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
  }

  testutil::FakeClock clock_;
  Instant t0_ = clock_.Now();
};

TEST_F(RekeyScheduleTest, MethodNamesAsSentInTheHeader) {
  EXPECT_EQ(ParseRekeyMethod("ssl"), RekeyMethod::kSsl);
  EXPECT_EQ(ParseRekeyMethod("SSL"), RekeyMethod::kSsl);
  EXPECT_EQ(ParseRekeyMethod("new-tunnel"), RekeyMethod::kNewTunnel);
  EXPECT_EQ(ParseRekeyMethod("none"), RekeyMethod::kNone);
  EXPECT_EQ(ParseRekeyMethod(""), RekeyMethod::kNone);
  EXPECT_EQ(ParseRekeyMethod("dtls"), RekeyMethod::kNone);
  EXPECT_EQ(RekeyMethodName(RekeyMethod::kNewTunnel), "new-tunnel");
  EXPECT_EQ(RekeyMethodName(RekeyMethod::kSsl), "ssl");
  EXPECT_EQ(RekeyMethodName(RekeyMethod::kNone), "none");
}

TEST_F(RekeyScheduleTest, NoneOrZeroIntervalNeverRekeys) {
  RekeySchedule none = Make(RekeyMethod::kNone, 60);
  RekeySchedule zero = Make(RekeyMethod::kNewTunnel, 0);
  EXPECT_FALSE(none.enabled());
  EXPECT_FALSE(zero.enabled());
  EXPECT_EQ(none.NextDeadline(), Instant::Max());
  EXPECT_EQ(zero.NextDeadline(), Instant::Max());
  EXPECT_EQ(none.Poll(At(1e6)), Action::kNone);
  EXPECT_EQ(zero.Poll(At(1e6)), Action::kNone);
}

TEST_F(RekeyScheduleTest, LeadIsATenthOfTheIntervalAtMostAMinute) {
  EXPECT_EQ(RekeySchedule::Lead(seconds(6)), milliseconds(600));
  EXPECT_EQ(RekeySchedule::Lead(seconds(300)), seconds(30));
  EXPECT_EQ(RekeySchedule::Lead(seconds(172800)), seconds(60));  // ocserv's default 2 days
}

TEST_F(RekeyScheduleTest, NewTunnelDueBeforeTheIntervalRunsOut) {
  RekeySchedule s = Make(RekeyMethod::kNewTunnel, 10);
  EXPECT_EQ(s.NextDeadline(), At(9));
  EXPECT_EQ(s.Poll(At(8.999)), Action::kNone);
  EXPECT_EQ(s.Poll(At(9)), Action::kNewTunnel);
  EXPECT_TRUE(s.in_progress());
  EXPECT_EQ(s.NextDeadline(), Instant::Max());
  EXPECT_EQ(s.Poll(At(20)), Action::kNone) << "nothing else while one is in progress";
  EXPECT_EQ(s.rekeys_done(), 0);
}

TEST_F(RekeyScheduleTest, SslRepeatsEveryIntervalFromTheLastSuccess) {
  RekeySchedule s = Make(RekeyMethod::kSsl, 100);
  EXPECT_EQ(s.NextDeadline(), At(90));
  ASSERT_EQ(s.Poll(At(90)), Action::kRehandshake);
  s.OnDone(At(90.5));
  EXPECT_EQ(s.rekeys_done(), 1);
  EXPECT_FALSE(s.in_progress());
  // ocserv refuses a renegotiation sooner than interval/2 after the previous one.
  EXPECT_GE(s.NextDeadline() - At(90.5), seconds(50));
  EXPECT_EQ(s.NextDeadline(), At(180.5));
  ASSERT_EQ(s.Poll(At(181)), Action::kRehandshake);
  s.OnDone(At(181));
  EXPECT_EQ(s.rekeys_done(), 2);
}

TEST_F(RekeyScheduleTest, FailedRenegotiationFallsBackToANewTunnelAtOnce) {
  RekeySchedule s = Make(RekeyMethod::kSsl, 100);
  ASSERT_EQ(s.Poll(At(90)), Action::kRehandshake);
  s.OnFailed(At(90.2));
  EXPECT_EQ(s.failures(), 1);
  EXPECT_EQ(s.NextDeadline(), At(90.2));
  EXPECT_EQ(s.Poll(At(90.2)), Action::kNewTunnel);
}

TEST_F(RekeyScheduleTest, FailedNewTunnelIsRetriedAfterTheRetryPeriod) {
  RekeySchedule s = Make(RekeyMethod::kNewTunnel, 60, 5);
  ASSERT_EQ(s.Poll(At(54)), Action::kNewTunnel);
  s.OnFailed(At(55));
  EXPECT_EQ(s.NextDeadline(), At(60));
  EXPECT_EQ(s.Poll(At(59)), Action::kNone);
  ASSERT_EQ(s.Poll(At(60)), Action::kNewTunnel);
  s.OnFailed(At(61));
  EXPECT_EQ(s.failures(), 2);
  // Still retried past the interval's end: the old tunnel carries data until the gateway
  // drops it, then the reconnect path takes over.
  ASSERT_EQ(s.Poll(At(66)), Action::kNewTunnel);
  s.OnDone(At(66));
  EXPECT_EQ(s.failures(), 0);
  EXPECT_EQ(s.NextDeadline(), At(66 + 54));
}

TEST_F(RekeyScheduleTest, OnFailedWithoutARekeyInProgressIsIgnored) {
  RekeySchedule s = Make(RekeyMethod::kNewTunnel, 10);
  s.OnFailed(At(1));
  EXPECT_EQ(s.failures(), 0);
  EXPECT_EQ(s.NextDeadline(), At(9));
}

}  // namespace
}  // namespace sekisho::proto::session

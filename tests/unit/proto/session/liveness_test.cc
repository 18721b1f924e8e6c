#include "proto/session/liveness.h"

#include "testutil/fakes.h"

#include <gtest/gtest.h>

namespace sekisho::proto::session {
namespace {

using Action = ChannelLiveness::Action;
using Role = ChannelLiveness::Role;
using std::chrono::seconds;

class LivenessTest : public ::testing::Test {
 protected:
  Instant At(int s) const { return t0_ + seconds(s); }
  testutil::FakeClock clock_;
  Instant t0_ = clock_.Now();
};

TEST_F(LivenessTest, ClientDpdResendAndDeath) {
  // openconnect (§9.2): DPD after 30 s of silence, resend every 15 s, dead at 60 s.
  ChannelLiveness l(seconds(30), seconds(0), Role::kClient, t0_);
  EXPECT_EQ(l.NextDeadline(), At(30));
  EXPECT_EQ(l.Poll(At(29)), Action::kNone);
  EXPECT_EQ(l.Poll(At(30)), Action::kSendDpd);
  EXPECT_EQ(l.Poll(At(30)), Action::kNone);
  EXPECT_EQ(l.NextDeadline(), At(45));
  EXPECT_EQ(l.Poll(At(45)), Action::kSendDpd);
  EXPECT_EQ(l.NextDeadline(), At(60));
  EXPECT_EQ(l.Poll(At(59)), Action::kNone);
  EXPECT_EQ(l.Poll(At(60)), Action::kPeerDead);
  EXPECT_TRUE(l.peer_dead());
  EXPECT_EQ(l.Poll(At(61)), Action::kPeerDead);
  EXPECT_EQ(l.NextDeadline(), Instant::Max());
}

TEST_F(LivenessTest, ReceptionResetsDpd) {
  ChannelLiveness l(seconds(30), seconds(0), Role::kClient, t0_);
  EXPECT_EQ(l.Poll(At(30)), Action::kSendDpd);
  l.OnReceived(At(31));  // DPD-RESP
  EXPECT_EQ(l.NextDeadline(), At(61));
  EXPECT_EQ(l.Poll(At(46)), Action::kNone);  // no longer outstanding: no half-interval resend
  EXPECT_EQ(l.Poll(At(61)), Action::kSendDpd);
}

TEST_F(LivenessTest, GatewayFlavour) {
  // ocserv (§9.3): DPD-REQ after 2*DPD, dead after 3*DPD.
  ChannelLiveness l(seconds(90), seconds(0), Role::kGateway, t0_);
  EXPECT_EQ(l.NextDeadline(), At(180));
  EXPECT_EQ(l.Poll(At(179)), Action::kNone);
  EXPECT_EQ(l.Poll(At(180)), Action::kSendDpd);
  EXPECT_EQ(l.NextDeadline(), At(225));
  EXPECT_EQ(l.Poll(At(225)), Action::kSendDpd);
  EXPECT_EQ(l.NextDeadline(), At(270));
  EXPECT_EQ(l.Poll(At(269)), Action::kNone);
  EXPECT_EQ(l.Poll(At(270)), Action::kPeerDead);
}

TEST_F(LivenessTest, Keepalive) {
  ChannelLiveness l(seconds(0), seconds(20), Role::kClient, t0_);
  EXPECT_EQ(l.NextDeadline(), At(20));
  l.OnSent(At(10));
  EXPECT_EQ(l.Poll(At(20)), Action::kNone);
  EXPECT_EQ(l.NextDeadline(), At(30));
  EXPECT_EQ(l.Poll(At(30)), Action::kSendKeepalive);
  EXPECT_EQ(l.NextDeadline(), At(50));
  // Receiving does not postpone a keepalive: it is about what we send.
  l.OnReceived(At(49));
  EXPECT_EQ(l.Poll(At(50)), Action::kSendKeepalive);
}

TEST_F(LivenessTest, DpdCountsAsSentForKeepalive) {
  ChannelLiveness l(seconds(30), seconds(20), Role::kClient, t0_);
  EXPECT_EQ(l.Poll(At(20)), Action::kSendKeepalive);
  l.OnReceived(At(20));
  EXPECT_EQ(l.NextDeadline(), At(40));
  EXPECT_EQ(l.Poll(At(50)), Action::kSendDpd);  // both due: DPD wins and resets keepalive
  EXPECT_EQ(l.Poll(At(50)), Action::kNone);
  EXPECT_EQ(l.NextDeadline(), At(65));
}

TEST_F(LivenessTest, AllOff) {
  ChannelLiveness l(seconds(0), seconds(0), Role::kGateway, t0_);
  EXPECT_EQ(l.NextDeadline(), Instant::Max());
  EXPECT_EQ(l.Poll(At(1'000'000)), Action::kNone);
}

TEST_F(LivenessTest, HugePeerIntervalsDoNotOverflow) {
  ChannelLiveness l(seconds(UINT32_MAX), seconds(UINT32_MAX), Role::kGateway, t0_);
  EXPECT_GT(l.NextDeadline(), At(1'000'000));
  EXPECT_EQ(l.Poll(At(1'000'000)), Action::kNone);
}

TEST_F(LivenessTest, IdleTimer) {
  IdleTimer idle(seconds(1200), t0_);
  EXPECT_EQ(idle.NextDeadline(), At(1200));
  idle.OnData(At(600));
  EXPECT_FALSE(idle.Expired(At(1200)));
  EXPECT_EQ(idle.NextDeadline(), At(1800));
  EXPECT_TRUE(idle.Expired(At(1800)));

  IdleTimer off(std::nullopt, t0_);
  EXPECT_EQ(off.NextDeadline(), Instant::Max());
  EXPECT_FALSE(off.Expired(At(1'000'000)));
  EXPECT_FALSE(IdleTimer(seconds(0), t0_).Expired(At(5)));
}

TEST_F(LivenessTest, SessionLifetime) {
  Instant deadline = SessionDeadline(t0_, seconds(86400));
  EXPECT_EQ(deadline, At(86400));
  EXPECT_EQ(SecondsRemaining(deadline, At(400)), 86000u);
  EXPECT_EQ(SecondsRemaining(deadline, At(400) + std::chrono::milliseconds(1)), 86000u);
  EXPECT_EQ(SecondsRemaining(deadline, At(90000)), 0u);
  EXPECT_EQ(SessionDeadline(t0_, std::nullopt), Instant::Max());
  EXPECT_EQ(SessionDeadline(t0_, seconds(0)), Instant::Max());
  EXPECT_FALSE(SecondsRemaining(Instant::Max(), t0_).has_value());
}

TEST_F(LivenessTest, ClientSessionLimit) {
  EXPECT_EQ(ClientSessionLimitSeconds(1209600, std::nullopt, 3600), 3600u);
  EXPECT_EQ(ClientSessionLimitSeconds(std::nullopt, 0, 86400), 86400u);
  EXPECT_FALSE(ClientSessionLimitSeconds(std::nullopt, std::nullopt, 0).has_value());
}

}  // namespace
}  // namespace sekisho::proto::session

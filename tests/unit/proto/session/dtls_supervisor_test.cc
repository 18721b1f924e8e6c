#include "proto/session/dtls_supervisor.h"

#include <gtest/gtest.h>

#include <vector>

namespace sekisho::proto::session {
namespace {

using Kind = DtlsSupervisor::Step::Kind;
using State = DtlsSupervisor::State;

constexpr std::uint32_t kDtlsMtu = 1434;
constexpr std::uint32_t kCstpMtu = 1406;

Instant At(double s) { return Instant::FromNanos(static_cast<std::int64_t>(s * 1e9)) + hours(1); }

DtlsSupervisor::Config Config(Duration retry_period = seconds(60)) {
  DtlsSupervisor::Config config;
  config.retry_period = retry_period;
  return config;
}

// Polls at every deadline up to `until` and records what happened.
struct Event {
  Kind kind;
  Instant at;
  int retry;
  Duration backoff;
};
std::vector<Event> PollUntil(DtlsSupervisor& s, Instant until) {
  std::vector<Event> events;
  while (s.NextDeadline() <= until) {
    Instant t = s.NextDeadline();
    DtlsSupervisor::Step step = s.Poll(t);
    if (step.kind != Kind::kNone) {
      events.push_back({step.kind, t, step.retry, step.backoff});
    }
  }
  return events;
}

TEST(DtlsSupervisorTest, BlockedUdpTimeline) {
  DtlsSupervisor s(Config(), kDtlsMtu, kCstpMtu);
  EXPECT_EQ(s.tun_mtu(), kDtlsMtu);
  s.StartAttempt(At(0));
  EXPECT_EQ(s.state(), State::kHandshaking);
  std::vector<Event> events = PollUntil(s, At(60));
  ASSERT_EQ(events.size(), 6u);
  const double retry_at[] = {1, 3, 7, 15, 31};
  const int backoff_s[] = {1, 2, 4, 8, 16};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(events[i].kind, Kind::kRetransmit);
    EXPECT_EQ(events[i].at, At(retry_at[i]));
    EXPECT_EQ(events[i].retry, i + 1);
    EXPECT_EQ(events[i].backoff, seconds(backoff_s[i]));
  }
  EXPECT_EQ(events[5].kind, Kind::kGiveUp);
  EXPECT_EQ(events[5].at, At(47));
  EXPECT_EQ(s.state(), State::kWaiting);
  EXPECT_EQ(s.tun_mtu(), kCstpMtu);

  // 60 s later a fresh attempt with the same schedule; the MTU is not touched meanwhile.
  events = PollUntil(s, At(107));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kStartAttempt);
  EXPECT_EQ(events[0].at, At(107));
  EXPECT_EQ(s.state(), State::kHandshaking);
  EXPECT_EQ(s.tun_mtu(), kCstpMtu);
  events = PollUntil(s, At(109));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at, At(108));

  // It succeeds: the MTU goes back up, no timers left.
  s.OnPeerAnswered();
  s.OnHandshakeDone();
  EXPECT_EQ(s.state(), State::kUp);
  EXPECT_EQ(s.tun_mtu(), kDtlsMtu);
  EXPECT_EQ(s.NextDeadline(), Instant::Max());
}

TEST(DtlsSupervisorTest, AnswerStopsTheClientHelloSchedule) {
  DtlsSupervisor s(Config(), kDtlsMtu, kCstpMtu);
  s.StartAttempt(At(0));
  ASSERT_EQ(s.Poll(At(1)).kind, Kind::kRetransmit);
  s.OnPeerAnswered();
  // The engine's own timer runs the rest of the handshake: no retries, no give-up from us.
  EXPECT_EQ(s.NextDeadline(), Instant::Max());
  EXPECT_EQ(s.Poll(At(100)).kind, Kind::kNone);
  EXPECT_EQ(s.tun_mtu(), kDtlsMtu);
}

TEST(DtlsSupervisorTest, FailureAfterAnswerWaitsOnePeriod) {
  DtlsSupervisor s(Config(seconds(10)), kDtlsMtu, kCstpMtu);
  s.StartAttempt(At(0));
  s.OnPeerAnswered();
  s.OnFailed(At(2));
  EXPECT_EQ(s.state(), State::kWaiting);
  EXPECT_EQ(s.tun_mtu(), kCstpMtu);
  EXPECT_EQ(s.NextDeadline(), At(12));
  EXPECT_EQ(s.Poll(At(11)).kind, Kind::kNone);
  EXPECT_EQ(s.Poll(At(12)).kind, Kind::kStartAttempt);
  EXPECT_EQ(s.state(), State::kHandshaking);
  // The new attempt follows the ClientHello schedule from 12 s.
  EXPECT_EQ(s.NextDeadline(), At(13));
}

TEST(DtlsSupervisorTest, DeadChannelRestartsAtOnceWithoutTouchingTheMtu) {
  DtlsSupervisor s(Config(), kDtlsMtu, kCstpMtu);
  s.StartAttempt(At(0));
  s.OnPeerAnswered();
  s.OnHandshakeDone();
  // DPD declared the channel dead at 100 s: a new attempt at once (openconnect's rule).
  s.StartAttempt(At(100));
  EXPECT_EQ(s.tun_mtu(), kDtlsMtu);
  std::vector<Event> events = PollUntil(s, At(147));
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[5].kind, Kind::kGiveUp);
  EXPECT_EQ(s.tun_mtu(), kCstpMtu);
}

TEST(DtlsSupervisorTest, ZeroRetryPeriodNeverRetries) {
  DtlsSupervisor s(Config(Duration(0)), kDtlsMtu, kCstpMtu);
  s.StartAttempt(At(0));
  std::vector<Event> events = PollUntil(s, At(1000));
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(s.NextDeadline(), Instant::Max());
  s.OnFailed(At(1000));
  EXPECT_EQ(s.NextDeadline(), Instant::Max());
}

}  // namespace
}  // namespace sekisho::proto::session

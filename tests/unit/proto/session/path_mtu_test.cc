#include "proto/session/path_mtu.h"

#include <gtest/gtest.h>

#include <array>
#include <deque>
#include <vector>

namespace sekisho::proto::session {
namespace {

using Kind = PathMtuProber::Step::Kind;
using State = PathMtuProber::State;

constexpr std::uint32_t kCeiling = 1434;

Instant At(double s) { return Instant::FromNanos(static_cast<std::int64_t>(s * 1e9)) + hours(1); }

PathMtuProber::Config Config(Duration recheck = seconds(60)) {
  PathMtuProber::Config config;
  config.floor = 576;
  config.ceiling = kCeiling;
  config.recheck_interval = recheck;
  config.id_seed = 0x11223344;
  return config;
}

// A UDP path that carries probes up to `limit` bytes and echoes them after `rtt`, driven on a
// fake clock: every probe sent, every MTU change reported.
struct FakePath {
  FakePath(PathMtuProber& p, std::uint32_t l) : prober(p), limit(l) {}
  PathMtuProber& prober;
  std::uint32_t limit;
  Duration rtt = milliseconds(20);
  Instant now = At(0);
  struct Echo {
    Instant at;
    Bytes payload;
  };
  std::deque<Echo> echoes;
  std::vector<std::uint32_t> sent;
  std::vector<std::uint32_t> changes;

  void RunUntil(Instant until) {
    while (true) {
      Instant next = prober.NextDeadline();
      if (!echoes.empty()) {
        next = std::min(next, echoes.front().at);
      }
      if (next > until) {
        now = until;
        return;
      }
      now = std::max(now, next);
      if (!echoes.empty() && echoes.front().at <= now) {
        Bytes payload = std::move(echoes.front().payload);
        echoes.pop_front();
        prober.OnEcho(payload, now);
        continue;
      }
      PathMtuProber::Step step = prober.Poll(now);
      if (step.kind == Kind::kSendProbe) {
        sent.push_back(step.size);
        if (step.size <= limit) {
          Bytes payload(step.size);
          EXPECT_EQ(prober.ProbePayload(payload), step.size);
          echoes.push_back({now + rtt, std::move(payload)});
        }
      } else if (step.kind == Kind::kMtuChanged) {
        changes.push_back(step.mtu);
      }
    }
  }
};

TEST(PathMtuProberTest, PathCarriesTheCeilingInOneRoundTrip) {
  PathMtuProber prober(Config());
  FakePath path(prober, 1500);
  prober.Start(path.now);
  path.RunUntil(At(1));
  EXPECT_EQ(path.sent, std::vector<std::uint32_t>{kCeiling});
  EXPECT_EQ(path.changes, std::vector<std::uint32_t>{kCeiling});
  EXPECT_EQ(prober.mtu(), kCeiling);
  EXPECT_EQ(prober.state(), State::kSettled);
  EXPECT_EQ(prober.NextDeadline(), At(0) + milliseconds(20) + seconds(60));
}

TEST(PathMtuProberTest, BinarySearchFindsTheExactPathMtu) {
  PathMtuProber prober(Config());
  FakePath path(prober, 1300);
  prober.Start(path.now);
  path.RunUntil(At(10));
  EXPECT_EQ(prober.mtu(), 1300u);
  EXPECT_EQ(path.changes, std::vector<std::uint32_t>{1300});
  // The ceiling gets its three tries; never anything above it.
  ASSERT_GE(path.sent.size(), 3u);
  EXPECT_EQ(path.sent[0], kCeiling);
  EXPECT_EQ(path.sent[1], kCeiling);
  EXPECT_EQ(path.sent[2], kCeiling);
  for (std::uint32_t size : path.sent) {
    EXPECT_LE(size, kCeiling);
    EXPECT_GT(size, 576u);
  }
  // log2(1434 - 576) rounds: bounded, done well before openconnect's 10 s.
  EXPECT_LT(path.sent.size(), 45u);
}

TEST(PathMtuProberTest, SettlesOnTheFloorWhenNothingPasses) {
  PathMtuProber prober(Config());
  FakePath path(prober, 100);
  prober.Start(path.now);
  path.RunUntil(At(20));
  EXPECT_EQ(prober.mtu(), 576u);
  EXPECT_EQ(path.changes, std::vector<std::uint32_t>{576});
}

TEST(PathMtuProberTest, RecheckLowersTheMtuWhenThePathShrinks) {
  PathMtuProber prober(Config(seconds(5)));
  FakePath path(prober, 1500);
  prober.Start(path.now);
  path.RunUntil(At(1));
  ASSERT_EQ(prober.mtu(), kCeiling);
  path.limit = 1200;  // a router on the way now drops anything larger, silently
  path.sent.clear();
  path.RunUntil(At(4.9));
  EXPECT_TRUE(path.sent.empty()) << "probed before the recheck interval";
  path.RunUntil(At(15));
  EXPECT_EQ(path.sent.front(), kCeiling);  // the recheck probes the size in use
  EXPECT_EQ(prober.mtu(), 1200u);
  EXPECT_EQ(path.changes, (std::vector<std::uint32_t>{kCeiling, 1200}));
}

TEST(PathMtuProberTest, RecheckRaisesTheMtuBackWhenThePathGrows) {
  PathMtuProber prober(Config(seconds(5)));
  FakePath path(prober, 1300);
  prober.Start(path.now);
  path.RunUntil(At(4.9));
  ASSERT_EQ(prober.mtu(), 1300u);
  path.limit = 1500;
  path.sent.clear();
  path.RunUntil(At(10.5));
  // One probe of the current size, echoed; then one of the ceiling, echoed.
  EXPECT_EQ(path.sent, (std::vector<std::uint32_t>{1300, kCeiling}));
  EXPECT_EQ(prober.mtu(), kCeiling);
  EXPECT_EQ(path.changes, (std::vector<std::uint32_t>{1300, kCeiling}));
}

TEST(PathMtuProberTest, RecheckThatPassesAtTheCeilingReportsNothing) {
  PathMtuProber prober(Config(seconds(5)));
  FakePath path(prober, 1500);
  prober.Start(path.now);
  path.RunUntil(At(30));
  EXPECT_EQ(path.changes, std::vector<std::uint32_t>{kCeiling});
  EXPECT_GE(path.sent.size(), 5u);  // one probe per recheck
}

TEST(PathMtuProberTest, IgnoresEchoesOfOtherProbes) {
  PathMtuProber prober(Config());
  prober.Start(At(0));
  PathMtuProber::Step step = prober.Poll(At(0));
  ASSERT_EQ(step.kind, Kind::kSendProbe);
  Bytes payload(step.size);
  prober.ProbePayload(payload);
  Bytes wrong_id = payload;
  wrong_id[3] ^= 1;
  prober.OnEcho(wrong_id, At(0.01));
  Bytes shorter(payload.begin(), payload.end() - 1);  // a gateway that trims the padding
  prober.OnEcho(shorter, At(0.01));
  prober.OnEcho(Bytes{}, At(0.01));
  EXPECT_EQ(prober.state(), State::kSearching);
  EXPECT_EQ(prober.probing(), kCeiling);
  prober.OnEcho(payload, At(0.02));
  EXPECT_EQ(prober.Poll(At(0.02)).kind, Kind::kMtuChanged);
  EXPECT_EQ(prober.mtu(), kCeiling);
}

TEST(PathMtuProberTest, ProbePayloadIsTheIdThenZeros) {
  PathMtuProber prober(Config());
  prober.Start(At(0));
  ASSERT_EQ(prober.Poll(At(0)).size, kCeiling);
  std::array<std::uint8_t, 2000> out;
  out.fill(0xAA);
  ASSERT_EQ(prober.ProbePayload(out), kCeiling);
  EXPECT_EQ(out[0], 0x11);
  EXPECT_EQ(out[1], 0x22);
  EXPECT_EQ(out[2], 0x33);
  EXPECT_EQ(out[3], 0x44);
  for (std::size_t i = 4; i < kCeiling; ++i) {
    ASSERT_EQ(out[i], 0) << i;
  }
  EXPECT_EQ(out[kCeiling], 0xAA);
}

TEST(PathMtuProberTest, StopKeepsTheResultAndSchedulesNothing) {
  PathMtuProber prober(Config());
  FakePath path(prober, 1300);
  prober.Start(path.now);
  path.RunUntil(At(10));
  ASSERT_EQ(prober.mtu(), 1300u);
  prober.Stop();
  EXPECT_EQ(prober.state(), State::kIdle);
  EXPECT_EQ(prober.NextDeadline(), Instant::Max());
  EXPECT_EQ(prober.mtu(), 1300u);
  EXPECT_EQ(prober.Poll(At(100)).kind, Kind::kNone);
  // A new DTLS channel searches again, from the ceiling.
  path.sent.clear();
  path.now = At(200);
  prober.Start(path.now);
  path.RunUntil(At(210));
  EXPECT_EQ(path.sent.front(), kCeiling);
  EXPECT_EQ(prober.mtu(), 1300u);
  EXPECT_EQ(path.changes, std::vector<std::uint32_t>{1300});  // unchanged: not reported again
}

TEST(PathMtuProberTest, CeilingAtOrBelowTheFloorIsTakenAsIs) {
  PathMtuProber::Config config = Config();
  config.ceiling = 500;
  PathMtuProber prober(config);
  prober.Start(At(0));
  PathMtuProber::Step step = prober.Poll(At(0));
  EXPECT_EQ(step.kind, Kind::kMtuChanged);
  EXPECT_EQ(step.mtu, 500u);
}

}  // namespace
}  // namespace sekisho::proto::session

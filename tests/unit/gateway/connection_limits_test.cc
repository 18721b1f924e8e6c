#include "gateway/connection_limits.h"

#include <gtest/gtest.h>

namespace sekisho::gateway {
namespace {

AdmissionLimits Small() {
  AdmissionLimits limits;
  limits.total = 6;
  limits.pre_login = 4;
  limits.handshakes = 3;
  limits.per_address = 2;
  return limits;
}

TEST(ConnectionLimitsTest, RefusesPerAddressBeyondTheLimitAndOthersStillGetIn) {
  ConnectionLimits limits(Small());
  EXPECT_FALSE(limits.Admit(1, "198.18.0.10"));
  EXPECT_FALSE(limits.Admit(2, "198.18.0.10"));
  EXPECT_EQ(limits.Admit(3, "198.18.0.10"), Refusal::kPerAddress);
  EXPECT_FALSE(limits.Admit(4, "198.18.0.11"));
  EXPECT_EQ(limits.from("198.18.0.10"), 2u);
  limits.Close(1);
  EXPECT_FALSE(limits.Admit(5, "198.18.0.10"));  // a slot freed by a close is reusable
  EXPECT_EQ(limits.total(), 3u);
}

TEST(ConnectionLimitsTest, HandshakesPreLoginAndTotalAreCountedByPhase) {
  AdmissionLimits config = Small();
  config.per_address = 100;
  ConnectionLimits limits(config);
  EXPECT_FALSE(limits.Admit(1, "198.18.0.1"));
  EXPECT_FALSE(limits.Admit(2, "198.18.0.2"));
  EXPECT_FALSE(limits.Admit(3, "198.18.0.3"));
  EXPECT_EQ(limits.Admit(4, "198.18.0.4"), Refusal::kHandshakes);
  limits.Established(1);
  EXPECT_EQ(limits.handshakes(), 2u);
  EXPECT_EQ(limits.pre_login(), 3u);
  EXPECT_FALSE(limits.Admit(4, "198.18.0.4"));
  limits.Established(2);
  EXPECT_EQ(limits.Admit(5, "198.18.0.5"), Refusal::kPreLogin);  // 4 before login
  // Tunnels leave the login phase but count in the total.
  limits.Tunnel(1);
  limits.Tunnel(2);
  EXPECT_EQ(limits.pre_login(), 2u);
  EXPECT_FALSE(limits.Admit(5, "198.18.0.5"));
  limits.Established(3);
  limits.Tunnel(3);
  limits.Established(4);
  limits.Tunnel(4);
  EXPECT_FALSE(limits.Admit(6, "198.18.0.6"));
  EXPECT_EQ(limits.Admit(7, "198.18.0.7"), Refusal::kTotal);
  EXPECT_EQ(limits.LimitOf(Refusal::kTotal), 6u);
  // A refused connection left nothing behind.
  EXPECT_EQ(limits.from("198.18.0.7"), 0u);
  EXPECT_EQ(limits.total(), 6u);
}

TEST(ConnectionLimitsTest, IgnoresReportsForUnknownIdsAndRepeats) {
  ConnectionLimits limits(Small());
  EXPECT_FALSE(limits.Admit(1, "198.18.0.1"));
  limits.Established(99);
  limits.Tunnel(99);
  limits.Close(99);
  limits.Established(1);
  limits.Established(1);  // a duplicate does not count twice
  EXPECT_EQ(limits.handshakes(), 0u);
  EXPECT_EQ(limits.pre_login(), 1u);
  limits.Tunnel(1);
  limits.Tunnel(1);
  EXPECT_EQ(limits.from("198.18.0.1"), 1u);
  limits.Close(1);
  limits.Close(1);
  EXPECT_EQ(limits.total(), 0u);
  EXPECT_EQ(limits.pre_login(), 0u);
  EXPECT_EQ(limits.from("198.18.0.1"), 0u);
  // A tunnel straight from the handshake phase (single-process reports no establishment).
  EXPECT_FALSE(limits.Admit(2, "198.18.0.1"));
  limits.Tunnel(2);
  EXPECT_EQ(limits.handshakes(), 0u);
  EXPECT_EQ(limits.pre_login(), 0u);
}

TEST(ConnectionLimitsTest, Ipv6CountsByPrefix64AndMappedIpv4AsIpv4) {
  EXPECT_EQ(SourceKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(SourceKey("2001:db8:1:2:bbbb:cccc:dddd:eeee"), "2001:db8:1:2::/64");
  EXPECT_EQ(SourceKey("::ffff:198.18.0.2"), "198.18.0.2");
  EXPECT_EQ(SourceKey("198.18.0.2"), "198.18.0.2");
  ConnectionLimits limits(Small());
  EXPECT_FALSE(limits.Admit(1, "2001:db8:1:2::1"));
  EXPECT_FALSE(limits.Admit(2, "2001:db8:1:2::2"));
  EXPECT_EQ(limits.Admit(3, "2001:db8:1:2:ffff::9"), Refusal::kPerAddress);
  EXPECT_FALSE(limits.Admit(3, "2001:db8:1:3::1"));  // the next /64 is someone else
}

}  // namespace
}  // namespace sekisho::gateway

namespace sekisho::gateway {
namespace {

TEST(ConnectionLimitsObserverTest, ToldOnceWithTheAdmissionTimeWhenAHandshakeEnds) {
  ConnectionLimits limits(AdmissionLimits{10, 10, 10, 10});
  std::vector<Instant> told;
  limits.set_on_established([&](Instant admitted) { told.push_back(admitted); });
  const Instant t1 = Instant::FromNanos(1'000'000);
  ASSERT_FALSE(limits.Admit(1, "198.51.100.1", t1));
  ASSERT_FALSE(limits.Admit(2, "198.51.100.2", Instant::FromNanos(5)));
  limits.Established(1);
  limits.Established(1);  // a repeat is no second handshake
  limits.Tunnel(1);
  limits.Close(2);  // closed during its handshake: never told
  limits.Established(2);
  limits.Established(7);  // unknown
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0], t1);
}

}  // namespace
}  // namespace sekisho::gateway

// Sessions, cookies and address leases over their lifecycle, with a fake clock.

#include "gateway/session_registry.h"

#include "testutil/fakes.h"

#include <gtest/gtest.h>

namespace sekisho::gateway {
namespace {

class RecordingTunnel final : public TunnelHandle {
 public:
  void Terminate(std::string_view reason) override { terminated_with = std::string(reason); }
  std::string_view channel() const override { return "tls"; }
  void OnDtlsClientHello(const boost::asio::ip::udp::endpoint&, ByteSpan) override {}
  std::string terminated_with;
};

class SessionRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = ParseConfig(R"(
[tls]
certificate = "c.pem"
private_key = "k.pem"
[auth]
password_file = "passwd"
cookie_timeout = 60
[network]
ipv4_pool = "198.18.100.0/29"
[tunnel]
session_timeout = 3600
[[group]]
name = "a"
default = true
[[group]]
name = "b"
ipv4_pool = "198.18.102.0/30"
)",
                              "");
    ASSERT_TRUE(config.has_value()) << (config ? "" : config.error().ToString());
    config_ = std::make_unique<GatewayConfig>(std::move(*config));
    registry_ = std::make_unique<SessionRegistry>(*config_, rng_);
  }

  testutil::FakeClock clock_;
  testutil::FakeRng rng_;
  std::unique_ptr<GatewayConfig> config_;
  std::unique_ptr<SessionRegistry> registry_;
};

TEST_F(SessionRegistryTest, CookiesAreUniqueAndFindTheirSession) {
  Session& one = registry_->CreateSession("u1", "a", "198.18.0.2", "password", clock_.Now());
  Session& two = registry_->CreateSession("u2", "a", "198.18.0.3", "password", clock_.Now());
  EXPECT_NE(one.cookie.reveal(), two.cookie.reveal());
  EXPECT_EQ(registry_->FindByCookie(one.cookie.reveal(), clock_.Now()), &one);
  EXPECT_EQ(registry_->FindByCookie("not-a-cookie", clock_.Now()), nullptr);
  EXPECT_EQ(registry_->FindByDtlsSessionId(two.dtls_session_id), &two);
  EXPECT_EQ(one.dtls_session_id.size(), 32U);
}

TEST_F(SessionRegistryTest, LeaseIsStableAcrossReconnectsAndFreedAtTheEnd) {
  Session& session = registry_->CreateSession("u", "b", "198.18.0.2", "password", clock_.Now());
  auto first = registry_->LeaseAddress(session);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*registry_->LeaseAddress(session), *first);
  // /30 has a single client address: a second session finds the pool exhausted.
  Session& other = registry_->CreateSession("v", "b", "198.18.0.3", "password", clock_.Now());
  auto none = registry_->LeaseAddress(other);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().code, Errc::kExhausted);
  registry_->EndSession(session.id, "test");
  EXPECT_TRUE(registry_->LeaseAddress(other).has_value());
}

TEST_F(SessionRegistryTest, EndingASessionTerminatesItsTunnel) {
  Session& session = registry_->CreateSession("u", "a", "198.18.0.2", "password", clock_.Now());
  RecordingTunnel tunnel;
  registry_->AttachTunnel(session, tunnel, clock_.Now());
  std::string cookie = session.cookie.reveal();
  registry_->EndSession(session.id, "admin");
  EXPECT_EQ(tunnel.terminated_with, "admin");
  EXPECT_EQ(registry_->FindByCookie(cookie, clock_.Now()), nullptr);
}

TEST_F(SessionRegistryTest, DisconnectedSessionsExpireAfterTheReconnectWindow) {
  Session& session = registry_->CreateSession("u", "a", "198.18.0.2", "password", clock_.Now());
  SessionId id = session.id;
  RecordingTunnel tunnel;
  registry_->AttachTunnel(session, tunnel, clock_.Now());
  clock_.Advance(seconds(600));
  EXPECT_TRUE(registry_->Expire(clock_.Now()).empty()) << "a connected session stays";
  registry_->DetachTunnel(session, tunnel, clock_.Now());
  clock_.Advance(seconds(59));
  EXPECT_TRUE(registry_->Expire(clock_.Now()).empty());
  clock_.Advance(seconds(2));
  EXPECT_EQ(registry_->Expire(clock_.Now()), std::vector<SessionId>{id});
}

TEST_F(SessionRegistryTest, SessionTimeoutEndsEvenConnectedSessions) {
  Session& session = registry_->CreateSession("u", "a", "198.18.0.2", "password", clock_.Now());
  RecordingTunnel tunnel;
  registry_->AttachTunnel(session, tunnel, clock_.Now());
  clock_.Advance(seconds(3601));
  EXPECT_EQ(registry_->Expire(clock_.Now()).size(), 1U);
  EXPECT_EQ(tunnel.terminated_with, "session expired");
}

TEST_F(SessionRegistryTest, StaleDetachAfterTakeoverKeepsTheNewTunnel) {
  Session& session = registry_->CreateSession("u", "a", "198.18.0.2", "password", clock_.Now());
  RecordingTunnel old_tunnel;
  RecordingTunnel new_tunnel;
  registry_->AttachTunnel(session, old_tunnel, clock_.Now());
  registry_->AttachTunnel(session, new_tunnel, clock_.Now());
  registry_->DetachTunnel(session, old_tunnel, clock_.Now());
  EXPECT_EQ(session.tunnel, &new_tunnel);
}

}  // namespace
}  // namespace sekisho::gateway

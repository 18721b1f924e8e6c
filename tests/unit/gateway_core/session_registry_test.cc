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

namespace sekisho::gateway {
namespace {

// A reload replaces the configuration behind the registry's reference (Gateway::Reload).
class SessionRegistryReloadTest : public SessionRegistryTest {
 protected:
  void Reload(std::string_view text) {
    auto config = ParseConfig(text, "");
    ASSERT_TRUE(config.has_value()) << (config ? "" : config.error().ToString());
    *config_ = std::move(*config);
    retained_ = registry_->Reconfigure();
  }
  std::size_t retained_ = 0;
};

constexpr std::string_view kHeader = R"(
[tls]
certificate = "c.pem"
private_key = "k.pem"
[auth]
password_file = "passwd"
cookie_timeout = 60
)";

TEST_F(SessionRegistryReloadTest, UnchangedPoolsKeepTheirLeases) {
  Session& session = registry_->CreateSession("u", "b", "198.18.0.2", "password", clock_.Now());
  auto address = registry_->LeaseAddress(session);
  ASSERT_TRUE(address.has_value());
  // Group "b" gets a label, its pool stays: the /30's single client address stays taken.
  Reload(std::string(kHeader) + R"(
[network]
ipv4_pool = "198.18.100.0/29"
[[group]]
name = "a"
default = true
[[group]]
name = "b"
label = "Group B"
ipv4_pool = "198.18.102.0/30"
)");
  EXPECT_EQ(retained_, 0U);
  EXPECT_EQ(*registry_->LeaseAddress(session), *address);
  Session& other = registry_->CreateSession("v", "b", "198.18.0.3", "password", clock_.Now());
  EXPECT_FALSE(registry_->LeaseAddress(other).has_value());
}

TEST_F(SessionRegistryReloadTest, ALeaseMovesIntoTheNewPoolThatContainsIt) {
  Session& session = registry_->CreateSession("u", "a", "198.18.0.2", "password", clock_.Now());
  auto address = registry_->LeaseAddress(session);  // 198.18.100.2 from the /29
  ASSERT_TRUE(address.has_value());
  const std::uint32_t local = registry_->TunnelLocalAddress(session);
  // The global pool grows to a /28 containing the old /29: the lease moves there.
  Reload(std::string(kHeader) + R"(
[network]
ipv4_pool = "198.18.100.0/28"
)");
  EXPECT_EQ(retained_, 0U);
  EXPECT_EQ(*registry_->LeaseAddress(session), *address);
  EXPECT_EQ(registry_->TunnelLocalAddress(session), local);
  // The new pool never hands out the live lease.
  for (int i = 0; i < 12; ++i) {
    Session& s = registry_->CreateSession("n" + std::to_string(i), "default", "198.18.0.9",
                                          "password", clock_.Now());
    auto got = registry_->LeaseAddress(s);
    if (!got) {
      EXPECT_EQ(got.error().code, Errc::kExhausted);
      break;
    }
    EXPECT_NE(*got, *address);
  }
  // Ending the session frees the address in the new pool.
  registry_->EndSession(session.id, "test");
  Session& late =
      registry_->CreateSession("late", "default", "198.18.0.9", "password", clock_.Now());
  auto got = registry_->LeaseAddress(late);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, *address);
}

TEST_F(SessionRegistryReloadTest, ALeaseOutsideEveryNewPoolStaysInItsRetiredPool) {
  Session& session = registry_->CreateSession("u", "b", "198.18.0.2", "password", clock_.Now());
  auto address = registry_->LeaseAddress(session);
  ASSERT_TRUE(address.has_value());
  const std::uint32_t local = registry_->TunnelLocalAddress(session);
  // Group "b" is removed and its pool with it.
  Reload(std::string(kHeader) + R"(
[network]
ipv4_pool = "198.18.100.0/29"
[[group]]
name = "a"
default = true
)");
  EXPECT_EQ(retained_, 1U);
  // The session keeps its address and its TUN's local address; the pool is not listed.
  EXPECT_EQ(*registry_->LeaseAddress(session), *address);
  EXPECT_EQ(registry_->TunnelLocalAddress(session), local);
  EXPECT_EQ(registry_->Pools().size(), 1U);
  // A session of the removed group without a lease cannot get one.
  Session& orphan = registry_->CreateSession("v", "b", "198.18.0.3", "password", clock_.Now());
  auto none = registry_->LeaseAddress(orphan);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().code, Errc::kNotFound);
  registry_->EndSession(session.id, "test");  // frees and drops the retired pool: no crash
  registry_->EndSession(orphan.id, "test");
  EXPECT_TRUE(registry_->sessions().empty());
}

TEST_F(SessionRegistryReloadTest, AShrunkPoolKeepsALeaseItNoLongerContains) {
  // Fill the /29 (client addresses .2 to .6), then shrink the pool to a /30 (.2 only).
  std::vector<SessionId> ids;
  std::vector<std::uint32_t> addresses;
  for (int i = 0; i < 5; ++i) {
    Session& s = registry_->CreateSession("u" + std::to_string(i), "a", "198.18.0.2", "password",
                                          clock_.Now());
    auto got = registry_->LeaseAddress(s);
    ASSERT_TRUE(got.has_value());
    ids.push_back(s.id);
    addresses.push_back(*got);
  }
  Reload(std::string(kHeader) + R"(
[network]
ipv4_pool = "198.18.100.0/30"
)");
  // The lease that fits (.2) moved; the four others stay in the retired /29.
  EXPECT_EQ(retained_, 4U);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(*registry_->LeaseAddress(*registry_->FindById(ids[i])), addresses[i]);
  }
  // The new pool is full: no address handed out twice.
  Session& extra = registry_->CreateSession("x", "default", "198.18.0.2", "password", clock_.Now());
  EXPECT_FALSE(registry_->LeaseAddress(extra).has_value());
  for (SessionId id : ids) {
    registry_->EndSession(id, "test");
  }
  EXPECT_TRUE(registry_->LeaseAddress(extra).has_value());
}

}  // namespace
}  // namespace sekisho::gateway

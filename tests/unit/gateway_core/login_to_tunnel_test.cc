// The client's login dialogue against the gateway's session owner in one process, through the
// real IPC codec a worker uses (no sockets, no TLS, no root): every request is parsed as a
// worker parses it, encoded, decoded as main decodes it, answered by SessionService, and the
// answer travels back the same way. Then CONNECT grants a TUN device (an in-memory stand-in),
// a lost link and a reconnect with the cookie keep the session and the address, a takeover
// terminates the older tunnel, a worker cannot end a tunnel it does not hold, and a logoff
// ends the session for good.

#include "client/auth_dialogue.h"
#include "gateway/auth_front.h"
#include "gateway/session_service.h"
#include "net/packet_socket_linux.h"
#include "proto/ipc/messages.h"
#include "testutil/fakes.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

namespace sekisho::gateway {
namespace {

namespace http = proto::http;
namespace ipc = proto::ipc;

class FakeCredentials final : public CredentialChecker {
 public:
  Result<void> Verify(std::string_view user, const SecretString& password) override {
    return user == "alice" && password.reveal() == "alicepw" ? Ok() : Fail(Errc::kAuthFailed);
  }
  bool MayUseGroup(std::string_view, std::string_view group) override {
    return group == "engineering";
  }
  bool IsLocked(std::string_view) override { return false; }
};

// TUN devices as socket pairs: the session side goes to the service, the "kernel" side stays
// here so that the test can see what a worker writes into the device.
class FakeTuns final : public TunProvider {
 public:
  Result<net::TunDevice> Open(const std::string&, std::uint32_t local, std::uint32_t peer,
                              int mtu) override {
    SEKISHO_ASSIGN_OR_RETURN(auto pair, net::MakePacketSocketPair());
    kernel_sides.push_back(std::move(pair.second));
    opened.push_back({local, peer, mtu});
    return net::TunDevice::ForTest(std::move(pair.first), "sk" + std::to_string(opened.size()));
  }
  Result<void> SetMtu(const net::TunDevice&, int mtu) override {
    mtu_changes.push_back(mtu);
    return Ok();
  }
  struct Opened {
    std::uint32_t local, peer;
    int mtu;
  };
  std::vector<Opened> opened;
  std::vector<int> mtu_changes;
  std::vector<net::ScopedFd> kernel_sides;
};

// A worker's connection as main sees it.
class FakeTunnel final : public TunnelHandle {
 public:
  void Terminate(std::string_view reason) override { terminated = std::string(reason); }
  std::string_view channel() const override { return "tls"; }
  void OnDtlsClientHello(const boost::asio::ip::udp::endpoint&, ByteSpan) override {}
  std::string terminated;
};

template <class T>
T ThroughIpc(const T& message) {
  auto encoded = message.ToMessage().Encode();
  EXPECT_TRUE(encoded);
  auto decoded = ipc::Decode(*encoded);
  EXPECT_TRUE(decoded);
  auto typed = T::FromMessage(*decoded);
  EXPECT_TRUE(typed) << typed.error().ToString();
  return *typed;
}

class LoginToTunnelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sekisho-login-tunnel-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    auto config = ParseConfig(R"(
[tls]
certificate = "server.pem"
private_key = "server-key.pem"
[auth]
password_file = "passwd"
cookie_timeout = 300
[network]
ipv4_pool = "198.18.100.0/24"
[[group]]
name = "engineering"
aliases = ["eng"]
default = true
ipv4_pool = "198.18.101.0/24"
[[group]]
name = "sales"
ipv4_pool = "198.18.102.0/24"
)",
                              (dir_ / "sekishod.toml").string());
    ASSERT_TRUE(config) << config.error().ToString();
    config_ = std::make_unique<GatewayConfig>(std::move(*config));
    profiles_ = std::make_unique<ProfileStore>(*ProfileStore::Load(*config_));
    registry_ = std::make_unique<SessionRegistry>(*config_, rng_);
    throttle_ = std::make_unique<AuthThrottle>(AuthThrottleOptions{});
    front_ = std::make_unique<AuthFront>(*config_, *registry_, credentials_, *throttle_, *profiles_,
                                         "00", Logger(log_, "auth"));
    service_ = std::make_unique<SessionService>(*config_, *registry_, *front_, clock_,
                                                Logger(log_, "session"), tuns_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // One request as a worker hands it to main, and main's answer as the worker receives it.
  http::HttpResponse Exchange(http::HttpRequest request) {
    ipc::LoginRequest login = ParseLoginRequest(std::move(request));
    login.peer_ip = "198.18.0.2";
    ipc::LoginReply reply = ThroughIpc(service_->Login(ThroughIpc(login)));
    return reply.response;
  }

  SecretString LogIn() {
    client::DialogueOptions options;
    options.url = *http::ParseUrl("https://198.18.0.1/eng");
    client::AuthDialogue dialogue(options);
    client::Step step;
    step.new_connection = true;
    for (int round = 0; round < 8 && step.kind != client::Step::kSuccess; ++round) {
      if (step.kind == client::Step::kNeedInput) {
        dialogue.SubmitForm(
            {{"username", SecretString("alice")}, {"password", SecretString("alicepw")}});
        step = client::Step();
        continue;
      }
      EXPECT_EQ(step.kind, client::Step::kSendRequest) << step.message;
      auto next = dialogue.OnResponse(Exchange(dialogue.NextRequest()));
      EXPECT_TRUE(next);
      step = *next;
    }
    EXPECT_EQ(step.kind, client::Step::kSuccess) << step.message;
    return dialogue.result().cookie;
  }

  Result<TunnelGrant> Connect(const SecretString& cookie, std::uint64_t connection,
                              TunnelHandle& tunnel, unsigned& status) {
    ipc::ConnectRequest ask;
    ask.connection_id = connection;
    ask.cookie = cookie;
    ask.peer_ip = "198.18.0.2";
    ask.local_ip = "198.18.0.1";
    ask.tun_mtu = 1406;
    SEKISHO_ASSIGN_OR_RETURN(TunnelGrant grant, service_->Connect(ThroughIpc(ask), tunnel, status));
    grant.reply = ThroughIpc(grant.reply);
    return grant;
  }

  // Writes a packet where a worker writes (the granted fd) and reads it where the kernel would.
  std::string ThroughTun(const TunnelGrant& grant, std::size_t device, std::string_view packet) {
    EXPECT_EQ(::write(grant.tun_fd.get(), packet.data(), packet.size()),
              static_cast<ssize_t>(packet.size()));
    auto got = net::ReceivePacketWithin(tuns_.kernel_sides.at(device).get(), seconds(1));
    EXPECT_TRUE(got);
    return got ? std::string(got->payload.begin(), got->payload.end()) : std::string();
  }

  std::filesystem::path dir_;
  testutil::FakeClock clock_;
  testutil::FakeRng rng_;
  testutil::CapturingLogSink log_;
  FakeCredentials credentials_;
  FakeTuns tuns_;
  std::unique_ptr<GatewayConfig> config_;
  std::unique_ptr<ProfileStore> profiles_;
  std::unique_ptr<SessionRegistry> registry_;
  std::unique_ptr<AuthThrottle> throttle_;
  std::unique_ptr<AuthFront> front_;
  std::unique_ptr<SessionService> service_;
};

TEST_F(LoginToTunnelTest, LoginConnectLoseTheLinkAndReconnectWithTheCookie) {
  SecretString cookie = LogIn();
  ASSERT_FALSE(cookie.reveal().empty());

  FakeTunnel first;
  unsigned status = 0;
  auto grant = Connect(cookie, 1, first, status);
  ASSERT_TRUE(grant) << grant.error().ToString();
  EXPECT_TRUE(grant->reply.ok);
  EXPECT_EQ(grant->reply.user, "alice");
  EXPECT_EQ(grant->reply.group, "engineering");
  EXPECT_EQ(grant->reply.ipv4 & 0xFFFFFF00, 0xC6126500u);  // 198.18.101.0/24
  ASSERT_EQ(tuns_.opened.size(), 1u);
  EXPECT_EQ(tuns_.opened[0].local, 0xC6126501u);  // the pool's gateway address
  EXPECT_EQ(tuns_.opened[0].peer, grant->reply.ipv4);
  EXPECT_EQ(tuns_.opened[0].mtu, 1406);
  EXPECT_EQ(ThroughTun(*grant, 0, "first packet"), "first packet");
  const std::uint64_t session = grant->reply.session_id;
  const std::uint32_t address = grant->reply.ipv4;

  // The worker dies or the client vanishes: the session waits for a reconnect.
  service_->TunnelClosed(
      ThroughIpc(ipc::TunnelClosed{
          1, session, ipc::TunnelClosed::Kind::kLinkLost, {100, 200, 1, 2}, "peer closed"}),
      first);
  ASSERT_NE(registry_->FindById(session), nullptr);
  EXPECT_EQ(registry_->FindById(session)->tunnel, nullptr);
  EXPECT_EQ(registry_->FindById(session)->counters.bytes_in, 100u);

  clock_.Advance(seconds(30));
  FakeTunnel second;
  auto again = Connect(cookie, 7, second, status);
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(again->reply.session_id, session);
  EXPECT_EQ(again->reply.ipv4, address);
  EXPECT_EQ(tuns_.opened.size(), 1u) << "a reconnect reuses the session's TUN device";
  EXPECT_EQ(ThroughTun(*again, 0, "after reconnect"), "after reconnect");
  EXPECT_EQ(registry_->FindById(session)->tunnel, &second);

  // The user logs off: the session ends, its cookie is refused from now on.
  service_->TunnelClosed(
      ThroughIpc(ipc::TunnelClosed{7, session, ipc::TunnelClosed::Kind::kLogoff, {}, "bye"}),
      second);
  EXPECT_EQ(registry_->FindById(session), nullptr);
  FakeTunnel third;
  auto refused = Connect(cookie, 8, third, status);
  EXPECT_FALSE(refused);
  EXPECT_EQ(status, 401u);
}

TEST_F(LoginToTunnelTest, ANewConnectTakesOverAndOnlyTheCurrentTunnelCounts) {
  SecretString cookie = LogIn();
  FakeTunnel old_tunnel;
  FakeTunnel new_tunnel;
  unsigned status = 0;
  auto first = Connect(cookie, 1, old_tunnel, status);
  ASSERT_TRUE(first);
  auto second = Connect(cookie, 2, new_tunnel, status);
  ASSERT_TRUE(second);
  EXPECT_EQ(old_tunnel.terminated, "replaced by a new connection");
  EXPECT_EQ(second->reply.ipv4, first->reply.ipv4);
  const std::uint64_t session = first->reply.session_id;

  // The old tunnel's late end (or a worker naming a tunnel it does not hold) changes nothing.
  service_->TunnelClosed(ipc::TunnelClosed{1, session, ipc::TunnelClosed::Kind::kLogoff, {}, ""},
                         old_tunnel);
  service_->ReportTraffic(ipc::TunnelStats{1, session, {999, 999, 9, 9}, "tls"}, old_tunnel);
  ASSERT_NE(registry_->FindById(session), nullptr);
  EXPECT_EQ(registry_->FindById(session)->tunnel, &new_tunnel);
  EXPECT_EQ(registry_->FindById(session)->counters.bytes_in, 0u);

  service_->ReportTraffic(ipc::TunnelStats{2, session, {10, 20, 1, 2}, "dtls"}, new_tunnel);
  EXPECT_EQ(registry_->FindById(session)->counters.bytes_out, 20u);
  EXPECT_EQ(service_->total_bytes_in(), 10u);
}

TEST_F(LoginToTunnelTest, TrafficReportsCountPacketsAndDtlsFallbacks) {
  SecretString cookie = LogIn();
  FakeTunnel tunnel;
  unsigned status = 0;
  auto grant = Connect(cookie, 1, tunnel, status);
  ASSERT_TRUE(grant);
  const std::uint64_t session = grant->reply.session_id;
  service_->ReportTraffic(ipc::TunnelStats{1, session, {100, 200, 1, 2}, "tls"}, tunnel);
  service_->ReportTraffic(ipc::TunnelStats{1, session, {100, 200, 3, 4}, "dtls"}, tunnel);
  EXPECT_EQ(service_->dtls_fallbacks(), 0u);  // TLS -> DTLS is the normal upgrade
  service_->ReportTraffic(ipc::TunnelStats{1, session, {1, 1, 1, 1}, "tls"}, tunnel);
  EXPECT_EQ(service_->dtls_fallbacks(), 1u);
  service_->ReportTraffic(ipc::TunnelStats{1, session, {1, 1, 1, 1}, "tls"}, tunnel);
  EXPECT_EQ(service_->dtls_fallbacks(), 1u);  // counted once per fall, not per report
  EXPECT_EQ(service_->total_packets_in(), 6u);
  EXPECT_EQ(service_->total_packets_out(), 8u);

  // A reconnect starts on TLS again: that is no fallback of the new tunnel.
  service_->ReportTraffic(ipc::TunnelStats{1, session, {1, 1, 1, 1}, "dtls"}, tunnel);
  FakeTunnel next;
  ASSERT_TRUE(Connect(cookie, 2, next, status));
  service_->ReportTraffic(ipc::TunnelStats{2, session, {1, 1, 1, 1}, "tls"}, next);
  EXPECT_EQ(service_->dtls_fallbacks(), 1u);
}

TEST_F(LoginToTunnelTest, ADisconnectedSessionExpiresAndItsCookieStopsWorking) {
  SecretString cookie = LogIn();
  FakeTunnel tunnel;
  unsigned status = 0;
  auto grant = Connect(cookie, 1, tunnel, status);
  ASSERT_TRUE(grant);
  service_->TunnelClosed(
      ipc::TunnelClosed{1, grant->reply.session_id, ipc::TunnelClosed::Kind::kLinkLost, {}, "gone"},
      tunnel);
  clock_.Advance(seconds(301));
  EXPECT_EQ(registry_->Expire(clock_.Now()).size(), 1u);
  FakeTunnel late;
  EXPECT_FALSE(Connect(cookie, 2, late, status));
  EXPECT_EQ(status, 401u);
}

TEST_F(LoginToTunnelTest, SecretsNeverReachTheLog) {
  SecretString cookie = LogIn();
  FakeTunnel tunnel;
  unsigned status = 0;
  ASSERT_TRUE(Connect(cookie, 1, tunnel, status));
  EXPECT_FALSE(log_.lines().empty());
  EXPECT_FALSE(log_.Contains("alicepw"));
  EXPECT_FALSE(log_.Contains(cookie.reveal()));
}

}  // namespace
}  // namespace sekisho::gateway

// The gateway's login front driven request by request, without sockets or TLS: group
// selection, password retries and the final 401, throttling, certificate login, the downloader,
// logout, legacy clients, malformed bodies, and that secrets never reach the log.

#include "gateway/auth_front.h"

#include "proto/auth/server_message.h"
#include "proto/http/cookies.h"
#include "testutil/fakes.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace sekisho::gateway {
namespace {

namespace http = proto::http;
namespace auth = proto::auth;

constexpr std::string_view kCertHash = "D27A5A0A2A917D7B2F3D121DE97B741483F98F2D";
constexpr std::string_view kProfileBody = "<AnyConnectProfile>eng</AnyConnectProfile>\n";

// openconnect 9.01's init, as captured (§3.3), with a group-select added where a test needs it.
std::string InitBody(std::string_view url, std::string_view group = {}) {
  std::string body =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<config-auth client=\"vpn\" type=\"init\" "
      "aggregate-auth-version=\"2\"><version who=\"vpn\">v9.01-3</version><device-id>linux-64"
      "</device-id><group-access>" +
      std::string(url) + "</group-access>";
  if (!group.empty()) {
    body += "<group-select>" + std::string(group) + "</group-select>";
  }
  return body + "</config-auth>\n";
}

std::string ReplyBody(std::string_view user, std::string_view password,
                      std::string_view group = {}) {
  std::string body =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<config-auth client=\"vpn\" "
      "type=\"auth-reply\" aggregate-auth-version=\"2\"><version who=\"vpn\">v9.01-3</version>"
      "<device-id>linux-64</device-id><auth><username>" +
      std::string(user) + "</username><password>" + std::string(password) + "</password></auth>";
  if (!group.empty()) {
    body += "<group-select>" + std::string(group) + "</group-select>";
  }
  return body + "</config-auth>\n";
}

class FakeCredentials final : public CredentialChecker {
 public:
  Result<void> Verify(std::string_view user, const SecretString& password) override {
    auto it = passwords_.find(std::string(user));
    if (it == passwords_.end() || it->second != password.reveal()) {
      return Fail(Errc::kAuthFailed);
    }
    return Ok();
  }
  bool MayUseGroup(std::string_view user, std::string_view group) override {
    auto it = groups_.find(std::string(user));
    return it == groups_.end() || it->second == "*" || it->second == group;
  }
  bool IsLocked(std::string_view user) override { return user == "locked"; }

  void Add(std::string user, std::string password, std::string group) {
    passwords_[user] = std::move(password);
    groups_[std::move(user)] = std::move(group);
  }

 private:
  std::map<std::string, std::string> passwords_;
  std::map<std::string, std::string> groups_;
};

class AuthFrontTest : public ::testing::Test {
 protected:
  void SetUp() override { Build(); }

  // (Re)builds the front; `auth_extra` and `tunnel_extra` are added to [auth] and [tunnel],
  // `tables` after the groups.
  void Build(const std::string& auth_extra = "", const std::string& tunnel_extra = "",
             const std::string& tables = "") {
    dir_ = std::filesystem::temp_directory_path() /
           ("sekisho-auth-front-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "eng.xml") << kProfileBody;
    std::string toml = R"(
[tls]
certificate = "server.pem"
private_key = "server-key.pem"
[tunnel]
)" + tunnel_extra + R"(
[auth]
)" + auth_extra + R"(
password_file = "passwd"
max_login_attempts = 3
[auth.throttle]
max_failures = 5
[network]
ipv4_pool = "198.18.100.0/24"
[[group]]
name = "engineering"
aliases = ["Engineering", "eng"]
default = true
ipv4_pool = "198.18.101.0/24"
profile = "eng.xml"
[[group]]
name = "sales"
aliases = ["Sales"]
label = "Sales Team – Partners"
ipv4_pool = "198.18.102.0/24"
)" + tables;
    auto config = ParseConfig(toml, (dir_ / "sekishod.toml").string());
    ASSERT_TRUE(config.has_value()) << config.error().ToString();
    config_ = std::make_unique<GatewayConfig>(std::move(*config));
    auto profiles = ProfileStore::Load(*config_);
    ASSERT_TRUE(profiles.has_value()) << profiles.error().ToString();
    profiles_ = std::make_unique<ProfileStore>(std::move(*profiles));
    registry_ = std::make_unique<SessionRegistry>(*config_, rng_);
    credentials_.Add("alice", "alicepw", "engineering");
    credentials_.Add("bob", "bobpw", "sales");
    AuthThrottleOptions throttle_options;
    throttle_options.max_failures = 5;
    throttle_ = std::make_unique<AuthThrottle>(throttle_options);
    front_ = std::make_unique<AuthFront>(*config_, *registry_, credentials_, *throttle_, *profiles_,
                                         std::string(kCertHash), Logger(log_, "auth"));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  FrontReply Post(std::string target, std::string body, std::string cookie = {}) {
    http::HttpRequest request;
    request.method = "POST";
    request.target = std::move(target);
    request.headers = {{"X-Transcend-Version", "1"}, {"X-Aggregate-Auth", "1"}};
    if (!cookie.empty()) {
      request.headers.push_back({"Cookie", cookie});
    }
    request.body = std::move(body);
    return front_->Handle(request, Context());
  }

  FrontReply Get(std::string target, std::string cookie = {}, bool vpn_client = true) {
    http::HttpRequest request;
    request.method = "GET";
    request.target = std::move(target);
    if (vpn_client) {
      request.headers.push_back({"X-Transcend-Version", "1"});
    }
    if (!cookie.empty()) {
      request.headers.push_back({"Cookie", cookie});
    }
    return front_->Handle(request, Context());
  }

  RequestContext Context() const { return RequestContext{peer_ip_, clock_.Now(), cert_}; }

  static auth::ServerMessage Parse(const FrontReply& reply) {
    auto message = auth::ParseServerMessage(reply.response.body);
    EXPECT_TRUE(message.has_value()) << reply.response.body;
    return message.has_value() ? *message : auth::ServerMessage{};
  }

  static std::string SetCookieValue(const FrontReply& reply, std::string_view name) {
    for (std::string_view value : reply.response.FindAll("Set-Cookie")) {
      auto cookie = http::ParseSetCookie(value);
      if (cookie && cookie->name == name && !cookie->expired) {
        return cookie->value;
      }
    }
    return {};
  }

  static const auth::FormField* Field(const auth::ServerMessage& message, std::string_view name) {
    if (!message.form) {
      return nullptr;
    }
    for (const auto& field : message.form->fields) {
      if (field.name == name) {
        return &field;
      }
    }
    return nullptr;
  }

  static std::string SelectedGroup(const auth::ServerMessage& message) {
    const auth::FormField* select = Field(message, "group_list");
    if (select == nullptr) {
      return {};
    }
    std::string selected;
    int count = 0;
    for (const auto& option : select->options) {
      if (option.selected) {
        selected = option.value;
        ++count;
      }
    }
    EXPECT_EQ(count, 1) << "exactly one option must carry selected=\"true\"";
    return selected;
  }

  std::filesystem::path dir_;
  testutil::FakeClock clock_;
  testutil::FakeRng rng_;
  testutil::CapturingLogSink log_;
  FakeCredentials credentials_;
  std::optional<ClientCertificate> cert_;
  std::string peer_ip_ = "198.18.0.2";
  std::unique_ptr<GatewayConfig> config_;
  std::unique_ptr<ProfileStore> profiles_;
  std::unique_ptr<SessionRegistry> registry_;
  std::unique_ptr<AuthThrottle> throttle_;
  std::unique_ptr<AuthFront> front_;
};

TEST_F(AuthFrontTest, InitOffersGroupsWithTheDefaultSelected) {
  FrontReply reply = Post("/", InitBody("https://gw/"));
  EXPECT_EQ(reply.response.status, 200U);
  EXPECT_FALSE(reply.close_connection);
  auth::ServerMessage message = Parse(reply);
  EXPECT_EQ(message.type, auth::ServerMessage::kAuthRequest);
  EXPECT_NE(Field(message, "username"), nullptr);
  EXPECT_NE(Field(message, "password"), nullptr);
  EXPECT_EQ(SelectedGroup(message), "engineering");
  EXPECT_NE(message.opaque_xml.find("<tunnel-group>engineering</tunnel-group>"), std::string::npos);
  EXPECT_FALSE(SetCookieValue(reply, "webvpncontext").empty());
}

TEST_F(AuthFrontTest, SecondInitWithGroupSelectSwitchesGroupByNameAliasOrLabel) {
  for (std::string_view choice : {"sales", "Sales", "Sales Team – Partners"}) {
    auth::ServerMessage message = Parse(Post("/auth", InitBody("https://gw/auth", choice)));
    EXPECT_EQ(SelectedGroup(message), "sales") << choice;
    EXPECT_NE(message.opaque_xml.find("<group-alias>Sales Team – Partners</group-alias>"),
              std::string::npos);
  }
}

TEST_F(AuthFrontTest, GroupListShowsLabelsWithSpacesAndUrlSafeValues) {
  auth::ServerMessage message = Parse(Post("/", InitBody("https://gw/")));
  const auth::FormField* select = Field(message, "group_list");
  ASSERT_NE(select, nullptr);
  ASSERT_EQ(select->options.size(), 2u);
  EXPECT_EQ(select->options[0].value, "engineering");
  EXPECT_EQ(select->options[0].label, "Engineering");  // no label: the first alias
  EXPECT_EQ(select->options[1].value, "sales");
  EXPECT_EQ(select->options[1].label, "Sales Team – Partners");
}

TEST_F(AuthFrontTest, GroupUrlPreselectsTheGroupWithoutAList) {
  auth::ServerMessage message = Parse(Post("/Sales", InitBody("https://gw/Sales")));
  EXPECT_EQ(Field(message, "group_list"), nullptr);
  EXPECT_NE(message.opaque_xml.find("<tunnel-group>sales</tunnel-group>"), std::string::npos);
}

TEST_F(AuthFrontTest, SuccessCarriesTokenCookieHashAndProfileManifest) {
  FrontReply reply = Post("/", ReplyBody("alice", "alicepw", "engineering"));
  auth::ServerMessage message = Parse(reply);
  ASSERT_EQ(message.type, auth::ServerMessage::kComplete);
  std::string cookie = SetCookieValue(reply, "webvpn");
  ASSERT_GE(cookie.size(), 43U);  // base64 of 32 random bytes: 256 bits
  EXPECT_EQ(message.session_token.reveal(), cookie);
  EXPECT_FALSE(message.session_id.empty());
  EXPECT_EQ(message.server_cert_hash, kCertHash);
  ASSERT_EQ(message.profiles.size(), 1U);
  EXPECT_EQ(message.profiles[0].uri, "/CACHE/stc/profiles/eng.xml");
  EXPECT_EQ(message.profiles[0].sha1, Sha1HexUpper(kProfileBody));
  Session* session = registry_->FindByCookie(cookie, clock_.Now());
  ASSERT_NE(session, nullptr);
  EXPECT_EQ(session->user, "alice");
  EXPECT_EQ(session->group, "engineering");
}

TEST_F(AuthFrontTest, WrongPasswordRepromptsThenRefusesWith401) {
  FrontReply first = Post("/", InitBody("https://gw/"));
  std::string context = "webvpncontext=" + SetCookieValue(first, "webvpncontext");
  for (int attempt = 1; attempt <= 2; ++attempt) {
    FrontReply retry = Post("/", ReplyBody("alice", "wrong"), context);
    ASSERT_EQ(retry.response.status, 200U);
    auth::ServerMessage message = Parse(retry);
    ASSERT_TRUE(message.form.has_value());
    EXPECT_EQ(message.form->error, "Login failed.");
    EXPECT_NE(Field(message, "password"), nullptr);
  }
  FrontReply last = Post("/", ReplyBody("alice", "wrong"), context);
  EXPECT_EQ(last.response.status, 401U);
  EXPECT_TRUE(last.close_connection);
  EXPECT_TRUE(registry_->sessions().empty());
}

TEST_F(AuthFrontTest, UserOutsideTheGroupIsRefused) {
  auth::ServerMessage message = Parse(Post("/", ReplyBody("bob", "bobpw", "engineering")));
  EXPECT_EQ(message.type, auth::ServerMessage::kAuthRequest);
  EXPECT_TRUE(registry_->sessions().empty());
  message = Parse(Post("/", ReplyBody("bob", "bobpw", "sales")));
  EXPECT_EQ(message.type, auth::ServerMessage::kComplete);
}

TEST_F(AuthFrontTest, ThrottleRefusesEvenTheRightPasswordAfterManyFailures) {
  for (int i = 0; i < 5; ++i) {
    (void)Post("/", ReplyBody("alice", "wrong"));  // each without context: a fresh dialogue
  }
  auth::ServerMessage message = Parse(Post("/", ReplyBody("alice", "alicepw")));
  EXPECT_EQ(message.type, auth::ServerMessage::kAuthRequest);
  EXPECT_NE(message.form->error.find("Too many"), std::string::npos);
  clock_.Advance(std::chrono::minutes(20));
  EXPECT_EQ(Parse(Post("/", ReplyBody("alice", "alicepw"))).type, auth::ServerMessage::kComplete);
}

TEST_F(AuthFrontTest, VerifiedClientCertificateLogsInOnInit) {
  cert_ = ClientCertificate{"CN=carol,OU=users", "carol", "", "users"};
  auth::ServerMessage message = Parse(Post("/", InitBody("https://gw/")));
  ASSERT_EQ(message.type, auth::ServerMessage::kComplete);
  ASSERT_EQ(registry_->sessions().size(), 1U);
  EXPECT_EQ(registry_->sessions().begin()->second->auth_method, "certificate");
  cert_ = ClientCertificate{"CN=locked", "locked", "", ""};
  EXPECT_EQ(Parse(Post("/", InitBody("https://gw/"))).type, auth::ServerMessage::kAuthRequest);
}

TEST_F(AuthFrontTest, CertificateGroupFieldChoosesAndEnforcesTheGroup) {
  Build("cert_group_oid = \"2.5.4.11\"");
  credentials_.Add("dave", "unused", "*");
  // Nothing chosen (default group, no group URL): the certificate's OU decides.
  cert_ = ClientCertificate{"CN=dave,OU=sales", "dave", "", "sales"};
  ASSERT_EQ(Parse(Post("/", InitBody("https://gw/"))).type, auth::ServerMessage::kComplete);
  ASSERT_EQ(registry_->sessions().size(), 1U);
  EXPECT_EQ(registry_->sessions().begin()->second->group, "sales");
  // Choosing another group than the certificate carries is refused (form again, no session).
  EXPECT_EQ(Parse(Post("/", InitBody("https://gw/", "engineering"))).type,
            auth::ServerMessage::kAuthRequest);
  EXPECT_EQ(Parse(Post("/eng", InitBody("https://gw/eng"))).type,
            auth::ServerMessage::kAuthRequest);
  // Choosing its own group (by label) is fine.
  EXPECT_EQ(Parse(Post("/", InitBody("https://gw/", "Sales Team – Partners"))).type,
            auth::ServerMessage::kComplete);
  // A certificate without the field, or naming no group, logs in by certificate nowhere.
  cert_ = ClientCertificate{"CN=dave", "dave", "", ""};
  EXPECT_EQ(Parse(Post("/", InitBody("https://gw/"))).type, auth::ServerMessage::kAuthRequest);
  cert_ = ClientCertificate{"CN=dave,OU=marketing", "dave", "", "marketing"};
  EXPECT_EQ(Parse(Post("/", InitBody("https://gw/"))).type, auth::ServerMessage::kAuthRequest);
  EXPECT_EQ(registry_->sessions().size(), 2U);
  EXPECT_TRUE(
      log_.Contains("the certificate is for group sales, not the chosen group engineering"));
}

TEST_F(AuthFrontTest, CertificateUserFieldCanBeTheUid) {
  Build("cert_user_oid = \"0.9.2342.19200300.100.1.1\"");
  cert_ = ClientCertificate{"CN=Carol Example,UID=carol", "Carol Example", "carol", ""};
  ASSERT_EQ(Parse(Post("/", InitBody("https://gw/"))).type, auth::ServerMessage::kComplete);
  EXPECT_EQ(registry_->sessions().begin()->second->user, "carol");
}

TEST_F(AuthFrontTest, SessionLimitsRefuseWithAFinalMessage) {
  Build("", "max_sessions_per_user = 2\nmax_sessions = 3");
  auto login = [&](std::string_view user, std::string_view password) {
    return Post("/", ReplyBody(user, password, user == "bob" ? "sales" : "engineering"));
  };
  EXPECT_EQ(Parse(login("alice", "alicepw")).type, auth::ServerMessage::kComplete);
  EXPECT_EQ(Parse(login("alice", "alicepw")).type, auth::ServerMessage::kComplete);
  FrontReply third = login("alice", "alicepw");
  EXPECT_TRUE(third.close_connection);
  EXPECT_NE(third.response.body.find("Too many sessions for this user (limit 2)"),
            std::string::npos);
  EXPECT_EQ(registry_->sessions().size(), 2U);
  // Another user still gets in, up to the gateway's limit.
  EXPECT_EQ(Parse(login("bob", "bobpw")).type, auth::ServerMessage::kComplete);
  FrontReply over = login("bob", "bobpw");
  EXPECT_NE(over.response.body.find("session limit (3)"), std::string::npos);
  // Ending a session frees a place.
  registry_->EndSession(registry_->sessions().begin()->first, "test");
  EXPECT_EQ(Parse(login("alice", "alicepw")).type, auth::ServerMessage::kComplete);
  // The wrong password still fails as a wrong password, not as a limit.
  EXPECT_EQ(Parse(login("bob", "wrong")).type, auth::ServerMessage::kAuthRequest);
}

TEST_F(AuthFrontTest, LoginOutcomesAreCountedByReason) {
  Build("", "max_sessions_per_user = 1");
  GatewayMetrics metrics;
  front_->set_metrics(&metrics);
  EXPECT_EQ(Parse(Post("/", ReplyBody("alice", "alicepw"))).type, auth::ServerMessage::kComplete);
  EXPECT_TRUE(Post("/", ReplyBody("alice", "alicepw")).close_connection);  // over the limit
  EXPECT_EQ(metrics.logins(LoginOutcome::kOk), 1u);
  EXPECT_EQ(metrics.logins(LoginOutcome::kLimit), 1u);
  EXPECT_EQ(metrics.login_seconds().count(), 2u);  // two password checks

  (void)Post("/", ReplyBody("bob", "bobpw", "engineering"));  // not his group
  for (int i = 0; i < 4; ++i) {
    (void)Post("/", ReplyBody("bob", "wrong", "sales"));
  }
  EXPECT_EQ(metrics.logins(LoginOutcome::kBadPassword), 5u);
  // The address is blocked now: refused unchecked, and no password check is timed.
  (void)Post("/", ReplyBody("bob", "bobpw", "sales"));
  EXPECT_EQ(metrics.logins(LoginOutcome::kThrottled), 1u);
  EXPECT_EQ(metrics.login_seconds().count(), 7u);

  cert_ = ClientCertificate{"CN=locked", "locked", "", ""};
  (void)Post("/", InitBody("https://gw/"));
  EXPECT_EQ(metrics.logins(LoginOutcome::kLocked), 1u);
  cert_ = ClientCertificate{"OU=nobody", "", "", "nobody"};
  (void)Post("/", InitBody("https://gw/"));
  EXPECT_EQ(metrics.logins(LoginOutcome::kCertificate), 1u);
  EXPECT_EQ(metrics.logins(LoginOutcome::kOk), 1u);
}

TEST_F(AuthFrontTest, DownloadsAreAnnouncedWithTheirHashAndServedToEveryGroup) {
  std::ofstream(dir_ / "corp.txt") << "corporate notice\n";
  Build("", "", "[downloads]\n\"corp.txt\" = \"corp.txt\"\n");
  auth::ServerMessage success = Parse(Post("/", ReplyBody("bob", "bobpw", "sales")));
  ASSERT_EQ(success.type, auth::ServerMessage::kComplete);
  ASSERT_EQ(success.core_files.size(), 1U);
  EXPECT_EQ(success.core_files[0].uri, "/CACHE/stc/1/downloads/corp.txt");
  EXPECT_EQ(success.core_files[0].sha1, Sha1HexUpper("corporate notice\n"));
  std::string sales = SetCookieValue(Post("/", ReplyBody("bob", "bobpw", "sales")), "webvpn");
  FrontReply file = Get("/CACHE/stc/1/downloads/corp.txt", "webvpn=" + sales);
  EXPECT_EQ(file.response.status, 200U);
  EXPECT_EQ(file.response.body, "corporate notice\n");
  EXPECT_EQ(Get("/CACHE/stc/1/downloads/corp.txt").response.status, 503U);
  EXPECT_EQ(Get("/CACHE/stc/1/downloads/other.txt", "webvpn=" + sales).response.status, 404U);
}

TEST_F(AuthFrontTest, DownloaderServesOnlyAuthenticatedSessionsTheirProfile) {
  std::string eng = SetCookieValue(Post("/", ReplyBody("alice", "alicepw")), "webvpn");
  std::string sales = SetCookieValue(Post("/", ReplyBody("bob", "bobpw", "sales")), "webvpn");
  FrontReply ok = Get("/CACHE/stc/profiles/eng.xml", "webvpn=" + eng);
  EXPECT_EQ(ok.response.status, 200U);
  EXPECT_EQ(ok.response.body, kProfileBody);
  // openconnect's quirks: %2F-encoded path and ":port" appended (§4.1).
  EXPECT_EQ(Get("/CACHE%2Fstc%2Fprofiles%2Feng.xml:4443", "webvpn=" + eng).response.body,
            kProfileBody);
  EXPECT_EQ(Get("/CACHE/stc/profiles/eng.xml").response.status, 503U);
  EXPECT_EQ(Get("/CACHE/stc/profiles/eng.xml", "webvpn=forged").response.status, 401U);
  EXPECT_EQ(Get("/CACHE/stc/profiles/eng.xml", "webvpn=" + sales).response.status, 404U);
  EXPECT_EQ(Get("/CACHE/stc/1/binaries/update.txt", "webvpn=" + eng).response.body, "0,0,0000\n");
}

TEST_F(AuthFrontTest, LogoutEndsTheSession) {
  std::string cookie = SetCookieValue(Post("/", ReplyBody("alice", "alicepw")), "webvpn");
  std::string body =
      "<?xml version=\"1.0\"?><config-auth client=\"vpn\" type=\"logout\"><session-token>" +
      cookie + "</session-token></config-auth>";
  EXPECT_EQ(Post("/", body).response.status, 200U);
  EXPECT_EQ(registry_->FindByCookie(cookie, clock_.Now()), nullptr);
}

TEST_F(AuthFrontTest, LegacyFormClientLogsIn) {
  FrontReply form = Get("/");
  EXPECT_EQ(form.response.status, 200U);
  EXPECT_NE(Field(Parse(form), "username"), nullptr);
  http::HttpRequest request;
  request.method = "POST";
  request.target = "/";
  request.headers = {{"X-Transcend-Version", "1"},
                     {"Content-Type", "application/x-www-form-urlencoded"}};
  request.body = "group_list=sales&username=bob&password=bobpw";
  FrontReply reply = front_->Handle(request, Context());
  EXPECT_FALSE(SetCookieValue(reply, "webvpn").empty());
}

TEST_F(AuthFrontTest, BrowsersGetAPageAndBadBodiesCloseTheConnection) {
  FrontReply page = Get("/", {}, false);
  EXPECT_NE(page.response.body.find("<html>"), std::string::npos);
  FrontReply dtd = Post("/", "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x/>");
  EXPECT_EQ(dtd.response.status, 400U);
  EXPECT_TRUE(dtd.close_connection);
  FrontReply junk = Post("/", "<config-auth");
  EXPECT_EQ(junk.response.status, 400U);
}

TEST_F(AuthFrontTest, SecretsNeverReachTheLog) {
  (void)Post("/", ReplyBody("alice", "hunter2-wrong"));
  FrontReply ok = Post("/", ReplyBody("alice", "alicepw"));
  std::string cookie = SetCookieValue(ok, "webvpn");
  ASSERT_FALSE(cookie.empty());
  EXPECT_FALSE(log_.Contains("hunter2"));
  EXPECT_FALSE(log_.Contains("alicepw"));
  EXPECT_FALSE(log_.Contains(cookie));
  EXPECT_TRUE(log_.Contains("logged in"));
}

TEST_F(AuthFrontTest, AUserNameWithANewlineIsLoggedEscapedOnOneLine) {
  const std::string forged = "mallory\n2026-12-02 12:00:00.000 [info] [auth] user root logged in";
  (void)Post("/", ReplyBody(forged, "guess"));
  EXPECT_FALSE(log_.Contains(forged));
  EXPECT_TRUE(log_.Contains("mallory\\x0a2026-12-02 12:00:00.000 [info] [auth] user root"));
  for (const auto& line : log_.lines()) {
    EXPECT_EQ(line.message.find('\n'), std::string::npos) << line.message;
    EXPECT_EQ(line.message.find("guess"), std::string::npos) << line.message;
  }
}

TEST_F(AuthFrontTest, ALongUserNameIsCutShortInTheLog) {
  const std::string typed = "alice" + std::string(300, 'p');  // a password typed into the name
  (void)Post("/", ReplyBody(typed, "x"));
  EXPECT_FALSE(log_.Contains(std::string(100, 'p')));
  EXPECT_TRUE(log_.Contains("(305 bytes)"));
}

TEST_F(AuthFrontTest, AnotherAccountsSuccessDoesNotResetTheAddressCount) {
  for (int i = 0; i < 4; ++i) {
    (void)Post("/", ReplyBody("victim" + std::to_string(i), "guess"));
  }
  // The attacker's own valid account logs in from the same address.
  ASSERT_EQ(Parse(Post("/", ReplyBody("bob", "bobpw", "sales"))).type,
            auth::ServerMessage::kComplete);
  (void)Post("/", ReplyBody("victim4", "guess"));  // the fifth failure blocks the address
  auth::ServerMessage message = Parse(Post("/", ReplyBody("alice", "alicepw")));
  ASSERT_EQ(message.type, auth::ServerMessage::kAuthRequest);
  EXPECT_NE(message.form->error.find("Too many"), std::string::npos);
}

TEST_F(AuthFrontTest, OneUserGuessedFromManyAddressesIsBlockedEverywhere) {
  for (int i = 0; i < 10; ++i) {  // user_max_failures defaults to 10; each address fails once
    peer_ip_ = "203.0.113." + std::to_string(i);
    (void)Post("/", ReplyBody("alice", "guess"));
  }
  peer_ip_ = "192.0.2.1";
  auth::ServerMessage message = Parse(Post("/", ReplyBody("alice", "alicepw")));
  ASSERT_EQ(message.type, auth::ServerMessage::kAuthRequest);
  EXPECT_NE(message.form->error.find("Too many"), std::string::npos);
  EXPECT_TRUE(log_.Contains("user blocked for 30 s"));
  // Other users from that address are not affected.
  EXPECT_EQ(Parse(Post("/", ReplyBody("bob", "bobpw", "sales"))).type,
            auth::ServerMessage::kComplete);
}

}  // namespace
}  // namespace sekisho::gateway

namespace sekisho::gateway {
namespace {

// limits.max_login_contexts (issue 11): a flood of login forms evicts the oldest contexts
// instead of growing without bound, and says so once, not per form.
TEST_F(AuthFrontTest, LoginContextsAreCappedOldestFirst) {
  GatewayConfig capped = *config_;
  capped.limits.max_login_contexts = 16;
  AuthFront front(capped, *registry_, credentials_, *throttle_, *profiles_, std::string(kCertHash),
                  Logger(log_, "auth"));
  http::HttpRequest init;
  init.method = "POST";
  init.target = "/";
  init.headers = {{"X-Transcend-Version", "1"}, {"X-Aggregate-Auth", "1"}};
  init.body = InitBody("https://gw/");
  std::vector<std::string> cookies;
  for (int i = 0; i < 40; ++i) {
    cookies.push_back(SetCookieValue(front.Handle(init, Context()), "webvpncontext"));
    ASSERT_FALSE(cookies.back().empty());
  }
  for (int i = 0; i < 40; ++i) {
    bool live = registry_->FindLoginContext(cookies[i], clock_.Now()) != nullptr;
    EXPECT_EQ(live, i >= 40 - 16) << "context " << i;
  }
  std::size_t lines = 0;
  for (const auto& line : log_.lines()) {
    lines += line.message.find("evicting the oldest") != std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(lines, 1u);
}

}  // namespace
}  // namespace sekisho::gateway

// AuthDialogue replayed against the real ocserv 1.1.6 exchanges of
// the shared traces, protocol/traces/ (full trace, wrongpass, legacy, certauth, dtls12-profile) and
// ASA-shaped documents from anyconnect.md §3.4/§3.7/§3.8.

#include "client/auth_dialogue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sekisho::client {
namespace {

using proto::http::HttpRequest;
using proto::http::HttpResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// openconnect 9.01-3's identity, so that bodies compare byte for byte with the traces.
DialogueOptions OcOptions(std::string url, std::optional<std::string> authgroup = {}) {
  DialogueOptions options;
  options.url = *proto::http::ParseUrl(url);
  options.authgroup = std::move(authgroup);
  options.identity.version = "v9.01-3";
  options.identity.auth_methods = {"single-sign-on-v2", "single-sign-on-external-browser"};
  options.user_agent = "Open AnyConnect VPN Agent v9.01-3";
  return options;
}

HttpResponse Response(unsigned status, std::string reason, std::string body,
                      std::vector<std::string> set_cookies = {}) {
  HttpResponse response;
  response.status = status;
  response.reason = std::move(reason);
  for (auto& cookie : set_cookies) {
    response.headers.push_back({"Set-Cookie", std::move(cookie)});
  }
  response.headers.push_back({"Content-Type", "text/xml"});
  response.body = std::move(body);
  return response;
}

HttpResponse Ok(std::string body, std::vector<std::string> set_cookies = {}) {
  return Response(200, "OK", std::move(body), std::move(set_cookies));
}

std::vector<std::string> HeaderNames(const HttpRequest& request) {
  std::vector<std::string> names;
  for (const auto& h : request.headers) {
    names.push_back(h.name);
  }
  return names;
}

std::string Header(const HttpRequest& request, std::string_view name) {
  const std::string* value = request.Find(name);
  return value != nullptr ? *value : std::string("<absent>");
}

constexpr const char* kExpiredContext =
    "webvpncontext=; expires=Thu, 01 Jan 1970 22:00:00 GMT; path=/; Secure; HttpOnly";

// ---- ocserv documents, exact ----

constexpr const char* kUsernameFormEngSales = R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="auth-request">
<version who="sg">0.1(1)</version>
<auth id="main">
<message>Please enter your username.</message>
<form method="post" action="/auth">
<input type="text" name="username" label="Username:" />
<select name="group_list" label="Group:">
<option value="engineering">engineering</option>
<option value="sales">sales</option>
</select>
</form></auth>
</config-auth>
)";

constexpr const char* kUsernameFormGroup12 = R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="auth-request">
<version who="sg">0.1(1)</version>
<auth id="main">
<message>Please enter your username.</message>
<form method="post" action="/auth">
<input type="text" name="username" label="Username:" />
<select name="group_list" label="Group:">
<option value="group1">group1</option>
<option value="group2">Friendly Two</option>
</select>
</form></auth>
</config-auth>
)";

constexpr const char* kUsernameFormGroup2First = R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="auth-request">
<version who="sg">0.1(1)</version>
<auth id="main">
<message>Please enter your username.</message>
<form method="post" action="/auth">
<input type="text" name="username" label="Username:" />
<select name="group_list" label="Group:">
<option value="group2">Friendly Two</option>
<option value="group1">group1</option>
</select>
</form></auth>
</config-auth>
)";

constexpr const char* kPasswordForm = R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="auth-request">
<version who="sg">0.1(1)</version>
<auth id="main">
<message>Please enter your password.</message>
<form method="post" action="/auth">
<input type="password" name="password" label="Password:" />
</form></auth>
</config-auth>
)";

constexpr const char* kLoginFailedForm = R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="auth-request">
<version who="sg">0.1(1)</version>
<auth id="main">
<message>Login failed.
Please enter your password.</message>
<form method="post" action="/auth">
<input type="password" name="password" label="Password:" />
</form></auth>
</config-auth>
)";

constexpr const char* kSuccessPlain = R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="complete">
<version who="sg">0.1(1)</version>
<auth id="success">
<title>SSL VPN Service</title></auth></config-auth>
)";

constexpr const char* kSuccessProfile = R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="complete">
<version who="sg">0.1(1)</version>
<auth id="success">
<title>SSL VPN Service</title><banner>Doc banner</banner></auth>
<config client="vpn" type="private"><vpn-profile-manifest><vpn rev="1.0"><file type="profile" service-type="user"><uri>/profiles//tmp/ocdoc/profile.xml</uri><hash type="sha1">50A9BCCD6BAF75586A7E706C80E412219D29C57A</hash></file></vpn></vpn-profile-manifest>
</config></config-auth>
)";

constexpr const char* kToken = "AI3LrTMs0BfPINRCOwubSwmnGp20k3/yWWU13Tzybnc=";

std::vector<std::string> SuccessCookies(std::string_view token, std::string_view webvpnc) {
  return {"webvpncontext=" + std::string(token) + "; Secure; HttpOnly",
          "webvpn=" + std::string(token) + "; Secure; HttpOnly",
          "webvpnc=; expires=Thu, 01 Jan 1970 22:00:00 GMT; path=/; Secure; HttpOnly",
          "webvpnc=" + std::string(webvpnc) + "; path=/; Secure; HttpOnly"};
}

constexpr const char* kWebvpncProfile =
    "bu:/&p:t&iu:1/&sh:D27A5A0A2A917D7B2F3D121DE97B741483F98F2D&lu:/+CSCOT+/"
    "translation-table?textdomain%3DAnyConnect%26type%3Dmanifest&fu:profiles%2F/tmp/ocdoc/"
    "profile.xml&fh:50A9BCCD6BAF75586A7E706C80E412219D29C57A";

FilledValues Values(std::string name, std::string value) {
  FilledValues values;
  values.emplace_back(std::move(name), SecretString(std::move(value)));
  return values;
}

// ---- tests ----

TEST(AuthDialogueTest, FirstRequestIsTheInitOfTheTrace) {
  AuthDialogue dialogue(OcOptions("https://198.18.0.1:4443/"));
  const HttpRequest request = dialogue.NextRequest();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/");
  EXPECT_THAT(HeaderNames(request),
              ElementsAre("Host", "User-Agent", "Accept", "Accept-Encoding", "X-Transcend-Version",
                          "X-Aggregate-Auth", "X-Pad", "Content-Type", "Content-Length"));
  EXPECT_EQ(Header(request, "Host"), "198.18.0.1:4443");
  EXPECT_EQ(Header(request, "User-Agent"), "Open AnyConnect VPN Agent v9.01-3");
  EXPECT_EQ(Header(request, "Accept"), "*/*");
  EXPECT_EQ(Header(request, "Accept-Encoding"), "identity");
  EXPECT_EQ(Header(request, "Content-Type"), "application/xml; charset=utf-8");
  EXPECT_EQ(Header(request, "Content-Length"), "370");
  EXPECT_EQ(Header(request, "X-Pad"), "00000000000000");  // 14 zeros for 370 bytes
  EXPECT_EQ(request.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<config-auth client=\"vpn\" type=\"init\" aggregate-auth-version=\"2\"><version "
            "who=\"vpn\">v9.01-3</version><device-id>linux-64</device-id><capabilities><auth-"
            "method>single-sign-on-v2</auth-method><auth-method>single-sign-on-external-browser<"
            "/auth-method></capabilities><group-access>https://198.18.0.1:4443/</group-access></"
            "config-auth>\n");
  EXPECT_EQ(request.Find("Cookie"), nullptr);
  EXPECT_EQ(request.Find("X-AnyConnect-Platform"), nullptr);
}

TEST(AuthDialogueTest, XPadFollowsTheSixtyFourByteRule) {
  // §2.2: 64*(1 + n/64) - n zeros; checked through the bodies of real requests.
  AuthDialogue dialogue(OcOptions("https://localhost:4443/"));
  const HttpRequest init = dialogue.NextRequest();
  ASSERT_EQ(init.body.size(), 369u);
  EXPECT_EQ(Header(init, "X-Pad").size(), 15u);  // [LIVE] 369-byte body → 15 zeros
  DialogueOptions legacy = OcOptions("https://localhost:4443/");
  legacy.xml_post = false;
  const HttpRequest get = AuthDialogue(legacy).NextRequest();
  EXPECT_EQ(Header(get, "X-Pad"), std::string(64, '0'));
}

TEST(AuthDialogueTest, FullTraceUsernamePasswordSuccess) {
  // --authgroup engineering equals the gateway's default (the first option): decision #2
  // says no second init (openconnect sends one anyway; both gateways accept either).
  AuthDialogue dialogue(OcOptions("https://198.18.0.1:4443/", "engineering"));
  auto step = dialogue.OnResponse(Ok(kUsernameFormEngSales, {kExpiredContext}));
  ASSERT_TRUE(step.has_value());
  ASSERT_EQ(step->kind, Step::kNeedInput);
  EXPECT_FALSE(step->retry);
  EXPECT_EQ(dialogue.form().message, "Please enter your username.");
  EXPECT_THAT(dialogue.groups_offered(), ::testing::SizeIs(2));

  dialogue.SubmitForm(Values("username", "alice"));
  HttpRequest reply = dialogue.NextRequest();
  EXPECT_EQ(reply.target, "/auth");
  EXPECT_EQ(reply.Find("Cookie"), nullptr);  // the expired webvpncontext was not kept
  EXPECT_EQ(reply.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<config-auth client=\"vpn\" type=\"auth-reply\" aggregate-auth-version=\"2\"><version "
            "who=\"vpn\">v9.01-3</version><device-id>linux-64</device-id><capabilities><auth-"
            "method>single-sign-on-v2</auth-method><auth-method>single-sign-on-external-browser<"
            "/auth-method></capabilities><auth><username>alice</username></auth><group-select>"
            "engineering</group-select></config-auth>\n");
  EXPECT_EQ(Header(reply, "Content-Length"), "402");
  EXPECT_EQ(Header(reply, "X-Pad"), std::string(46, '0'));  // the trace's 46 zeros

  step = dialogue.OnResponse(Ok(
      kPasswordForm, {std::string("webvpncontext=") + kToken + "; Max-Age=300; Secure; HttpOnly"}));
  ASSERT_EQ(step->kind, Step::kNeedInput);
  dialogue.SubmitForm(Values("password", "testpass"));
  reply = dialogue.NextRequest();
  EXPECT_THAT(HeaderNames(reply),
              ElementsAre("Host", "User-Agent", "Cookie", "Accept", "Accept-Encoding",
                          "X-Transcend-Version", "X-Aggregate-Auth", "X-Pad", "Content-Type",
                          "Content-Length"));
  EXPECT_EQ(Header(reply, "Cookie"), std::string("webvpncontext=") + kToken);
  EXPECT_THAT(reply.body, HasSubstr("<auth><password>testpass</password></auth></config-auth>"));
  EXPECT_THAT(reply.body, ::testing::Not(HasSubstr("group-select")));
  // The full trace redacts the password; dtls12-profile has the same POST with "testpass".
  EXPECT_EQ(Header(reply, "Content-Length"), "365");
  EXPECT_EQ(Header(reply, "X-Pad"), std::string(19, '0'));

  step = dialogue.OnResponse(
      Ok(kSuccessPlain,
         SuccessCookies(kToken, "bu:/&p:t&iu:1/&sh:6B735C839F0F132AF1D7B2EEF963A9DF1D025ECD")));
  ASSERT_EQ(step->kind, Step::kSuccess);
  const AuthResult& result = dialogue.result();
  EXPECT_EQ(result.cookie.reveal(), kToken);
  EXPECT_EQ(result.server_cert_hash, "6B735C839F0F132AF1D7B2EEF963A9DF1D025ECD");
  EXPECT_EQ(result.group_used, "engineering");
  EXPECT_THAT(result.groups_offered, ElementsAre("engineering", "sales"));
  EXPECT_TRUE(result.profiles.empty());
  // The downloader reuses the jar: all cookies, first-seen order.
  const HttpRequest get = dialogue.BuildGet("/profiles/x.xml");
  EXPECT_EQ(get.method, "GET");
  EXPECT_THAT(Header(get, "Cookie"),
              ::testing::StartsWith(std::string("webvpncontext=") + kToken + "; webvpn=" + kToken +
                                    "; webvpnc=bu:/"));
  EXPECT_FALSE(dialogue.OnResponse(Ok(kSuccessPlain)).has_value());
}

TEST(AuthDialogueTest, SecondInitWhenTheGroupDiffersFromTheDefault) {
  AuthDialogue dialogue(OcOptions("https://localhost:4443/", "group2"));
  auto step = dialogue.OnResponse(Ok(kUsernameFormGroup12, {kExpiredContext}));
  ASSERT_EQ(step->kind, Step::kSendRequest);
  EXPECT_FALSE(step->new_connection);
  const HttpRequest init = dialogue.NextRequest();
  EXPECT_EQ(init.target, "/auth");
  // anyconnect.md §3.5, exact (408 bytes).
  EXPECT_EQ(init.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<config-auth client=\"vpn\" type=\"init\" aggregate-auth-version=\"2\"><version "
            "who=\"vpn\">v9.01-3</version><device-id>linux-64</device-id><capabilities><auth-"
            "method>single-sign-on-v2</auth-method><auth-method>single-sign-on-external-browser<"
            "/auth-method></capabilities><group-access>https://localhost:4443/auth</group-access>"
            "<group-select>group2</group-select></config-auth>\n");
  EXPECT_EQ(Header(init, "X-Pad").size(), 40u);

  step = dialogue.OnResponse(Ok(kUsernameFormGroup2First, {kExpiredContext}));
  ASSERT_EQ(step->kind, Step::kNeedInput);
  ASSERT_EQ(dialogue.form().fields.size(), 2u);
  EXPECT_EQ(dialogue.form().fields[1].value, "group2");
  dialogue.SubmitForm(Values("username", "test"));
  EXPECT_THAT(
      dialogue.NextRequest().body,
      HasSubstr("<auth><username>test</username></auth><group-select>group2</group-select>"));
}

TEST(AuthDialogueTest, AuthgroupMatchesTheLabelCaseInsensitively) {
  AuthDialogue dialogue(OcOptions("https://localhost:4443/", "friendly TWO"));
  auto step = dialogue.OnResponse(Ok(kUsernameFormGroup12));
  ASSERT_EQ(step->kind, Step::kSendRequest);
  EXPECT_THAT(dialogue.NextRequest().body, HasSubstr("<group-select>group2</group-select>"));
}

TEST(AuthDialogueTest, AuthgroupEqualToTheDefaultAnswersDirectly) {
  AuthDialogue dialogue(OcOptions("https://localhost:4443/", "GROUP1"));
  auto step = dialogue.OnResponse(Ok(kUsernameFormGroup12));
  ASSERT_EQ(step->kind, Step::kNeedInput);
}

TEST(AuthDialogueTest, UnknownAuthgroupFailsListingTheGroups) {
  AuthDialogue dialogue(OcOptions("https://localhost:4443/", "nosuch"));
  auto step = dialogue.OnResponse(Ok(kUsernameFormGroup12));
  ASSERT_EQ(step->kind, Step::kFailed);
  EXPECT_EQ(step->code, Errc::kNotFound);
  EXPECT_THAT(step->message, HasSubstr("nosuch"));
  EXPECT_THAT(step->message, HasSubstr("group1, group2 (Friendly Two)"));
  EXPECT_EQ(dialogue.groups_offered().size(), 2u);
}

TEST(AuthDialogueTest, WrongPasswordRepromptsThenFailsOn401) {
  AuthDialogue dialogue(OcOptions("https://localhost:4443/"));
  ASSERT_EQ(dialogue.OnResponse(Ok(kUsernameFormGroup12))->kind, Step::kNeedInput);
  dialogue.SubmitForm(Values("username", "test"));
  EXPECT_THAT(dialogue.NextRequest().body, HasSubstr("<group-select>group1</group-select>"));
  ASSERT_EQ(dialogue.OnResponse(Ok(kPasswordForm))->kind, Step::kNeedInput);
  for (int attempt = 0; attempt < 2; ++attempt) {
    dialogue.SubmitForm(Values("password", "wrong"));
    auto step = dialogue.OnResponse(Ok(kLoginFailedForm));
    ASSERT_EQ(step->kind, Step::kNeedInput);
    EXPECT_TRUE(step->retry);
    EXPECT_EQ(step->message, "Login failed.\nPlease enter your password.");
  }
  dialogue.SubmitForm(Values("password", "wrong"));
  auto step = dialogue.OnResponse(Response(401, "Authentication failed", ""));
  ASSERT_EQ(step->kind, Step::kFailed);
  EXPECT_EQ(step->code, Errc::kAuthFailed);
  EXPECT_EQ(step->message, "authentication failed (HTTP 401 Authentication failed)");
  EXPECT_THAT(step->message, ::testing::Not(HasSubstr("wrong")));
}

TEST(AuthDialogueTest, CertificateLoginCompletesOnTheFirstPost) {
  AuthDialogue dialogue(OcOptions("https://localhost:4444/"));
  auto step = dialogue.OnResponse(Ok(kSuccessProfile, SuccessCookies(kToken, kWebvpncProfile)));
  ASSERT_EQ(step->kind, Step::kSuccess);
  const AuthResult& result = dialogue.result();
  EXPECT_EQ(result.cookie.reveal(), kToken);
  EXPECT_EQ(result.banner, "Doc banner");
  EXPECT_EQ(result.server_cert_hash, "D27A5A0A2A917D7B2F3D121DE97B741483F98F2D");
  ASSERT_EQ(result.profiles.size(), 1u);
  EXPECT_EQ(result.profiles[0].uri, "/profiles//tmp/ocdoc/profile.xml");
  EXPECT_EQ(result.profiles[0].sha1, "50A9BCCD6BAF75586A7E706C80E412219D29C57A");
  EXPECT_TRUE(result.group_used.empty());
}

TEST(AuthDialogueTest, ProfileFromTheWebvpncCookieWhenTheXmlHasNone) {
  AuthDialogue dialogue(OcOptions("https://localhost:4444/"));
  auto step = dialogue.OnResponse(Ok(kSuccessPlain, SuccessCookies(kToken, kWebvpncProfile)));
  ASSERT_EQ(step->kind, Step::kSuccess);
  ASSERT_EQ(dialogue.result().profiles.size(), 1u);
  EXPECT_EQ(dialogue.result().profiles[0].uri, "/profiles%2F/tmp/ocdoc/profile.xml");
  EXPECT_EQ(dialogue.result().profiles[0].sha1, "50A9BCCD6BAF75586A7E706C80E412219D29C57A");
}

TEST(AuthDialogueTest, LegacyFallbackOnHttpErrorReplaysTheLegacyTrace) {
  AuthDialogue dialogue(OcOptions("https://localhost:4443/"));
  auto step = dialogue.OnResponse(Response(404, "Not Found", "<html>nope</html>"));
  ASSERT_EQ(step->kind, Step::kSendRequest);
  EXPECT_TRUE(step->new_connection);
  EXPECT_FALSE(dialogue.xml_mode());
  HttpRequest get = dialogue.NextRequest();
  EXPECT_EQ(get.method, "GET");
  EXPECT_EQ(get.target, "/");
  EXPECT_THAT(HeaderNames(get),
              ElementsAre("Host", "User-Agent", "Accept", "Accept-Encoding", "X-Transcend-Version",
                          "X-Pad", "Content-Type", "Content-Length"));
  EXPECT_EQ(Header(get, "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(Header(get, "Content-Length"), "0");
  EXPECT_TRUE(get.body.empty());

  step = dialogue.OnResponse(Ok(kUsernameFormGroup12, {kExpiredContext}));
  ASSERT_EQ(step->kind, Step::kNeedInput);
  dialogue.SubmitForm(Values("username", "test"));
  HttpRequest post = dialogue.NextRequest();
  EXPECT_EQ(post.method, "POST");
  EXPECT_EQ(post.target, "/auth");
  EXPECT_EQ(post.body, "group_list=group1&username=test");
  EXPECT_EQ(Header(post, "X-Pad").size(), 33u);
  EXPECT_EQ(post.Find("X-Aggregate-Auth"), nullptr);

  const std::string context = "AK+ediB1ectF8pxTJkglNBXqsHzm5r8p2kB74/zXIwI=";
  step = dialogue.OnResponse(
      Ok(kPasswordForm, {"webvpncontext=" + context + "; Max-Age=300; Secure; HttpOnly"}));
  ASSERT_EQ(step->kind, Step::kNeedInput);
  dialogue.SubmitForm(Values("password", "testpass"));
  post = dialogue.NextRequest();
  EXPECT_EQ(post.body, "password=testpass");
  EXPECT_EQ(Header(post, "Cookie"), "webvpncontext=" + context);
  EXPECT_EQ(Header(post, "X-Pad").size(), 47u);

  step = dialogue.OnResponse(Ok(kSuccessProfile, SuccessCookies(context, kWebvpncProfile)));
  ASSERT_EQ(step->kind, Step::kSuccess);
  EXPECT_EQ(dialogue.result().cookie.reveal(), context);
}

TEST(AuthDialogueTest, LegacyFallbackOnANonXmlAnswer) {
  AuthDialogue dialogue(OcOptions("https://vpn.example.com/"));
  auto step = dialogue.OnResponse(Ok("<html><body>portal</body></html>"));
  ASSERT_EQ(step->kind, Step::kSendRequest);
  EXPECT_TRUE(step->new_connection);
  EXPECT_EQ(dialogue.NextRequest().method, "GET");
}

TEST(AuthDialogueTest, NoFallbackAfterTheFirstExchange) {
  AuthDialogue dialogue(OcOptions("https://localhost:4443/"));
  ASSERT_EQ(dialogue.OnResponse(Ok(kUsernameFormGroup12))->kind, Step::kNeedInput);
  dialogue.SubmitForm(Values("username", "test"));
  auto step = dialogue.OnResponse(Response(500, "Internal Server Error", ""));
  ASSERT_EQ(step->kind, Step::kFailed);
  EXPECT_EQ(step->code, Errc::kProtocol);
}

// ---- ASA-shaped documents ----

constexpr const char* kAsaForm = R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="auth-request" aggregate-auth-version="2">
<opaque is-for="sg">
<tunnel-group>TG-EMPLOYEES</tunnel-group>
<aggauth-handle>864640002</aggauth-handle>
<group-alias>Employees</group-alias>
<config-hash>1619719004259</config-hash>
</opaque>
<auth id="main">
<title>Login</title>
<message>Please enter your username and password.</message>
<banner></banner>
<form>
<input type="text" name="username" label="Username:"></input>
<input type="password" name="password" label="Password:"></input>
<select name="group_list" label="GROUP:">
<option>Contractors</option>
<option selected="true">Employees</option>
</select>
</form>
</auth>
</config-auth>
)";

constexpr const char* kAsaSuccess = R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="complete" aggregate-auth-version="2">
<session-id>106496</session-id>
<session-token>61D5E0@106496@2C64@1A03AA09D5B053ED6F58D56ABDF4EA125F12956C</session-token>
<auth id="success">
<banner>Authorised use only.</banner>
<message id="0" param1="" param2=""></message>
</auth>
<config client="vpn" type="private">
<vpn-base-config>
<base-package-uri>/CACHE/stc/1</base-package-uri>
<server-cert-hash>D27A5A0A2A917D7B2F3D121DE97B741483F98F2D</server-cert-hash>
</vpn-base-config>
<vpn-profile-manifest>
<vpn rev="1.0">
<file type="profile" service-type="user">
<uri>/CACHE/stc/profiles/employees.xml</uri>
<hash type="sha1">50A9BCCD6BAF75586A7E706C80E412219D29C57A</hash>
</file>
</vpn>
</vpn-profile-manifest>
</config>
</config-auth>
)";

TEST(AuthDialogueTest, AsaSingleFormEchoesOpaqueAndUsesTheSelectedGroup) {
  AuthDialogue dialogue(OcOptions("https://vpn.example.com/employees", "employees"));
  auto step = dialogue.OnResponse(Ok(kAsaForm));
  ASSERT_EQ(step->kind, Step::kNeedInput);  // equal to the selected option: no second init
  FilledValues values;
  values.emplace_back("username", SecretString("alice"));
  values.emplace_back("password", SecretString("s3cret & <more>"));
  dialogue.SubmitForm(values);
  const HttpRequest reply = dialogue.NextRequest();
  EXPECT_EQ(reply.target, "/");  // a form without action posts to "/"
  EXPECT_THAT(reply.body, HasSubstr("<tunnel-group>TG-EMPLOYEES</tunnel-group>"));
  EXPECT_THAT(reply.body, HasSubstr("<aggauth-handle>864640002</aggauth-handle>"));
  EXPECT_THAT(reply.body,
              HasSubstr("<auth><username>alice</username><password>s3cret &amp; &lt;more&gt;"
                        "</password></auth><group-select>Employees</group-select>"));

  step = dialogue.OnResponse(Ok(kAsaSuccess, {"webvpn=ignored-cookie; Secure; HttpOnly"}));
  ASSERT_EQ(step->kind, Step::kSuccess);
  const AuthResult& result = dialogue.result();
  // Decision #4: the XML token wins over Set-Cookie.
  EXPECT_EQ(result.cookie.reveal(), "61D5E0@106496@2C64@1A03AA09D5B053ED6F58D56ABDF4EA125F12956C");
  EXPECT_EQ(dialogue.cookies().Get("webvpn")->reveal(), result.cookie.reveal());
  EXPECT_EQ(result.session_id, "106496");
  EXPECT_EQ(result.server_cert_hash, "D27A5A0A2A917D7B2F3D121DE97B741483F98F2D");
  EXPECT_EQ(result.base_package_uri, "/CACHE/stc/1");
  EXPECT_EQ(result.banner, "Authorised use only.");
  ASSERT_EQ(result.profiles.size(), 1u);
  EXPECT_EQ(result.profiles[0].uri, "/CACHE/stc/profiles/employees.xml");
  EXPECT_EQ(result.group_used, "Employees");
}

TEST(AuthDialogueTest, AsaGroupChangeSendsASecondInitToTheCurrentUrl) {
  AuthDialogue dialogue(OcOptions("https://vpn.example.com/employees", "contractors"));
  auto step = dialogue.OnResponse(Ok(kAsaForm));
  ASSERT_EQ(step->kind, Step::kSendRequest);
  const HttpRequest init = dialogue.NextRequest();
  EXPECT_EQ(init.target, "/");
  EXPECT_THAT(init.body, HasSubstr("<group-access>https://vpn.example.com/</group-access>"
                                   "<group-select>Contractors</group-select>"));
  EXPECT_THAT(init.body, HasSubstr("type=\"init\""));
}

TEST(AuthDialogueTest, SetCookieWebvpnWhenNoSessionToken) {
  AuthDialogue dialogue(OcOptions("https://localhost:4443/"));
  auto step = dialogue.OnResponse(Ok(kSuccessPlain, {"webvpn=abc=; Secure; HttpOnly"}));
  ASSERT_EQ(step->kind, Step::kSuccess);
  EXPECT_EQ(dialogue.result().cookie.reveal(), "abc=");
}

TEST(AuthDialogueTest, SuccessWithoutAnyCookieFails) {
  AuthDialogue dialogue(OcOptions("https://localhost:4443/"));
  auto step = dialogue.OnResponse(Ok(kSuccessPlain));
  ASSERT_EQ(step->kind, Step::kFailed);
  EXPECT_EQ(step->code, Errc::kProtocol);
}

TEST(AuthDialogueTest, AsaRetryFormWithError) {
  std::string form = kAsaForm;
  form.replace(
      form.find("<banner></banner>"), 17,
      "<error id=\"88\" param1=\"Invalid credentials\" param2=\"\">Login failed: %s</error>");
  AuthDialogue dialogue(OcOptions("https://vpn.example.com/"));
  auto step = dialogue.OnResponse(Ok(form));
  ASSERT_EQ(step->kind, Step::kNeedInput);
  EXPECT_TRUE(step->retry);
  EXPECT_EQ(step->message, "Login failed: Invalid credentials");
}

TEST(AuthDialogueTest, TerminalCompleteWithErrorFails) {
  AuthDialogue dialogue(OcOptions("https://vpn.example.com/"));
  ASSERT_EQ(dialogue.OnResponse(Ok(kAsaForm))->kind, Step::kNeedInput);
  dialogue.SubmitForm(Values("username", "alice"));
  auto step = dialogue.OnResponse(Ok(R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="complete" aggregate-auth-version="2">
<error id="24" param1="" param2="">Authentication failed.</error>
</config-auth>
)"));
  ASSERT_EQ(step->kind, Step::kFailed);
  EXPECT_EQ(step->code, Errc::kAuthFailed);
  EXPECT_THAT(step->message, HasSubstr("Authentication failed."));
}

HttpResponse Redirect(std::string location, std::vector<std::string> set_cookies = {}) {
  HttpResponse redirect = Response(302, "Found", "", std::move(set_cookies));
  redirect.headers.push_back({"Location", std::move(location)});
  return redirect;
}

TEST(AuthDialogueTest, RedirectToAnotherHostStartsOverThereWithoutTheOldCookies) {
  AuthDialogue dialogue(OcOptions("https://vpn.example.com/"));
  auto step = dialogue.OnResponse(
      Redirect("https://vpn2.example.com:8443/cluster", {"webvpnlogin=1; Secure"}));
  ASSERT_EQ(step->kind, Step::kSendRequest);
  EXPECT_TRUE(step->new_connection);
  EXPECT_TRUE(step->host_changed);
  EXPECT_EQ(step->message, "https://vpn2.example.com:8443/cluster");
  EXPECT_EQ(dialogue.url().host, "vpn2.example.com");
  EXPECT_EQ(dialogue.url().port, 8443);
  // The first host's cookies stay behind (anyconnect.md §2.7).
  EXPECT_TRUE(dialogue.cookies().empty());
  const HttpRequest init = dialogue.NextRequest();
  EXPECT_EQ(init.method, "POST");
  EXPECT_EQ(init.target, "/cluster");
  EXPECT_EQ(Header(init, "Host"), "vpn2.example.com:8443");
  EXPECT_EQ(Header(init, "Cookie"), "<absent>");
  EXPECT_THAT(init.body, HasSubstr("type=\"init\""));
  EXPECT_THAT(init.body,
              HasSubstr("<group-access>https://vpn2.example.com:8443/cluster</group-access>"));

  // The new gateway's login completes normally; its cookies are used from then on.
  step = dialogue.OnResponse(Ok(kPasswordForm, {"webvpncontext=ctx2; Secure"}));
  ASSERT_EQ(step->kind, Step::kNeedInput);
  dialogue.SubmitForm(Values("password", "pw"));
  EXPECT_EQ(Header(dialogue.NextRequest(), "Cookie"), "webvpncontext=ctx2");
  EXPECT_EQ(Header(dialogue.NextRequest(), "Host"), "vpn2.example.com:8443");
  step = dialogue.OnResponse(Ok(kSuccessPlain, {"webvpn=tok2; Secure"}));
  ASSERT_EQ(step->kind, Step::kSuccess);
  EXPECT_EQ(dialogue.result().cookie.reveal(), "tok2");
  EXPECT_EQ(dialogue.url().ToString(), "https://vpn2.example.com:8443/cluster");
}

TEST(AuthDialogueTest, RedirectToAnotherPortIsAnotherHost) {
  AuthDialogue dialogue(OcOptions("https://vpn.example.com/"));
  auto step = dialogue.OnResponse(Redirect("https://VPN.example.com:444/"));
  ASSERT_EQ(step->kind, Step::kSendRequest);
  EXPECT_TRUE(step->host_changed);
  EXPECT_EQ(dialogue.url().port, 444);
}

TEST(AuthDialogueTest, RedirectAfterTheGroupChoiceCarriesTheGroup) {
  AuthDialogue dialogue(OcOptions("https://localhost:4443/", "group2"));
  auto step = dialogue.OnResponse(Ok(kUsernameFormGroup12));
  ASSERT_EQ(step->kind, Step::kSendRequest);  // the group init
  step = dialogue.OnResponse(Redirect("https://node2.example.com/"));
  ASSERT_EQ(step->kind, Step::kSendRequest);
  ASSERT_TRUE(step->host_changed);
  EXPECT_THAT(dialogue.NextRequest().body,
              HasSubstr("<group-access>https://node2.example.com/</group-access>"
                        "<group-select>group2</group-select>"));
  // The new gateway answers with that group already selected: no second group init.
  step = dialogue.OnResponse(Ok(kUsernameFormGroup2First));
  ASSERT_EQ(step->kind, Step::kNeedInput);
  dialogue.SubmitForm(Values("username", "test"));
  EXPECT_THAT(dialogue.NextRequest().body, HasSubstr("<group-select>group2</group-select>"));
}

TEST(AuthDialogueTest, RedirectToPlainHttpIsRefused) {
  for (std::string location :
       {"http://vpn2.example.com/", "HTTP://vpn.example.com/login", "ftp://vpn2.example.com/",
        "javascript:alert(1)", "//vpn2.example.com@evil/"}) {
    SCOPED_TRACE(location);
    AuthDialogue dialogue(OcOptions("https://vpn.example.com/"));
    auto step = dialogue.OnResponse(Redirect(location));
    ASSERT_EQ(step->kind, Step::kFailed);
    if (location.starts_with("//")) {
      EXPECT_EQ(step->code, Errc::kProtocol);  // userinfo: unusable
    } else {
      EXPECT_EQ(step->code, Errc::kUntrusted);
      EXPECT_THAT(step->message, HasSubstr("not https"));
    }
    EXPECT_EQ(dialogue.url().host, "vpn.example.com");
  }
}

TEST(AuthDialogueTest, SchemeRelativeRedirects) {
  AuthDialogue dialogue(OcOptions("https://vpn.example.com/"));
  auto step = dialogue.OnResponse(Redirect("//vpn.example.com/+webvpn+/index.html"));
  ASSERT_EQ(step->kind, Step::kSendRequest);
  EXPECT_FALSE(step->host_changed);
  EXPECT_EQ(dialogue.NextRequest().target, "/+webvpn+/index.html");
  step = dialogue.OnResponse(Redirect("//vpn3.example.com/x"));
  ASSERT_EQ(step->kind, Step::kSendRequest);
  EXPECT_TRUE(step->host_changed);
  EXPECT_EQ(dialogue.url().ToString(), "https://vpn3.example.com/x");
  // The legacy fallback of the first host does not stick: the new one gets a fresh init.
  EXPECT_EQ(dialogue.NextRequest().method, "POST");
  EXPECT_TRUE(dialogue.xml_mode());
}

TEST(AuthDialogueTest, RedirectLoopIsCapped) {
  AuthDialogue dialogue(OcOptions("https://a.example.com/"));
  Step step;
  std::size_t followed = 0;
  for (std::size_t i = 0; i < 2 * AuthDialogue::kMaxRedirects; ++i) {
    step = *dialogue.OnResponse(
        Redirect(i % 2 == 0 ? "https://b.example.com/" : "https://a.example.com/"));
    if (step.kind != Step::kSendRequest) {
      break;
    }
    ++followed;
  }
  EXPECT_EQ(followed, AuthDialogue::kMaxRedirects);
  ASSERT_EQ(step.kind, Step::kFailed);
  EXPECT_EQ(step.code, Errc::kExhausted);
  EXPECT_THAT(step.message, HasSubstr("redirected the login more than 10 times"));
}

TEST(AuthDialogueTest, FormActionOnAnotherHostIsStillRefused) {
  AuthDialogue dialogue(OcOptions("https://vpn.example.com/"));
  auto step = dialogue.OnResponse(Ok(R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="auth-request" aggregate-auth-version="2">
<auth id="main"><form action="https://evil.example.com/"><input type="password" name="password"/>
</form></auth></config-auth>
)"));
  ASSERT_EQ(step->kind, Step::kFailed);
  EXPECT_EQ(step->code, Errc::kUnsupported);
  EXPECT_THAT(step->message, HasSubstr("https://evil.example.com/"));
}

TEST(AuthDialogueTest, SameHostRedirectFallsBackToLegacyAndIsFollowed) {
  AuthDialogue dialogue(OcOptions("https://vpn.example.com/"));
  HttpResponse redirect = Response(302, "Found", "");
  redirect.headers.push_back({"Location", "https://vpn.example.com/+webvpn+/index.html"});
  auto step = dialogue.OnResponse(redirect);
  ASSERT_EQ(step->kind, Step::kSendRequest);
  EXPECT_TRUE(step->new_connection);
  EXPECT_EQ(dialogue.NextRequest().method, "GET");
  EXPECT_EQ(dialogue.NextRequest().target, "/+webvpn+/index.html");
  HttpResponse relative = Response(302, "Found", "");
  relative.headers.push_back({"Location", "logon.html"});
  step = dialogue.OnResponse(relative);
  ASSERT_EQ(step->kind, Step::kSendRequest);
  EXPECT_FALSE(step->new_connection);
  EXPECT_EQ(dialogue.NextRequest().target, "/+webvpn+/logon.html");
}

TEST(AuthDialogueTest, ClientCertificateRequest) {
  constexpr const char* kCertRequest = R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="auth-request" aggregate-auth-version="2">
<client-cert-request/>
</config-auth>
)";
  {
    AuthDialogue dialogue(OcOptions("https://vpn.example.com/"));
    auto step = dialogue.OnResponse(Ok(kCertRequest));
    ASSERT_EQ(step->kind, Step::kFailed);
    EXPECT_EQ(step->code, Errc::kUnsupported);
  }
  DialogueOptions options = OcOptions("https://vpn.example.com/");
  options.have_client_certificate = true;
  AuthDialogue dialogue(options);
  auto step = dialogue.OnResponse(Ok(kCertRequest));
  ASSERT_EQ(step->kind, Step::kSendRequest);
  EXPECT_TRUE(step->new_connection);
  EXPECT_THAT(dialogue.NextRequest().body, HasSubstr("type=\"init\""));
  step = dialogue.OnResponse(Ok(kCertRequest));
  ASSERT_EQ(step->kind, Step::kFailed);
}

TEST(AuthDialogueTest, RoundLimitStopsLoops) {
  AuthDialogue dialogue(OcOptions("https://localhost:4443/"));
  Step step;
  for (std::size_t i = 0; i <= AuthDialogue::kMaxRounds; ++i) {
    step = *dialogue.OnResponse(Ok(kLoginFailedForm));
    if (step.kind != Step::kNeedInput) {
      break;
    }
    dialogue.SubmitForm(Values("password", "x"));
  }
  EXPECT_EQ(step.kind, Step::kFailed);
  EXPECT_EQ(step.code, Errc::kExhausted);
}

TEST(AuthDialogueTest, HiddenFieldsAreEchoedAndOnlyHiddenFormsAutoSubmit) {
  AuthDialogue dialogue(OcOptions("https://vpn.example.com/"));
  auto step = dialogue.OnResponse(Ok(R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="auth-request" aggregate-auth-version="2">
<auth id="main"><form action="/next">
<input type="hidden" name="token" value="t0k"/>
</form></auth>
</config-auth>
)"));
  ASSERT_EQ(step->kind, Step::kSendRequest);
  const HttpRequest reply = dialogue.NextRequest();
  EXPECT_EQ(reply.target, "/next");
  EXPECT_THAT(reply.body, HasSubstr("<auth><token>t0k</token></auth>"));
}

}  // namespace
}  // namespace sekisho::client

#include "proto/auth/server_message.h"

#include "proto/auth/wire.h"
#include "unit/proto/auth/trace_bodies.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sekisho::proto::auth {
namespace {

using ::testing::ElementsAre;

TEST(ServerMessageTest, OcservUsernameFormWithGroups) {
  EXPECT_EQ(testdata::kOcservUsernameForm.size(), 444u);  // Content-Length in the trace
  auto msg = ParseServerMessage(testdata::kOcservUsernameForm);
  ASSERT_TRUE(msg.has_value()) << msg.error().ToString();
  EXPECT_EQ(msg->type, ServerMessage::kAuthRequest);
  EXPECT_FALSE(msg->aggregate_v2);
  EXPECT_TRUE(msg->opaque_xml.empty());
  ASSERT_TRUE(msg->form.has_value());
  const AuthForm& form = *msg->form;
  EXPECT_EQ(form.auth_id, "main");
  EXPECT_EQ(form.message, "Please enter your username.");
  EXPECT_EQ(form.action, "/auth");
  EXPECT_EQ(form.method, "post");
  ASSERT_EQ(form.fields.size(), 2u);
  EXPECT_EQ(form.fields[0].kind, FormField::kText);
  EXPECT_EQ(form.fields[0].name, "username");
  EXPECT_EQ(form.fields[0].label, "Username:");
  EXPECT_EQ(form.fields[1].kind, FormField::kSelect);
  EXPECT_EQ(form.fields[1].name, "group_list");
  EXPECT_EQ(form.fields[1].label, "Group:");
  EXPECT_THAT(form.fields[1].options, ElementsAre(SelectOption{"engineering", "engineering", false},
                                                  SelectOption{"sales", "sales", false}));
  EXPECT_EQ(form.fields[1].value, "engineering");  // no selected="true": the first
}

TEST(ServerMessageTest, OcservFriendlyGroupNameFirst) {
  auto msg = ParseServerMessage(testdata::kOcservUsernameFormGroup2);
  ASSERT_TRUE(msg.has_value());
  EXPECT_THAT(msg->form->fields[1].options,
              ElementsAre(SelectOption{"group2", "Friendly Two", false},
                          SelectOption{"group1", "group1", false}));
  EXPECT_EQ(msg->form->fields[1].value, "group2");
}

TEST(ServerMessageTest, OcservPasswordFormAndRetry) {
  EXPECT_EQ(testdata::kOcservPasswordForm.size(), 310u);
  auto msg = ParseServerMessage(testdata::kOcservPasswordForm);
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->type, ServerMessage::kAuthRequest);
  ASSERT_EQ(msg->form->fields.size(), 1u);
  EXPECT_EQ(msg->form->fields[0].kind, FormField::kPassword);
  EXPECT_EQ(msg->form->fields[0].name, "password");

  auto retry = ParseServerMessage(testdata::kOcservRetryForm);
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(retry->type, ServerMessage::kAuthRequest);
  EXPECT_EQ(retry->form->message, "Login failed.\nPlease enter your password.");
}

TEST(ServerMessageTest, OcservSuccess) {
  EXPECT_EQ(testdata::kOcservSuccess.size(), 189u);
  auto msg = ParseServerMessage(testdata::kOcservSuccess);
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->type, ServerMessage::kComplete);
  EXPECT_TRUE(msg->session_token.empty());  // cookie only in Set-Cookie
  EXPECT_EQ(msg->form->title, "SSL VPN Service");
  EXPECT_TRUE(msg->profiles.empty());
}

TEST(ServerMessageTest, OcservSuccessWithProfile) {
  // Also the certificate-auth answer to the very first init (ref-...-certauth.log).
  auto msg = ParseServerMessage(testdata::kOcservSuccessProfile);
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->type, ServerMessage::kComplete);
  EXPECT_EQ(msg->banner, "Doc banner");
  EXPECT_THAT(msg->profiles, ElementsAre(ProfileEntry{"/profiles//tmp/ocdoc/profile.xml",
                                                      "50A9BCCD6BAF75586A7E706C80E412219D29C57A"}));
  EXPECT_TRUE(msg->server_cert_hash.empty());
}

TEST(ServerMessageTest, AsaAuthRequest) {
  auto msg = ParseServerMessage(testdata::kAsaAuthRequest);
  ASSERT_TRUE(msg.has_value()) << msg.error().ToString();
  EXPECT_EQ(msg->type, ServerMessage::kAuthRequest);
  EXPECT_TRUE(msg->aggregate_v2);
  EXPECT_TRUE(msg->opaque_xml.starts_with("<opaque is-for=\"sg\"><tunnel-group>TG-EMPLOYEES"));
  EXPECT_TRUE(msg->opaque_xml.ends_with("<config-hash>1619719004259</config-hash></opaque>"));
  const AuthForm& form = *msg->form;
  EXPECT_EQ(form.title, "Login");
  EXPECT_EQ(form.action, "/");  // defaults when the form has no attributes
  EXPECT_EQ(form.method, "post");
  ASSERT_EQ(form.fields.size(), 3u);
  EXPECT_EQ(form.fields[1].kind, FormField::kPassword);
  // Options without @value: the text is the value.
  EXPECT_THAT(form.fields[2].options,
              ElementsAre(SelectOption{"Employees", "Employees", true},
                          SelectOption{"Contractors", "Contractors", false}));
  EXPECT_EQ(form.fields[2].value, "Employees");
}

TEST(ServerMessageTest, AsaComplete) {
  auto msg = ParseServerMessage(testdata::kAsaComplete);
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->type, ServerMessage::kComplete);
  EXPECT_EQ(msg->session_id, "106496");
  EXPECT_EQ(msg->session_token.reveal(),
            "61D5E0@106496@2C64@1A03AA09D5B053ED6F58D56ABDF4EA125F12956C");
  EXPECT_EQ(msg->banner, "Authorised use only.");
  EXPECT_EQ(msg->server_cert_hash, "D27A5A0A2A917D7B2F3D121DE97B741483F98F2D");
  EXPECT_EQ(msg->base_package_uri, "/CACHE/stc/1");
  EXPECT_THAT(msg->profiles, ElementsAre(ProfileEntry{"/CACHE/stc/profiles/employees.xml",
                                                      "50A9BCCD6BAF75586A7E706C80E412219D29C57A"}));
  EXPECT_THAT(msg->core_files,
              ElementsAre(ProfileEntry{
                  "binaries/anyconnect-win-4.10.05095-core-vpn-webdeploy-k9.msi", ""}));
}

TEST(ServerMessageTest, AsaFailureAndRetry) {
  auto failure = ParseServerMessage(testdata::kAsaFailure);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->type, ServerMessage::kError);
  EXPECT_EQ(failure->error_text, "Authentication failed.");
  EXPECT_FALSE(failure->form.has_value());

  auto retry = ParseServerMessage(testdata::kAsaRetry);
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(retry->type, ServerMessage::kAuthRequest);
  EXPECT_EQ(retry->form->error, "Login failed: Invalid credentials");
}

TEST(ServerMessageTest, LegacyUnwrappedAuth) {
  auto msg = ParseServerMessage(testdata::kLegacyAsaAuth);
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->type, ServerMessage::kAuthRequest);
  const AuthForm& form = *msg->form;
  EXPECT_EQ(form.action, "/+webvpn+/index.html");
  ASSERT_EQ(form.fields.size(), 3u);  // submit and reset dropped
  EXPECT_EQ(form.fields[2].kind, FormField::kSelect);
  EXPECT_EQ(form.fields[2].value, "Employees");

  auto success = ParseServerMessage(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<auth id=\"success\">"
      "<title>SSL VPN Service</title></auth>");
  ASSERT_TRUE(success.has_value());
  EXPECT_EQ(success->type, ServerMessage::kComplete);
}

struct SubstitutionCase {
  const char* xml_attrs;
  const char* text;
  const char* expected;
};

class MessageSubstitutionTest : public ::testing::TestWithParam<SubstitutionCase> {};

TEST_P(MessageSubstitutionTest, FollowsOpenconnect) {
  const auto& c = GetParam();
  std::string body = fmt::format(
      "<config-auth><auth id=\"main\"><message {}>{}</message><form>"
      "<input type=\"text\" name=\"u\"/></form></auth></config-auth>",
      c.xml_attrs, c.text);
  auto msg = ParseServerMessage(body);
  ASSERT_TRUE(msg.has_value()) << msg.error().ToString();
  EXPECT_EQ(msg->form->message, c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Params, MessageSubstitutionTest,
    ::testing::Values(SubstitutionCase{"param1=\"A\" param2=\"B\"", "x %s y %s z", "x A y B z"},
                      SubstitutionCase{"param1=\"A\"", "%s and %s", "A and %s"},
                      SubstitutionCase{"param2=\"B\"", "%s and %s", "%s and B"},
                      SubstitutionCase{"param1=\"A\" param2=\"B\"", "%s %s %s", "A B %s"},
                      SubstitutionCase{"param1=\"A\"", "100%d %s", "100%d %s"},
                      SubstitutionCase{"param1=\"%s\"", "%s-%s", "%s-%s"},
                      SubstitutionCase{"", "plain %s", "plain %s"},
                      SubstitutionCase{"param1=\"A\"", "ends with %", "ends with %"}));

TEST(ServerMessageTest, FieldOnlyMessagesAreErrors) {
  auto msg = ParseServerMessage(
      "<config-auth><auth id=\"main\"><message>Account locked</message></auth></config-auth>");
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->type, ServerMessage::kError);
  EXPECT_EQ(msg->error_text, "Account locked");

  auto complete = ParseServerMessage(
      "<config-auth><auth id=\"main\"><authentication-complete/></auth></config-auth>");
  ASSERT_TRUE(complete.has_value());
  EXPECT_EQ(complete->type, ServerMessage::kAuthRequest);
  EXPECT_TRUE(complete->form->authentication_complete);
}

TEST(ServerMessageTest, ClientCertRequest) {
  auto msg = ParseServerMessage(
      "<config-auth client=\"vpn\" type=\"auth-request\" aggregate-auth-version=\"2\">"
      "<client-cert-request/></config-auth>");
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->type, ServerMessage::kAuthRequest);
  EXPECT_TRUE(msg->client_cert_request);
  EXPECT_FALSE(msg->form.has_value());
}

TEST(ServerMessageTest, HiddenSsoAndSecondAuthInputs) {
  auto msg = ParseServerMessage(
      "<config-auth><auth id=\"main\"><form>"
      "<input type=\"hidden\" name=\"h\" value=\"v&amp;1\"/>"
      "<input type=\"sso\" name=\"sso-token\"/>"
      "<input type=\"password\" name=\"secondary_password\" second-auth=\"1\"/>"
      "<input type=\"weird\" name=\"w\"/>"
      "<input type=\"text\" name=\"bad&gt;name\"/>"
      "<input type=\"text\"/>"
      "</form></auth></config-auth>");
  ASSERT_TRUE(msg.has_value());
  const auto& fields = msg->form->fields;
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0].kind, FormField::kHidden);
  EXPECT_EQ(fields[0].value, "v&1");
  EXPECT_EQ(fields[1].kind, FormField::kSso);
  EXPECT_TRUE(fields[2].second_auth);
}

TEST(ServerMessageTest, LastSelectedOptionIsTheDefault) {
  auto msg = ParseServerMessage(
      "<config-auth><auth id=\"main\"><form><select name=\"group_list\">"
      "<option value=\"a\" selected=\"true\">A</option><option value=\"b\">B</option>"
      "<option value=\"c\" selected=\"true\">C</option></select></form></auth></config-auth>");
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->form->fields[0].value, "c");
}

TEST(ServerMessageTest, Rejects) {
  EXPECT_EQ(ParseServerMessage("").error().code, Errc::kMalformed);
  EXPECT_EQ(ParseServerMessage("<html><body>hi</body></html>").error().code, Errc::kMalformed);
  EXPECT_EQ(ParseServerMessage("HTTP/1.1 200 OK").error().code, Errc::kMalformed);
  EXPECT_EQ(ParseServerMessage(testdata::kOcservUsernameForm.substr(0, 300)).error().code,
            Errc::kMalformed);
  EXPECT_EQ(ParseServerMessage("<!DOCTYPE x [<!ENTITY a \"b\">]><auth id=\"main\">&a;</auth>")
                .error()
                .code,
            Errc::kMalformed);
  EXPECT_EQ(ParseServerMessage("<config-auth>" + std::string(kMaxBodySize, ' ') + "</config-auth>")
                .error()
                .code,
            Errc::kTooLarge);
  // Well-formed but nothing to act on: the legacy-fallback signal.
  EXPECT_EQ(ParseServerMessage("<config-auth client=\"vpn\" type=\"complete\"></config-auth>")
                .error()
                .code,
            Errc::kProtocol);
}

TEST(ServerMessageTest, FormattingRedactsToken) {
  auto msg = ParseServerMessage(testdata::kAsaComplete);
  ASSERT_TRUE(msg.has_value());
  std::string text = fmt::format("{}", *msg);
  EXPECT_EQ(text.find("1A03AA09"), std::string::npos) << text;
  EXPECT_NE(text.find("session-token=<redacted:"), std::string::npos) << text;
}

}  // namespace
}  // namespace sekisho::proto::auth

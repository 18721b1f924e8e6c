#include "proto/auth/client_message.h"

#include "proto/auth/wire.h"
#include "unit/proto/auth/trace_bodies.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sekisho::proto::auth {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> FieldNames(const ClientMessage& msg) {
  std::vector<std::string> names;
  for (const auto& field : msg.fields) {
    names.push_back(field.first);
  }
  return names;
}

struct ClientCase {
  const char* name;
  std::string_view body;
  ClientMessageType type;
  std::string device_id;
  std::optional<std::string> group_select;
  std::string group_access;
  std::vector<std::string> field_names;
};

class ClientTraceTest : public ::testing::TestWithParam<ClientCase> {};

TEST_P(ClientTraceTest, ParsesRealBodies) {
  const ClientCase& c = GetParam();
  ASSERT_TRUE(LooksLikeXml(c.body));
  auto msg = ParseClientMessage(c.body);
  ASSERT_TRUE(msg.has_value()) << msg.error().ToString();
  EXPECT_EQ(msg->type, c.type);
  EXPECT_EQ(msg->device_id, c.device_id);
  EXPECT_EQ(msg->group_select, c.group_select);
  EXPECT_EQ(msg->group_access, c.group_access);
  EXPECT_EQ(FieldNames(*msg), c.field_names);
  EXPECT_TRUE(msg->aggregate_v2);
}

INSTANTIATE_TEST_SUITE_P(Traces, ClientTraceTest,
                         ::testing::Values(ClientCase{"oc_init",
                                                      testdata::kOcInit,
                                                      ClientMessageType::kInit,
                                                      "linux-64",
                                                      std::nullopt,
                                                      "https://localhost:4443/",
                                                      {}},
                                           ClientCase{"oc_init_group",
                                                      testdata::kOcInitGroup,
                                                      ClientMessageType::kInit,
                                                      "linux-64",
                                                      "group2",
                                                      "https://localhost:4443/auth",
                                                      {}},
                                           ClientCase{"oc_username",
                                                      testdata::kOcReplyUsername,
                                                      ClientMessageType::kAuthReply,
                                                      "linux-64",
                                                      "group2",
                                                      "",
                                                      {"username"}},
                                           ClientCase{"oc_password",
                                                      testdata::kOcReplyPassword,
                                                      ClientMessageType::kAuthReply,
                                                      "linux-64",
                                                      std::nullopt,
                                                      "",
                                                      {"password"}},
                                           ClientCase{"cisco_init",
                                                      testdata::kCiscoInit,
                                                      ClientMessageType::kInit,
                                                      "win",
                                                      "Employees",
                                                      "https://vpn.example.com/employees",
                                                      {}},
                                           ClientCase{"cisco_reply",
                                                      testdata::kCiscoAuthReply,
                                                      ClientMessageType::kAuthReply,
                                                      "win",
                                                      "Employees",
                                                      "",
                                                      {"username", "password"}}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(ClientMessageTest, OpenconnectInitDetails) {
  EXPECT_EQ(testdata::kOcInit.size(), 369u);  // Content-Length in the trace
  EXPECT_EQ(testdata::kOcInitGroup.size(), 408u);
  auto msg = ParseClientMessage(testdata::kOcInit);
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->client_version, "v9.01-3");
  EXPECT_THAT(msg->auth_methods,
              ElementsAre("single-sign-on-v2", "single-sign-on-external-browser"));
  EXPECT_TRUE(msg->opaque_xml.empty());
  EXPECT_FALSE(msg->opaque.has_value());
  EXPECT_FALSE(msg->client_cert_fail);
}

TEST(ClientMessageTest, CredentialValues) {
  auto msg = ParseClientMessage(testdata::kOcReplyPassword);
  ASSERT_TRUE(msg.has_value());
  ASSERT_NE(msg->FindField("password"), nullptr);
  EXPECT_EQ(msg->FindField("password")->reveal(), "testpass");
  EXPECT_EQ(msg->FindField("username"), nullptr);
}

TEST(ClientMessageTest, CiscoReplyOpaqueAndEmptyToken) {
  auto msg = ParseClientMessage(testdata::kCiscoAuthReply);
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->FindField("username")->reveal(), "alice");
  EXPECT_EQ(msg->FindField("password")->reveal(), "s3cret");
  EXPECT_TRUE(msg->session_token.empty());
  ASSERT_TRUE(msg->opaque.has_value());
  EXPECT_EQ(msg->opaque->tunnel_group, "TG-EMPLOYEES");
  EXPECT_EQ(msg->opaque->group_alias, "Employees");
  EXPECT_EQ(msg->opaque->aggauth_handle, "864640002");
  EXPECT_EQ(msg->opaque->config_hash, "1619719004259");
  EXPECT_THAT(msg->opaque->auth_methods, ElementsAre("single-sign-on-v2"));
  EXPECT_TRUE(msg->opaque_xml.starts_with("<opaque is-for=\"sg\"><tunnel-group>"));
}

TEST(ClientMessageTest, ForgivingAboutTypeOrderAndUnknownElements) {
  // No type, no declaration, unknown elements, auth before version.
  auto msg = ParseClientMessage(
      "  <config-auth client=\"vpn\"><x-unknown a=\"1\"><y/></x-unknown>\n"
      "<auth>\n<username>bob</username><password> p a s s </password></auth>\n"
      "<version who=\"vpn\">1.0</version></config-auth>");
  ASSERT_TRUE(msg.has_value()) << msg.error().ToString();
  EXPECT_EQ(msg->type, ClientMessageType::kAuthReply);
  EXPECT_EQ(msg->client_version, "1.0");
  EXPECT_EQ(msg->FindField("password")->reveal(), " p a s s ");  // not trimmed
  EXPECT_FALSE(msg->aggregate_v2);

  auto init = ParseClientMessage("<config-auth client=\"vpn\" type=\"bogus\"/>");
  ASSERT_TRUE(init.has_value());
  EXPECT_EQ(init->type, ClientMessageType::kInit);
}

TEST(ClientMessageTest, UnescapesValues) {
  auto msg = ParseClientMessage(
      "<config-auth type=\"auth-reply\"><auth><password>&lt;a&amp;b&gt;&quot;&#x41;</password>"
      "</auth><group-select>R&amp;D</group-select></config-auth>");
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->FindField("password")->reveal(), "<a&b>\"A");
  EXPECT_EQ(msg->group_select, "R&D");

  // pugixml leaves an undefined entity as literal text (no DTD can define one).
  auto literal = ParseClientMessage("<config-auth><version>&foo;</version></config-auth>");
  ASSERT_TRUE(literal.has_value());
  EXPECT_EQ(literal->client_version, "&foo;");
}

TEST(ClientMessageTest, LogoutAndCertFail) {
  auto logout = ParseClientMessage(
      "<config-auth client=\"vpn\" type=\"logout\"><session-token>TOKEN</session-token>"
      "</config-auth>");
  ASSERT_TRUE(logout.has_value());
  EXPECT_EQ(logout->type, ClientMessageType::kLogout);
  EXPECT_EQ(logout->session_token.reveal(), "TOKEN");

  auto inferred = ParseClientMessage("<config-auth><session-token>T</session-token></config-auth>");
  ASSERT_TRUE(inferred.has_value());
  EXPECT_EQ(inferred->type, ClientMessageType::kLogout);

  auto fail = ParseClientMessage("<config-auth type=\"init\"><client-cert-fail/></config-auth>");
  ASSERT_TRUE(fail.has_value());
  EXPECT_TRUE(fail->client_cert_fail);
}

TEST(ClientMessageTest, EmptyGroupSelectIsAbsent) {
  auto msg = ParseClientMessage(
      "<config-auth type=\"init\"><group-select> </group-select>"
      "</config-auth>");
  ASSERT_TRUE(msg.has_value());
  EXPECT_FALSE(msg->group_select.has_value());
}

struct RejectCase {
  const char* name;
  std::string body;
  Errc code;
};

class ClientRejectTest : public ::testing::TestWithParam<RejectCase> {};

TEST_P(ClientRejectTest, Rejects) {
  auto msg = ParseClientMessage(GetParam().body);
  ASSERT_FALSE(msg.has_value());
  EXPECT_EQ(msg.error().code, GetParam().code);
}

INSTANTIATE_TEST_SUITE_P(
    Bad, ClientRejectTest,
    ::testing::Values(
        RejectCase{"empty", "", Errc::kMalformed},
        RejectCase{"not_xml", "group_list=a&username=b", Errc::kMalformed},
        RejectCase{"truncated", std::string(testdata::kOcInit.substr(0, 200)), Errc::kMalformed},
        RejectCase{"wrong_root", "<auth><username>x</username></auth>", Errc::kMalformed},
        RejectCase{"doctype",
                   "<?xml version=\"1.0\"?><!DOCTYPE config-auth [<!ENTITY a \"aaaa\">]>"
                   "<config-auth><auth><username>&a;</username></auth></config-auth>",
                   Errc::kMalformed},
        RejectCase{"billion_laughs",
                   "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 "
                   "\"&lol;&lol;&lol;&lol;\">]><config-auth>&lol2;</config-auth>",
                   Errc::kMalformed},
        RejectCase{"lowercase_doctype", "<!doctype x><config-auth/>", Errc::kMalformed},
        RejectCase{"entity_alone", "<config-auth><!ENTITY x \"y\"></config-auth>",
                   Errc::kMalformed},
        RejectCase{"nul_byte", std::string("<config-auth>\0</config-auth>", 28), Errc::kMalformed},
        RejectCase{"oversized",
                   "<config-auth><x>" + std::string(kMaxBodySize, 'a') + "</x></config-auth>",
                   Errc::kTooLarge}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(LooksLikeXmlTest, SniffsTheBody) {
  EXPECT_TRUE(LooksLikeXml(testdata::kOcInit));
  EXPECT_TRUE(LooksLikeXml(" \r\n<config-auth client=\"vpn\">"));
  EXPECT_TRUE(LooksLikeXml("\xEF\xBB\xBF<?xml version=\"1.0\"?>"));
  EXPECT_FALSE(LooksLikeXml(testdata::kLegacyUsernameBody));
  EXPECT_FALSE(LooksLikeXml(""));
  EXPECT_FALSE(LooksLikeXml("<html>"));
}

TEST(LegacyFormBodyTest, RealBodies) {
  auto first = ParseLegacyFormBody(testdata::kLegacyUsernameBody);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->type, ClientMessageType::kAuthReply);
  EXPECT_EQ(first->group_select, "group1");
  EXPECT_EQ(FieldNames(*first), std::vector<std::string>{"username"});
  EXPECT_EQ(first->FindField("username")->reveal(), "test");
  EXPECT_FALSE(first->aggregate_v2);

  auto second = ParseLegacyFormBody(testdata::kLegacyPasswordBody);
  ASSERT_TRUE(second.has_value());
  EXPECT_FALSE(second->group_select.has_value());
  EXPECT_EQ(second->FindField("password")->reveal(), "testpass");
}

TEST(LegacyFormBodyTest, DecodesAndInfersInit) {
  auto msg = ParseLegacyFormBody("username=a+b%26c&password=%3C%3E%25&flag&&group_list=R%26D");
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->FindField("username")->reveal(), "a b&c");
  EXPECT_EQ(msg->FindField("password")->reveal(), "<>%");
  EXPECT_EQ(msg->FindField("flag")->reveal(), "");
  EXPECT_EQ(msg->group_select, "R&D");

  auto empty = ParseLegacyFormBody("");
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->type, ClientMessageType::kInit);
  auto group_only = ParseLegacyFormBody("group_list=g");
  ASSERT_TRUE(group_only.has_value());
  EXPECT_EQ(group_only->type, ClientMessageType::kInit);
}

TEST(LegacyFormBodyTest, Rejects) {
  EXPECT_EQ(ParseLegacyFormBody("password=%4").error().code, Errc::kMalformed);
  EXPECT_EQ(ParseLegacyFormBody("password=%zz").error().code, Errc::kMalformed);
  EXPECT_EQ(ParseLegacyFormBody("=x").error().code, Errc::kMalformed);
  EXPECT_EQ(ParseLegacyFormBody(std::string(kMaxBodySize + 1, 'a')).error().code, Errc::kTooLarge);
}

TEST(ClientMessageTest, FormattingRedactsSecrets) {
  auto msg = ParseClientMessage(testdata::kCiscoAuthReply);
  ASSERT_TRUE(msg.has_value());
  msg->session_token = SecretString("cookie-value-123");
  std::string text = fmt::format("{}", *msg);
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
  EXPECT_EQ(text.find("cookie-value-123"), std::string::npos) << text;
  EXPECT_NE(text.find("password=<redacted:"), std::string::npos) << text;
  EXPECT_NE(text.find("type=auth-reply"), std::string::npos) << text;
}

}  // namespace
}  // namespace sekisho::proto::auth

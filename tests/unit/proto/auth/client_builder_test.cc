#include "proto/auth/client_builder.h"

#include "proto/auth/client_message.h"
#include "unit/proto/auth/trace_bodies.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sekisho::proto::auth {
namespace {

ClientIdentity Openconnect() {
  return ClientIdentity{.version = "v9.01-3",
                        .device_id = "linux-64",
                        .auth_methods = {"single-sign-on-v2", "single-sign-on-external-browser"}};
}

// With openconnect's identity the builders reproduce its bodies byte for byte.
TEST(ClientBuilderTest, MatchesOpenconnectTraces) {
  EXPECT_EQ(BuildInit(Openconnect(), "https://localhost:4443/", std::nullopt), testdata::kOcInit);
  EXPECT_EQ(BuildInit(Openconnect(), "https://localhost:4443/auth", "group2"),
            testdata::kOcInitGroup);
  EXPECT_EQ(BuildAuthReply(Openconnect(), "", {{"username", SecretString("test")}}, "group2"),
            testdata::kOcReplyUsername);
  EXPECT_EQ(
      BuildAuthReply(Openconnect(), "", {{"password", SecretString("testpass")}}, std::nullopt),
      testdata::kOcReplyPassword);
}

TEST(ClientBuilderTest, DefaultIdentityRoundTrip) {
  ClientIdentity identity;
  std::string init = BuildInit(identity, "https://vpn.example.com/", std::nullopt);
  EXPECT_NE(init.find("<capabilities/>"), std::string::npos);
  auto msg = ParseClientMessage(init);
  ASSERT_TRUE(msg.has_value()) << msg.error().ToString();
  EXPECT_EQ(msg->type, ClientMessageType::kInit);
  EXPECT_EQ(msg->client_version, kSekishoClientVersion);
  EXPECT_EQ(msg->device_id, "linux-64");
  EXPECT_TRUE(msg->auth_methods.empty());
  EXPECT_EQ(msg->group_access, "https://vpn.example.com/");
  EXPECT_TRUE(msg->aggregate_v2);
}

TEST(ClientBuilderTest, AuthReplyWithOpaqueRoundTrip) {
  std::string opaque =
      "<opaque is-for=\"sg\"><tunnel-group>TG</tunnel-group><aggauth-handle>1</aggauth-handle>"
      "</opaque>";
  std::string reply = BuildAuthReply(
      Openconnect(), opaque,
      {{"username", SecretString("al<ice>")}, {"password", SecretString("p&ss \"w0rd\"")}}, "R&D");
  // opaque right after capabilities, before auth; group-select last.
  EXPECT_NE(reply.find("</capabilities>" + opaque + "<auth><username>al&lt;ice&gt;</username>"),
            std::string::npos)
      << reply;
  EXPECT_TRUE(reply.ends_with("</auth><group-select>R&amp;D</group-select></config-auth>\n"));
  auto msg = ParseClientMessage(reply);
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->type, ClientMessageType::kAuthReply);
  EXPECT_EQ(msg->FindField("username")->reveal(), "al<ice>");
  EXPECT_EQ(msg->FindField("password")->reveal(), "p&ss \"w0rd\"");
  EXPECT_EQ(msg->group_select, "R&D");
  EXPECT_EQ(msg->opaque_xml, opaque);
  EXPECT_EQ(msg->opaque->tunnel_group, "TG");
}

TEST(ClientBuilderTest, SkipsUnsafeFieldNames) {
  std::string reply = BuildAuthReply(Openconnect(), "",
                                     {{"a><b", SecretString("x")},
                                      {"", SecretString("y")},
                                      {"xmlfoo", SecretString("z")},
                                      {"ok", SecretString("v")}},
                                     std::nullopt);
  EXPECT_NE(reply.find("<auth><ok>v</ok></auth>"), std::string::npos) << reply;
}

TEST(ClientBuilderTest, Logout) {
  std::string logout = BuildLogout(Openconnect(), SecretString("TOK&EN"));
  auto msg = ParseClientMessage(logout);
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->type, ClientMessageType::kLogout);
  EXPECT_EQ(msg->session_token.reveal(), "TOK&EN");
}

TEST(ClientBuilderTest, LegacyFormBody) {
  EXPECT_EQ(BuildLegacyFormBody({{"username", "test"}, {"group_list", "group1"}}),
            testdata::kLegacyUsernameBody);
  EXPECT_EQ(BuildLegacyFormBody({{"password", "testpass"}}), testdata::kLegacyPasswordBody);
  std::string body = BuildLegacyFormBody({{"password", "a b&c=d%+/é"}});
  EXPECT_EQ(body, "password=a%20b%26c%3Dd%25%2B%2F%C3%A9");
  auto msg = ParseLegacyFormBody(body);
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->FindField("password")->reveal(), "a b&c=d%+/é");
}

}  // namespace
}  // namespace sekisho::proto::auth

#include "proto/auth/server_builder.h"

#include "proto/auth/client_builder.h"
#include "proto/auth/client_message.h"
#include "proto/auth/server_message.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sekisho::proto::auth {
namespace {

using ::testing::ElementsAre;

AuthRequest AsaLikeRequest() {
  AuthRequest request;
  request.opaque = Opaque{.tunnel_group = "TG-EMPLOYEES",
                          .group_alias = "Employees",
                          .aggauth_handle = "864640002",
                          .config_hash = "1619719004259",
                          .auth_methods = {"multiple-cert"}};
  request.title = "Login";
  request.message = "Please enter your username and password.";
  request.inputs = {{"text", "username", "Username:", ""},
                    {"password", "password", "Password:", ""}};
  request.group_select = GroupSelect{
      .options = {{"Employees", "Employees", true}, {"Contractors", "Contractors", false}}};
  return request;
}

TEST(ServerBuilderTest, AuthRequestExactLayout) {
  EXPECT_EQ(BuildAuthRequest(AsaLikeRequest()),
            R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="auth-request" aggregate-auth-version="2">
<opaque is-for="sg">
<tunnel-group>TG-EMPLOYEES</tunnel-group>
<aggauth-handle>864640002</aggauth-handle>
<auth-method>multiple-cert</auth-method>
<group-alias>Employees</group-alias>
<config-hash>1619719004259</config-hash>
</opaque>
<auth id="main">
<title>Login</title>
<message>Please enter your username and password.</message>
<form method="post" action="/">
<input type="text" name="username" label="Username:" />
<input type="password" name="password" label="Password:" />
<select name="group_list" label="GROUP:">
<option value="Employees" selected="true">Employees</option>
<option value="Contractors">Contractors</option>
</select>
</form>
</auth>
</config-auth>
)");
}

TEST(ServerBuilderTest, AuthRequestRoundTrip) {
  AuthRequest request = AsaLikeRequest();
  request.error = "Login failed";
  request.form_action = "/auth";
  request.inputs.push_back({"hidden", "h", "", "state&1"});
  auto msg = ParseServerMessage(BuildAuthRequest(request));
  ASSERT_TRUE(msg.has_value()) << msg.error().ToString();
  EXPECT_EQ(msg->type, ServerMessage::kAuthRequest);
  EXPECT_TRUE(msg->aggregate_v2);
  const AuthForm& form = *msg->form;
  EXPECT_EQ(form.title, "Login");
  EXPECT_EQ(form.error, "Login failed");
  EXPECT_EQ(form.action, "/auth");
  ASSERT_EQ(form.fields.size(), 4u);
  EXPECT_EQ(form.fields[2].kind, FormField::kHidden);
  EXPECT_EQ(form.fields[2].value, "state&1");
  EXPECT_EQ(form.fields[3].value, "Employees");

  // The client echoes the opaque block; the gateway decodes it again.
  std::string reply = BuildAuthReply(ClientIdentity{}, msg->opaque_xml,
                                     {{"username", SecretString("alice")}}, "Employees");
  auto echoed = ParseClientMessage(reply);
  ASSERT_TRUE(echoed.has_value());
  ASSERT_TRUE(echoed->opaque.has_value());
  EXPECT_EQ(*echoed->opaque, *request.opaque);
}

TEST(ServerBuilderTest, ExactlyOneOptionSelected) {
  AuthRequest request;
  request.aggregate_v2 = false;
  request.group_select = GroupSelect{.options = {{"a", "A", false}, {"b", "B", false}}};
  std::string xml = BuildAuthRequest(request);
  EXPECT_NE(xml.find("<option value=\"a\" selected=\"true\">A</option>"), std::string::npos);
  EXPECT_EQ(xml.find("aggregate-auth-version"), std::string::npos);

  request.group_select->options = {{"a", "A", false}, {"b", "B", true}, {"c", "C", true}};
  auto msg = ParseServerMessage(BuildAuthRequest(request));
  ASSERT_TRUE(msg.has_value());
  EXPECT_THAT(msg->form->fields[0].options,
              ElementsAre(SelectOption{"a", "A", false}, SelectOption{"b", "B", true},
                          SelectOption{"c", "C", false}));
}

TEST(ServerBuilderTest, EscapesTextAndAttributes) {
  AuthRequest request;
  request.message = "a<b>&\"c'\nline2";
  request.banner =
      "bad\x01"
      "ctl";
  request.form_action = "/x?a=1&b=\"2\"";
  request.inputs = {{"text", "username", "User <name>:", "v\"&"}};
  std::string xml = BuildAuthRequest(request);
  EXPECT_NE(xml.find("<message>a&lt;b&gt;&amp;&quot;c&apos;&#10;line2</message>"),
            std::string::npos);
  EXPECT_NE(xml.find("action=\"/x?a=1&amp;b=&quot;2&quot;\""), std::string::npos);
  auto msg = ParseServerMessage(xml);
  ASSERT_TRUE(msg.has_value()) << msg.error().ToString();
  EXPECT_EQ(msg->form->message, "a<b>&\"c'\nline2");
  EXPECT_EQ(msg->form->banner, "badctl");
  EXPECT_EQ(msg->form->action, "/x?a=1&b=\"2\"");
  EXPECT_EQ(msg->form->fields[0].label, "User <name>:");
  EXPECT_EQ(msg->form->fields[0].value, "v\"&");
}

AuthSuccess FullSuccess() {
  AuthSuccess success;
  success.session_id = "106496";
  success.session_token = SecretString("61D5E0@106496@2C64@1A03");
  success.banner = "Authorised use only.";
  success.server_cert_hash = "D27A5A0A2A917D7B2F3D121DE97B741483F98F2D";
  success.base_package_uri = "/CACHE/stc/1";
  success.profiles = {
      {"/CACHE/stc/profiles/employees.xml", "50A9BCCD6BAF75586A7E706C80E412219D29C57A"}};
  success.core_files = {{.version = "4.10.05095",
                         .id = "VPNCore",
                         .os = "win:6.1.7601",
                         .uri = "binaries/core.msi",
                         .display_name = "AnyConnect Secure Mobility Client",
                         .sha1_hex_upper = ""}};
  success.pkg_version = "4,10,05095";
  return success;
}

TEST(ServerBuilderTest, AuthCompleteExactLayout) {
  EXPECT_EQ(BuildAuthComplete(FullSuccess()),
            R"(<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="complete" aggregate-auth-version="2">
<session-id>106496</session-id>
<session-token>61D5E0@106496@2C64@1A03</session-token>
<auth id="success">
<banner>Authorised use only.</banner>
</auth>
<capabilities>
<crypto-supported>ssl-dhe</crypto-supported>
</capabilities>
<config client="vpn" type="private">
<vpn-base-config>
<base-package-uri>/CACHE/stc/1</base-package-uri>
<server-cert-hash>D27A5A0A2A917D7B2F3D121DE97B741483F98F2D</server-cert-hash>
</vpn-base-config>
<opaque is-for="vpn-client">
<vpn-client-pkg-version><pkgversion>4,10,05095</pkgversion></vpn-client-pkg-version>
<vpn-core-manifest>
<vpn rev="1.0">
<file version="4.10.05095" id="VPNCore" is_core="yes" type="msi" action="install" os="win:6.1.7601">
<uri>binaries/core.msi</uri>
<display-name>AnyConnect Secure Mobility Client</display-name>
</file>
</vpn>
</vpn-core-manifest>
</opaque>
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
)");
}

TEST(ServerBuilderTest, AuthCompleteRoundTrip) {
  AuthSuccess success = FullSuccess();
  success.message = "Welcome";
  auto msg = ParseServerMessage(BuildAuthComplete(success));
  ASSERT_TRUE(msg.has_value()) << msg.error().ToString();
  EXPECT_EQ(msg->type, ServerMessage::kComplete);
  EXPECT_EQ(msg->session_id, "106496");
  EXPECT_EQ(msg->session_token, success.session_token);
  EXPECT_EQ(msg->banner, success.banner);
  EXPECT_EQ(msg->message, "Welcome");
  EXPECT_EQ(msg->server_cert_hash, success.server_cert_hash);
  EXPECT_EQ(msg->base_package_uri, "/CACHE/stc/1");
  EXPECT_THAT(msg->profiles, ElementsAre(ProfileEntry{"/CACHE/stc/profiles/employees.xml",
                                                      "50A9BCCD6BAF75586A7E706C80E412219D29C57A"}));
  EXPECT_THAT(msg->core_files, ElementsAre(ProfileEntry{"binaries/core.msi", ""}));
}

TEST(ServerBuilderTest, CoreManifestFileWithAHashRoundTrips) {
  AuthSuccess success;
  success.server_cert_hash = "AB";
  success.core_files = {{.version = "1.0",
                         .id = "corp.pdf",
                         .is_core = false,
                         .type = "file",
                         .action = "download",
                         .os = "",
                         .uri = "/CACHE/stc/1/downloads/corp.pdf",
                         .display_name = "corp.pdf",
                         .sha1_hex_upper = "0123456789ABCDEF0123456789ABCDEF01234567"}};
  const std::string xml = BuildAuthComplete(success);
  EXPECT_NE(xml.find("<display-name>corp.pdf</display-name>\n<hash type=\"sha1\">"
                     "0123456789ABCDEF0123456789ABCDEF01234567</hash>\n</file>"),
            std::string::npos)
      << xml;
  auto msg = ParseServerMessage(xml);
  ASSERT_TRUE(msg.has_value()) << msg.error().ToString();
  EXPECT_THAT(msg->core_files,
              ElementsAre(ProfileEntry{"/CACHE/stc/1/downloads/corp.pdf",
                                       "0123456789ABCDEF0123456789ABCDEF01234567"}));
}

TEST(ServerBuilderTest, MinimalCompleteOmitsOptionalParts) {
  AuthSuccess success;
  success.server_cert_hash = "AB";
  std::string xml = BuildAuthComplete(success);
  EXPECT_EQ(xml.find("session-token"), std::string::npos);
  EXPECT_EQ(xml.find("vpn-profile-manifest"), std::string::npos);
  EXPECT_EQ(xml.find("vpn-client"), std::string::npos);
  auto msg = ParseServerMessage(xml);
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->type, ServerMessage::kComplete);
  EXPECT_TRUE(msg->session_token.empty());
}

TEST(ServerBuilderTest, FailureAndLogout) {
  std::string failure = BuildAuthFailure("Authentication <failed>.");
  EXPECT_EQ(failure,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<config-auth client=\"vpn\" type=\"complete\" aggregate-auth-version=\"2\">\n"
            "<error id=\"24\" param1=\"\" param2=\"\">Authentication &lt;failed&gt;.</error>\n"
            "</config-auth>\n");
  auto msg = ParseServerMessage(failure);
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->type, ServerMessage::kError);
  EXPECT_EQ(msg->error_text, "Authentication <failed>.");

  EXPECT_EQ(BuildLogoutAck(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<config-auth client=\"vpn\" type=\"complete\" aggregate-auth-version=\"2\">\n"
            "</config-auth>\n");
}

}  // namespace
}  // namespace sekisho::proto::auth

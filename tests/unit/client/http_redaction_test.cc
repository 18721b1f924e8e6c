#include "client/http_redaction.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace sekisho::client {
namespace {

namespace http = proto::http;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(HttpRedactionTest, CookieHeaderKeepsNamesHidesValues) {
  EXPECT_EQ(RedactHeaderValue("Cookie", "webvpn=abc123; webvpnc=bu:/&fu:x"),
            "webvpn=[redacted]; webvpnc=[redacted]");
}

TEST(HttpRedactionTest, SetCookieKeepsAttributes) {
  EXPECT_EQ(RedactHeaderValue("set-cookie", "webvpn=S3CR3T; Secure; HttpOnly"),
            "webvpn=[redacted]; Secure; HttpOnly");
}

TEST(HttpRedactionTest, SecretHeadersByName) {
  EXPECT_EQ(RedactHeaderValue("X-DTLS-Master-Secret", "ABCDEF"), "[redacted]");
  EXPECT_EQ(RedactHeaderValue("X-DTLS-Session-ID", "0011"), "[redacted]");
  EXPECT_EQ(RedactHeaderValue("X-AnyConnect-STRAP-Pubkey", "MFkw"), "[redacted]");
  EXPECT_EQ(RedactHeaderValue("Authorization", "Basic dXNlcg=="), "[redacted]");
  EXPECT_EQ(RedactHeaderValue("X-CSTP-MTU", "1399"), "1399");
  EXPECT_EQ(RedactHeaderValue("X-CSTP-Keepalive", "20"), "20");
  EXPECT_EQ(RedactHeaderValue("User-Agent", "Open AnyConnect"), "Open AnyConnect");
}

TEST(HttpRedactionTest, ClientAuthReplyHidesEveryAnswerButUsername) {
  std::string body =
      "<config-auth><opaque is-for=\"sg\"><auth-handle>77</auth-handle></opaque>"
      "<auth><username>alice</username><password>hunter2</password>"
      "<secondary_password>123456</secondary_password><pin>99</pin></auth>"
      "<group-select>eng</group-select></config-auth>";
  std::string out = RedactXmlBody(body, true);
  EXPECT_THAT(out, HasSubstr("<username>alice</username>"));
  EXPECT_THAT(out, HasSubstr("<password>[redacted]</password>"));
  EXPECT_THAT(out, HasSubstr("<secondary_password>[redacted]</secondary_password>"));
  EXPECT_THAT(out, HasSubstr("<pin>[redacted]</pin>"));
  EXPECT_THAT(out, HasSubstr("<auth-handle>[redacted]</auth-handle>"));
  EXPECT_THAT(out, HasSubstr("<group-select>eng</group-select>"));
  EXPECT_THAT(out, Not(HasSubstr("hunter2")));
  EXPECT_THAT(out, Not(HasSubstr("123456")));
}

TEST(HttpRedactionTest, GatewaySuccessHidesSessionToken) {
  std::string body =
      "<?xml version=\"1.0\"?><config-auth type=\"complete\"><session-id>42</session-id>"
      "<session-token><![CDATA[TOKEN-VALUE]]></session-token><auth id=\"success\">"
      "<message>Welcome</message></auth></config-auth>";
  std::string out = RedactXmlBody(body, false);
  EXPECT_THAT(out, Not(HasSubstr("TOKEN-VALUE")));
  EXPECT_THAT(out, Not(HasSubstr(">42<")));
  EXPECT_THAT(out, HasSubstr("<message>Welcome</message>"));
}

TEST(HttpRedactionTest, UnterminatedTagHidesTheRest) {
  std::string out = RedactXmlBody("<a>x</a><session-token>abc<", false);
  EXPECT_THAT(out, Not(HasSubstr("abc")));
  EXPECT_EQ(RedactXmlBody("<a>ok</a><b attr=\"secret", false), "<a>ok</a>[redacted]");
}

TEST(HttpRedactionTest, DeepNestingIsRedacted) {
  std::string body;
  for (int i = 0; i < 100; ++i) {
    body += "<x>";
  }
  body += "deep";
  EXPECT_THAT(RedactXmlBody(body, false), Not(HasSubstr("deep")));
}

TEST(HttpRedactionTest, FormBodyKeepsOnlyUsernameAndGroup) {
  EXPECT_EQ(RedactFormBody("group_list=eng&username=bob&password=pa%26ss&answer"),
            "group_list=eng&username=bob&password=[redacted]&answer=[redacted]");
}

TEST(HttpRedactionTest, RequestDumpScrubsKnownLiteralsAnywhere) {
  http::HttpRequest request;
  request.method = "POST";
  request.target = "/";
  request.headers = {{"Host", "vpn"}, {"X-Odd", "carries hunter2 inline"}};
  request.body = "plain text hunter2";
  std::string out = RedactedRequestDump(request, {"hunter2", ""});
  EXPECT_THAT(out, HasSubstr("> POST / HTTP/1.1\n"));
  EXPECT_THAT(out, HasSubstr("> Host: vpn\n"));
  EXPECT_THAT(out, Not(HasSubstr("hunter2")));
}

TEST(HttpRedactionTest, ResponseDumpRedactsHeadersAndBody) {
  http::HttpResponse response;
  response.status = 200;
  response.reason = "OK";
  response.headers = {{"Set-Cookie", "webvpn=COOKIE1; Secure"}, {"X-CSTP-Address", "198.18.1.2"}};
  response.body = "<config-auth><session-token>TOK</session-token></config-auth>";
  std::string out = RedactedResponseDump(response, {});
  EXPECT_THAT(out, HasSubstr("< HTTP/1.1 200 OK\n"));
  EXPECT_THAT(out, HasSubstr("< X-CSTP-Address: 198.18.1.2\n"));
  EXPECT_THAT(out, Not(HasSubstr("COOKIE1")));
  EXPECT_THAT(out, Not(HasSubstr("TOK<")));
}

}  // namespace
}  // namespace sekisho::client

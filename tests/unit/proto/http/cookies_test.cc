#include "proto/http/cookies.h"

#include <gtest/gtest.h>

namespace sekisho::proto::http {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(CookiesTest, ParseCookieHeader) {
  EXPECT_EQ(ParseCookieHeader("a=1; b=2"), (Pairs{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(ParseCookieHeader("webvpn=AI3LrTMs0BfPINRCOwubSwmnGp20k3/yWWU13Tzybnc="),
            (Pairs{{"webvpn", "AI3LrTMs0BfPINRCOwubSwmnGp20k3/yWWU13Tzybnc="}}));
  EXPECT_EQ(ParseCookieHeader(" a = 1 ;;b=;noeq; =x;c=d=e"),
            (Pairs{{"a", "1"}, {"b", ""}, {"c", "d=e"}}));
  EXPECT_TRUE(ParseCookieHeader("").empty());
}

TEST(CookiesTest, FindCookieAcrossHeaders) {
  HttpRequest req;
  req.headers = {{"Cookie", "webvpncontext=ctx; other=1"}, {"Host", "x"}, {"cookie", "webvpn=tok"}};
  EXPECT_EQ(FindCookie(req, "webvpn"), "tok");
  EXPECT_EQ(FindCookie(req, "webvpncontext"), "ctx");
  EXPECT_EQ(FindCookie(req, "WEBVPN"), std::nullopt);
  EXPECT_EQ(FindCookie(req, "missing"), std::nullopt);
}

// ocserv 1.1.6 Set-Cookie lines (anyconnect.md §2.3, full trace).
TEST(CookiesTest, ParseOcservSetCookies) {
  Result<SetCookie> c = ParseSetCookie(
      "webvpncontext=AI3LrTMs0BfPINRCOwubSwmnGp20k3/yWWU13Tzybnc=; Max-Age=300; "
      "Secure; HttpOnly");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->name, "webvpncontext");
  EXPECT_EQ(c->value, "AI3LrTMs0BfPINRCOwubSwmnGp20k3/yWWU13Tzybnc=");
  EXPECT_FALSE(c->expired);
  EXPECT_EQ(c->max_age, 300);

  c = ParseSetCookie(
      "webvpncontext=; expires=Thu, 01 Jan 1970 22:00:00 GMT; path=/; Secure; "
      "HttpOnly");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->name, "webvpncontext");
  EXPECT_TRUE(c->expired);

  c = ParseSetCookie(
      "webvpnc=bu:/&p:t&iu:1/&sh:6B735C839F0F132AF1D7B2EEF963A9DF1D025ECD; path=/; "
      "Secure; HttpOnly");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->value, "bu:/&p:t&iu:1/&sh:6B735C839F0F132AF1D7B2EEF963A9DF1D025ECD");
  EXPECT_FALSE(c->expired);

  c = ParseSetCookie("webvpn=tok; Secure; HttpOnly");
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(c->expired);
  EXPECT_EQ(c->max_age, std::nullopt);
}

TEST(CookiesTest, ExpiredForms) {
  EXPECT_TRUE(ParseSetCookie("a=b; Max-Age=0")->expired);
  EXPECT_TRUE(ParseSetCookie("a=b; max-age=-1")->expired);
  EXPECT_TRUE(ParseSetCookie("a=b; Expires=Thu, 01-Jan-1970 00:00:01 GMT")->expired);
  EXPECT_FALSE(ParseSetCookie("a=b; Expires=Wed, 21 Oct 2037 07:28:00 GMT")->expired);
  EXPECT_FALSE(ParseSetCookie("a=b; Max-Age=junk")->expired);
}

TEST(CookiesTest, MalformedSetCookie) {
  EXPECT_EQ(ParseSetCookie("").error().code, Errc::kMalformed);
  EXPECT_EQ(ParseSetCookie("novalue; Secure").error().code, Errc::kMalformed);
  EXPECT_EQ(ParseSetCookie("=v").error().code, Errc::kMalformed);
  // The error context never echoes the value.
  EXPECT_EQ(ParseSetCookie("=secret").error().context.find("secret"), std::string::npos);
}

TEST(CookiesTest, BuildSetCookie) {
  EXPECT_EQ(BuildSetCookie("webvpn", "tok"), "webvpn=tok; Secure; HttpOnly");
  EXPECT_EQ(BuildSetCookie("webvpncontext", "ctx", 300),
            "webvpncontext=ctx; Max-Age=300; Secure; HttpOnly");
  Result<SetCookie> round = ParseSetCookie(BuildSetCookie("webvpncontext", "ctx", 0));
  ASSERT_TRUE(round.has_value());
  EXPECT_TRUE(round->expired);
}

}  // namespace
}  // namespace sekisho::proto::http

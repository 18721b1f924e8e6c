#include "client/cookie_jar.h"

#include <gtest/gtest.h>

namespace sekisho::client {
namespace {

TEST(CookieJarTest, FollowsOcservSetCookies) {
  CookieJar jar;
  EXPECT_TRUE(jar.ApplySetCookie(
      "webvpncontext=; expires=Thu, 01 Jan 1970 22:00:00 GMT; path=/; Secure; HttpOnly"));
  EXPECT_TRUE(jar.empty());
  jar.ApplySetCookie("webvpncontext=AAA=; Max-Age=300; Secure; HttpOnly");
  jar.ApplySetCookie("webvpn=BBB=; Secure; HttpOnly");
  jar.ApplySetCookie("webvpnc=; expires=Thu, 01 Jan 1970 22:00:00 GMT; path=/; Secure; HttpOnly");
  jar.ApplySetCookie("webvpnc=bu:/&p:t&iu:1/; path=/; Secure; HttpOnly");
  EXPECT_EQ(jar.HeaderValue(), "webvpncontext=AAA=; webvpn=BBB=; webvpnc=bu:/&p:t&iu:1/");
  jar.ApplySetCookie("webvpncontext=CCC=; Secure; HttpOnly");  // replaced in place
  EXPECT_EQ(jar.HeaderValue(), "webvpncontext=CCC=; webvpn=BBB=; webvpnc=bu:/&p:t&iu:1/");
  ASSERT_NE(jar.Get("webvpn"), nullptr);
  EXPECT_EQ(jar.Get("webvpn")->reveal(), "BBB=");
  EXPECT_EQ(jar.Get("WEBVPN"), nullptr);  // names are case-sensitive
  jar.ApplySetCookie("webvpn=x; Max-Age=0");
  EXPECT_EQ(jar.Get("webvpn"), nullptr);
  EXPECT_EQ(jar.size(), 2u);
}

TEST(CookieJarTest, MalformedIsIgnored) {
  CookieJar jar;
  EXPECT_FALSE(jar.ApplySetCookie("novalue"));
  EXPECT_FALSE(jar.ApplySetCookie("=x"));
  EXPECT_TRUE(jar.empty());
  EXPECT_EQ(jar.HeaderValue(), "");
}

TEST(CookieJarTest, ApplyResponseAndDirectSet) {
  proto::http::HttpResponse response;
  response.headers.push_back({"Set-Cookie", "a=1"});
  response.headers.push_back({"Content-Type", "text/xml"});
  response.headers.push_back({"set-cookie", "b=2; Secure"});
  CookieJar jar;
  jar.ApplyResponse(response);
  EXPECT_EQ(jar.HeaderValue(), "a=1; b=2");
  jar.Set("a", SecretString());
  EXPECT_EQ(jar.HeaderValue(), "b=2");
  jar.Set("webvpn", SecretString("tok"));
  EXPECT_EQ(jar.HeaderValue(), "b=2; webvpn=tok");
  jar.Clear();
  EXPECT_TRUE(jar.empty());
}

TEST(CookieJarTest, ValuesFormatRedacted) {
  CookieJar jar;
  jar.ApplySetCookie("webvpn=supersecret");
  EXPECT_EQ(fmt::format("{}", *jar.Get("webvpn")).find("supersecret"), std::string::npos);
}

}  // namespace
}  // namespace sekisho::client

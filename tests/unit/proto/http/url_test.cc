#include "proto/http/url.h"

#include <gtest/gtest.h>

namespace sekisho::proto::http {
namespace {

TEST(UrlTest, Parses) {
  Result<Url> u = ParseUrl("https://198.18.0.1:4443/");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "198.18.0.1");
  EXPECT_EQ(u->port, 4443);
  EXPECT_EQ(u->path, "/");
  EXPECT_EQ(HostHeader(*u), "198.18.0.1:4443");
  EXPECT_EQ(u->ToString(), "https://198.18.0.1:4443/");

  u = ParseUrl("HTTPS://vpn.example.com/engineering?x=1#frag");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->path, "/engineering?x=1");
  EXPECT_EQ(HostHeader(*u), "vpn.example.com");
  EXPECT_EQ(u->ToString(), "https://vpn.example.com/engineering?x=1");

  u = ParseUrl("vpn.example.com");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->path, "/");
  EXPECT_EQ(u->ToString(), "https://vpn.example.com/");

  u = ParseUrl("https://vpn.example.com:443");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(HostHeader(*u), "vpn.example.com");

  u = ParseUrl("https://host?q");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->path, "/?q");
}

TEST(UrlTest, Ipv6) {
  Result<Url> u = ParseUrl("https://[2001:db8::1]:8443/x");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->host, "2001:db8::1");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(HostHeader(*u), "[2001:db8::1]:8443");
  EXPECT_EQ(u->ToString(), "https://[2001:db8::1]:8443/x");
  u = ParseUrl("https://[::1]");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(HostHeader(*u), "[::1]");
}

TEST(UrlTest, Rejects) {
  struct Case {
    const char* text;
    Errc code;
  };
  for (const Case& c :
       {Case{"http://vpn.example.com/", Errc::kUnsupported}, Case{"ftp://x", Errc::kUnsupported},
        Case{"", Errc::kMalformed}, Case{"https://", Errc::kMalformed},
        Case{"https:///path", Errc::kMalformed}, Case{"https://host:", Errc::kMalformed},
        Case{"https://host:0", Errc::kMalformed}, Case{"https://host:65536", Errc::kMalformed},
        Case{"https://host:44a", Errc::kMalformed}, Case{"https://user:pw@host/", Errc::kMalformed},
        Case{"https://ho st/", Errc::kMalformed}, Case{"https://host/\r\n", Errc::kMalformed},
        Case{"https://[::1/", Errc::kMalformed}, Case{"https://[]/", Errc::kMalformed},
        Case{"https://[::1]x/", Errc::kMalformed}, Case{"https://[::1]:/", Errc::kMalformed},
        Case{"https://h%41st/", Errc::kMalformed}}) {
    SCOPED_TRACE(c.text);
    Result<Url> u = ParseUrl(c.text);
    ASSERT_FALSE(u.has_value());
    EXPECT_EQ(u.error().code, c.code);
  }
}

}  // namespace
}  // namespace sekisho::proto::http

#include "base/strings.h"

#include <gtest/gtest.h>

namespace sekisho {
namespace {

TEST(StringsTest, TrimSplitCase) {
  EXPECT_EQ(TrimWhitespace("  a b \r\n"), "a b");
  EXPECT_TRUE(EqualsIgnoreCase("X-CSTP-MTU", "x-cstp-mtu"));
  EXPECT_TRUE(StartsWithIgnoreCase("X-DTLS-Port", "x-dtls-"));
  auto parts = Split("a,,b", ',');
  ASSERT_EQ(parts.size(), 3U);
  EXPECT_EQ(parts[1], "");
  EXPECT_EQ(Split("a,,b", ',', true).size(), 2U);
}

TEST(StringsTest, ParseUint) {
  EXPECT_EQ(ParseUint("1406").value(), 1406U);
  EXPECT_FALSE(ParseUint("").has_value());
  EXPECT_FALSE(ParseUint("-1").has_value());
  EXPECT_FALSE(ParseUint("12a").has_value());
  EXPECT_FALSE(ParseUint("70000", 65535).has_value());
  EXPECT_EQ(ParseUint("65535", 65535).value(), 65535U);
  EXPECT_FALSE(ParseUint("99999999999999999999").has_value());
}

TEST(StringsTest, PrintableTextIsAsciiOrUtf8WithoutControls) {
  EXPECT_TRUE(IsPrintableText(""));
  EXPECT_TRUE(IsPrintableText("Sales Team & Partners \\ <EMEA>"));
  EXPECT_TRUE(IsPrintableText("J\xc3\xbcrgen \xe6\x9d\xb1 \xe2\x80\x93"));
  EXPECT_FALSE(IsPrintableText("tab\there"));
  EXPECT_FALSE(IsPrintableText("line\n"));
  EXPECT_FALSE(IsPrintableText("del\x7f"));
  EXPECT_FALSE(IsPrintableText("c1\xc2\x85"));         // NEL
  EXPECT_FALSE(IsPrintableText("cut \xe6\x9d"));       // truncated sequence
  EXPECT_FALSE(IsPrintableText("overlong \xc0\xaf"));  // not well-formed
}

TEST(StringsTest, EscapeForLogKeepsPrintableTextAndUtf8) {
  EXPECT_EQ(EscapeForLog("alice@example.org"), "alice@example.org");
  EXPECT_EQ(EscapeForLog("J\xc3\xbcrgen \xe6\x9d\xb1"), "J\xc3\xbcrgen \xe6\x9d\xb1");
  EXPECT_EQ(EscapeForLog("\xf0\x9f\x94\x91"), "\xf0\x9f\x94\x91");
}

TEST(StringsTest, EscapeForLogEscapesControlsSoNoLineCanBeForged) {
  std::string forged = EscapeForLog("bob\n2026-12-02 12:00:00 [info] user root logged in");
  EXPECT_EQ(forged.find('\n'), std::string::npos);
  EXPECT_EQ(forged, "bob\\x0a2026-12-02 12:00:00 [info] user root logged in");
  EXPECT_EQ(EscapeForLog("a\rb\x1b[31mc\x7f"), "a\\x0db\\x1b[31mc\\x7f");
  EXPECT_EQ(EscapeForLog(std::string_view("a\0b", 3)), "a\\x00b");
  // A backslash is escaped too, so "\\x0a" typed by a peer cannot pass for an escape.
  EXPECT_EQ(EscapeForLog("a\\x0a"), "a\\x5cx0a");
}

TEST(StringsTest, EscapeForLogEscapesMalformedUtf8AndC1Controls) {
  EXPECT_EQ(EscapeForLog("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(EscapeForLog("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(EscapeForLog("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // surrogate
  EXPECT_EQ(EscapeForLog("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // > U+10FFFF
  EXPECT_EQ(EscapeForLog("x\xc3"), "x\\xc3");                           // truncated sequence
  EXPECT_EQ(EscapeForLog("\xc2\x9b"), "\\xc2\\x9b");                    // C1 CSI
}

TEST(StringsTest, EscapeForLogLimitsTheLength) {
  std::string long_name(1000, 'a');
  std::string logged = EscapeForLog(long_name, 16);
  EXPECT_EQ(logged, std::string(16, 'a') + "...(1000 bytes)");
  EXPECT_EQ(EscapeForLog("short", 16), "short");
  EXPECT_EQ(EscapeForLog(long_name).size(), kLogValueMax + std::string("...(1000 bytes)").size());
}

}  // namespace
}  // namespace sekisho

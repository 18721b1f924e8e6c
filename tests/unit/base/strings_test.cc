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

}  // namespace
}  // namespace sekisho

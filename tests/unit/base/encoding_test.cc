#include "base/encoding.h"

#include <gtest/gtest.h>

namespace sekisho {
namespace {

TEST(HexTest, RoundTripAndCase) {
  Bytes data{0xD2, 0x7A, 0x00, 0xff};
  EXPECT_EQ(HexEncode(data), "d27a00ff");
  EXPECT_EQ(HexEncode(data, HexCase::kUpper), "D27A00FF");
  auto decoded = HexDecode("D27a00FF");
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, data);
  EXPECT_FALSE(HexDecode("abc").has_value());
  EXPECT_FALSE(HexDecode("zz").has_value());
}

TEST(Base64Test, KnownVectors) {
  EXPECT_EQ(Base64Encode(AsBytes("")), "");
  EXPECT_EQ(Base64Encode(AsBytes("f")), "Zg==");
  EXPECT_EQ(Base64Encode(AsBytes("fo")), "Zm8=");
  EXPECT_EQ(Base64Encode(AsBytes("foo")), "Zm9v");
  EXPECT_EQ(Base64Encode(AsBytes("foobar")), "Zm9vYmFy");
  for (std::string_view s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    auto decoded = Base64Decode(Base64Encode(AsBytes(s)));
    ASSERT_TRUE(decoded.has_value()) << s;
    EXPECT_EQ(AsChars(*decoded), s);
  }
}

TEST(Base64Test, RejectsBadInput) {
  EXPECT_FALSE(Base64Decode("Zg=").has_value());
  EXPECT_FALSE(Base64Decode("Z=g=").has_value());
  EXPECT_FALSE(Base64Decode("Zm9*").has_value());
  EXPECT_FALSE(Base64Decode("=Zg=").has_value());
}

TEST(PercentTest, DecodeAndEncode) {
  EXPECT_EQ(PercentDecode("group_list=a%20b+c", true).value(), "group_list=a b c");
  EXPECT_EQ(PercentDecode("a+b", false).value(), "a+b");
  EXPECT_FALSE(PercentDecode("%2", false).has_value());
  EXPECT_FALSE(PercentDecode("%", false).has_value());
  EXPECT_FALSE(PercentDecode("%zz", false).has_value());
  EXPECT_EQ(PercentEncode("a b/c%"), "a%20b%2Fc%25");
  EXPECT_EQ(PercentEncode("a b/c", true), "a%20b/c");
}

}  // namespace
}  // namespace sekisho

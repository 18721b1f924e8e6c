#include "base/bytes.h"

#include <gtest/gtest.h>

#include <array>

namespace sekisho {
namespace {

TEST(ByteReaderTest, ReadsBigEndianAndStopsAtEnd) {
  const std::array<std::uint8_t, 7> data{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  ByteReader reader(data);
  std::uint8_t u8 = 0;
  std::uint16_t u16 = 0;
  std::uint32_t u32 = 0;
  ASSERT_TRUE(reader.ReadU8(u8));
  EXPECT_EQ(u8, 0x01);
  ASSERT_TRUE(reader.ReadU16(u16));
  EXPECT_EQ(u16, 0x0203);
  ASSERT_TRUE(reader.ReadU32(u32));
  EXPECT_EQ(u32, 0x04050607U);
  EXPECT_FALSE(reader.ReadU8(u8));
  EXPECT_EQ(reader.remaining(), 0U);
}

TEST(ByteReaderTest, ShortReadLeavesPositionUnchanged) {
  const std::array<std::uint8_t, 3> data{1, 2, 3};
  ByteReader reader(data);
  std::uint32_t u32 = 0;
  EXPECT_FALSE(reader.ReadU32(u32));
  EXPECT_EQ(reader.position(), 0U);
  ByteSpan span;
  EXPECT_FALSE(reader.ReadBytes(4, span));
  EXPECT_TRUE(reader.ReadBytes(3, span));
  EXPECT_EQ(span.size(), 3U);
}

TEST(ByteWriterTest, OverflowWritesNothingMore) {
  std::array<std::uint8_t, 3> buf{};
  ByteWriter writer(buf);
  writer.WriteU16(0xABCD);
  EXPECT_FALSE(writer.overflow());
  writer.WriteU16(0x1234);
  EXPECT_TRUE(writer.overflow());
  EXPECT_EQ(writer.size(), 2U);
  EXPECT_EQ(buf[0], 0xAB);
  EXPECT_EQ(buf[1], 0xCD);
}

TEST(ConstantTimeEqualTest, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEqual(AsBytes("abc"), AsBytes("abc")));
  EXPECT_FALSE(ConstantTimeEqual(AsBytes("abc"), AsBytes("abd")));
  EXPECT_FALSE(ConstantTimeEqual(AsBytes("abc"), AsBytes("ab")));
}

}  // namespace
}  // namespace sekisho

// The IPC envelope: round trips, and every way a hostile peer can break it.
#include "proto/ipc/message.h"

#include "proto/ipc/wire.h"

#include <gtest/gtest.h>

namespace sekisho::proto::ipc {
namespace {

TEST(IpcMessage, RoundTripsTypeIdAndFieldsInOrder) {
  Message message(MessageType::kTunnelStats, 0xA1B2C3D4);
  message.AddU64(7, 0x0102030405060708);
  message.AddString(9, "tls");
  message.AddString(9, "dtls");
  message.AddBytes(10, Bytes{0, 1, 2});
  auto encoded = message.Encode();
  ASSERT_TRUE(encoded);
  EXPECT_EQ(encoded->size(), wire::kHeaderSize + 4 * wire::kFieldHeaderSize + 8 + 3 + 4 + 3);

  auto decoded = Decode(*encoded);
  ASSERT_TRUE(decoded) << decoded.error().ToString();
  EXPECT_EQ(decoded->type(), MessageType::kTunnelStats);
  EXPECT_EQ(decoded->id(), 0xA1B2C3D4u);
  EXPECT_EQ(decoded->FindU64(7), 0x0102030405060708u);
  EXPECT_EQ(decoded->FindAll(9), (std::vector<std::string_view>{"tls", "dtls"}));
  EXPECT_EQ(decoded->StringOr(10), std::string("\0\1\2", 3));
  EXPECT_EQ(decoded->Find(11), nullptr);
  EXPECT_EQ(decoded->StringOr(11, "x"), "x");
}

TEST(IpcMessage, HeaderBytesAreBigEndian) {
  auto encoded = Message(MessageType::kShutdown, 0x01020304).Encode();
  ASSERT_TRUE(encoded);
  EXPECT_EQ(*encoded, (Bytes{wire::kVersion, 0x07, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00}));
}

TEST(IpcMessage, U64OfWrongSizeIsAbsent) {
  Message message(MessageType::kTerminate, 0);
  message.AddString(1, "1234567");  // 7 bytes
  EXPECT_FALSE(message.FindU64(1).has_value());
}

TEST(IpcMessage, RejectsWrongVersionAndUnknownType) {
  Bytes bytes = *Message(MessageType::kShutdown, 1).Encode();
  Bytes wrong_version = bytes;
  wrong_version[0] = 2;
  EXPECT_EQ(Decode(wrong_version).error().code, Errc::kMalformed);
  Bytes unknown_type = bytes;
  unknown_type[1] = 0x7F;
  EXPECT_EQ(Decode(unknown_type).error().code, Errc::kMalformed);
}

TEST(IpcMessage, RejectsTruncationAtEveryLength) {
  Message message(MessageType::kLoginReply, 3);
  message.AddString(1, "hello");
  message.AddU64(2, 42);
  Bytes bytes = *message.Encode();
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto decoded = Decode(ByteSpan(bytes.data(), n));
    ASSERT_FALSE(decoded) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(decoded.error().code, Errc::kMalformed);
  }
  EXPECT_TRUE(Decode(bytes));
}

TEST(IpcMessage, RejectsTrailingBytesAndLyingLengths) {
  Message message(MessageType::kLoginReply, 3);
  message.AddString(1, "abc");
  Bytes bytes = *message.Encode();
  Bytes trailing = bytes;
  trailing.push_back(0);
  EXPECT_EQ(Decode(trailing).error().code, Errc::kMalformed);
  Bytes lying = bytes;
  lying[wire::kHeaderSize + 4] = 0xFF;  // field length 255 with 3 bytes present
  EXPECT_EQ(Decode(lying).error().code, Errc::kMalformed);
}

TEST(IpcMessage, EnforcesSizeAndFieldLimits) {
  Message big(MessageType::kLoginReply, 1);
  big.AddString(1, std::string(wire::kMaxMessageSize, 'x'));
  EXPECT_EQ(big.Encode().error().code, Errc::kTooLarge);

  Message many(MessageType::kLoginReply, 1);
  for (std::size_t i = 0; i <= wire::kMaxFields; ++i) {
    many.AddString(1, "");
  }
  EXPECT_EQ(many.Encode().error().code, Errc::kTooLarge);

  Bytes header = {wire::kVersion, 0x02, 0, 0, 0, 1, 0xFF, 0xFF};  // 65535 fields announced
  EXPECT_EQ(Decode(header).error().code, Errc::kTooLarge);
  Bytes oversized(wire::kMaxMessageSize + 1, 0);
  EXPECT_EQ(Decode(oversized).error().code, Errc::kTooLarge);
}

}  // namespace
}  // namespace sekisho::proto::ipc

#include "proto/cstp/frame.h"

#include "base/encoding.h"

#include <gtest/gtest.h>

#include <string>

namespace sekisho::proto::cstp {
namespace {

Bytes Hex(std::string_view hex) {
  std::optional<Bytes> b = HexDecode(hex);
  EXPECT_TRUE(b.has_value());
  return b.has_value() ? *b : Bytes{};
}

std::string ToHex(ByteSpan b) { return HexEncode(b, HexCase::kLower); }

// anyconnect.md §7.4 example frames.
TEST(CstpFrameTest, ControlFramesMatchRealPeers) {
  EXPECT_EQ(ToHex(DpdRequestFrame()), "5354460100000300");
  EXPECT_EQ(ToHex(EmptyDpdResponseFrame()), "5354460100000400");
  EXPECT_EQ(ToHex(KeepaliveFrame()), "5354460100000700");
  EXPECT_EQ(ToHex(BareDisconnectFrame()), "5354460100000500");
  EXPECT_EQ(ToHex(TerminateFrame()), "5354460100000900");
}

// openconnect's BYE on Ctrl-C, §7.3 [LIVE].
TEST(CstpFrameTest, UserDisconnectMatchesOpenconnect) {
  const Bytes frame = UserDisconnectFrame("Aborted by caller");
  EXPECT_EQ(ToHex(frame), "5354460100120500b0" + ToHex(AsBytes("Aborted by caller")));
  Result<Frame> parsed = ParseRecord(frame);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->type, PacketType::kDisconnect);
  EXPECT_EQ(ClassifyDisconnect(parsed->payload), DisconnectKind::kUser);
  EXPECT_EQ(DisconnectReasonText(parsed->payload), "Aborted by caller");
}

TEST(CstpFrameTest, ClassifyDisconnectAsOcserv) {
  EXPECT_EQ(ClassifyDisconnect({}), DisconnectKind::kTemporary);
  const Bytes user = {0xb0};
  EXPECT_EQ(ClassifyDisconnect(user), DisconnectKind::kUser);
  EXPECT_EQ(DisconnectReasonText(user), "");
  const Bytes other = {0x01, 'x', 0x07};
  EXPECT_EQ(ClassifyDisconnect(other), DisconnectKind::kError);
  EXPECT_EQ(DisconnectReasonText(other), "x?");
}

TEST(CstpFrameTest, DisconnectReasonTextIsBounded) {
  Bytes payload(1000, 'a');
  payload[0] = 0xb0;
  EXPECT_EQ(DisconnectReasonText(payload).size(), 128u);
}

TEST(CstpFrameTest, ParsesDataFrame) {
  const Bytes record =
      Hex("5354460100040000"
          "45000054");
  Result<Frame> f = ParseRecord(record);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->type, PacketType::kData);
  EXPECT_EQ(ToHex(f->payload), "45000054");
  EXPECT_EQ(f->payload.data(), record.data() + kHeaderSize);
}

TEST(CstpFrameTest, DpdResponseEchoesPayload) {
  const Bytes probe = {1, 2, 3};
  const Bytes resp = DpdResponseFrame(probe);
  EXPECT_EQ(ToHex(resp), "5354460100030400010203");
}

TEST(CstpFrameTest, RejectsMalformedRecords) {
  struct Case {
    const char* hex;
    Errc code;
  };
  const Case cases[] = {
      {"", Errc::kMalformed},
      {"53544601000003", Errc::kMalformed},        // 7 bytes
      {"5354460200000300", Errc::kMalformed},      // bad version byte of the magic
      {"4854545000000300", Errc::kMalformed},      // "HTTP"
      {"5354460100000301", Errc::kMalformed},      // byte 7 != 0
      {"535446010001030000", Errc::kUnsupported},  // length ok, but see below
      {"5354460100020000aa", Errc::kMalformed},    // length 2, 1 byte present
      {"5354460100000000aa", Errc::kMalformed},    // length 0, 1 byte present
      {"5354460100000200", Errc::kUnsupported},    // type 2 unused
      {"5354460100000600", Errc::kUnsupported},    // type 6 unused
      {"5354460100000a00", Errc::kUnsupported},    // type 10
      {"5354460100000100", Errc::kUnsupported},    // type 1
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.hex);
    Bytes record = Hex(c.hex);
    if (std::string_view(c.hex) == "535446010001030000") {
      // A DPD request with 1 byte of payload is fine; check it parses.
      Result<Frame> ok = ParseRecord(record);
      ASSERT_TRUE(ok.has_value());
      EXPECT_EQ(ok->type, PacketType::kDpdRequest);
      EXPECT_EQ(ok->payload.size(), 1u);
      continue;
    }
    Result<Frame> f = ParseRecord(record);
    ASSERT_FALSE(f.has_value());
    EXPECT_EQ(f.error().code, c.code);
  }
}

TEST(CstpFrameTest, UnknownTypeNamesTheType) {
  Result<Frame> f = ParseRecord(Hex("5354460100000600"));
  ASSERT_FALSE(f.has_value());
  EXPECT_NE(f.error().context.find("0x06"), std::string::npos);
}

TEST(CstpFrameTest, EncodeFrameInPlace) {
  // The data path: packet read at buf + 8, header written in front, no copy.
  Bytes buf(kHeaderSize + 4);
  buf[8] = 0x45;
  buf[9] = 0x00;
  buf[10] = 0x00;
  buf[11] = 0x04;
  const std::size_t n =
      EncodeFrame(PacketType::kData, ByteSpan(buf).subspan(kHeaderSize), MutableByteSpan(buf));
  ASSERT_EQ(n, buf.size());
  EXPECT_EQ(ToHex(buf), "535446010004000045000004");
}

TEST(CstpFrameTest, EncodeFrameChecksSizes) {
  Bytes out(kHeaderSize + 2);
  const Bytes payload = {1, 2, 3};
  EXPECT_EQ(EncodeFrame(PacketType::kData, payload, out), 0u);
  Bytes big(kMaxPayload + 1);
  Bytes big_out(kHeaderSize + big.size());
  EXPECT_EQ(EncodeFrame(PacketType::kData, big, big_out), 0u);
  Bytes max(kMaxPayload);
  Bytes max_out(kHeaderSize + max.size());
  EXPECT_EQ(EncodeFrame(PacketType::kData, max, max_out), kMaxRecordSize);
  Result<Frame> f = ParseRecord(max_out);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->payload.size(), kMaxPayload);
}

TEST(CstpFrameTest, WriteHeaderRoundTripsAllTypes) {
  for (PacketType t : {PacketType::kData, PacketType::kDpdRequest, PacketType::kDpdResponse,
                       PacketType::kDisconnect, PacketType::kKeepalive, PacketType::kCompressed,
                       PacketType::kTerminate}) {
    std::uint8_t buf[kHeaderSize + 1] = {};
    WriteHeader(buf, t, 1);
    Result<Frame> f = ParseRecord(buf);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->type, t);
    EXPECT_STRNE(PacketTypeName(t), "unknown");
  }
}

TEST(CstpFrameTest, LongDisconnectReasonIsTruncatedToOneRecord) {
  const std::string reason(20000, 'r');
  const Bytes frame = UserDisconnectFrame(reason);
  EXPECT_EQ(frame.size(), kMaxRecordSize);
  EXPECT_TRUE(ParseRecord(frame).has_value());
}

}  // namespace
}  // namespace sekisho::proto::cstp

#include "proto/dtls/payload.h"

#include <gtest/gtest.h>

namespace sekisho::proto::dtls {
namespace {

TEST(DtlsPayloadTest, ParsesKnownTypes) {
  const Bytes data = {0x00, 0x45, 0x00};
  Result<DtlsPacket> p = ParseDtlsPayload(data);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->type, PacketType::kData);
  EXPECT_EQ(p->payload.size(), 2u);
  EXPECT_EQ(p->payload.data(), data.data() + 1);

  // openconnect answers a gateway DPD with the single byte 04 (§8.1).
  const Bytes dpd_resp = {0x04};
  p = ParseDtlsPayload(dpd_resp);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->type, PacketType::kDpdResponse);
  EXPECT_TRUE(p->payload.empty());

  const Bytes bye = {0x05, 0xb0, 'x'};
  p = ParseDtlsPayload(bye);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->type, PacketType::kDisconnect);
}

TEST(DtlsPayloadTest, RejectsEmptyAndUnknown) {
  Result<DtlsPacket> p = ParseDtlsPayload({});
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().code, Errc::kMalformed);
  for (int t : {1, 2, 6, 10, 0x53, 0xff}) {
    const Bytes b = {static_cast<std::uint8_t>(t), 0};
    p = ParseDtlsPayload(b);
    ASSERT_FALSE(p.has_value());
    EXPECT_EQ(p.error().code, Errc::kUnsupported);
  }
}

TEST(DtlsPayloadTest, EncodeInPlace) {
  // MTU probe as openconnect sends it: type 03 followed by padding.
  Bytes buf(1 + 1434, 0xaa);
  const std::size_t n =
      EncodeDtlsPacket(PacketType::kDpdRequest, ByteSpan(buf).subspan(1), MutableByteSpan(buf));
  EXPECT_EQ(n, buf.size());
  EXPECT_EQ(buf[0], 0x03);
  EXPECT_EQ(buf[1], 0xaa);
  Bytes small(3);
  const Bytes payload = {1, 2, 3};
  EXPECT_EQ(EncodeDtlsPacket(PacketType::kData, payload, small), 0u);
  std::uint8_t h = 0xff;
  WriteDtlsHeader(&h, PacketType::kKeepalive);
  EXPECT_EQ(h, 0x07);
}

}  // namespace
}  // namespace sekisho::proto::dtls

#include "proto/cstp/frame_decoder.h"

#include <gtest/gtest.h>

#include <vector>

namespace sekisho::proto::cstp {
namespace {

struct Decoded {
  std::vector<std::pair<PacketType, Bytes>> frames;
  int unsupported = 0;
};

// Feeds `stream` in pieces of `chunk` bytes and collects every frame.
Result<Decoded> DecodeAll(ByteSpan stream, std::size_t chunk) {
  FrameDecoder dec;
  Decoded out;
  while (!stream.empty()) {
    ByteSpan piece = stream.subspan(0, std::min(chunk, stream.size()));
    while (!piece.empty()) {
      SEKISHO_ASSIGN_OR_RETURN(std::size_t n, dec.Feed(piece));
      piece = piece.subspan(n);
      stream = stream.subspan(n);
      if (dec.ready()) {
        Result<Frame> f = dec.Take();
        if (f.has_value()) {
          out.frames.emplace_back(f->type, Bytes(f->payload.begin(), f->payload.end()));
        } else if (f.error().code == Errc::kUnsupported) {
          ++out.unsupported;
        } else {
          return Fail(f.error());
        }
      }
    }
  }
  if (dec.ready()) {
    return Fail(Errc::kInternal, "frame left");
  }
  return out;
}

Bytes Stream() {
  Bytes s;
  auto add = [&s](ByteSpan b) { s.insert(s.end(), b.begin(), b.end()); };
  add(DpdRequestFrame());
  Bytes data(kHeaderSize + 84, 0x45);
  EncodeFrame(PacketType::kData, ByteSpan(data).subspan(kHeaderSize), data);
  add(data);
  const Bytes unknown = {0x53, 0x54, 0x46, 0x01, 0x00, 0x01, 0x06, 0x00, 0xaa};
  add(unknown);
  add(UserDisconnectFrame("Aborted by caller"));
  add(KeepaliveFrame());
  return s;
}

TEST(FrameDecoderTest, AnySplitGivesTheSameFrames) {
  const Bytes stream = Stream();
  for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{8},
                            std::size_t{9}, std::size_t{100}, stream.size()}) {
    SCOPED_TRACE(chunk);
    Result<Decoded> d = DecodeAll(stream, chunk);
    ASSERT_TRUE(d.has_value()) << d.error().ToString();
    ASSERT_EQ(d->frames.size(), 4u);
    EXPECT_EQ(d->unsupported, 1);
    EXPECT_EQ(d->frames[0].first, PacketType::kDpdRequest);
    EXPECT_EQ(d->frames[1].first, PacketType::kData);
    EXPECT_EQ(d->frames[1].second.size(), 84u);
    EXPECT_EQ(d->frames[2].first, PacketType::kDisconnect);
    EXPECT_EQ(d->frames[2].second.size(), 18u);
    EXPECT_EQ(d->frames[3].first, PacketType::kKeepalive);
  }
}

TEST(FrameDecoderTest, StopsAtFrameEnd) {
  const Bytes two = [] {
    Bytes s;
    auto a = DpdRequestFrame();
    auto b = KeepaliveFrame();
    s.insert(s.end(), a.begin(), a.end());
    s.insert(s.end(), b.begin(), b.end());
    return s;
  }();
  FrameDecoder dec;
  Result<std::size_t> n = dec.Feed(two);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, kHeaderSize);
  ASSERT_TRUE(dec.ready());
  // While a frame is pending, nothing more is consumed.
  Result<std::size_t> again = dec.Feed(ByteSpan(two).subspan(kHeaderSize));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, 0u);
  EXPECT_EQ(dec.Take()->type, PacketType::kDpdRequest);
  n = dec.Feed(ByteSpan(two).subspan(kHeaderSize));
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, kHeaderSize);
  EXPECT_EQ(dec.Take()->type, PacketType::kKeepalive);
}

TEST(FrameDecoderTest, BadMagicIsSticky) {
  FrameDecoder dec;
  const Bytes junk = {'H', 'T', 'T', 'P', '/', '1', '.', '1'};
  Result<std::size_t> n = dec.Feed(junk);
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().code, Errc::kMalformed);
  EXPECT_TRUE(dec.failed());
  auto good = KeepaliveFrame();
  Result<std::size_t> later = dec.Feed(good);
  ASSERT_FALSE(later.has_value());
  EXPECT_EQ(later.error().code, Errc::kMalformed);
  Result<std::size_t> empty = dec.Feed({});
  EXPECT_FALSE(empty.has_value());
  dec.Reset();
  EXPECT_TRUE(dec.Feed(good).has_value());
  EXPECT_TRUE(dec.ready());
}

TEST(FrameDecoderTest, BadReservedByte) {
  FrameDecoder dec;
  const Bytes bad = {0x53, 0x54, 0x46, 0x01, 0x00, 0x00, 0x07, 0x01};
  for (std::size_t i = 0; i + 1 < bad.size(); ++i) {
    ASSERT_TRUE(dec.Feed(ByteSpan(bad).subspan(i, 1)).has_value());
  }
  Result<std::size_t> n = dec.Feed(ByteSpan(bad).subspan(bad.size() - 1));
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().code, Errc::kMalformed);
}

TEST(FrameDecoderTest, TooLargePayload) {
  FrameDecoder dec(100);
  const Bytes header = {0x53, 0x54, 0x46, 0x01, 0x00, 0x65, 0x00, 0x00};  // 101 bytes
  Result<std::size_t> n = dec.Feed(header);
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().code, Errc::kTooLarge);

  FrameDecoder full;
  const Bytes max_header = {0x53, 0x54, 0x46, 0x01, 0xff, 0xff, 0x00, 0x00};
  EXPECT_EQ(full.Feed(max_header).error().code, Errc::kTooLarge);
}

TEST(FrameDecoderTest, TakeWithoutFrameIsAnError) {
  FrameDecoder dec;
  EXPECT_FALSE(dec.Take().has_value());
}

}  // namespace
}  // namespace sekisho::proto::cstp

#include "proto/ctl/codec.h"

#include "proto/ctl/wire.h"

#include <gtest/gtest.h>

namespace sekisho::proto::ctl {
namespace {

// Strips the 4-byte length prefix after checking it.
Bytes Payload(const Bytes& frame) {
  EXPECT_GE(frame.size(), wire::kLengthPrefixSize);
  std::size_t len = (std::size_t{frame[0]} << 24) | (std::size_t{frame[1]} << 16) |
                    (std::size_t{frame[2]} << 8) | frame[3];
  EXPECT_EQ(len, frame.size() - wire::kLengthPrefixSize);
  return Bytes(frame.begin() + wire::kLengthPrefixSize, frame.end());
}

SessionInfo SampleSession(std::uint64_t id) {
  SessionInfo s;
  s.id = id;
  s.user = "alice";
  s.group = "staff";
  s.peer = "198.51.100.7:50123";
  s.vpn_ipv4 = "10.0.0.2";
  s.connected_for_s = 3600;
  s.bytes_in = 12345;
  s.bytes_out = 1ULL << 40;
  s.channel = "dtls";
  s.state = "connected";
  s.dropped_spoofed = 42;
  return s;
}

TEST(CtlCodecTest, DisconnectRequestHasDocumentedBytes) {
  auto frame = EncodeRequest(DisconnectRequest{0x0102030405060708ULL});
  ASSERT_TRUE(frame.has_value());
  const Bytes expected = {0x00, 0x00, 0x00, 0x0e,  // length 14
                          0x01, 0x03, 0x00,        // version, Disconnect, status
                          0x01, 0x00, 0x08,        // tag session id, length 8
                          0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
  EXPECT_EQ(*frame, expected);
}

TEST(CtlCodecTest, RequestsRoundTrip) {
  for (const Request& r : {Request(ShowStatusRequest{}), Request(ShowSessionsRequest{}),
                           Request(DisconnectRequest{42}), Request(ShowBansRequest{}),
                           Request(UnbanRequest{BanScope::kAddress, "198.51.100.7"}),
                           Request(UnbanRequest{BanScope::kUser, "alice"})}) {
    auto frame = EncodeRequest(r);
    ASSERT_TRUE(frame.has_value());
    auto decoded = DecodeRequest(Payload(*frame));
    ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
    EXPECT_EQ(*decoded, r);
  }
}

TEST(CtlCodecTest, ResponsesRoundTrip) {
  StatusInfo info;
  info.server_version = "sekisho 0.1.0";
  info.uptime_s = 86400;
  info.sessions_active = 2;
  info.bytes_in = 1;
  info.bytes_out = UINT64_MAX;
  info.pools = {{"staff", "10.0.0.0/24", 2, 253}, {"guests", "10.1.0.0/16", 0, 65533}};
  std::vector<Response> cases = {
      StatusResponse{info},
      SessionsResponse{{SampleSession(1), SampleSession(2)}},
      SessionsResponse{},
      DisconnectResponse{Status::kOk},
      DisconnectResponse{Status::kNotFound},
      ErrorResponse{Status::kUnsupportedVersion, "version 9"},
      BansResponse{},
      BansResponse{
          {{BanScope::kAddress, "2001:db8:1:2::/64", 12, 60}, {BanScope::kUser, "alice", 10, 899}}},
      UnbanResponse{Status::kOk},
      UnbanResponse{Status::kNotFound},
  };
  for (const Response& r : cases) {
    auto frame = EncodeResponse(r);
    ASSERT_TRUE(frame.has_value());
    auto decoded = DecodeResponse(Payload(*frame));
    ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
    EXPECT_EQ(*decoded, r);
  }
}

TEST(CtlCodecTest, UnbanRequestHasDocumentedBytes) {
  auto frame = EncodeRequest(UnbanRequest{BanScope::kUser, "al"});
  ASSERT_TRUE(frame.has_value());
  const Bytes expected = {0x00, 0x00, 0x00, 0x13,               // length 19
                          0x01, 0x05, 0x00,                     // version, Unban, status
                          0x51, 0x00, 0x08,                     // tag ban scope, length 8
                          0,    0,    0,    0,    0,  0, 0, 1,  // user
                          0x52, 0x00, 0x02, 'a',  'l'};         // tag ban key "al"
  EXPECT_EQ(*frame, expected);
}

TEST(CtlCodecTest, UnbanNeedsAKnownScopeAndAKey) {
  // No key.
  EXPECT_EQ(
      DecodeRequest(Bytes{0x01, 0x05, 0x00, 0x51, 0x00, 0x08, 0, 0, 0, 0, 0, 0, 0, 1}).error().code,
      Errc::kMalformed);
  // Scope 2 does not exist.
  EXPECT_EQ(DecodeRequest(Bytes{0x01, 0x05, 0x00, 0x51, 0x00, 0x08, 0, 0, 0, 0, 0, 0, 0, 2, 0x52,
                                0x00, 0x01, 'x'})
                .error()
                .code,
            Errc::kMalformed);
  // No scope.
  EXPECT_FALSE(DecodeRequest(Bytes{0x01, 0x05, 0x00, 0x52, 0x00, 0x01, 'x'}).has_value());
}

TEST(CtlCodecTest, UnknownFieldsAreSkipped) {
  Bytes payload = {wire::kVersion,
                   wire::kTypeDisconnect,
                   0x00,
                   0x7e,
                   0x00,
                   0x02,
                   0xaa,
                   0xbb,  // unknown tag
                   0x01,
                   0x00,
                   0x08,
                   0,
                   0,
                   0,
                   0,
                   0,
                   0,
                   0,
                   9};
  auto decoded = DecodeRequest(payload);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(std::get<DisconnectRequest>(*decoded).session_id, 9u);
}

TEST(CtlCodecTest, RejectsBadInput) {
  EXPECT_EQ(DecodeRequest(Bytes{0x01, 0x01}).error().code, Errc::kMalformed);
  EXPECT_EQ(DecodeRequest(Bytes{0x02, 0x01, 0x00}).error().code, Errc::kUnsupported);
  auto unknown = DecodeRequest(Bytes{0x01, 0x55, 0x00});
  EXPECT_EQ(unknown.error().code, Errc::kMalformed);
  EXPECT_EQ(unknown.error().context.rfind("unknown type", 0), 0u);
  // Responses are not requests.
  EXPECT_FALSE(DecodeRequest(Bytes{0x01, wire::kTypeStatus, 0x00}).has_value());
  // Truncated field.
  EXPECT_EQ(DecodeRequest(Bytes{0x01, 0x03, 0x00, 0x01, 0x00, 0x08, 0x00}).error().code,
            Errc::kMalformed);
  // Integer of the wrong width.
  EXPECT_EQ(DecodeRequest(Bytes{0x01, 0x03, 0x00, 0x01, 0x00, 0x01, 0x05}).error().code,
            Errc::kMalformed);
  // Disconnect without an id.
  EXPECT_EQ(DecodeRequest(Bytes{0x01, 0x03, 0x00}).error().code, Errc::kMalformed);
  // Truncated nested record.
  EXPECT_FALSE(DecodeResponse(Bytes{0x01, wire::kTypeSessions, 0x00, wire::kTagSession, 0x00, 0x03,
                                    0x31, 0x00, 0x05})
                   .has_value());
}

TEST(CtlCodecTest, EncoderRefusesOversizedFields) {
  SessionInfo s = SampleSession(1);
  s.user.assign(70000, 'x');
  EXPECT_EQ(EncodeResponse(SessionsResponse{{s}}).error().code, Errc::kTooLarge);
  // A message over 1 MiB made of legal records.
  SessionInfo big = SampleSession(2);
  big.state.assign(60000, 's');
  EXPECT_EQ(EncodeResponse(SessionsResponse{std::vector<SessionInfo>(20, big)}).error().code,
            Errc::kTooLarge);
}

TEST(FrameDecoderTest, ByteAtATimeAndBackToBack) {
  Bytes stream;
  for (std::uint64_t id : {7u, 8u}) {
    auto f = EncodeRequest(DisconnectRequest{id});
    stream.insert(stream.end(), f->begin(), f->end());
  }
  FrameDecoder d;
  std::vector<std::uint64_t> ids;
  for (std::uint8_t b : stream) {
    auto n = d.Feed(ByteSpan(&b, 1));
    ASSERT_TRUE(n.has_value());
    ASSERT_EQ(*n, 1u);
    if (d.has_frame()) {
      auto r = DecodeRequest(d.frame());
      ASSERT_TRUE(r.has_value());
      ids.push_back(std::get<DisconnectRequest>(*r).session_id);
      d.Pop();
    }
  }
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{7, 8}));
  EXPECT_FALSE(d.in_progress());
}

TEST(FrameDecoderTest, StopsAtFrameBoundary) {
  Bytes stream;
  for (int i = 0; i < 2; ++i) {
    auto f = EncodeRequest(ShowStatusRequest{});
    stream.insert(stream.end(), f->begin(), f->end());
  }
  FrameDecoder d;
  auto n = d.Feed(stream);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, stream.size() / 2);
  EXPECT_TRUE(d.has_frame());
  EXPECT_EQ(*d.Feed(ByteSpan(stream).subspan(*n)), 0u);  // must Pop() first
  d.Pop();
  EXPECT_EQ(*d.Feed(ByteSpan(stream).subspan(*n)), stream.size() / 2);
  EXPECT_TRUE(d.has_frame());
}

TEST(FrameDecoderTest, RejectsOversizedAndTinyFrames) {
  FrameDecoder big;
  EXPECT_EQ(big.Feed(Bytes{0x00, 0x10, 0x00, 0x01}).error().code, Errc::kTooLarge);
  EXPECT_FALSE(big.Feed(Bytes{0x00}).has_value());  // sticky
  FrameDecoder tiny;
  EXPECT_EQ(tiny.Feed(Bytes{0x00, 0x00, 0x00, 0x02}).error().code, Errc::kMalformed);
  FrameDecoder max;
  EXPECT_TRUE(max.Feed(Bytes{0x00, 0x10, 0x00, 0x00}).has_value());
}

}  // namespace
}  // namespace sekisho::proto::ctl

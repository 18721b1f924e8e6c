#include "proto/dtls/client_hello.h"

#include "base/encoding.h"
#include "trace_data.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace sekisho::proto::dtls {
namespace {

Bytes Hex(std::string_view hex) {
  std::optional<Bytes> b = HexDecode(hex);
  EXPECT_TRUE(b.has_value());
  return b.value_or(Bytes{});
}

std::string Id(ByteSpan datagram) {
  std::optional<ByteSpan> id = ExtractClientHelloSessionId(datagram);
  return id ? HexEncode(*id, HexCase::kLower) : "none";
}

TEST(ClientHelloTest, PskClientHelloCarriesAppId) {
  const Bytes hello = Hex(testdata::kPskClientHello);
  ASSERT_EQ(hello.size(), 168u);
  EXPECT_EQ(Id(hello), "ea9cd3a2d42d6c81068fc11e46820c949f5b173ca2f8423772c235ddd1fef146");
}

TEST(ClientHelloTest, Dtls09ClientHelloCarriesSessionId) {
  const Bytes hello = Hex(testdata::kDtls09ClientHello);
  ASSERT_EQ(hello.size(), 116u);
  EXPECT_EQ(Id(hello), "c9df19e11684645601cad254b2e17822786a1ecbee0552c5dd0e5ed918a3ec1d");
}

TEST(ClientHelloTest, RejectsOtherHandshakeMessages) {
  EXPECT_EQ(Id(Hex(testdata::kPskServerHello)), "none");
  EXPECT_EQ(Id(Hex(testdata::kDtls09ChangeCipherSpec)), "none");
}

TEST(ClientHelloTest, RejectsEveryTruncation) {
  const Bytes hello = Hex(testdata::kPskClientHello);
  for (std::size_t len = 0; len < hello.size(); ++len) {
    // Cutting the datagram makes the record length inconsistent.
    EXPECT_EQ(Id(ByteSpan(hello).subspan(0, len)), "none") << len;
  }
}

TEST(ClientHelloTest, ChecksFieldsAndLengths) {
  const Bytes good = Hex(testdata::kDtls09ClientHello);
  {
    Bytes b = good;
    b[0] = 0x17;  // application data
    EXPECT_EQ(Id(b), "none");
  }
  {
    Bytes b = good;
    b[kSessionIdLengthOffset] = 33;
    EXPECT_EQ(Id(b), "none");
  }
  {
    Bytes b = good;
    b[12] = static_cast<std::uint8_t>(b[12] + 1);  // record longer than the datagram
    EXPECT_EQ(Id(b), "none");
  }
  {
    Bytes b = good;
    b[21] = 1;  // fragment_offset != 0
    EXPECT_EQ(Id(b), "none");
  }
  {
    Bytes b = good;
    b[kSessionIdLengthOffset] = 0;  // empty session id and no extension
    EXPECT_EQ(Id(b), "none");
  }
  {
    // Trailing bytes after the record (another record in the same datagram) are fine.
    Bytes b = good;
    b.push_back(0x00);
    EXPECT_EQ(Id(b), "c9df19e11684645601cad254b2e17822786a1ecbee0552c5dd0e5ed918a3ec1d");
  }
}

// Builds a ClientHello with an empty session_id and an ApplicationID extension, the way
// older openconnect builds did in PSK mode (anyconnect.md §8.3).
Bytes HelloWithAppIdExtension(std::uint8_t id_len, std::uint8_t sid_len) {
  Bytes body;
  body.push_back(0xfe);
  body.push_back(0xfd);
  body.insert(body.end(), 32, 0x11);  // random
  body.push_back(sid_len);
  body.insert(body.end(), sid_len, 0x22);
  body.push_back(0);  // cookie
  const Bytes suites = {0x00, 0x02, 0x00, 0xa9};
  body.insert(body.end(), suites.begin(), suites.end());
  body.push_back(1);
  body.push_back(0);  // null compression
  Bytes ext;
  const Bytes other = {0xff, 0x01, 0x00, 0x01, 0x00};  // renegotiation_info
  ext.insert(ext.end(), other.begin(), other.end());
  ext.push_back(0xbb);
  ext.push_back(0x92);
  ext.push_back(0);
  ext.push_back(static_cast<std::uint8_t>(id_len + 1));
  ext.push_back(id_len);
  for (std::uint8_t i = 0; i < id_len; ++i) {
    ext.push_back(i);
  }
  body.push_back(static_cast<std::uint8_t>(ext.size() >> 8));
  body.push_back(static_cast<std::uint8_t>(ext.size()));
  body.insert(body.end(), ext.begin(), ext.end());

  Bytes hs = {0x01,
              0,
              static_cast<std::uint8_t>(body.size() >> 8),
              static_cast<std::uint8_t>(body.size()),
              0,
              0,
              0,
              0,
              0,
              0,
              static_cast<std::uint8_t>(body.size() >> 8),
              static_cast<std::uint8_t>(body.size())};
  hs.insert(hs.end(), body.begin(), body.end());
  Bytes rec = {0x16,
               0xfe,
               0xff,
               0,
               0,
               0,
               0,
               0,
               0,
               0,
               0,
               static_cast<std::uint8_t>(hs.size() >> 8),
               static_cast<std::uint8_t>(hs.size())};
  rec.insert(rec.end(), hs.begin(), hs.end());
  return rec;
}

TEST(ClientHelloTest, ApplicationIdExtension) {
  EXPECT_EQ(Id(HelloWithAppIdExtension(32, 0)),
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  // ocserv prefers the extension over a session_id when both are present.
  EXPECT_EQ(Id(HelloWithAppIdExtension(32, 32)).substr(0, 4), "0001");
  // An empty ApplicationID is invalid: fall back to the session id (empty -> none).
  EXPECT_EQ(Id(HelloWithAppIdExtension(0, 0)), "none");
  EXPECT_EQ(Id(HelloWithAppIdExtension(0, 32)), std::string(64, '2'));
}

}  // namespace
}  // namespace sekisho::proto::dtls

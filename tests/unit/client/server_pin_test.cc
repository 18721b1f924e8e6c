#include "client/server_pin.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace sekisho::client {
namespace {

using ::testing::HasSubstr;

// The pins of the live run in anyconnect.md §1.4.
constexpr const char* kFullPin = "pin-sha256:nuNMGKV5//+3MExIXjndUYXj/XskmuSa2v0BhmNnXmI=";
constexpr const char* kCertSha1 = "d27a5a0a2a917d7b2f3d121de97b741483f98f2d";

TEST(ServerPinTest, FullHashesAreAccepted) {
  EXPECT_TRUE(CheckServerPin(kFullPin));
  EXPECT_TRUE(CheckServerPin("pin-sha256:nuNMGKV5//+3MExIXjndUYXj/XskmuSa2v0BhmNnXmI"));
  EXPECT_TRUE(CheckServerPin(kCertSha1));
  EXPECT_TRUE(CheckServerPin(std::string("SHA1:") + kCertSha1));
  EXPECT_TRUE(CheckServerPin("sha256:" + std::string(64, 'A')));
}

TEST(ServerPinTest, PrefixesOfAtLeast128BitsAreAccepted) {
  EXPECT_TRUE(CheckServerPin(std::string(kCertSha1).substr(0, 32)));
  EXPECT_TRUE(CheckServerPin("sha256:" + std::string(32, 'f')));
  EXPECT_TRUE(CheckServerPin("sha1:" + std::string(33, '0')));
}

TEST(ServerPinTest, ShortHexPrefixesAreRefused) {
  for (std::string pin : {std::string("d27a"), std::string(kCertSha1).substr(0, 31),
                          "sha256:" + std::string(16, 'a'), std::string("sha1:d27a5a0a")}) {
    auto checked = CheckServerPin(pin);
    ASSERT_FALSE(checked) << pin;
    EXPECT_EQ(checked.error().code, Errc::kConfig);
    EXPECT_THAT(checked.error().context, HasSubstr("--servercert " + pin));
    EXPECT_THAT(checked.error().context, HasSubstr("at least 32 (128 bits)"));
  }
  EXPECT_THAT(CheckServerPin("d27a").error().context, HasSubstr("only 16 bits"));
}

TEST(ServerPinTest, PartialBase64PinsAreRefused) {
  auto checked = CheckServerPin("pin-sha256:nuNM");
  ASSERT_FALSE(checked);
  EXPECT_THAT(checked.error().context, HasSubstr("must be the full hash (44 characters)"));
  EXPECT_FALSE(CheckServerPin("pin-sha256:nuNMGKV5//+3MExIXjndUYXj/XskmuSa2v0Bhm"));
  EXPECT_FALSE(CheckServerPin(std::string(kFullPin) + "A"));
}

TEST(ServerPinTest, MalformedPinsAreRefused) {
  EXPECT_THAT(CheckServerPin("md5:" + std::string(32, 'a')).error().context,
              HasSubstr("unknown pin form"));
  EXPECT_THAT(CheckServerPin("sha256:" + std::string(31, 'a') + "g").error().context,
              HasSubstr("hex digits without separators"));
  EXPECT_THAT(CheckServerPin(std::string(kCertSha1) + "00").error().context,
              HasSubstr("longer than the hash"));
  EXPECT_FALSE(CheckServerPin("pin-sha256:nuNMGKV5//+3MExIXjndUYXj/XskmuSa2v0BhmNnXm!="));
  EXPECT_FALSE(CheckServerPin("PIN-SHA256:nuNMGKV5//+3MExIXjndUYXj/XskmuSa2v0BhmNnXmI="));
  EXPECT_FALSE(CheckServerPin(""));
}

}  // namespace
}  // namespace sekisho::client

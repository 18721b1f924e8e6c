#include "base/redacted.h"

#include <gtest/gtest.h>

namespace sekisho {
namespace {

TEST(RedactedTest, FormattingNeverShowsTheSecret) {
  SecretString password("hunter2-very-secret");
  std::string text = fmt::format("password={}", password);
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  EXPECT_NE(text.find("<redacted:"), std::string::npos);
  EXPECT_EQ(password.reveal(), "hunter2-very-secret");
}

TEST(RedactedTest, FingerprintsTellValuesApartWithinTheProcess) {
  EXPECT_NE(fmt::format("{}", SecretString("a")), fmt::format("{}", SecretString("b")));
  EXPECT_EQ(fmt::format("{}", SecretString("a")), fmt::format("{}", SecretString("a")));
}

TEST(RedactedTest, TheFingerprintDependsOnTheKey) {
  SipHashKey zero{};
  SipHashKey other{};
  other[0] = 1;
  ByteSpan secret = AsBytes("1234");
  EXPECT_NE(KeyedFingerprint(zero, secret), KeyedFingerprint(other, secret));
  EXPECT_EQ(KeyedFingerprint(zero, secret), static_cast<std::uint32_t>(SipHash24(zero, secret)));
}

// The unkeyed FNV fingerprint this replaced: anyone could recompute it for every short
// password and match the log. The process key makes the printed value unpredictable (a chance
// match has probability 2^-32 per value).
std::uint32_t OldUnkeyedFingerprint(ByteSpan data) {
  std::uint32_t hash = 2166136261U;
  for (std::uint8_t b : data) {
    hash ^= b;
    hash *= 16777619U;
  }
  hash ^= hash >> 15;
  hash *= 0x2c1b3c6dU;
  hash ^= hash >> 12;
  return hash;
}

TEST(RedactedTest, TheLoggedFingerprintIsNotComputableWithoutTheProcessKey) {
  for (std::string_view guess : {"1234", "hunter2", "password"}) {
    ByteSpan bytes = AsBytes(guess);
    std::uint32_t logged = SecretFingerprint(bytes);
    EXPECT_NE(logged, OldUnkeyedFingerprint(bytes)) << guess;
    EXPECT_NE(logged, KeyedFingerprint(SipHashKey{}, bytes)) << guess;
    EXPECT_EQ(fmt::format("{}", SecretString(std::string(guess))),
              fmt::format("<redacted:{:08x}>", logged));
  }
}

}  // namespace
}  // namespace sekisho

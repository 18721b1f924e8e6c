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

TEST(RedactedTest, FingerprintsTellValuesApart) {
  EXPECT_NE(fmt::format("{}", SecretString("a")), fmt::format("{}", SecretString("b")));
  EXPECT_EQ(fmt::format("{}", SecretString("a")), fmt::format("{}", SecretString("a")));
}

}  // namespace
}  // namespace sekisho

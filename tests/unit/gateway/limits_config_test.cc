// [limits] (docs/config.md): defaults, ranges and the checks between the limits.
#include "gateway/config.h"
#include "unit/gateway/minimal_config.h"

#include <gtest/gtest.h>

#include <string>

namespace sekisho::gateway {
namespace {

constexpr std::string_view kBase = test_configs::kMinimalConfig;

Result<GatewayConfig> ParseWith(std::string_view limits) {
  return ParseConfig(std::string(kBase) + "[limits]\n" + std::string(limits),
                     "/etc/sekisho/sekishod.toml");
}

TEST(LimitsConfigTest, DefaultsAreSet) {
  auto config = ParseConfig(kBase, "/etc/sekisho/sekishod.toml");
  ASSERT_TRUE(config) << config.error().ToString();
  const LimitsConfig& l = config->limits;
  EXPECT_EQ(l.max_connections, 4096u);
  EXPECT_EQ(l.max_prelogin, 1024u);
  EXPECT_EQ(l.max_handshakes, 512u);
  EXPECT_EQ(l.max_per_address, 64u);
  EXPECT_EQ(l.max_login_contexts, 10000u);
  EXPECT_EQ(l.max_unsent_kib, 1024u);
  EXPECT_NE(DescribeConfig(*config).find("4096 connections"), std::string::npos);
}

TEST(LimitsConfigTest, ReadsEveryKey) {
  auto config = ParseWith(
      "max_connections = 100\nmax_prelogin = 50\nmax_handshakes = 20\nmax_per_address = 5\n"
      "max_login_contexts = 200\nmax_unsent_kib = 256\n");
  ASSERT_TRUE(config) << config.error().ToString();
  EXPECT_EQ(config->limits.max_connections, 100u);
  EXPECT_EQ(config->limits.max_prelogin, 50u);
  EXPECT_EQ(config->limits.max_handshakes, 20u);
  EXPECT_EQ(config->limits.max_per_address, 5u);
  EXPECT_EQ(config->limits.max_login_contexts, 200u);
  EXPECT_EQ(config->limits.max_unsent_kib, 256u);
}

TEST(LimitsConfigTest, BadValuesAreReportedWithTheirLine) {
  auto zero = ParseWith("max_connections = 0\n");
  ASSERT_FALSE(zero);
  EXPECT_NE(zero.error().context.find("limits.max_connections must be between 1"),
            std::string::npos)
      << zero.error().context;
  auto nested = ParseWith("max_connections = 10\nmax_prelogin = 20\n");
  ASSERT_FALSE(nested);
  EXPECT_NE(nested.error().context.find("limits.max_prelogin (20) must not exceed "
                                        "limits.max_connections (10)"),
            std::string::npos)
      << nested.error().context;
  EXPECT_NE(nested.error().context.find("sekishod.toml:"), std::string::npos);
  EXPECT_FALSE(ParseWith("max_handshakes = 2000\n"));  // above the default max_prelogin
  EXPECT_FALSE(ParseWith("max_unsent_kib = 1\n"));
  EXPECT_FALSE(ParseWith("max_login_contexts = \"many\"\n"));
  EXPECT_FALSE(ParseWith("max_conections = 10\n"));  // a typo is an unknown key
}

}  // namespace
}  // namespace sekisho::gateway

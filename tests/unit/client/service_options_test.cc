#include "client/service_options.h"

#include <gtest/gtest.h>

namespace sekisho::client {
namespace {

TEST(ServiceOptionsTest, ReportedOsAcceptsOpenconnectsSet) {
  for (const char* os : {"linux", "linux-64", "win", "mac-intel", "android", "apple-ios"}) {
    EXPECT_EQ(*CheckReportedOs(os), os);
  }
  EXPECT_FALSE(CheckReportedOs("windows").has_value());
  EXPECT_FALSE(CheckReportedOs("").has_value());
  EXPECT_FALSE(CheckReportedOs("Linux").has_value());
}

TEST(ServiceOptionsTest, MtuBounds) {
  EXPECT_TRUE(CheckMtuOption("--mtu", 576).has_value());
  EXPECT_TRUE(CheckMtuOption("--mtu", 1400).has_value());
  EXPECT_FALSE(CheckMtuOption("--mtu", 575).has_value());
  EXPECT_FALSE(CheckMtuOption("--base-mtu", 70000).has_value());
}

TEST(ServiceOptionsTest, MtuRequestDefaultsAndOverrides) {
  MtuRequest def = PlanMtuRequest(std::nullopt, std::nullopt, false);
  EXPECT_EQ(def.base_mtu, 1500U);
  EXPECT_EQ(def.mtu, 1500U - 82 - 8 - 20);
  MtuRequest base = PlanMtuRequest(1300, std::nullopt, false);
  EXPECT_EQ(base.base_mtu, 1300U);
  EXPECT_EQ(base.mtu, 1300U - 82 - 8 - 20);
  MtuRequest both = PlanMtuRequest(1400, 1200, true);
  EXPECT_EQ(both.base_mtu, 1400U);
  EXPECT_EQ(both.mtu, 1200U);
}

TEST(ServiceOptionsTest, ReconnectBudget) {
  EXPECT_EQ(ReconnectBudgetSeconds(std::nullopt, std::nullopt), 300U);
  EXPECT_EQ(ReconnectBudgetSeconds(std::nullopt, 60), 60U);
  EXPECT_EQ(ReconnectBudgetSeconds(5, 600), 5U);
  EXPECT_EQ(ReconnectBudgetSeconds(0, 600), 0U);
}

TEST(ServiceOptionsTest, HeaderValues) {
  EXPECT_TRUE(CheckHeaderValueOption("--useragent", "AnyConnect Windows 4.10").has_value());
  EXPECT_FALSE(CheckHeaderValueOption("--useragent", "").has_value());
  EXPECT_FALSE(CheckHeaderValueOption("--useragent", "a\r\nX-Evil: 1").has_value());
  EXPECT_FALSE(CheckHeaderValueOption("--local-hostname", "h\xc3\xa9").has_value());
}

}  // namespace
}  // namespace sekisho::client

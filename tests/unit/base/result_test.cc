#include "base/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace sekisho {
namespace {

Result<int> Half(int v) {
  if (v % 2 != 0) {
    return Fail(Errc::kInvalidArgument, "odd");
  }
  return v / 2;
}

Result<int> Quarter(int v) {
  SEKISHO_ASSIGN_OR_RETURN(int half, Half(v));
  SEKISHO_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Result<void> CheckEven(int v) {
  SEKISHO_TRY(Half(v));
  return Ok();
}

TEST(ResultTest, ValueAndErrorPropagate) {
  auto ok = Quarter(8);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, 2);
  auto bad = Quarter(6);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(bad.error().ToString(), "invalid-argument: odd");
  EXPECT_TRUE(CheckEven(4).has_value());
  EXPECT_FALSE(CheckEven(3).has_value());
}

TEST(ResultTest, MoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.has_value());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

}  // namespace
}  // namespace sekisho

#include "client/xdg_paths.h"

#include "client_core_test_util.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

namespace sekisho::client {
namespace {

TEST(XdgPathsTest, ConfigDirPrecedence) {
  EXPECT_EQ(*ConfigDir({"/t/override", "/x", "/home/u"}), "/t/override");
  EXPECT_EQ(*ConfigDir({std::nullopt, "/x/", "/home/u"}), "/x/sekisho");
  EXPECT_EQ(*ConfigDir({std::nullopt, std::nullopt, "/home/u"}), "/home/u/.config/sekisho");
  // A relative XDG_CONFIG_HOME is invalid and ignored; an empty one counts as unset.
  EXPECT_EQ(*ConfigDir({std::nullopt, "rel", "/home/u"}), "/home/u/.config/sekisho");
  EXPECT_EQ(*ConfigDir({"", "", "/home/u"}), "/home/u/.config/sekisho");
  auto none = ConfigDir({});
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().code, Errc::kConfig);
}

TEST(XdgPathsTest, GatewayNames) {
  EXPECT_EQ(GatewayDirName("VPN.Example.com", 443), "vpn.example.com");
  EXPECT_EQ(GatewayDirName("vpn.example.com", 4443), "vpn.example.com_4443");
  EXPECT_EQ(GatewayDirName("2001:db8::1", 443), "2001_db8__1");
  EXPECT_EQ(GatewayDirName("..", 443), "_.");
  EXPECT_EQ(GatewayDirName("a/b", 443), "a_b");
  EXPECT_EQ(GatewayDirName("", 443), "_");
  EXPECT_EQ(GatewayKey("VPN.example.com", 443), "vpn.example.com:443");
  EXPECT_EQ(GatewayKey("2001:db8::1", 4443), "2001:db8::1:4443");
  EXPECT_EQ(GatewayDir("/c/sekisho", "h", 8443), "/c/sekisho/h_8443");
}

TEST(XdgPathsTest, AtomicWriteAndRead) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/a/b/file.txt";
  EXPECT_FALSE(ReadFileIfExists(path)->has_value());
  ASSERT_TRUE(WriteFileAtomic(path, "hello", 0600).has_value());
  EXPECT_EQ(**ReadFileIfExists(path), "hello");
  ASSERT_TRUE(WriteFileAtomic(path, "bye").has_value());
  EXPECT_EQ(**ReadFileIfExists(path), "bye");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir.path() + "/a").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto too_large = ReadFileIfExists(path, 2);
  ASSERT_FALSE(too_large.has_value());
  EXPECT_EQ(too_large.error().code, Errc::kTooLarge);
  auto bad = WriteFileAtomic("/proc/nonexistent-dir/x", "y");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Errc::kIo);
}

}  // namespace
}  // namespace sekisho::client

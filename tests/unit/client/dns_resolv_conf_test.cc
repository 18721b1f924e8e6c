// The resolv.conf backend on files of a temporary directory (no root, no /etc): rewrite and
// restore of a regular file and of a symlink, and the rule that a file changed by another
// program meanwhile is left alone.

#include "client/dns_resolv_conf.h"

#include "client/xdg_paths.h"
#include "client_core_test_util.h"
#include "testutil/fakes.h"

#include <gtest/gtest.h>

#include <climits>
#include <sys/stat.h>
#include <unistd.h>

namespace sekisho::client {
namespace {

constexpr std::string_view kOriginal = "nameserver 192.168.1.1\nsearch home.lan\n";

DnsPlan FullPlan() {
  DnsPlan plan;
  plan.servers = {"198.18.7.1"};
  plan.search_domains = {"corp.example"};
  plan.full = true;
  return plan;
}

std::string Read(const std::string& path) {
  auto text = ReadFileIfExists(path);
  return text && *text ? **text : std::string("<missing>");
}

class DnsResolvConfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_.pid = 1;
    state_.interface = "tun9";
  }
  Result<void> Rewrite(const std::string& path) {
    return RewriteResolvConf(path, dir_.path() + "/state", FullPlan(), state_, [this] {
      ++saves_;
      return Ok();
    });
  }

  testing::TempDir dir_;
  HostState state_;
  int saves_ = 0;
  testutil::CapturingLogSink sink_;
  Logger log_{sink_, "test"};
};

TEST_F(DnsResolvConfTest, RegularFileRewrittenAndRestoredByteForByte) {
  const std::string path = dir_.path() + "/resolv.conf";
  ASSERT_TRUE(WriteFileAtomic(path, kOriginal, 0644));
  struct stat before {};
  ASSERT_EQ(::stat(path.c_str(), &before), 0);

  ASSERT_TRUE(Rewrite(path));
  EXPECT_EQ(saves_, 1);
  EXPECT_EQ(state_.resolv_conf, path);
  EXPECT_TRUE(state_.resolv_conf_symlink.empty());
  EXPECT_EQ(Read(state_.resolv_conf_backup), kOriginal);
  EXPECT_EQ(Read(path), Read(state_.resolv_conf_ours));
  EXPECT_NE(Read(path).find("nameserver 198.18.7.1\n"), std::string::npos);
  struct stat during {};
  ASSERT_EQ(::stat(path.c_str(), &during), 0);
  EXPECT_EQ(during.st_ino, before.st_ino);  // rewritten in place

  EXPECT_TRUE(RestoreResolvConf(state_, log_));
  EXPECT_EQ(Read(path), kOriginal);
  EXPECT_EQ(Read(state_.resolv_conf_backup), "<missing>");
  EXPECT_EQ(Read(state_.resolv_conf_ours), "<missing>");
}

TEST_F(DnsResolvConfTest, SymlinkReplacedAndRecreated) {
  const std::string target = dir_.path() + "/managed.conf";
  const std::string path = dir_.path() + "/resolv.conf";
  ASSERT_TRUE(WriteFileAtomic(target, kOriginal, 0644));
  ASSERT_EQ(::symlink("managed.conf", path.c_str()), 0);

  ASSERT_TRUE(Rewrite(path));
  EXPECT_EQ(state_.resolv_conf_symlink, "managed.conf");
  struct stat st {};
  ASSERT_EQ(::lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(Read(target), kOriginal);  // never written through

  EXPECT_TRUE(RestoreResolvConf(state_, log_));
  char link[PATH_MAX] = {};
  ASSERT_GT(::readlink(path.c_str(), link, sizeof(link) - 1), 0);
  EXPECT_STREQ(link, "managed.conf");
  EXPECT_EQ(Read(target), kOriginal);
}

TEST_F(DnsResolvConfTest, FileChangedByAnotherProgramIsLeftAlone) {
  const std::string path = dir_.path() + "/resolv.conf";
  ASSERT_TRUE(WriteFileAtomic(path, kOriginal, 0644));
  ASSERT_TRUE(Rewrite(path));
  ASSERT_TRUE(WriteFileAtomic(path, "nameserver 10.0.0.1\n", 0644));  // a DHCP renewal

  EXPECT_TRUE(RestoreResolvConf(state_, log_));
  EXPECT_EQ(Read(path), "nameserver 10.0.0.1\n");
  EXPECT_TRUE(sink_.Contains("changed by another program"));
}

TEST_F(DnsResolvConfTest, NothingChangedWhenTheStateCannotBeSaved) {
  const std::string path = dir_.path() + "/resolv.conf";
  ASSERT_TRUE(WriteFileAtomic(path, kOriginal, 0644));
  auto rewritten = RewriteResolvConf(path, dir_.path() + "/state", FullPlan(), state_,
                                     [] { return Fail(Errc::kIo, "disk full"); });
  EXPECT_FALSE(rewritten);
  EXPECT_EQ(Read(path), kOriginal);
}

}  // namespace
}  // namespace sekisho::client

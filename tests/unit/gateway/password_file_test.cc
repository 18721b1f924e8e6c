#include "gateway/password_file.h"

#include <gtest/gtest.h>

#include <chrono>
#include <crypt.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <unistd.h>

namespace sekisho::gateway {
namespace {

// A well-formed SHA-512 crypt string that matches no password used here.
constexpr const char* kSha512Secret =
    "$6$Qc7p8J6b5ZfRrTnq$W2gBt7Zy2U1o0KdCkLeWT5YrVnUO6q3c6B3k1b0a8m0F4wA0B9yWGVKk6N2fJmRRlB8sJ3"
    "bYfSxZvA4y1b8p0/";

class PasswordFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sekisho_pw_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs Debian's ocpasswd; false when it is not installed.
  bool OcPasswd(const std::string& args, const std::string& password) {
    if (std::system("command -v ocpasswd >/dev/null 2>&1") != 0) {
      return false;
    }
    std::string cmd = "printf '%s\\n%s\\n' '" + password + "' '" + password + "' | ocpasswd -c '" +
                      file().string() + "' " + args + " >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
  }
  std::filesystem::path file() const { return dir_ / "ocpasswd"; }

  std::filesystem::path dir_;
};

TEST_F(PasswordFileTest, RealOcpasswdFile) {
  if (!OcPasswd("alice", "s3cret") || !OcPasswd("-g staff,admins bob", "hunter2")) {
    GTEST_SKIP() << "ocpasswd not available";
  }
  auto pw = PasswordFile::Load(file().string());
  ASSERT_TRUE(pw.has_value()) << pw.error().context;
  EXPECT_EQ(pw->user_count(), 2u);
  EXPECT_TRUE(pw->Verify("alice", SecretString("s3cret")).has_value());
  EXPECT_EQ(pw->Verify("alice", SecretString("S3cret")).error().code, Errc::kAuthFailed);
  EXPECT_TRUE(pw->Verify("bob", SecretString("hunter2")).has_value());
  EXPECT_EQ(pw->Verify("carol", SecretString("s3cret")).error().code, Errc::kAuthFailed);
  EXPECT_TRUE(pw->GroupsOf("alice").empty());
  EXPECT_EQ(pw->GroupsOf("bob"), (std::vector<std::string>{"staff", "admins"}));
  EXPECT_TRUE(pw->UserMayUseGroup("alice", "anything"));
  EXPECT_TRUE(pw->UserMayUseGroup("bob", "admins"));
  EXPECT_FALSE(pw->UserMayUseGroup("bob", "guests"));
  EXPECT_FALSE(pw->UserMayUseGroup("carol", "staff"));

  // Locking with ocpasswd -l makes the right password fail too.
  ASSERT_EQ(std::system(("ocpasswd -c '" + file().string() + "' -l bob").c_str()), 0);
  ASSERT_TRUE(pw->ReloadIfChanged().has_value());
  EXPECT_EQ(pw->Verify("bob", SecretString("hunter2")).error().code, Errc::kAuthFailed);
}

TEST_F(PasswordFileTest, ReloadPicksUpNewUsers) {
  std::ofstream(file()) << "alice:*:" << kSha512Secret << "\n";
  auto pw = PasswordFile::Load(file().string());
  ASSERT_TRUE(pw.has_value()) << pw.error().context;
  EXPECT_FALSE(pw->HasUser("dave"));
  auto unchanged = pw->ReloadIfChanged();
  ASSERT_TRUE(unchanged.has_value());
  EXPECT_FALSE(*unchanged);
  std::ofstream(file(), std::ios::app) << "dave:staff:" << kSha512Secret << "\n";
  auto reloaded = pw->ReloadIfChanged();
  ASSERT_TRUE(reloaded.has_value());
  EXPECT_TRUE(*reloaded);  // size changed even if mtime granularity is coarse
  EXPECT_TRUE(pw->HasUser("dave"));

  // A broken edit keeps the old contents.
  std::ofstream(file(), std::ios::app) << "broken line without fields\n";
  EXPECT_FALSE(pw->ReloadIfChanged().has_value());
  EXPECT_TRUE(pw->HasUser("dave"));
}

TEST(PasswordFileParseTest, Format) {
  auto pw = PasswordFile::Parse(
      "# comment\n\n"
      "alice:*:$6$abc$def\n"
      "bob::$6$abc$def\n"
      "carol:staff:!$6$abc$def\n"
      "dave:$6$abc$def\n",
      "mem");
  ASSERT_TRUE(pw.has_value()) << pw.error().context;
  EXPECT_EQ(pw->user_count(), 4u);
  EXPECT_TRUE(pw->UserMayUseGroup("bob", "x"));
  EXPECT_TRUE(pw->UserMayUseGroup("dave", "x"));
  EXPECT_TRUE(pw->IsLocked("carol"));
  EXPECT_FALSE(pw->IsLocked("alice"));
  EXPECT_FALSE(pw->IsLocked("nobody"));
  EXPECT_EQ(PasswordFile::Parse("a:b:c:d\n", "mem").error().context,
            "mem:1: expected user:groups:hash");
  EXPECT_FALSE(PasswordFile::Parse(":*:$6$a$b\n", "mem").has_value());
  EXPECT_FALSE(PasswordFile::Parse("a:*:x\na:*:y\n", "mem").has_value());
}

TEST(PasswordFileParseTest, VerifySha512AndJunkHashes) {
  auto pw = PasswordFile::Parse(std::string("alice:*:") + kSha512Secret + "\nbob:*:\nmallory:*:*\n",
                                "mem");
  ASSERT_TRUE(pw.has_value());
  EXPECT_EQ(pw->Verify("alice", SecretString("wrong")).error().code, Errc::kAuthFailed);
  EXPECT_EQ(pw->Verify("bob", SecretString("")).error().code, Errc::kAuthFailed);
  EXPECT_EQ(pw->Verify("mallory", SecretString("*")).error().code, Errc::kAuthFailed);
  PasswordFile empty;
  EXPECT_EQ(empty.Verify("x", SecretString("y")).error().code, Errc::kAuthFailed);
}

// Hashes generated here with libcrypt, one per scheme Debian's ocpasswd may write.
TEST(PasswordFileParseTest, VerifiesEveryCryptScheme) {
  for (const char* prefix : {"$5$", "$6$", "$y$"}) {
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    ASSERT_NE(crypt_gensalt_rn(prefix, 0, nullptr, 0, salt, sizeof(salt)), nullptr) << prefix;
    crypt_data data{};
    const char* hash = crypt_rn("correct horse", salt, &data, sizeof(data));
    ASSERT_NE(hash, nullptr);
    auto pw = PasswordFile::Parse(std::string("u:*:") + hash + "\n", "mem");
    ASSERT_TRUE(pw.has_value());
    EXPECT_TRUE(pw->Verify("u", SecretString("correct horse")).has_value()) << prefix;
    EXPECT_FALSE(pw->Verify("u", SecretString("correct horse ")).has_value()) << prefix;
    EXPECT_FALSE(pw->Verify("v", SecretString("correct horse")).has_value()) << prefix;
  }
}

}  // namespace
}  // namespace sekisho::gateway

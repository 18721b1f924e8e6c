#include "gateway/secret_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace sekisho::gateway {
namespace {

constexpr uid_t kGatewayUid = 0;
constexpr uid_t kSomeoneElse = 1234;

TEST(SecretFileTest, AcceptsOwnerOnlyFilesOfRootOrTheGatewayUser) {
  EXPECT_TRUE(CheckSecretFileMode("/k", "private key", {S_IFREG | 0600, 0}, kGatewayUid));
  EXPECT_TRUE(CheckSecretFileMode("/k", "private key", {S_IFREG | 0400, 0}, kGatewayUid));
  EXPECT_TRUE(CheckSecretFileMode("/k", "private key", {S_IFREG | 0600, 99}, 99));
}

TEST(SecretFileTest, RefusesGroupOrOtherAccessNamingTheFileAndTheFix) {
  for (mode_t mode : {0644, 0640, 0604, 0620, 0660, 0666}) {
    auto refused =
        CheckSecretFileMode("/etc/sekishod/key.pem", "private key", {S_IFREG | mode, 0}, 0);
    ASSERT_FALSE(refused.has_value()) << std::oct << mode;
    EXPECT_EQ(refused.error().code, Errc::kPermission);
    EXPECT_NE(refused.error().context.find("private key /etc/sekishod/key.pem"), std::string::npos);
    EXPECT_NE(refused.error().context.find("chmod 600 /etc/sekishod/key.pem"), std::string::npos)
        << refused.error().context;
  }
}

TEST(SecretFileTest, RefusesAFileOwnedByAnotherUser) {
  auto refused =
      CheckSecretFileMode("/p", "password file", {S_IFREG | 0600, kSomeoneElse}, kGatewayUid);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, Errc::kPermission);
  EXPECT_NE(refused.error().context.find("owned by uid 1234"), std::string::npos);
  EXPECT_FALSE(CheckSecretFileMode("/d", "password file", {S_IFDIR | 0700, 0}, 0).has_value());
}

TEST(SecretFileTest, ChecksTheRealFilesOfAConfiguration) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("sk-secret-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  GatewayConfig config;
  config.tls.private_key = (dir / "key.pem").string();
  config.auth.password_file = (dir / "passwd").string();
  std::ofstream(config.tls.private_key) << "key";
  std::ofstream(config.auth.password_file) << "alice:*:hash\n";
  ::chmod(config.tls.private_key.c_str(), 0600);
  ::chmod(config.auth.password_file.c_str(), 0644);
  auto refused = CheckSecretFiles(config);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().context.find("password file " + config.auth.password_file),
            std::string::npos);
  ::chmod(config.auth.password_file.c_str(), 0600);
  EXPECT_TRUE(CheckSecretFiles(config).has_value());
  std::filesystem::remove(config.tls.private_key);
  EXPECT_EQ(CheckSecretFiles(config).error().code, Errc::kIo);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sekisho::gateway

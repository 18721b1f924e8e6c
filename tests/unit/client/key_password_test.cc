#include "client/key_password.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace sekisho::client {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Readers over a fake file system and a fake stdin.
struct FakeInputs {
  std::map<std::string, std::string> files;
  std::vector<std::string> stdin_lines;
  int stdin_reads = 0;

  KeyPasswordReaders Readers() {
    KeyPasswordReaders readers;
    readers.read_file = [this](const std::string& path) -> Result<std::string> {
      auto it = files.find(path);
      if (it == files.end()) {
        return Fail(Errc::kNotFound, "no such file");
      }
      return it->second;
    };
    readers.read_stdin_line = [this]() -> Result<SecretString> {
      if (stdin_reads >= static_cast<int>(stdin_lines.size())) {
        return Fail(Errc::kClosed, "end of input");
      }
      return SecretString(stdin_lines[static_cast<std::size_t>(stdin_reads++)]);
    };
    return readers;
  }
};

TEST(KeyPasswordTest, NoSourceIsNoPassword) {
  FakeInputs in;
  auto password = ResolveKeyPassword({}, in.Readers());
  ASSERT_TRUE(password);
  EXPECT_FALSE(password->has_value());
}

TEST(KeyPasswordTest, EachSource) {
  FakeInputs in;
  in.files["/k"] = "s3cret\r\nsecond line ignored\n";
  in.stdin_lines = {"from-stdin", "user password"};

  KeyPasswordSources file;
  file.file = "/k";
  EXPECT_EQ(ResolveKeyPassword(file, in.Readers())->value().reveal(), "s3cret");

  KeyPasswordSources from_stdin;
  from_stdin.file = "-";
  EXPECT_EQ(ResolveKeyPassword(from_stdin, in.Readers())->value().reveal(), "from-stdin");
  EXPECT_EQ(in.stdin_reads, 1);  // the next line stays for --passwd-on-stdin

  KeyPasswordSources env;
  env.env = "from-env";
  EXPECT_EQ(ResolveKeyPassword(env, in.Readers())->value().reveal(), "from-env");

  KeyPasswordSources value;
  value.value = "on-the-command-line";
  EXPECT_EQ(ResolveKeyPassword(value, in.Readers())->value().reveal(), "on-the-command-line");
}

TEST(KeyPasswordTest, OneSourceOnly) {
  FakeInputs in;
  KeyPasswordSources two;
  two.value = "pw-one";
  two.env = "pw-two";
  auto password = ResolveKeyPassword(two, in.Readers());
  ASSERT_FALSE(password);
  EXPECT_EQ(password.error().code, Errc::kConfig);
  EXPECT_THAT(password.error().context, HasSubstr("once"));
  EXPECT_THAT(password.error().context, Not(HasSubstr("pw-")));
}

TEST(KeyPasswordTest, FileErrorsNameTheFileNeverThePassword) {
  FakeInputs in;
  in.files["/big"] = std::string(kMaxKeyPasswordFileBytes + 1, 'p');
  KeyPasswordSources missing;
  missing.file = "/missing";
  auto no_file = ResolveKeyPassword(missing, in.Readers());
  ASSERT_FALSE(no_file);
  EXPECT_THAT(no_file.error().context, HasSubstr("/missing"));

  KeyPasswordSources big;
  big.file = "/big";
  auto too_big = ResolveKeyPassword(big, in.Readers());
  ASSERT_FALSE(too_big);
  EXPECT_THAT(too_big.error().context, HasSubstr("larger than"));
  EXPECT_THAT(too_big.error().context, Not(HasSubstr("ppp")));

  KeyPasswordSources empty_stdin;
  empty_stdin.file = "-";
  EXPECT_FALSE(ResolveKeyPassword(empty_stdin, in.Readers()));
}

TEST(KeyPasswordTest, ScrubsBothSpellingsFromArgv) {
  std::vector<std::string> args = {"sekisho",
                                   "connect",
                                   "--key-password",
                                   "hunter2",
                                   "--key-password=p4ss",
                                   "--key-password-file",
                                   "/keep/this/path",
                                   "--user",
                                   "alice"};
  std::vector<char*> argv;
  for (auto& arg : args) {
    argv.push_back(arg.data());
  }
  EXPECT_TRUE(ScrubKeyPasswordArgs(static_cast<int>(argv.size()), argv.data()));
  EXPECT_EQ(args[3], "xxxxxxx");
  EXPECT_EQ(args[4], "--key-password=xxxx");
  EXPECT_EQ(args[6], "/keep/this/path");
  EXPECT_EQ(args[8], "alice");
}

TEST(KeyPasswordTest, ScrubLeavesOtherArgumentsAlone) {
  std::vector<std::string> args = {"sekisho", "connect",        "--user", "alice",
                                   "--",      "--key-password", "literal"};
  std::vector<char*> argv;
  for (auto& arg : args) {
    argv.push_back(arg.data());
  }
  EXPECT_FALSE(ScrubKeyPasswordArgs(static_cast<int>(argv.size()), argv.data()));
  EXPECT_EQ(args[6], "literal");
  // A trailing --key-password without a value has nothing to scrub.
  std::vector<std::string> trailing = {"sekisho", "--key-password"};
  std::vector<char*> argv2 = {trailing[0].data(), trailing[1].data()};
  EXPECT_FALSE(ScrubKeyPasswordArgs(2, argv2.data()));
}

}  // namespace
}  // namespace sekisho::client

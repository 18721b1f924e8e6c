// Issue 9, operations: the hooks' environment and outcome, running a hook program without
// blocking a loop, the systemd notify helpers, the log target decision, and the [hooks] and
// log.target configuration keys.

#include "app/log_target.h"
#include "gateway/config.h"
#include "gateway/hook_env.h"
#include "gateway/hook_runner.h"
#include "gateway/systemd_notify.h"
#include "testutil/fakes.h"

#include <boost/asio/io_context.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <syslog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>

namespace sekisho::gateway {
namespace {

using ::testing::ElementsAre;

HookSession AliceSession() {
  HookSession s;
  s.id = 12;
  s.user = "alice";
  s.group = "engineering";
  s.peer_ip = "198.18.0.2";
  s.local_ip = "198.18.0.1";
  s.vpn_ipv4 = "198.18.101.2";
  s.gateway_ipv4 = "198.18.101.1";
  s.device = "sk0";
  s.bytes_in = 5140;
  s.bytes_out = 6000;
  s.duration_s = 42;
  s.end_reason = "user disconnect";
  return s;
}

const char* const kPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

TEST(HookEnvironmentTest, ConnectCarriesTheSessionInOcservNames) {
  EXPECT_THAT(HookEnvironment(HookEvent::kConnect, AliceSession()),
              ElementsAre("REASON=connect", "ID=12", "USERNAME=alice", "GROUPNAME=engineering",
                          "IP_REAL=198.18.0.2", "IP_REAL_LOCAL=198.18.0.1",
                          "IP_REMOTE=198.18.101.2", "IP_LOCAL=198.18.101.1", "DEVICE=sk0", kPath));
}

TEST(HookEnvironmentTest, DisconnectAddsTheStatistics) {
  std::vector<std::string> env = HookEnvironment(HookEvent::kDisconnect, AliceSession());
  EXPECT_EQ(env.front(), "REASON=disconnect");
  for (const char* entry : {"STATS_BYTES_IN=5140", "STATS_BYTES_OUT=6000", "STATS_DURATION=42",
                            "SEKISHO_END_REASON=user disconnect"}) {
    EXPECT_NE(std::find(env.begin(), env.end(), entry), env.end()) << entry;
  }
}

TEST(HookEnvironmentTest, ValuesEndAtNewlinesAndNuls) {
  HookSession s = AliceSession();
  s.user = "mallory\nREASON=connect";
  s.group = std::string("sales\0x", 7);
  std::vector<std::string> env = HookEnvironment(HookEvent::kConnect, s);
  EXPECT_EQ(env[2], "USERNAME=mallory");
  EXPECT_EQ(env[3], "GROUPNAME=sales");
}

TEST(HookFailureTest, NamesHowTheHookEnded) {
  EXPECT_EQ(HookFailure(W_EXITCODE(0, 0), false, 10), std::nullopt);
  EXPECT_EQ(HookFailure(W_EXITCODE(3, 0), false, 10), "exited with 3");
  EXPECT_EQ(HookFailure(W_EXITCODE(0, SIGKILL), false, 10), "killed by signal 9");
  EXPECT_EQ(HookFailure(W_EXITCODE(0, SIGKILL), true, 10), "did not finish within 10 s");
}

// A real program through HookRunner: the loop keeps running while it does.
struct RunResult {
  bool done = false;
  std::optional<std::string> failure;
};

RunResult RunHook(const std::string& script, std::uint32_t timeout_s,
                  testutil::CapturingLogSink& sink, std::vector<std::string> env = {}) {
  boost::asio::io_context io;
  RunResult result;
  HookRunner runner(io, Logger(sink, "hooks"));
  const std::string path = ::testing::TempDir() + "/hook_" + std::to_string(::getpid()) + ".sh";
  { std::ofstream(path) << "#!/bin/sh\n" << script; }
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  runner.Run(path, env, timeout_s, "test hook", [&](std::optional<std::string> failure) {
    result.done = true;
    result.failure = std::move(failure);
  });
  EXPECT_EQ(runner.running(), 1u);
  io.run_for(std::chrono::seconds(timeout_s + 5));
  std::filesystem::remove(path);
  return result;
}

TEST(HookRunnerTest, LogsOutputAndReportsSuccess) {
  testutil::CapturingLogSink sink;
  RunResult r = RunHook("echo \"hello $USERNAME\"\necho oops >&2\n", 5, sink, {"USERNAME=alice"});
  ASSERT_TRUE(r.done);
  EXPECT_EQ(r.failure, std::nullopt);
  EXPECT_TRUE(sink.Contains("test hook: hello alice")) << sink.Joined();
  EXPECT_TRUE(sink.Contains("test hook: oops")) << sink.Joined();
}

TEST(HookRunnerTest, ReportsTheExitStatus) {
  testutil::CapturingLogSink sink;
  RunResult r = RunHook("exit 4\n", 5, sink);
  ASSERT_TRUE(r.done);
  EXPECT_EQ(r.failure, "exited with 4");
}

TEST(HookRunnerTest, KillsAHookThatOutlivesItsTimeout) {
  testutil::CapturingLogSink sink;
  const auto start = std::chrono::steady_clock::now();
  // The background sleep holds the output pipe too: the whole process group must go.
  RunResult r = RunHook("sleep 30 &\nsleep 30\n", 1, sink);
  ASSERT_TRUE(r.done);
  EXPECT_EQ(r.failure, "did not finish within 1 s");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(HookRunnerTest, AProgramThatCannotRunFails) {
  boost::asio::io_context io;
  testutil::CapturingLogSink sink;
  HookRunner runner(io, Logger(sink, "hooks"));
  std::optional<std::string> failure;
  runner.Run("/nonexistent/hook", {}, 5, "missing hook",
             [&](std::optional<std::string> f) { failure = std::move(f); });
  io.run_for(std::chrono::seconds(5));
  EXPECT_EQ(failure, "exited with 127");
}

TEST(SystemdNotifyTest, PingsAtHalfTheWatchdogTimeout) {
  EXPECT_EQ(WatchdogPingPeriod(0), std::nullopt);
  EXPECT_EQ(WatchdogPingPeriod(30'000'000), std::chrono::microseconds(15'000'000));
  EXPECT_EQ(WatchdogPingPeriod(1), std::chrono::microseconds(1));
  EXPECT_EQ(GatewayStatusLine(3, 2), "3 session(s), 2 with a tunnel");
}

TEST(LogTargetTest, AutoFollowsStderr) {
  using app::LogTarget;
  app::StderrFacts terminal{true, std::nullopt, 0, 0};
  EXPECT_EQ(app::ResolveLogTarget(LogTarget::kAuto, terminal), LogTarget::kStderr);
  app::StderrFacts journal{false, "8:1234", 8, 1234};
  EXPECT_EQ(app::ResolveLogTarget(LogTarget::kAuto, journal), LogTarget::kJournal);
  // Inherited from a parent whose stderr was the journal, but ours is now a file.
  app::StderrFacts redirected{false, "8:1234", 8, 999};
  EXPECT_EQ(app::ResolveLogTarget(LogTarget::kAuto, redirected), LogTarget::kStderr);
  app::StderrFacts garbage{false, "8-1234", 8, 1234};
  EXPECT_EQ(app::ResolveLogTarget(LogTarget::kAuto, garbage), LogTarget::kStderr);
  EXPECT_EQ(app::ResolveLogTarget(LogTarget::kSyslog, terminal), LogTarget::kSyslog);
  EXPECT_FALSE(app::ParseLogTarget("kmsg").has_value());
  EXPECT_EQ(app::SyslogPriority(LogLevel::kWarn), LOG_WARNING);
}

TEST(LogTargetTest, JournalFieldsFromThePrefix) {
  using Fields = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(app::JournalFields("conn", "conn 7 198.18.0.2:4711 sess 3"),
            (Fields{{"SEKISHO_COMPONENT", "conn"},
                    {"SEKISHO_CONNECTION", "7"},
                    {"SEKISHO_PEER", "198.18.0.2:4711"},
                    {"SEKISHO_SESSION", "3"}}));
  EXPECT_EQ(app::JournalFields("gateway", ""), (Fields{{"SEKISHO_COMPONENT", "gateway"}}));
  EXPECT_EQ(app::JournalFields("x", "sess abc"), (Fields{{"SEKISHO_COMPONENT", "x"}}));
}

constexpr std::string_view kMinimal = R"(
[tls]
certificate = "server.pem"
private_key = "server.key"
[auth]
password_file = "users"
[network]
ipv4_pool = "10.10.0.0/24"
)";

TEST(OperationsConfigTest, HooksAndLogTarget) {
  auto c = ParseConfig(std::string(kMinimal) +
                           "[log]\ntarget = \"syslog\"\n"
                           "[hooks]\nconnect = \"connect.sh\"\ndisconnect = \"/usr/lib/x/down\"\n"
                           "timeout = 5\n",
                       "/etc/sekisho/sekishod.toml");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->log.target, "syslog");
  EXPECT_EQ(c->hooks.connect, "/etc/sekisho/connect.sh");
  EXPECT_EQ(c->hooks.disconnect, "/usr/lib/x/down");
  EXPECT_EQ(c->hooks.timeout_s, 5u);
  auto defaults = ParseConfig(kMinimal, "/etc/sekisho/sekishod.toml");
  ASSERT_TRUE(defaults.has_value());
  EXPECT_EQ(defaults->log.target, "auto");
  EXPECT_EQ(defaults->hooks.connect, std::nullopt);
  EXPECT_EQ(defaults->hooks.timeout_s, 10u);
}

TEST(OperationsConfigTest, MistakesNameFileLineAndKey) {
  auto c = ParseConfig(std::string(kMinimal) +
                           "[log]\ntarget = \"kmsg\"\n"
                           "[hooks]\nconnect = \"\"\ntimeout = 0\nconect = \"x\"\n",
                       "/etc/sekisho/sekishod.toml");
  ASSERT_FALSE(c.has_value());
  const std::string& e = c.error().context;
  for (const char* needle :
       {"sekishod.toml:10", "log.target must be one of auto, stderr, journal, syslog",
        "sekishod.toml:12", "hooks.connect must not be empty", "hooks.timeout must be between 1",
        "hooks.conect"}) {
    EXPECT_NE(e.find(needle), std::string::npos) << needle << " in\n" << e;
  }
}

}  // namespace
}  // namespace sekisho::gateway

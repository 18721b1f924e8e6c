// ForbidCoreDumps, which every sekishod role calls at start-up, run in a forked child so the
// test process keeps its own limits.
#include "gateway/sandbox_linux.h"

#include <gtest/gtest.h>

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sekisho::gateway {
namespace {

// Exit codes of the child, one per fact it checks.
constexpr int kOk = 0;
constexpr int kCallFailed = 1;
constexpr int kStillDumpable = 2;
constexpr int kCoreLimitNotZero = 3;

int ChildChecksForbidCoreDumps() {
  // Start from what a permissive shell gives: dumpable, cores allowed up to the hard limit.
  rlimit limit{};
  ::getrlimit(RLIMIT_CORE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_CORE, &limit);
  ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  if (!ForbidCoreDumps().has_value()) {
    return kCallFailed;
  }
  if (::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return kStillDumpable;
  }
  ::getrlimit(RLIMIT_CORE, &limit);
  if (limit.rlim_cur != 0 || limit.rlim_max != 0) {
    return kCoreLimitNotZero;
  }
  return kOk;
}

TEST(SandboxTest, ForbidCoreDumpsMakesTheProcessUndumpable) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::_exit(ChildChecksForbidCoreDumps());
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), kOk);
}

}  // namespace
}  // namespace sekisho::gateway

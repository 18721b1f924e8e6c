#include "base/check.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace sekisho::internal {
namespace {
std::atomic<std::uint64_t> bug_count{0};
}  // namespace

void CheckFailed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "sekisho: check failed: %s at %s:%d\n", expr, file, line);
  std::abort();
}

void BugReached(const char* msg, const char* file, int line) {
  bug_count.fetch_add(1, std::memory_order_relaxed);
  std::fprintf(stderr, "sekisho: BUG: %s at %s:%d\n", msg, file, line);
#ifndef NDEBUG
  std::abort();
#endif
}

std::uint64_t BugCount() { return bug_count.load(std::memory_order_relaxed); }

}  // namespace sekisho::internal

#pragma once
// Assertion taxonomy (Envoy STYLE.md). Never use these on anything a peer controls.
//   SEKISHO_ASSERT(cond)  provable invariant; checked in debug builds only.
//   SEKISHO_CHECK(cond)   unrecoverable state; always fatal.
//   SEKISHO_BUG(msg)      uncertain invariant; fatal in debug, logged and counted in release.

#include <cstdint>

namespace sekisho::internal {
[[noreturn]] void CheckFailed(const char* expr, const char* file, int line);
void BugReached(const char* msg, const char* file, int line);
std::uint64_t BugCount();
}  // namespace sekisho::internal

#define SEKISHO_CHECK(cond)                                        \
  do {                                                             \
    if (!(cond)) {                                                 \
      ::sekisho::internal::CheckFailed(#cond, __FILE__, __LINE__); \
    }                                                              \
  } while (false)

#ifdef NDEBUG
#define SEKISHO_ASSERT(cond) \
  do {                       \
  } while (false)
#else
#define SEKISHO_ASSERT(cond) SEKISHO_CHECK(cond)
#endif

#define SEKISHO_BUG(msg) ::sekisho::internal::BugReached((msg), __FILE__, __LINE__)

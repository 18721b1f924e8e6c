#pragma once
// The process's descriptor limit (RLIMIT_NOFILE), raised at start so that the configured
// connection limits, not the soft default of 1024, decide how many clients are served. Main
// raises it before it starts its children, which inherit it. A worker holds per connection its
// TCP socket and, for a tunnel, a TUN descriptor and a UDP socket.

#include "base/log.h"
#include "base/result.h"

#include <cstdint>

namespace sekisho::gateway {

struct FileLimit {
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;
};

// Descriptors a process needs for `max_connections` connections (3 each, plus room for
// listeners, links, logs and libraries).
std::uint64_t NeededFileLimit(std::uint64_t max_connections);

// The limit to ask for: soft up to the hard limit, and both up to `needed` when the hard limit
// is lower (which only a privileged process may do; PlanFileLimit does not know, the caller
// falls back to `current` raised to its hard limit).
FileLimit PlanFileLimit(FileLimit current, std::uint64_t needed);

// Applies PlanFileLimit to this process (falling back to soft = hard when raising the hard
// limit is not permitted) and logs the result: a warning when it stays below `needed`.
// Errors: kIo when getrlimit itself fails (the limit stays as it was).
Result<FileLimit> RaiseFileLimit(std::uint64_t needed, const Logger& log);

}  // namespace sekisho::gateway

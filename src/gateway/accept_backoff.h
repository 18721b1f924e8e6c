#pragma once
// AcceptBackoff: what the listener does when accept(2) fails because the process or the system
// is out of file descriptors (EMFILE/ENFILE) or kernel memory. Re-arming at once would spin on
// the same error (the connection stays in the kernel's backlog) and flood the log; instead the
// listener pauses, 100 ms at first, doubling up to a cap, and logs one line per episode. The
// first successful accept ends the episode.
//
//   idle --exhausted--> backing off (wait 100 ms, 200 ms, ... cap) --accepted--> idle
//
// Pure: time comes in as `now`; no I/O. Not thread-safe.

#include "base/time.h"

#include <cstdint>
#include <optional>

namespace sekisho::gateway {

class AcceptBackoff {
 public:
  static constexpr Duration kFirstWait = milliseconds(100);
  static constexpr Duration kMaxWait = milliseconds(1600);

  struct Step {
    Duration wait;        // pause accepting this long, then try again
    bool starts_episode;  // the first failure since the last success: log it (only this one)
  };
  struct Episode {
    std::uint64_t failures;  // accept attempts that failed during the episode
    Duration lasted;         // from its first failure to the success that ended it
  };

  // An accept failed for want of descriptors or memory.
  Step OnExhausted(Instant now);
  // An accept succeeded. Returns the episode it ended, if one was running (for one log line).
  std::optional<Episode> OnAccepted(Instant now);
  bool backing_off() const { return failures_ > 0; }

 private:
  Duration next_wait_ = kFirstWait;
  std::uint64_t failures_ = 0;
  Instant started_;
};

}  // namespace sekisho::gateway

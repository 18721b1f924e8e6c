#pragma once
// LogRateLimiter: at most one log line per `interval` for one kind of event that an attacker can
// repeat at will (refused connections, evicted login contexts), with the number of events
// that were not logged since the last line, so that the log stays readable and bounded under a
// flood and still says how big the flood was.
//
// Pure: time comes in as `now`. Not thread-safe.

#include "base/time.h"

#include <cstdint>
#include <optional>

namespace sekisho::gateway {

class LogRateLimiter {
 public:
  explicit LogRateLimiter(Duration interval) : interval_(interval) {}

  // Records one event. Returns the number of events suppressed since the last logged one when
  // this one should be logged, nullopt when it should not.
  std::optional<std::uint64_t> Allow(Instant now) {
    if (logged_once_ && now - last_ < interval_) {
      ++suppressed_;
      return std::nullopt;
    }
    logged_once_ = true;
    last_ = now;
    std::uint64_t suppressed = suppressed_;
    suppressed_ = 0;
    return suppressed;
  }

 private:
  Duration interval_;
  Instant last_;
  bool logged_once_ = false;
  std::uint64_t suppressed_ = 0;
};

}  // namespace sekisho::gateway

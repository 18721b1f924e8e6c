#pragma once
// AuthThrottle slows down password guessing per source address (fail2ban inside the daemon).
//
// Each source address has a failure counter over a sliding window. Reaching `max_failures`
// within `window` blocks the address for `backoff`; every further block doubles it up to
// `max_backoff`. A success forgets the address. Memory is bounded: at most `max_entries`
// addresses are tracked and the least recently seen one is evicted first (an attacker
// rotating addresses can flush entries, but gains no more than a fresh address would).
//
// Pure: time comes in as `now`; no I/O. Not thread-safe.
//
//   allowed --N failures within window--> blocked(backoff * 2^k) --expires--> allowed (k+1)
//   any state --success--> forgotten;  no failure for window + max_backoff --> forgotten

#include "base/time.h"

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sekisho::gateway {

struct AuthThrottleOptions {
  std::uint32_t max_failures = 5;
  Duration window = std::chrono::seconds(300);
  Duration backoff = std::chrono::seconds(30);
  Duration max_backoff = std::chrono::seconds(900);
  std::size_t max_entries = 10000;
};

class AuthThrottle {
 public:
  explicit AuthThrottle(AuthThrottleOptions options = {});

  // How long `source` must still wait, or nullopt when an attempt is allowed now. The caller
  // refuses a blocked attempt without checking the password (and tells the user to retry
  // later), so a blocked address cannot keep guessing.
  std::optional<Duration> RetryAfter(std::string_view source, Instant now) const;
  bool IsAllowed(std::string_view source, Instant now) const {
    return !RetryAfter(source, now).has_value();
  }

  // Counts a failed login. Returns the new block duration when this failure triggered one.
  std::optional<Duration> RecordFailure(std::string_view source, Instant now);
  // A successful login from `source` clears its history.
  void RecordSuccess(std::string_view source);

  std::size_t tracked() const { return entries_.size(); }

 private:
  struct Entry {
    std::uint32_t failures = 0;  // within the current window
    Instant window_start;
    Instant last_failure;
    Instant blocked_until;
    std::uint32_t blocks = 0;  // how many times blocked so far (drives the backoff)
    std::list<std::string>::iterator lru;
  };
  bool Expired(const Entry& e, Instant now) const;

  AuthThrottleOptions options_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // front = most recently seen
};

}  // namespace sekisho::gateway

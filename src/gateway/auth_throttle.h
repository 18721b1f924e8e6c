#pragma once
// AuthThrottle slows down password guessing (fail2ban inside the daemon), from two sides:
//
//   per source address   one attacker trying many users (IPv4 per address; IPv6 per /64,
//                        since one host usually owns a whole /64 and could rotate inside it);
//   per user name        many addresses (a botnet) guessing one user's password.
//
// Each record counts failures over a sliding window. Reaching the limit (`max_failures` for an
// address, `user_max_failures` for a user) blocks the record for `backoff`; every further block
// doubles it up to `max_backoff`. An attempt is refused while either its address or its user
// is blocked.
//
// A successful login clears only that user's record. It never lowers the address's count:
// otherwise an attacker holding one valid account could reset the limit for guessing others
// from the same address (issue #11). The address's failures age out with the window instead.
//
// Memory is bounded: at most `max_entries` addresses and `max_entries` users are tracked; the
// least recently seen is evicted first (an attacker rotating keys can flush entries, but gains
// no more than a fresh address or name would). User names are keyed by their first
// kMaxUserKeyBytes bytes.
//
// Pure: time comes in as `now`; no I/O. Not thread-safe.
//
//   allowed --N failures within window--> blocked(backoff * 2^k) --expires--> allowed (k+1)
//   blocked --Lift (sekishoctl unban)--> forgotten
//   user record --that user's success--> forgotten;  quiet for window + max_backoff --> forgotten

#include "base/time.h"

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sekisho::gateway {

struct AuthThrottleOptions {
  std::uint32_t max_failures = 5;        // per source address (or IPv6 /64)
  std::uint32_t user_max_failures = 10;  // per user name, from any number of addresses
  Duration window = std::chrono::seconds(300);
  Duration backoff = std::chrono::seconds(30);
  Duration max_backoff = std::chrono::seconds(900);
  std::size_t max_entries = 10000;  // per table (addresses, users)
};

enum class ThrottleScope { kAddress, kUser };

// One record as the ban list shows it (sekishoctl bans).
struct ThrottleRecord {
  ThrottleScope scope = ThrottleScope::kAddress;
  std::string key;             // "198.51.100.7", "2001:db8:1:2::/64" or the user name
  std::uint32_t failures = 0;  // failures counted since the record was created
  Duration blocked_for{0};     // time left in the current block; 0 when not blocked
};

// One table of failure records with its LRU bound; AuthThrottle holds one per scope.
class FailureTable {
 public:
  FailureTable(std::uint32_t max_failures, const AuthThrottleOptions& options);

  std::optional<Duration> RetryAfter(const std::string& key, Instant now) const;
  // New limits (a configuration reload); the records and their current blocks stay.
  void Reconfigure(std::uint32_t max_failures, const AuthThrottleOptions& options);
  // Counts a failure. Returns the new block duration when this failure triggered one.
  std::optional<Duration> RecordFailure(const std::string& key, Instant now);
  // Returns whether a record existed.
  bool Forget(const std::string& key);
  // Records blocked at `now`, most recently seen first.
  void AppendBlocked(ThrottleScope scope, Instant now, std::vector<ThrottleRecord>& out) const;
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::uint32_t failures = 0;  // within the current window
    std::uint32_t total_failures = 0;
    Instant window_start;
    Instant last_failure;
    Instant blocked_until;
    std::uint32_t blocks = 0;  // how many times blocked so far (drives the backoff)
    std::list<std::string>::iterator lru;
  };
  bool Expired(const Entry& e, Instant now) const;
  Entry& Touch(const std::string& key, Instant now);

  std::uint32_t max_failures_ = 1;
  AuthThrottleOptions options_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // front = most recently seen
};

class AuthThrottle {
 public:
  // User names longer than this share a record with their prefix (bounds memory per entry).
  static constexpr std::size_t kMaxUserKeyBytes = 256;

  explicit AuthThrottle(AuthThrottleOptions options = {});
  // New limits from a configuration reload: blocks in force run out as they were imposed,
  // failures already counted count against the new limits.
  void Reconfigure(const AuthThrottleOptions& options);

  // The address record `peer_ip` counts against: an IPv4 address as is (also when written as
  // an IPv4-mapped IPv6 address), an IPv6 address as its /64 ("2001:db8:1:2::/64"), anything
  // else unchanged.
  static std::string AddressKey(std::string_view peer_ip);

  // How long an attempt for `user` from `peer_ip` must still wait (the longer of the address's
  // and the user's block), or nullopt when it is allowed now. The caller refuses a blocked
  // attempt without checking the password, so guessing gains nothing while blocked.
  std::optional<Duration> RetryAfter(std::string_view peer_ip, std::string_view user,
                                     Instant now) const;
  bool IsAllowed(std::string_view peer_ip, std::string_view user, Instant now) const {
    return !RetryAfter(peer_ip, user, now).has_value();
  }

  // What a failure triggered, for the log line.
  struct FailureOutcome {
    std::optional<Duration> address_blocked;
    std::optional<Duration> user_blocked;
  };
  // Counts a failed login against both the address and the user.
  FailureOutcome RecordFailure(std::string_view peer_ip, std::string_view user, Instant now);
  // A successful login of `user`: clears that user's record only (see above).
  void RecordSuccess(std::string_view user);

  // Every record blocked at `now`: addresses first, then users.
  std::vector<ThrottleRecord> Blocked(Instant now) const;
  // Forgets the record (sekishoctl unban); an address is keyed as AddressKey() does, so any
  // address inside a blocked /64 lifts that /64. Returns whether a record existed.
  bool Lift(ThrottleScope scope, std::string_view key);

  std::size_t tracked_addresses() const { return addresses_.size(); }
  std::size_t tracked_users() const { return users_.size(); }

 private:
  static std::string UserKey(std::string_view user);

  FailureTable addresses_;
  FailureTable users_;
};

}  // namespace sekisho::gateway

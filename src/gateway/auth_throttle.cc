#include "gateway/auth_throttle.h"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cstring>
#include <netinet/in.h>

namespace sekisho::gateway {

FailureTable::FailureTable(std::uint32_t max_failures, const AuthThrottleOptions& options) {
  Reconfigure(max_failures, options);
}

void FailureTable::Reconfigure(std::uint32_t max_failures, const AuthThrottleOptions& options) {
  max_failures_ = std::max<std::uint32_t>(max_failures, 1);
  options_ = options;
  options_.max_entries = std::max<std::size_t>(options_.max_entries, 1);
  options_.max_backoff = std::max(options_.max_backoff, options_.backoff);
}

bool FailureTable::Expired(const Entry& e, Instant now) const {
  // Quiet for longer than any block could last plus a window: the history is irrelevant.
  return now >= e.blocked_until && now - e.last_failure > options_.window + options_.max_backoff;
}

std::optional<Duration> FailureTable::RetryAfter(const std::string& key, Instant now) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || now >= it->second.blocked_until) {
    return std::nullopt;
  }
  return it->second.blocked_until - now;
}

FailureTable::Entry& FailureTable::Touch(const std::string& key, Instant now) {
  auto it = entries_.find(key);
  if (it != entries_.end() && Expired(it->second, now)) {
    lru_.erase(it->second.lru);
    entries_.erase(it);
    it = entries_.end();
  }
  if (it != entries_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second;
  }
  if (entries_.size() >= options_.max_entries) {
    entries_.erase(lru_.back());
    lru_.pop_back();
  }
  lru_.push_front(key);
  Entry fresh;
  fresh.window_start = now;
  fresh.lru = lru_.begin();
  return entries_.emplace(key, fresh).first->second;
}

std::optional<Duration> FailureTable::RecordFailure(const std::string& key, Instant now) {
  Entry& e = Touch(key, now);
  e.last_failure = now;
  ++e.total_failures;
  if (now - e.window_start > options_.window) {
    e.window_start = now;
    e.failures = 0;
  }
  if (++e.failures < max_failures_ || options_.backoff == Duration::zero()) {
    return std::nullopt;
  }
  // Shift at most 20 times: 2^20 * backoff is beyond any sensible max_backoff anyway.
  Duration block = options_.backoff * (std::int64_t{1} << std::min<std::uint32_t>(e.blocks, 20));
  block = std::min(block, options_.max_backoff);
  e.blocks++;
  e.failures = 0;
  e.window_start = now;
  e.blocked_until = now + block;
  return block;
}

bool FailureTable::Forget(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    return false;
  }
  lru_.erase(it->second.lru);
  entries_.erase(it);
  return true;
}

void FailureTable::AppendBlocked(ThrottleScope scope, Instant now,
                                 std::vector<ThrottleRecord>& out) const {
  for (const std::string& key : lru_) {
    const Entry& e = entries_.at(key);
    if (now < e.blocked_until) {
      out.push_back({scope, key, e.total_failures, e.blocked_until - now});
    }
  }
}

AuthThrottle::AuthThrottle(AuthThrottleOptions options)
    : addresses_(options.max_failures, options), users_(options.user_max_failures, options) {}

void AuthThrottle::Reconfigure(const AuthThrottleOptions& options) {
  addresses_.Reconfigure(options.max_failures, options);
  users_.Reconfigure(options.user_max_failures, options);
}

std::string AuthThrottle::AddressKey(std::string_view peer_ip) {
  std::string text(peer_ip);
  std::array<std::uint8_t, 16> v6{};
  if (::inet_pton(AF_INET6, text.c_str(), v6.data()) != 1) {
    return text;
  }
  static constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0,    0,
                                                                 0, 0, 0, 0, 0xFF, 0xFF};
  std::array<char, INET6_ADDRSTRLEN> buf{};
  if (std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), v6.begin())) {
    // A dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d; count them as IPv4.
    ::inet_ntop(AF_INET, v6.data() + 12, buf.data(), buf.size());
    return buf.data();
  }
  std::fill(v6.begin() + 8, v6.end(), std::uint8_t{0});
  ::inet_ntop(AF_INET6, v6.data(), buf.data(), buf.size());
  return std::string(buf.data()) + "/64";
}

std::string AuthThrottle::UserKey(std::string_view user) {
  return std::string(user.substr(0, std::min(user.size(), kMaxUserKeyBytes)));
}

std::optional<Duration> AuthThrottle::RetryAfter(std::string_view peer_ip, std::string_view user,
                                                 Instant now) const {
  std::optional<Duration> address = addresses_.RetryAfter(AddressKey(peer_ip), now);
  std::optional<Duration> by_user = users_.RetryAfter(UserKey(user), now);
  if (address && by_user) {
    return std::max(*address, *by_user);
  }
  return address ? address : by_user;
}

AuthThrottle::FailureOutcome AuthThrottle::RecordFailure(std::string_view peer_ip,
                                                         std::string_view user, Instant now) {
  FailureOutcome outcome;
  outcome.address_blocked = addresses_.RecordFailure(AddressKey(peer_ip), now);
  outcome.user_blocked = users_.RecordFailure(UserKey(user), now);
  return outcome;
}

void AuthThrottle::RecordSuccess(std::string_view user) { users_.Forget(UserKey(user)); }

std::vector<ThrottleRecord> AuthThrottle::Blocked(Instant now) const {
  std::vector<ThrottleRecord> out;
  addresses_.AppendBlocked(ThrottleScope::kAddress, now, out);
  users_.AppendBlocked(ThrottleScope::kUser, now, out);
  return out;
}

bool AuthThrottle::Lift(ThrottleScope scope, std::string_view key) {
  if (scope == ThrottleScope::kAddress) {
    return addresses_.Forget(AddressKey(key));
  }
  return users_.Forget(UserKey(key));
}

}  // namespace sekisho::gateway

#include "gateway/auth_throttle.h"

#include <algorithm>

namespace sekisho::gateway {

AuthThrottle::AuthThrottle(AuthThrottleOptions options) : options_(options) {
  options_.max_failures = std::max<std::uint32_t>(options_.max_failures, 1);
  options_.max_entries = std::max<std::size_t>(options_.max_entries, 1);
  options_.max_backoff = std::max(options_.max_backoff, options_.backoff);
}

bool AuthThrottle::Expired(const Entry& e, Instant now) const {
  // Quiet for longer than any block could last plus a window: the history is irrelevant.
  return now >= e.blocked_until && now - e.last_failure > options_.window + options_.max_backoff;
}

std::optional<Duration> AuthThrottle::RetryAfter(std::string_view source, Instant now) const {
  auto it = entries_.find(std::string(source));
  if (it == entries_.end() || now >= it->second.blocked_until) {
    return std::nullopt;
  }
  return it->second.blocked_until - now;
}

std::optional<Duration> AuthThrottle::RecordFailure(std::string_view source, Instant now) {
  std::string key(source);
  auto it = entries_.find(key);
  if (it != entries_.end() && Expired(it->second, now)) {
    lru_.erase(it->second.lru);
    entries_.erase(it);
    it = entries_.end();
  }
  if (it == entries_.end()) {
    if (entries_.size() >= options_.max_entries) {
      entries_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(key);
    Entry fresh;
    fresh.window_start = now;
    fresh.lru = lru_.begin();
    it = entries_.emplace(std::move(key), fresh).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }

  Entry& e = it->second;
  e.last_failure = now;
  if (now - e.window_start > options_.window) {
    e.window_start = now;
    e.failures = 0;
  }
  if (++e.failures < options_.max_failures) {
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

void AuthThrottle::RecordSuccess(std::string_view source) {
  auto it = entries_.find(std::string(source));
  if (it != entries_.end()) {
    lru_.erase(it->second.lru);
    entries_.erase(it);
  }
}

}  // namespace sekisho::gateway

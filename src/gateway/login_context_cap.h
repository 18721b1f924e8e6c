#pragma once
// LoginContextCap: bounds the logins in progress (the webvpncontext state that lives up to
// auth.cookie_timeout, 300 s by default, and that every login form creates) to
// limits.max_login_contexts. When a new context would exceed the cap, the oldest one is evicted:
// a flood of login forms then costs the attacker's oldest contexts, not memory, and a real user
// whose context was evicted merely starts the dialogue afresh (the per-address throttle still
// counts their failures). Refusing new contexts instead would let the same flood lock every
// real user out of logging in.
//
// It remembers the cookie of each context it saw created, oldest first; contexts that ended
// meanwhile (login done, expired) stay in that list until they reach its front, so the list
// never holds more than `max` cookies and the live contexts are always among the newest `max`.
//
// Pure, no clock. Not thread-safe.

#include <cstddef>
#include <deque>
#include <optional>
#include <string>

namespace sekisho::gateway {

class LoginContextCap {
 public:
  explicit LoginContextCap(std::size_t max) : max_(max) {}

  // Records a newly created context. Returns the cookie of the context to evict (drop it from
  // the registry; it may already be gone), if the cap is passed.
  std::optional<std::string> Created(std::string cookie);

  std::size_t max() const { return max_; }

 private:
  std::size_t max_;
  std::deque<std::string> cookies_;  // oldest first
};

}  // namespace sekisho::gateway

#include "gateway/accept_backoff.h"

#include <algorithm>

namespace sekisho::gateway {

AcceptBackoff::Step AcceptBackoff::OnExhausted(Instant now) {
  const bool starts = failures_ == 0;
  if (starts) {
    started_ = now;
    next_wait_ = kFirstWait;
  }
  ++failures_;
  Step step{next_wait_, starts};
  next_wait_ = std::min<Duration>(next_wait_ * 2, kMaxWait);
  return step;
}

std::optional<AcceptBackoff::Episode> AcceptBackoff::OnAccepted(Instant now) {
  if (failures_ == 0) {
    return std::nullopt;
  }
  Episode episode{failures_, now - started_};
  failures_ = 0;
  next_wait_ = kFirstWait;
  return episode;
}

}  // namespace sekisho::gateway

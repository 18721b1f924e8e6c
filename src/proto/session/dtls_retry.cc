#include "proto/session/dtls_retry.h"

#include <algorithm>

namespace sekisho::proto::session {

DtlsRetrySchedule::DtlsRetrySchedule(Config config) : config_(config) {
  config_.initial_backoff = std::max(config_.initial_backoff, Duration(1));
  config_.max_backoff = std::max(config_.max_backoff, config_.initial_backoff);
  config_.max_retries = std::max(config_.max_retries, 0);
}

Duration DtlsRetrySchedule::BackoffAfter(int retries) const {
  // Wait before retry n+1 (n = retries already sent): initial * 2^n, capped at max_backoff.
  Duration wait = config_.initial_backoff;
  for (int i = 0; i < retries && wait < config_.max_backoff; ++i) {
    wait *= 2;
  }
  return std::min(wait, config_.max_backoff);
}

void DtlsRetrySchedule::Start(Instant now) {
  state_ = State::kHandshaking;
  retries_done_ = 0;
  ++attempts_;
  deadline_ = now + BackoffAfter(0);
}

DtlsRetrySchedule::Step DtlsRetrySchedule::Poll(Instant now) {
  if (now < deadline_) {
    return Step::kWait;
  }
  switch (state_) {
    case State::kHandshaking:
      if (retries_done_ < config_.max_retries) {
        ++retries_done_;
        deadline_ = now + BackoffAfter(retries_done_);
        return Step::kRetransmit;
      }
      state_ = State::kWaitingRetry;
      deadline_ = config_.retry_period > Duration(0) ? now + config_.retry_period : Instant::Max();
      return Step::kGiveUp;
    case State::kWaitingRetry: Start(now); return Step::kStartAttempt;
    case State::kIdle:
    case State::kDone: break;
  }
  return Step::kWait;
}

Instant DtlsRetrySchedule::NextDeadline() const { return deadline_; }

void DtlsRetrySchedule::OnHandshakeDone() {
  state_ = State::kDone;
  deadline_ = Instant::Max();
}

void DtlsRetrySchedule::Stop() {
  state_ = State::kIdle;
  deadline_ = Instant::Max();
}

}  // namespace sekisho::proto::session

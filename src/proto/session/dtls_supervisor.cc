#include "proto/session/dtls_supervisor.h"

#include <algorithm>

namespace sekisho::proto::session {

DtlsSupervisor::DtlsSupervisor(Config config, std::uint32_t dtls_mtu, std::uint32_t cstp_mtu)
    : config_(config), dtls_mtu_(dtls_mtu), cstp_mtu_(cstp_mtu), schedule_(config) {}

Duration DtlsSupervisor::NominalBackoff(int retry) const {
  Duration wait = config_.initial_backoff;
  for (int i = 1; i < retry && wait < config_.max_backoff; ++i) {
    wait *= 2;
  }
  return std::min(wait, config_.max_backoff);
}

void DtlsSupervisor::StartAttempt(Instant now) {
  state_ = State::kHandshaking;
  answered_ = false;
  attempt_start_ = now;
  retry_at_ = Instant::Max();
  schedule_.Start(now);
}

void DtlsSupervisor::OnPeerAnswered() {
  if (state_ != State::kHandshaking || answered_) {
    return;
  }
  // UDP works: the rest of the handshake is the engine's business (its own timer and limit).
  answered_ = true;
  schedule_.Stop();
}

void DtlsSupervisor::OnHandshakeDone() {
  state_ = State::kUp;
  fallback_ = false;
  retry_at_ = Instant::Max();
  schedule_.OnHandshakeDone();
}

void DtlsSupervisor::OnFailed(Instant now) {
  state_ = State::kWaiting;
  fallback_ = true;
  schedule_.Stop();
  retry_at_ = config_.retry_period > Duration(0) ? now + config_.retry_period : Instant::Max();
}

DtlsSupervisor::Step DtlsSupervisor::Poll(Instant now) {
  Step step;
  if (now < NextDeadline()) {
    return step;
  }
  if (state_ == State::kWaiting && retry_at_ != Instant::Max()) {
    // A failure after an answer: the schedule is stopped, our own retry instant applies.
    StartAttempt(now);
    step.kind = Step::Kind::kStartAttempt;
    return step;
  }
  switch (schedule_.Poll(now)) {
    case DtlsRetrySchedule::Step::kWait: break;
    case DtlsRetrySchedule::Step::kRetransmit:
      step.kind = Step::Kind::kRetransmit;
      step.retry = schedule_.retries_done();
      step.backoff = NominalBackoff(step.retry);
      step.since_start = now - attempt_start_;
      break;
    case DtlsRetrySchedule::Step::kGiveUp:
      state_ = State::kWaiting;
      fallback_ = true;
      step.kind = Step::Kind::kGiveUp;
      step.since_start = now - attempt_start_;
      break;
    case DtlsRetrySchedule::Step::kStartAttempt:
      // The schedule restarted itself at `now`.
      state_ = State::kHandshaking;
      answered_ = false;
      attempt_start_ = now;
      step.kind = Step::Kind::kStartAttempt;
      break;
  }
  return step;
}

Instant DtlsSupervisor::NextDeadline() const {
  if (state_ == State::kWaiting && retry_at_ != Instant::Max()) {
    return retry_at_;
  }
  if (state_ == State::kHandshaking && answered_) {
    return Instant::Max();
  }
  return schedule_.NextDeadline();
}

}  // namespace sekisho::proto::session

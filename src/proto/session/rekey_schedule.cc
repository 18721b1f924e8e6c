#include "proto/session/rekey_schedule.h"

#include "base/strings.h"

#include <algorithm>

namespace sekisho::proto::session {

RekeyMethod ParseRekeyMethod(std::string_view text) {
  if (EqualsIgnoreCase(text, "ssl")) {
    return RekeyMethod::kSsl;
  }
  if (EqualsIgnoreCase(text, "new-tunnel")) {
    return RekeyMethod::kNewTunnel;
  }
  return RekeyMethod::kNone;
}

std::string_view RekeyMethodName(RekeyMethod method) {
  switch (method) {
    case RekeyMethod::kSsl: return "ssl";
    case RekeyMethod::kNewTunnel: return "new-tunnel";
    case RekeyMethod::kNone: break;
  }
  return "none";
}

Duration RekeySchedule::Lead(Duration interval) {
  return std::min<Duration>(interval / 10, seconds(60));
}

RekeySchedule::RekeySchedule(Config config, Instant now) : config_(config) {
  if (enabled()) {
    OnDone(now);
    done_ = 0;  // the CONNECT's fresh keys are not a rekey
  }
}

Instant RekeySchedule::NextDeadline() const {
  return in_progress() || !enabled() ? Instant::Max() : due_;
}

RekeySchedule::Action RekeySchedule::Poll(Instant now) {
  if (in_progress() || !enabled() || now < due_) {
    return Action::kNone;
  }
  in_progress_ = next_;
  return in_progress_;
}

void RekeySchedule::OnDone(Instant now) {
  in_progress_ = Action::kNone;
  failures_ = 0;
  ++done_;
  due_ = now + config_.interval - Lead(config_.interval);
  next_ = config_.method == RekeyMethod::kSsl ? Action::kRehandshake : Action::kNewTunnel;
}

void RekeySchedule::OnFailed(Instant now) {
  if (!in_progress()) {
    return;
  }
  ++failures_;
  const Action failed = in_progress_;
  in_progress_ = Action::kNone;
  next_ = Action::kNewTunnel;
  // A refused renegotiation falls back to a new tunnel at once, as openconnect does; a failed
  // new tunnel is tried again later, the old one still carrying data.
  due_ = failed == Action::kRehandshake ? now : now + config_.retry_period;
}

}  // namespace sekisho::proto::session

#include "proto/session/liveness.h"

#include <algorithm>

namespace sekisho::proto::session {
namespace {

constexpr Duration kZero{0};

Duration ClampInterval(Duration d) {
  return std::clamp(d, kZero, Duration(ChannelLiveness::kMaxInterval));
}

}  // namespace

ChannelLiveness::ChannelLiveness(Duration dpd, Duration keepalive, Role role, Instant now)
    : dpd_(ClampInterval(dpd)),
      keepalive_(ClampInterval(keepalive)),
      role_(role),
      last_rx_(now),
      last_tx_(now) {}

void ChannelLiveness::OnReceived(Instant now) { last_rx_ = std::max(last_rx_, now); }

void ChannelLiveness::OnSent(Instant now) { last_tx_ = std::max(last_tx_, now); }

Instant ChannelLiveness::DeadAt() const {
  // openconnect gives up after 2*DPD of silence; ocserv tolerates 3*DPD.
  return last_rx_ + (role_ == Role::kClient ? 2 : 3) * dpd_;
}

Instant ChannelLiveness::DpdDueAt() const {
  if (last_dpd_ && *last_dpd_ > last_rx_) {
    // A DPD is outstanding: resend at half the interval (openconnect keepalive_action).
    return *last_dpd_ + dpd_ / 2;
  }
  // ocserv only probes after 2*DPD of silence (its periodic check), openconnect after DPD.
  return last_rx_ + (role_ == Role::kClient ? 1 : 2) * dpd_;
}

ChannelLiveness::Action ChannelLiveness::Poll(Instant now) {
  if (dead_) {
    return Action::kPeerDead;
  }
  if (dpd_ > kZero) {
    if (now >= DeadAt()) {
      dead_ = true;
      return Action::kPeerDead;
    }
    if (now >= DpdDueAt()) {
      last_dpd_ = now;
      last_tx_ = std::max(last_tx_, now);
      return Action::kSendDpd;
    }
  }
  if (keepalive_ > kZero && now >= last_tx_ + keepalive_) {
    last_tx_ = now;
    return Action::kSendKeepalive;
  }
  return Action::kNone;
}

Instant ChannelLiveness::NextDeadline() const {
  if (dead_) {
    return Instant::Max();
  }
  Instant next = Instant::Max();
  if (dpd_ > kZero) {
    next = std::min({next, DeadAt(), DpdDueAt()});
  }
  if (keepalive_ > kZero) {
    next = std::min(next, last_tx_ + keepalive_);
  }
  return next;
}

IdleTimer::IdleTimer(std::optional<Duration> timeout, Instant now) : last_data_(now) {
  if (timeout && *timeout > kZero) {
    timeout_ = ClampInterval(*timeout);
  }
}

void IdleTimer::OnData(Instant now) { last_data_ = std::max(last_data_, now); }

bool IdleTimer::Expired(Instant now) const { return timeout_ && now >= last_data_ + *timeout_; }

Instant IdleTimer::NextDeadline() const {
  return timeout_ ? last_data_ + *timeout_ : Instant::Max();
}

Instant SessionDeadline(Instant start, std::optional<Duration> lifetime) {
  if (!lifetime || *lifetime <= kZero) {
    return Instant::Max();
  }
  return start + ClampInterval(*lifetime);
}

std::optional<std::uint32_t> SecondsRemaining(Instant deadline, Instant now) {
  if (deadline == Instant::Max()) {
    return std::nullopt;
  }
  if (now >= deadline) {
    return 0;
  }
  const Duration left = deadline - now;
  const auto secs = std::chrono::ceil<std::chrono::seconds>(left).count();
  return static_cast<std::uint32_t>(std::min<std::int64_t>(secs, UINT32_MAX));
}

std::optional<std::uint32_t> ClientSessionLimitSeconds(std::optional<std::uint32_t> lease_s,
                                                       std::optional<std::uint32_t> timeout_s,
                                                       std::optional<std::uint32_t> remaining_s) {
  std::optional<std::uint32_t> best;
  for (const auto& v : {lease_s, timeout_s, remaining_s}) {
    if (v && *v != 0 && (!best || *v < *best)) {
      best = v;
    }
  }
  return best;
}

}  // namespace sekisho::proto::session

#include "proto/session/path_mtu.h"

#include <algorithm>

namespace sekisho::proto::session {
namespace {

constexpr std::size_t kIdSize = 4;

}  // namespace

PathMtuProber::PathMtuProber(Config config) : config_(config), next_id_(config.id_seed) {
  config_.tries = std::max(config_.tries, 1);
  config_.floor = std::max<std::uint32_t>(config_.floor, kIdSize);
}

void PathMtuProber::Start(Instant now) {
  state_ = State::kSearching;
  recheck_ = false;
  ceiling_only_ = false;
  change_pending_ = false;
  good_ = config_.floor;
  bad_ = config_.ceiling + 1;
  if (config_.ceiling <= config_.floor) {
    good_ = config_.ceiling;  // nothing to search: X-DTLS-MTU is all we may use anyway
    Settle(now);
    return;
  }
  Probe(config_.ceiling, now);  // the usual answer, found in one round trip
}

void PathMtuProber::Stop() {
  state_ = State::kIdle;
  change_pending_ = false;
  deadline_ = Instant::Max();
}

void PathMtuProber::Probe(std::uint32_t size, Instant now) {
  trying_ = size;
  probe_id_ = next_id_++;
  tries_sent_ = 0;
  deadline_ = now;
}

void PathMtuProber::OnEcho(ByteSpan payload, Instant now) {
  if (state_ != State::kSearching || tries_sent_ == 0 || payload.size() != trying_ ||
      payload.size() < kIdSize) {
    return;
  }
  const std::uint32_t id = (std::uint32_t{payload[0]} << 24) | (std::uint32_t{payload[1]} << 16) |
                           (std::uint32_t{payload[2]} << 8) | std::uint32_t{payload[3]};
  if (id != probe_id_) {
    return;  // a late echo of an earlier size, or not ours
  }
  if (recheck_) {
    // The current size still passes; the path may also have grown back: one look at the top.
    recheck_ = false;
    good_ = trying_;
    bad_ = config_.ceiling + 1;
    if (trying_ < config_.ceiling) {
      ceiling_only_ = true;
      Probe(config_.ceiling, now);
      return;
    }
    Settle(now);
    return;
  }
  good_ = trying_;
  Next(now);
}

PathMtuProber::Step PathMtuProber::Poll(Instant now) {
  Step step;
  if (state_ == State::kIdle || now < deadline_) {
    return step;
  }
  if (state_ == State::kSettled) {
    if (change_pending_) {
      change_pending_ = false;
      deadline_ =
          config_.recheck_interval > Duration(0) ? now + config_.recheck_interval : Instant::Max();
      step.kind = Step::Kind::kMtuChanged;
      step.mtu = mtu_;
      return step;
    }
    // Recheck: does the size we use still pass?
    state_ = State::kSearching;
    recheck_ = true;
    ceiling_only_ = false;
    Probe(mtu_, now);
  }
  if (tries_sent_ < config_.tries) {
    ++tries_sent_;
    deadline_ = now + config_.probe_interval;
    step.kind = Step::Kind::kSendProbe;
    step.size = trying_;
    return step;
  }
  // Silence after every try: this size does not pass.
  if (ceiling_only_) {
    Settle(now);  // good_ is the size the recheck confirmed
  } else if (recheck_) {
    recheck_ = false;  // the path shrank below what we use: search below it
    good_ = config_.floor;
    bad_ = trying_;
    Next(now);
  } else {
    bad_ = trying_;
    Next(now);
  }
  return step;
}

void PathMtuProber::Next(Instant now) {
  if (bad_ <= good_ + 1) {
    Settle(now);
    return;
  }
  Probe(good_ + (bad_ - good_) / 2, now);
}

void PathMtuProber::Settle(Instant now) {
  state_ = State::kSettled;
  ceiling_only_ = false;
  recheck_ = false;
  // When even the floor's neighbour failed, the floor is what we use (as openconnect does):
  // below it the tunnel would not be usable anyway.
  const std::uint32_t found = std::min(good_, config_.ceiling);
  change_pending_ = found != mtu_;
  mtu_ = found;
  if (change_pending_) {
    deadline_ = now;
  } else {
    deadline_ =
        config_.recheck_interval > Duration(0) ? now + config_.recheck_interval : Instant::Max();
  }
}

Instant PathMtuProber::NextDeadline() const {
  return state_ == State::kIdle ? Instant::Max() : deadline_;
}

std::size_t PathMtuProber::ProbePayload(MutableByteSpan out) const {
  const std::size_t size = std::min<std::size_t>(trying_, out.size());
  std::fill_n(out.begin(), size, std::uint8_t{0});
  for (std::size_t i = 0; i < kIdSize && i < size; ++i) {
    out[i] = static_cast<std::uint8_t>(probe_id_ >> (8 * (kIdSize - 1 - i)));
  }
  return size;
}

}  // namespace sekisho::proto::session

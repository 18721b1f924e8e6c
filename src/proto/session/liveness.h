#pragma once
// Per-channel liveness timers (anyconnect.md §9): dead-peer detection and keepalives for one
// channel (CSTP or DTLS), plus the session-wide idle timer and lifetime deadline. Pure logic:
// every input carries `now`, nothing reads a clock.
//
// ChannelLiveness, client flavour (openconnect 9.01, §9.2):
//   no rx for DPD              -> kSendDpd
//   DPD outstanding, DPD/2 later -> kSendDpd again
//   no rx for 2*DPD            -> kPeerDead   (CSTP: reconnect; DTLS: fall back, redo DTLS)
// Gateway flavour (ocserv 1.1.6, §9.3):
//   no rx for 2*DPD            -> kSendDpd (again every DPD/2 while outstanding)
//   no rx for 3*DPD            -> kPeerDead   (CSTP: end the tunnel; DTLS: send on CSTP)
// Both: nothing sent for KEEPALIVE -> kSendKeepalive. A zero interval disables that timer.
//
// Thread-compatible (no internal locking).

#include "base/time.h"

#include <cstdint>
#include <optional>

namespace sekisho::proto::session {

class ChannelLiveness {
 public:
  enum class Role { kClient, kGateway };
  enum class Action { kNone, kSendDpd, kSendKeepalive, kPeerDead };

  static constexpr Duration kMaxInterval = std::chrono::hours(24 * 365);

  // Starts the timers at `now` as if a packet had just been sent and received. Intervals come
  // from the peer (X-CSTP-DPD...), so they are clamped to [0, kMaxInterval].
  ChannelLiveness(Duration dpd, Duration keepalive, Role role, Instant now);

  // Any packet received on this channel (DATA, DPD, keepalive...) proves the peer alive.
  void OnReceived(Instant now);
  // Any packet sent on this channel; resets the keepalive timer.
  void OnSent(Instant now);

  // What to do now. At most one action per call; the caller must perform it (Poll records a
  // returned kSendDpd/kSendKeepalive as sent, so calling again at the same instant returns
  // kNone). kPeerDead is sticky. Call at or after NextDeadline().
  Action Poll(Instant now);

  // When Poll next has something to do; Instant::Max() when every timer is off or the peer was
  // declared dead.
  Instant NextDeadline() const;

  bool peer_dead() const { return dead_; }

 private:
  Instant DeadAt() const;
  Instant DpdDueAt() const;

  Duration dpd_;
  Duration keepalive_;
  Role role_;
  Instant last_rx_;
  Instant last_tx_;
  std::optional<Instant> last_dpd_;
  bool dead_ = false;
};

// No DATA in either direction for the idle timeout -> expire (§9.3, X-CSTP-Idle-Timeout).
// Control packets (DPD, keepalive) do not count as activity.
class IdleTimer {
 public:
  // nullopt or a zero timeout disables the timer.
  IdleTimer(std::optional<Duration> timeout, Instant now);

  void OnData(Instant now);
  bool Expired(Instant now) const;
  // Instant::Max() when disabled.
  Instant NextDeadline() const;

 private:
  std::optional<Duration> timeout_;
  Instant last_data_;
};

// The instant a session of `lifetime` started at `start` must end; Instant::Max() for nullopt
// or zero (unlimited, decision #24).
Instant SessionDeadline(Instant start, std::optional<Duration> lifetime);

// Whole seconds left before `deadline` (rounded up) for X-CSTP-Session-Timeout-Remaining;
// nullopt when unlimited, 0 once past.
std::optional<std::uint32_t> SecondsRemaining(Instant deadline, Instant now);

// Client: openconnect's "authentication expires" rule — the smallest non-zero of
// Lease-Duration, Session-Timeout and Session-Timeout-Remaining (§6.3); nullopt if none.
std::optional<std::uint32_t> ClientSessionLimitSeconds(std::optional<std::uint32_t> lease_s,
                                                       std::optional<std::uint32_t> timeout_s,
                                                       std::optional<std::uint32_t> remaining_s);

}  // namespace sekisho::proto::session

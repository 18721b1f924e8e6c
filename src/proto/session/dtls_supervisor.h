#pragma once
// DtlsSupervisor: when the client's DTLS channel is attempted, given up, retried, and which MTU
// the TUN should have meanwhile (anyconnect.md §8.7, §10, decisions #1 and #25). Pure logic on
// top of DtlsRetrySchedule: every input carries `now`, nothing reads a clock.
//
//   StartAttempt(t0)            first ClientHello of an attempt leaves at t0
//   Poll -> kRetransmit x5      t0+1, +3, +7, +15, +31 (backoff 1, 2, 4, 8, 16 s)
//   Poll -> kGiveUp             t0+47: no answer at all ("UDP blocked?"): TUN to X-CSTP-MTU
//   Poll -> kStartAttempt       t0+47+retry_period: new socket, new ClientHello #1 (schedule
//                               restarted at that instant)
//
//   OnPeerAnswered()   the gateway answered: UDP works, the ClientHello schedule stops and the
//                      rest of the handshake runs on the DTLS engine's own timer (60 s limit)
//   OnHandshakeDone()  DTLS up: TUN back to the DTLS MTU if it had been lowered
//   OnFailed(now)      the handshake failed after an answer, or the socket failed: TUN to
//                      X-CSTP-MTU, next attempt after retry_period
//   StartAttempt(now)  also after an established channel died (DPD): openconnect retries at
//                      once; the MTU stays until that attempt too gives up
//
//          StartAttempt            OnHandshakeDone
//   kIdle -------------> kHandshaking -----------> kUp --(dead)--> StartAttempt
//                         |   ^ kStartAttempt
//      kGiveUp / OnFailed v   |
//                        kWaiting
//
// Why give up at t0+47 and not when the 5th retry leaves (t0+31): the 5th retry deserves the
// same chance to be answered as the others, one capped backoff (16 s). Data flows over TLS all
// along, so the only cost of waiting is that the TUN keeps the DTLS MTU 16 s longer.
//
// Thread-compatible.

#include "base/time.h"
#include "proto/session/dtls_retry.h"

#include <cstdint>

namespace sekisho::proto::session {

class DtlsSupervisor {
 public:
  using Config = DtlsRetrySchedule::Config;

  enum class State { kIdle, kHandshaking, kUp, kWaiting };

  struct Step {
    enum class Kind { kNone, kRetransmit, kGiveUp, kStartAttempt };
    Kind kind = Kind::kNone;
    int retry = 0;            // kRetransmit: 1..max_retries
    Duration backoff{0};      // kRetransmit: the nominal wait before this retry
    Duration since_start{0};  // kRetransmit/kGiveUp: time since the attempt's ClientHello #1
  };

  // `dtls_mtu`/`cstp_mtu`: the TUN MTU with and without DTLS (decision #1).
  DtlsSupervisor(Config config, std::uint32_t dtls_mtu, std::uint32_t cstp_mtu);

  void StartAttempt(Instant now);
  void OnPeerAnswered();
  void OnHandshakeDone();
  void OnFailed(Instant now);

  // At most one step per call; call at or after NextDeadline(). kRetransmit: resend the
  // ClientHello. kGiveUp: abandon the attempt (close the socket). kStartAttempt: begin a new
  // attempt at `now` (already recorded: do not call StartAttempt).
  Step Poll(Instant now);
  // Instant::Max() when nothing is scheduled.
  Instant NextDeadline() const;

  State state() const { return state_; }
  int max_retries() const { return config_.max_retries; }
  // The MTU the TUN should have now.
  std::uint32_t tun_mtu() const { return fallback_ ? cstp_mtu_ : dtls_mtu_; }

 private:
  Duration NominalBackoff(int retry) const;

  Config config_;
  std::uint32_t dtls_mtu_;
  std::uint32_t cstp_mtu_;
  DtlsRetrySchedule schedule_;
  State state_ = State::kIdle;
  bool answered_ = false;
  bool fallback_ = false;
  Instant attempt_start_;
  Instant retry_at_ = Instant::Max();  // kWaiting after OnFailed
};

}  // namespace sekisho::proto::session

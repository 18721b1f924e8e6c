#pragma once
// The client's schedule for bringing DTLS up when UDP may be blocked (anyconnect.md §10.1,
// §10.3, decision #25): Cisco's ClientHello retransmission backoff, then give up and run the
// tunnel over TLS with X-CSTP-MTU, then try a fresh DTLS handshake every retry period.
//
//   Start(t0): ClientHello #1 sent by the caller at t0
//   t0+1  kRetransmit (#1)     backoff doubles: 1, 2, 4, 8, 16 s
//   t0+3  kRetransmit (#2)
//   t0+7  kRetransmit (#3)
//   t0+15 kRetransmit (#4)
//   t0+31 kRetransmit (#5)     last retry, then wait one more max_backoff for the answer
//   t0+47 kGiveUp              caller: data over CSTP, adapter MTU = X-CSTP-MTU
//   t0+107 kStartAttempt       caller: new DTLS handshake; schedule restarts as at Start
//
//        Start            OnHandshakeDone
//   kIdle ----> kHandshaking ----------> kDone
//                 |   ^ kStartAttempt
//         kGiveUp v   |
//               kWaitingRetry         Stop() from any state -> kIdle
//
// The retransmissions are a policy: the TLS layer may own its own timer, but must follow
// these instants. Pure logic; thread-compatible.

#include "base/time.h"

namespace sekisho::proto::session {

class DtlsRetrySchedule {
 public:
  struct Config {
    Duration initial_backoff = std::chrono::seconds(1);
    Duration max_backoff = std::chrono::seconds(16);
    int max_retries = 5;
    // After giving up, how long until a fresh attempt (openconnect's dtls_attempt_period).
    // Zero: never retry.
    Duration retry_period = std::chrono::seconds(60);
  };

  enum class Step {
    kWait,          // nothing to do before NextDeadline()
    kRetransmit,    // resend the ClientHello
    kGiveUp,        // DTLS failed: fall back to CSTP and X-CSTP-MTU (reported once)
    kStartAttempt,  // begin a new DTLS handshake (a new ClientHello #1)
  };

  DtlsRetrySchedule() : DtlsRetrySchedule(Config{}) {}
  explicit DtlsRetrySchedule(Config config);

  // The first ClientHello of an attempt goes out at `now`. Also used to restart at once (e.g.
  // the DTLS peer was declared dead).
  void Start(Instant now);
  // One step per call; call at or after NextDeadline(). A kRetransmit or kStartAttempt is
  // recorded as done.
  Step Poll(Instant now);
  // Instant::Max() when idle or done.
  Instant NextDeadline() const;
  // The handshake completed: stop all timers.
  void OnHandshakeDone();
  // DTLS abandoned for good (e.g. sending on UDP failed with EPERM): stop all timers.
  void Stop();

  // Retransmissions sent in the current attempt.
  int retries_done() const { return retries_done_; }
  // Attempts started since construction (Start and kStartAttempt).
  int attempts() const { return attempts_; }
  bool handshaking() const { return state_ == State::kHandshaking; }
  bool gave_up() const { return state_ == State::kWaitingRetry; }

 private:
  enum class State { kIdle, kHandshaking, kWaitingRetry, kDone };

  Duration BackoffAfter(int retries) const;

  Config config_;
  State state_ = State::kIdle;
  Instant deadline_ = Instant::Max();
  int retries_done_ = 0;
  int attempts_ = 0;
};

}  // namespace sekisho::proto::session

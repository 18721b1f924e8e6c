#pragma once
// RekeySchedule: when and how the client rekeys its tunnel (X-CSTP-Rekey-Time and
// X-CSTP-Rekey-Method of the CONNECT answer, anyconnect.md §7), without sockets or a clock.
// The client's Tunnel owns one beside its TunnelCore, folds NextDeadline() into its timer and
// performs what Poll() returns; the gateway does not use it (it only announces the method).
//
// Methods (what the real peers do, docs/client.md "Rekey"):
//   kSsl        renegotiate the TLS session in place: a second handshake on TLS 1.2 (ocserv
//               answers a client-initiated renegotiation and refuses one sooner than half the
//               rekey time after the previous), a KeyUpdate asking the peer to update too on
//               TLS 1.3 (what gnutls_handshake() on an established TLS 1.3 client session does,
//               hence what openconnect 9.01 sends). When it fails, openconnect opens a new
//               tunnel instead; so do we, at once.
//   kNewTunnel  a new TLS connection + CONNECT with the cookie, made before the old one is
//               let go (openconnect closes first and reconnects; we keep the data flowing).
//
// Timing: the first rekey is due at start + interval - Lead(interval): a tenth of the interval
// early, at most a minute (still past the half-interval ocserv insists on), so the new keys
// are in place before the gateway's rekey time runs out. While one is in progress nothing else
// is due; OnDone() starts the next interval, OnFailed() falls back (kSsl -> kNewTunnel now) or
// retries the new tunnel after retry_period, never later than the interval's end allows: an
// attempt is always tried again, the old tunnel keeps carrying data meanwhile, and should the
// gateway drop it the reconnect path takes over.
//
// Thread-compatible; every input carries `now`.

#include "base/time.h"

#include <string_view>

namespace sekisho::proto::session {

enum class RekeyMethod { kNone, kSsl, kNewTunnel };

// "ssl" and "new-tunnel" (case-insensitive, as sent in X-CSTP-Rekey-Method); anything else,
// "none" and an absent header included, is kNone.
RekeyMethod ParseRekeyMethod(std::string_view text);
std::string_view RekeyMethodName(RekeyMethod method);  // "ssl", "new-tunnel", "none"

class RekeySchedule {
 public:
  struct Config {
    RekeyMethod method = RekeyMethod::kNone;
    Duration interval{0};                 // X-CSTP-Rekey-Time; 0 = never
    Duration retry_period = seconds(10);  // after a failed new tunnel
  };

  // What the shell must do now.
  enum class Action {
    kNone,
    kRehandshake,  // kSsl: renegotiate (TLS 1.2) or update the keys (TLS 1.3) in place
    kNewTunnel,    // open a new TLS connection, CONNECT with the cookie, move the data to it
  };

  // The keys are fresh at `now` (the CONNECT just succeeded).
  RekeySchedule(Config config, Instant now);

  bool enabled() const {
    return config_.method != RekeyMethod::kNone && config_.interval > Duration(0);
  }
  // When Poll() must next be called; Instant::Max() while disabled or in progress.
  Instant NextDeadline() const;
  // Due (now >= NextDeadline()): the action, and the rekey counts as in progress until OnDone
  // or OnFailed. Otherwise kNone.
  Action Poll(Instant now);
  // The rekey in progress completed: the keys are fresh at `now`.
  void OnDone(Instant now);
  // The rekey in progress failed (the old keys still work).
  void OnFailed(Instant now);

  bool in_progress() const { return in_progress_ != Action::kNone; }
  int rekeys_done() const { return done_; }
  int failures() const { return failures_; }  // since the last success

  // How early a rekey is started before the interval runs out.
  static Duration Lead(Duration interval);

 private:
  Config config_;
  Instant due_ = Instant::Max();
  Action next_ = Action::kNone;
  Action in_progress_ = Action::kNone;
  int done_ = 0;
  int failures_ = 0;
};

}  // namespace sekisho::proto::session

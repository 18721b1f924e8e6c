#pragma once
// PathMtuProber: finds the largest tunnel packet the UDP path really carries, with padded DPD
// requests over DTLS (anyconnect.md §8.9, openconnect's MTU detection). A probe of size N is a
// DPD-REQ whose payload is N bytes (a 4-byte id, then zeros), so its DTLS record is exactly as
// large as a DATA record carrying an N-byte IP packet. Both gateways echo DPD-REQ byte for byte
// as DPD-RESP (decision #10; ocserv echoes the whole datagram), so an echo of the same size and
// id proves N passes; silence after `tries` probes means it does not (a black hole drops big
// datagrams without telling anyone, which is why the kernel's PMTU discovery is not enough).
//
// Search (binary, between a floor assumed to pass and the ceiling X-DTLS-MTU):
//
//   Start(now)        DTLS up: probe the ceiling first (the usual answer: one round trip),
//                     then bisect (good, bad) until they are adjacent; mtu() = good.
//   recheck           every recheck_interval after a result: probe the current mtu() again.
//                     Echoed: if below the ceiling, one probe of the ceiling (the path may have
//                     grown); silent: bisect (floor, current) - the path shrank.
//   Stop()            DTLS down: probing stops, mtu() keeps the last result (the path does not
//                     change because a DTLS channel died); the next Start searches again.
//
//          Start                 adjacent bounds               recheck_interval
//   kIdle -------> kSearching ---------------------> kSettled ----------------> kSearching
//                                                    Stop() from any state -> kIdle
//
// Poll() returns at most one step: kSendProbe (queue a DPD-REQ with ProbePayload()) or
// kMtuChanged (a search ended with a different mtu()). Pure logic, no clock (every input
// carries `now`); thread-compatible.

#include "base/bytes.h"
#include "base/time.h"

#include <cstdint>

namespace sekisho::proto::session {

class PathMtuProber {
 public:
  struct Config {
    // Assumed to pass without probing: 576 (IPv4's minimum), 1280 when the tunnel carries IPv6
    // (a smaller TUN MTU would remove IPv6 from the interface).
    std::uint32_t floor = 576;
    // X-DTLS-MTU: never probed above, never reported above.
    std::uint32_t ceiling = 0;
    // Between two probes of one size, and how many probes one size gets before it counts as
    // too large (openconnect: 6 x 50 ms; a little more patience here for slower paths).
    Duration probe_interval = std::chrono::milliseconds(200);
    int tries = 3;
    // After a result, how often the current size is checked again (0 = only after Start).
    Duration recheck_interval = std::chrono::seconds(60);
    // Seeds the probe ids (the shell passes randomness: an echo must answer our probe).
    std::uint32_t id_seed = 0;
  };

  struct Step {
    enum class Kind { kNone, kSendProbe, kMtuChanged };
    Kind kind = Kind::kNone;
    std::uint32_t size = 0;  // kSendProbe: the DPD-REQ payload size (= the IP packet size)
    std::uint32_t mtu = 0;   // kMtuChanged: the new mtu()
  };

  enum class State { kIdle, kSearching, kSettled };

  explicit PathMtuProber(Config config);

  void Start(Instant now);
  void Stop();
  // A DPD-RESP payload arrived on DTLS. Echoes of anything but the probe in flight are ignored.
  void OnEcho(ByteSpan payload, Instant now);
  // Call at or after NextDeadline().
  Step Poll(Instant now);
  // Instant::Max() when idle (or settled without rechecks).
  Instant NextDeadline() const;

  // Writes the current probe's payload (id + zeros, `size` bytes) into `out`; returns its size.
  // REQUIRES: out.size() >= the size Poll returned with kSendProbe.
  std::size_t ProbePayload(MutableByteSpan out) const;

  State state() const { return state_; }
  // The path MTU found by the last finished search; 0 before the first one.
  std::uint32_t mtu() const { return mtu_; }
  // The size being probed (kSearching).
  std::uint32_t probing() const { return trying_; }
  const Config& config() const { return config_; }

 private:
  void Probe(std::uint32_t size, Instant now);
  // Moves to the next size after `trying_` passed or failed; settles when the bounds meet.
  void Next(Instant now);
  void Settle(Instant now);

  Config config_;
  State state_ = State::kIdle;
  bool recheck_ = false;       // this search began by re-probing mtu_
  bool ceiling_only_ = false;  // a recheck passed: one probe of the ceiling, then settle
  std::uint32_t good_ = 0;     // largest size known to pass
  std::uint32_t bad_ = 0;      // smallest size known to fail (ceiling + 1: none yet)
  std::uint32_t trying_ = 0;
  std::uint32_t probe_id_ = 0;  // of trying_; every try of one size carries the same id
  std::uint32_t next_id_ = 0;
  int tries_sent_ = 0;
  Instant deadline_ = Instant::Max();  // next probe, or (settled) the change report / recheck
  bool change_pending_ = false;        // settled with a new mtu_, not yet returned by Poll
  std::uint32_t mtu_ = 0;
};

}  // namespace sekisho::proto::session

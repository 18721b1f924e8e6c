#pragma once
// ConnectionLimits: main's admission control for client TCP connections (docs/config.md
// [limits], issue 11). Main accepts every connection, so it keeps the counts for the whole
// gateway: each connection is admitted here before it is served (by a worker, or in-process with
// --single-process) and then followed through its phases:
//
//   Admit --> kHandshake --TLS done--> kEstablished --CONNECT granted--> kTunnel
//                 |                         |                               |
//                 +-------------------------+------------ Close ------------+--> (forgotten)
//
// A connection over any limit is refused at Admit (the caller closes it at once); connections
// already admitted are never touched. The limits:
//   total        every admitted connection, tunnels included;
//   pre_login    connections without a tunnel yet (kHandshake + kEstablished);
//   handshakes   connections still in their TLS handshake;
//   per_address  connections (any phase) from one source: an IPv4 address, or an IPv6 /64
//                (one subscriber's usual allocation, so one host cannot dodge the limit by
//                cycling through its own addresses).
//
// Pure: no I/O, no clock. Phase reports for unknown ids (late, duplicated, or from a worker that
// lies about ids it never got) are ignored. Not thread-safe.

#include "base/time.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sekisho::gateway {

struct AdmissionLimits {
  std::size_t total = 4096;
  std::size_t pre_login = 1024;
  std::size_t handshakes = 512;
  std::size_t per_address = 64;
};

enum class Refusal { kTotal, kPreLogin, kHandshakes, kPerAddress };
// "too many connections", ... for log lines.
std::string_view RefusalText(Refusal refusal);

// The bucket `peer_ip` counts in: the address itself for IPv4 (an IPv4-mapped IPv6 address
// counts as its IPv4 address), "prefix/64" for IPv6, the text itself when it does not parse.
std::string SourceKey(std::string_view peer_ip);

class ConnectionLimits {
 public:
  enum class Phase { kHandshake, kEstablished, kTunnel };

  explicit ConnectionLimits(AdmissionLimits limits);
  // New limits (a configuration reload): they apply to the next admissions; connections
  // already admitted are never closed for being over them.
  void set_limits(AdmissionLimits limits) { limits_ = limits; }

  // Admits connection `id` from `peer_ip` in kHandshake, or says which limit refuses it (then
  // nothing is recorded). REQUIRES: `id` is not admitted already.
  // `admitted` (when it was accepted) is only handed back to the on_established observer.
  std::optional<Refusal> Admit(std::uint64_t id, std::string_view peer_ip,
                               Instant admitted = Instant());
  // kHandshake -> kEstablished. Ignored for unknown ids and other phases.
  void Established(std::uint64_t id);
  // Told, with the connection's admission time, each time a handshake completes (kHandshake
  // -> kEstablished): the gateway's handshake-latency metric. Optional.
  void set_on_established(std::function<void(Instant admitted)> observer) {
    on_established_ = std::move(observer);
  }
  // kHandshake/kEstablished -> kTunnel. Ignored for unknown ids.
  void Tunnel(std::uint64_t id);
  // Forgets the connection, whatever its phase. Ignored for unknown ids.
  void Close(std::uint64_t id);

  // The configured value of the limit that produced `refusal`.
  std::size_t LimitOf(Refusal refusal) const;
  std::size_t total() const { return connections_.size(); }
  std::size_t pre_login() const { return handshakes_ + established_; }
  std::size_t handshakes() const { return handshakes_; }
  std::size_t from(std::string_view peer_ip) const;

 private:
  struct Entry {
    std::string source;
    Phase phase = Phase::kHandshake;
    Instant admitted;
  };

  void Leave(const Entry& entry);

  AdmissionLimits limits_;
  std::map<std::uint64_t, Entry> connections_;
  std::unordered_map<std::string, std::size_t> per_source_;
  std::size_t handshakes_ = 0;
  std::size_t established_ = 0;
  std::function<void(Instant)> on_established_;
};

}  // namespace sekisho::gateway

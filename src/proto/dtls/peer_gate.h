#pragma once
// DtlsPeerGate: what the gateway does with a DTLS ClientHello that names an existing session
// but arrives on no channel of it (anyconnect.md §8.3; issue #11). The session id in a
// ClientHello is no secret (it travels in clear), so anyone who saw one can replay it from
// any address. What they cannot do is complete the handshake: that needs the session's DTLS
// master secret or PSK. Hence:
//
//   from the established channel's peer        kRehandshake  replace the channel, as before
//   from another address, none in the last     kNewPeer      handshake on a separate channel
//     kNewPeerInterval                                       on probation; the established one
//                                                            carries traffic until it completes
//   from another address, again within         kRefuse       drop it: no flight is sent
//     kNewPeerInterval of the last kNewPeer
//
// A probation handshake that completes proves the peer knows the keys: the new address
// replaces the old one (a roaming client, or a NAT that changed its mapping). One that fails
// or is abandoned after kProbationLimit leaves the established channel untouched. At most one
// handshake per kNewPeerInterval is answered at an address the session has not proven, so a
// replayed ClientHello cannot turn the gateway into a reflector. ocserv's main process forwards
// a session's UDP socket to its worker at most once per 3 s (main.c, UDP_FD_RESEND_TIME).
//
// Thread-compatible; reads no clock.

#include "base/time.h"

#include <array>
#include <cstdint>
#include <optional>

namespace sekisho::proto::dtls {

// A UDP peer: IPv6 address or IPv4-mapped IPv6 address (network byte order) and port.
struct UdpPeer {
  std::array<std::uint8_t, 16> address{};
  std::uint16_t port = 0;
  friend bool operator==(const UdpPeer&, const UdpPeer&) = default;
};

// At most one handshake at a new address per session in this interval.
inline constexpr Duration kNewPeerInterval = seconds(3);
// A probation handshake not completed within this is abandoned (no longer than the interval,
// so at most one probation channel exists per session).
inline constexpr Duration kProbationLimit = seconds(3);

class DtlsPeerGate {
 public:
  enum class Verdict {
    kRehandshake,  // from the established peer: a new handshake replaces its channel
    kNewPeer,      // answer it: on probation if a channel is established, else as its channel
    kRefuse,       // drop it silently (rate limit)
  };

  // `established`: the peer of the session's established DTLS channel, nullopt when none is.
  // A kNewPeer verdict starts the interval at `now`.
  Verdict OnClientHello(Instant now, const std::optional<UdpPeer>& established,
                        const UdpPeer& from);

 private:
  std::optional<Instant> last_new_peer_;
};

}  // namespace sekisho::proto::dtls

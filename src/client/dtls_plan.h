#pragma once
// What the client offers for DTLS in its CONNECT request and what it makes of the gateway's
// answer (anyconnect.md §5, §6, §8.2, §8.8). Pure functions over proto/tunnel types: no
// sockets, no TLS; the randomness comes in as an Rng.
//
//   ConnectRequest request;                      // X-CSTP-* fields filled by the caller
//   SecretBytes secret = AddDtlsOffer(offer, rng, &request);   // fresh per CONNECT (#16)
//   ... CONNECT, ParseConnectResponse ...
//   Result<std::optional<ClientDtlsPlan>> plan = PlanClientDtls(response, offer, ipv6, 1500);
//     nullopt: the gateway offered no DTLS (TLS only, nothing to report as a failure);
//     error:   the gateway offered DTLS we cannot use (say why; TLS only);
//     a plan:  the mode, the UDP port, the id for the ClientHello, the MTUs and timers.

#include "base/bytes.h"
#include "base/redacted.h"
#include "base/result.h"
#include "base/rng.h"
#include "base/time.h"
#include "proto/tunnel/connect_request.h"
#include "proto/tunnel/connect_response.h"
#include "proto/tunnel/dtls_negotiation.h"

#include <cstdint>
#include <optional>
#include <string>

namespace sekisho::client {

// The client's DTLS offer (openconnect's options).
struct DtlsOffer {
  bool enabled = true;  // false: --no-dtls, no X-DTLS-* headers at all
  // --dtls-ciphers: replaces X-DTLS-CipherSuite (colon-separated). As in openconnect, giving it
  // without --dtls12-ciphers also drops the X-DTLS12-CipherSuite offer, so that a named legacy
  // suite really is what the gateway picks. Empty: ClientDtlsCipherOffer().
  std::string ciphers;
  // --dtls12-ciphers: replaces X-DTLS12-CipherSuite. Empty: ClientDtls12CipherOffer() unless
  // `ciphers` was given.
  std::string dtls12_ciphers;
};

// Fills request->dtls_master_secret (48 fresh random bytes, sent as 96 uppercase hex digits),
// dtls_ciphersuites and dtls12_ciphersuites, and leaves dtls_accept_encoding empty (we never
// compress). With offer.enabled false it clears all of them. Returns the master secret (empty
// when disabled), needed later for the resumed modes.
SecretBytes AddDtlsOffer(const DtlsOffer& offer, Rng& rng, proto::tunnel::ConnectRequest* request);

// Everything the DTLS side of the tunnel needs from one CONNECT response.
struct ClientDtlsPlan {
  proto::tunnel::DtlsSuite suite;     // mode, protocol and GnuTLS names; PSK: the expected suite
  std::uint16_t port = 0;             // X-DTLS-Port
  Bytes session_id;                   // PSK: X-DTLS-App-ID bytes; resumed: X-DTLS-Session-ID bytes
  std::uint32_t cstp_mtu = 0;         // TUN MTU while data goes over TLS (X-CSTP-MTU)
  std::uint32_t dtls_mtu = 0;         // TUN MTU while DTLS works (X-DTLS-MTU, PSK: PskDataMtu)
  std::uint32_t udp_payload_mtu = 0;  // largest UDP payload: base MTU - IP - UDP
  Duration dpd{0};                    // X-DTLS-DPD (X-CSTP-DPD when absent)
  Duration keepalive{0};              // X-DTLS-Keepalive (X-CSTP-Keepalive when absent)
};

// Reads the gateway's DTLS choice (§8.2). `default_base_mtu` is used when the response has no
// X-CSTP-Base-MTU; `ipv6_transport` is the family of the outer connection.
// Returns nullopt when the response offers no DTLS (or offer.enabled is false).
// Errors (DTLS unusable, the tunnel stays on TLS; report the context):
//   kUnsupported  the gateway named a suite we do not know;
//   kProtocol     the gateway chose a resumed mode although we sent no master secret, named
//                 both X-DTLS-CipherSuite PSK-NEGOTIATE and a session id inconsistently, or
//                 the id is not valid hex.
Result<std::optional<ClientDtlsPlan>> PlanClientDtls(const proto::tunnel::ConnectResponse& response,
                                                     const DtlsOffer& offer, bool ipv6_transport,
                                                     std::uint32_t default_base_mtu);

}  // namespace sekisho::client

#pragma once
// MTU arithmetic for the tunnel (anyconnect.md §8.8). We follow Cisco's meaning (decision #1):
// X-CSTP-MTU is the MTU of the TLS path, X-DTLS-MTU the MTU of the DTLS path, both as seen by
// the tunnel interface (inner IP packet size).
//
//   TLS path:  link - IP(20|40) - TCP 20 - TLS record overhead - CSTP header 8
//   DTLS path: link - IP(20|40) - UDP 8  - DTLS record overhead - AnyConnect header 1
//
// Worked numbers (1500-byte IPv4 link): AES-GCM DTLS 1434, AES-CBC-SHA1 DTLS 1406,
// TLS 1.2 AES-GCM 1423, TLS 1.3 AEAD 1430; openconnect's request for base 1500 is 1390.

#include "proto/tunnel/dtls_negotiation.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace sekisho::proto::tunnel {

inline constexpr std::uint32_t kMinTunnelMtu = 576;       // IPv4 minimum (RFC 791)
inline constexpr std::uint32_t kMinIpv6TunnelMtu = 1280;  // IPv6 minimum (RFC 8200)
inline constexpr std::uint32_t kIpv4HeaderSize = 20;
inline constexpr std::uint32_t kIpv6HeaderSize = 40;
inline constexpr std::uint32_t kTcpHeaderSize = 20;
inline constexpr std::uint32_t kUdpHeaderSize = 8;
inline constexpr std::uint32_t kCstpHeaderSize = 8;
inline constexpr std::uint32_t kDtlsAnyConnectHeaderSize = 1;

// Bytes a TLS record adds to its payload, including the 5-byte record header.
struct TlsOverhead {
  std::uint32_t record_bytes = 5 + 8 + 16;

  static constexpr TlsOverhead Tls12Gcm() { return {5 + 8 + 16}; }  // explicit nonce + tag
  static constexpr TlsOverhead Tls12Chacha() { return {5 + 16}; }
  static constexpr TlsOverhead Tls12CbcSha1() { return {5 + 16 + 20 + 16}; }  // IV+MAC+pad
  static constexpr TlsOverhead Tls13() { return {5 + 1 + 16}; }               // content type + tag
};

// The TLS record overhead for a negotiated session: `tls13` for TLS 1.3, `cipher` the GnuTLS
// cipher name ("AES-256-GCM", "CHACHA20-POLY1305", "AES-128-CBC", ...). Unknown ciphers get the
// CBC worst case.
TlsOverhead TlsOverheadFor(bool tls13, std::string_view cipher);

struct MtuPlan {
  std::uint32_t base_mtu = 0;  // link MTU used: X-CSTP-Base-MTU
  std::uint32_t cstp_mtu = 0;  // TLS path: X-CSTP-MTU
  std::uint32_t dtls_mtu = 0;  // DTLS path: X-DTLS-MTU; 0 without DTLS
  // False when a tunnel MTU is below 1280: do not assign IPv6 (ocserv does the same).
  bool ipv6_ok = true;
};

// The gateway's MTUs for one session.
//   link = min(configured_link_mtu, client_base_mtu); an old client that sent only X-CSTP-MTU
//   limits link to client_mtu + IP/UDP + the worst DTLS overhead (as ocserv). Values below
//   kMinTunnelMtu from the client are ignored; results are never below kMinTunnelMtu.
// `ipv6_transport` is the family of the client's outer connection. For PSK, `dtls` describes the
// expected PSK suite (ChooseDtlsSuite fills it in).
MtuPlan ComputeGatewayMtus(std::uint32_t configured_link_mtu,
                           std::optional<std::uint32_t> client_base_mtu,
                           std::optional<std::uint32_t> client_mtu, bool ipv6_transport,
                           const std::optional<DtlsSuite>& dtls, TlsOverhead tls);

// X-CSTP-MTU our client requests, openconnect's formula: base - 82 - 8 - (20|40), where 82 is
// the worst DTLS overhead it assumes. Never below kMinTunnelMtu.
std::uint32_t ClientRequestedMtu(std::uint32_t base_mtu, bool ipv6_transport);

// Client, PSK mode: the DTLS data MTU for the negotiated suite on a link of `base_mtu`
// (X-CSTP-Base-MTU): base - (20|40) - 8 - suite.record_overhead - 1. Never below kMinTunnelMtu.
std::uint32_t PskDataMtu(std::uint32_t base_mtu, const DtlsSuite& suite, bool ipv6_transport);

// Client, Cisco rule (decision #1): the tunnel interface uses the DTLS MTU while DTLS works
// and the CSTP MTU otherwise. A zero MTU counts as "not sent".
std::uint32_t ClientTunnelMtu(std::uint32_t cstp_mtu, std::uint32_t dtls_mtu, bool dtls_up);

}  // namespace sekisho::proto::tunnel

#pragma once
// SourceFilter: the gateway's source-address validation of packets from a client (issue #11,
// docs/threat-model.md). A client may only send from the address it was leased: anything else
// would let it forge traffic from another user's address, or from the gateway's own networks,
// into the TUN device. ocserv checks the same thing in its worker before writing to the TUN.
//
// The check reads a few bytes of the packet in place (version nibble, source address) and
// allocates nothing, so it runs on every packet of the hot path.
//
//   IPv4  passes when the source equals the leased IPv4 address;
//   IPv6  passes when the source lies inside the leased IPv6 prefix. Without an IPv6 lease
//         (the gateway leases none yet) every IPv6 packet is refused as kNoIpv6Lease: an
//         operating system sends router solicitations and MLD reports from its link-local
//         address on every new interface, so that is noise, not an attack, and is kept apart
//         from the spoofing verdicts;
//   else  refused: shorter than the fixed IP header, version neither 4 nor 6, or a
//         source the client was not given.
//
// Thread-compatible value type.

#include "base/bytes.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace sekisho::proto::session {

// An IPv6 address (network byte order) and how many leading bits a client may choose freely
// after: 128 for a single address, 64 for a /64 handed to the client.
struct Ipv6Prefix {
  std::array<std::uint8_t, 16> address{};
  std::uint8_t length = 128;
};

class SourceFilter {
 public:
  enum class Verdict {
    kPass,
    kRunt,         // shorter than the fixed IPv4 (20 bytes) or IPv6 (40 bytes) header
    kBadVersion,   // IP version neither 4 nor 6
    kSpoofedIpv4,  // IPv4 source other than the leased address (or no IPv4 lease)
    kSpoofedIpv6,  // IPv6 source outside the leased prefix
    kNoIpv6Lease,  // an IPv6 packet, and the client has no IPv6 lease
  };

  // `ipv4`: the leased address in host byte order (198.18.0.1 is 0xC6120001); nullopt refuses
  // all IPv4. `ipv6`: the leased prefix; nullopt refuses all IPv6 (kNoIpv6Lease).
  SourceFilter(std::optional<std::uint32_t> ipv4, std::optional<Ipv6Prefix> ipv6);

  Verdict Check(ByteSpan packet) const;

  // "IPv4 source 198.18.0.77", "IPv6 source 2001:db8:0:0:0:0:0:1", "a 3-byte packet (no IP
  // header)", "IP version 5": what a refused packet carried, for the log.
  // REQUIRES: Check(packet) returned `verdict`.
  static std::string Describe(ByteSpan packet, Verdict verdict);

 private:
  std::optional<std::array<std::uint8_t, 4>> ipv4_;  // network byte order
  std::optional<Ipv6Prefix> ipv6_;
};

}  // namespace sekisho::proto::session

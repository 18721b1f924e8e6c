#pragma once
// Tiny, I/O-free IPv4 helpers: dotted-quad parsing and formatting, prefix <-> netmask, and
// peeking at the version and addresses of a raw IP packet read from a TUN.
//
// Address convention for all of src/net: an IPv4 address is a uint32_t in HOST byte order, so
// 198.18.0.1 is 0xC6120001 and `a < b` orders addresses numerically. Conversion to network
// order happens only where bytes are written (netlink attributes, packet headers).

#include "base/bytes.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sekisho::net {

// IPv4 header layout (RFC 791) for the few fields the net layer reads.
inline constexpr std::size_t kIpv4MinHeaderSize = 20;
inline constexpr std::size_t kIpv4TotalLengthOffset = 2;
inline constexpr std::size_t kIpv4ProtocolOffset = 9;
inline constexpr std::size_t kIpv4ChecksumOffset = 10;
inline constexpr std::size_t kIpv4SourceOffset = 12;
inline constexpr std::size_t kIpv4DestinationOffset = 16;
inline constexpr std::size_t kIpv6HeaderSize = 40;

// Strict dotted quad: exactly four decimal parts 0..255, no sign, no leading zeros (so "010"
// is never read as octal by one tool and decimal by another), no surrounding whitespace.
std::optional<std::uint32_t> ParseIpv4(std::string_view text);
// "198.18.0.1".
std::string FormatIpv4(std::uint32_t address);

// Prefix length -> netmask: 24 -> 0xFFFFFF00. Lengths above 32 are treated as 32.
std::uint32_t PrefixToMask(std::uint8_t prefix);
// Netmask -> prefix length; nullopt unless the mask is a contiguous run of leading ones.
std::optional<std::uint8_t> MaskToPrefix(std::uint32_t mask);

// An IPv4 network as configured or sent in X-CSTP-Split-Include ("10.0.0.0/255.0.0.0").
struct Ipv4Network {
  std::uint32_t address = 0;  // host order; not necessarily masked
  std::uint8_t prefix = 32;

  bool operator==(const Ipv4Network&) const = default;
};
// Accepts "a.b.c.d", "a.b.c.d/n" (n in 0..32) and "a.b.c.d/m.m.m.m" (contiguous mask).
std::optional<Ipv4Network> ParseIpv4Network(std::string_view text);
// "a.b.c.d/n".
std::string FormatIpv4Network(const Ipv4Network& network);
// "a.b.c.d/m.m.m.m", the form the CSTP headers use.
std::string FormatIpv4NetworkWithMask(const Ipv4Network& network);

// IP version nibble of a raw packet: 4 or 6, or 0 when empty or anything else.
std::uint8_t IpVersion(ByteSpan packet);

// Source / destination of a raw IPv4 packet (host order); nullopt unless the packet is at
// least a minimal IPv4 header with version 4. Peer-controlled input is fine here.
std::optional<std::uint32_t> Ipv4Source(ByteSpan packet);
std::optional<std::uint32_t> Ipv4Destination(ByteSpan packet);

// RFC 1071 Internet checksum over `data` (already complemented, ready to store big-endian).
// Computing it over a header that contains its own correct checksum yields 0.
std::uint16_t InternetChecksum(ByteSpan data);

}  // namespace sekisho::net

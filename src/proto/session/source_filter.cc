#include "proto/session/source_filter.h"

#include <algorithm>
#include <cstdio>

namespace sekisho::proto::session {
namespace {

// RFC 791 / RFC 8200: where the source address sits and how long it is.
constexpr std::size_t kIpv4SourceOffset = 12;
constexpr std::size_t kIpv6SourceOffset = 8;
constexpr std::size_t kIpv6AddressSize = 16;
// The fixed headers: anything shorter is no IP packet, whatever its source field says.
constexpr std::size_t kIpv4MinHeader = 20;
constexpr std::size_t kIpv6Header = 40;

int IpVersion(ByteSpan packet) { return packet.empty() ? 0 : packet[0] >> 4; }

bool InPrefix(const std::uint8_t* source, const Ipv6Prefix& prefix) {
  const std::size_t full_bytes = prefix.length / 8;
  if (!std::equal(source, source + full_bytes, prefix.address.begin())) {
    return false;
  }
  const unsigned rest_bits = prefix.length % 8;
  if (rest_bits == 0) {
    return true;
  }
  const auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest_bits));
  return (source[full_bytes] & mask) == (prefix.address[full_bytes] & mask);
}

}  // namespace

SourceFilter::SourceFilter(std::optional<std::uint32_t> ipv4, std::optional<Ipv6Prefix> ipv6)
    : ipv6_(ipv6) {
  if (ipv4) {
    ipv4_ = std::array<std::uint8_t, 4>{
        static_cast<std::uint8_t>(*ipv4 >> 24), static_cast<std::uint8_t>(*ipv4 >> 16),
        static_cast<std::uint8_t>(*ipv4 >> 8), static_cast<std::uint8_t>(*ipv4)};
  }
  if (ipv6_) {
    ipv6_->length = std::min<std::uint8_t>(ipv6_->length, 128);
  }
}

SourceFilter::Verdict SourceFilter::Check(ByteSpan packet) const {
  switch (IpVersion(packet)) {
    case 4: {
      if (packet.size() < kIpv4MinHeader) {
        return Verdict::kRunt;
      }
      const std::uint8_t* source = packet.data() + kIpv4SourceOffset;
      return ipv4_ && std::equal(ipv4_->begin(), ipv4_->end(), source) ? Verdict::kPass
                                                                       : Verdict::kSpoofedIpv4;
    }
    case 6: {
      if (packet.size() < kIpv6Header) {
        return Verdict::kRunt;
      }
      if (!ipv6_) {
        return Verdict::kNoIpv6Lease;
      }
      return InPrefix(packet.data() + kIpv6SourceOffset, *ipv6_) ? Verdict::kPass
                                                                 : Verdict::kSpoofedIpv6;
    }
    default: return packet.empty() ? Verdict::kRunt : Verdict::kBadVersion;
  }
}

std::string SourceFilter::Describe(ByteSpan packet, Verdict verdict) {
  char text[64];
  switch (verdict) {
    case Verdict::kPass: return "an acceptable packet";
    case Verdict::kRunt:
      std::snprintf(text, sizeof text, "a %zu-byte packet (no IP header)", packet.size());
      return text;
    case Verdict::kBadVersion:
      std::snprintf(text, sizeof text, "IP version %d", IpVersion(packet));
      return text;
    case Verdict::kSpoofedIpv4: {
      const std::uint8_t* s = packet.data() + kIpv4SourceOffset;
      std::snprintf(text, sizeof text, "IPv4 source %u.%u.%u.%u", s[0], s[1], s[2], s[3]);
      return text;
    }
    case Verdict::kNoIpv6Lease:
    case Verdict::kSpoofedIpv6: {
      std::string out = "IPv6 source ";
      const std::uint8_t* s = packet.data() + kIpv6SourceOffset;
      for (std::size_t i = 0; i < kIpv6AddressSize; i += 2) {
        std::snprintf(text, sizeof text, "%s%x", i == 0 ? "" : ":", (s[i] << 8) | s[i + 1]);
        out += text;
      }
      return out;
    }
  }
  return "an unknown packet";
}

}  // namespace sekisho::proto::session

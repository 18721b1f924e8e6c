#include "net/ipv4.h"

#include "base/strings.h"

#include <fmt/format.h>

namespace sekisho::net {
namespace {

std::optional<std::uint8_t> ParseOctet(std::string_view part) {
  if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0')) {
    return std::nullopt;
  }
  auto value = ParseUint(part, 255);
  if (!value) {
    return std::nullopt;
  }
  return static_cast<std::uint8_t>(*value);
}

std::uint32_t LoadU32(ByteSpan packet, std::size_t offset) {
  return (static_cast<std::uint32_t>(packet[offset]) << 24) |
         (static_cast<std::uint32_t>(packet[offset + 1]) << 16) |
         (static_cast<std::uint32_t>(packet[offset + 2]) << 8) |
         static_cast<std::uint32_t>(packet[offset + 3]);
}

bool IsIpv4Header(ByteSpan packet) {
  return packet.size() >= kIpv4MinHeaderSize && IpVersion(packet) == 4;
}

}  // namespace

std::optional<std::uint32_t> ParseIpv4(std::string_view text) {
  std::uint32_t address = 0;
  int parts = 0;
  for (std::string_view part : Split(text, '.')) {
    if (++parts > 4) {
      return std::nullopt;
    }
    auto octet = ParseOctet(part);
    if (!octet) {
      return std::nullopt;
    }
    address = (address << 8) | *octet;
  }
  if (parts != 4) {
    return std::nullopt;
  }
  return address;
}

std::string FormatIpv4(std::uint32_t address) {
  return fmt::format("{}.{}.{}.{}", address >> 24, (address >> 16) & 0xFF, (address >> 8) & 0xFF,
                     address & 0xFF);
}

std::uint32_t PrefixToMask(std::uint8_t prefix) {
  if (prefix == 0) {
    return 0;
  }
  if (prefix >= 32) {
    return 0xFFFFFFFFU;
  }
  return ~((1U << (32 - prefix)) - 1U);
}

std::optional<std::uint8_t> MaskToPrefix(std::uint32_t mask) {
  // A contiguous mask is ones followed by zeros, so its complement is 0...01...1, and adding
  // one to that carries into a single bit (or wraps to 0 for /0): no bits in common.
  const std::uint32_t inverted = ~mask;
  if ((inverted & (inverted + 1U)) != 0) {
    return std::nullopt;
  }
  std::uint8_t prefix = 0;
  while (prefix < 32 && (mask & (0x80000000U >> prefix)) != 0) {
    ++prefix;
  }
  return prefix;
}

std::optional<Ipv4Network> ParseIpv4Network(std::string_view text) {
  const auto slash = text.find('/');
  auto address = ParseIpv4(text.substr(0, slash));
  if (!address) {
    return std::nullopt;
  }
  if (slash == std::string_view::npos) {
    return Ipv4Network{*address, 32};
  }
  std::string_view suffix = text.substr(slash + 1);
  if (suffix.find('.') != std::string_view::npos) {
    auto mask = ParseIpv4(suffix);
    if (!mask) {
      return std::nullopt;
    }
    auto prefix = MaskToPrefix(*mask);
    if (!prefix) {
      return std::nullopt;
    }
    return Ipv4Network{*address, *prefix};
  }
  if (suffix.empty() || suffix.size() > 2) {
    return std::nullopt;
  }
  auto prefix = ParseUint(suffix, 32);
  if (!prefix) {
    return std::nullopt;
  }
  return Ipv4Network{*address, static_cast<std::uint8_t>(*prefix)};
}

std::string FormatIpv4Network(const Ipv4Network& network) {
  return fmt::format("{}/{}", FormatIpv4(network.address), network.prefix);
}

std::string FormatIpv4NetworkWithMask(const Ipv4Network& network) {
  return fmt::format("{}/{}", FormatIpv4(network.address),
                     FormatIpv4(PrefixToMask(network.prefix)));
}

std::uint8_t IpVersion(ByteSpan packet) {
  if (packet.empty()) {
    return 0;
  }
  const auto version = static_cast<std::uint8_t>(packet[0] >> 4);
  return (version == 4 || version == 6) ? version : 0;
}

std::optional<std::uint32_t> Ipv4Source(ByteSpan packet) {
  if (!IsIpv4Header(packet)) {
    return std::nullopt;
  }
  return LoadU32(packet, kIpv4SourceOffset);
}

std::optional<std::uint32_t> Ipv4Destination(ByteSpan packet) {
  if (!IsIpv4Header(packet)) {
    return std::nullopt;
  }
  return LoadU32(packet, kIpv4DestinationOffset);
}

std::uint16_t InternetChecksum(ByteSpan data) {
  std::uint32_t sum = 0;
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) {
    sum += LoadU16(&data[i]);
  }
  if (i < data.size()) {
    sum += static_cast<std::uint32_t>(data[i]) << 8;
  }
  while ((sum >> 16) != 0) {
    sum = (sum & 0xFFFFU) + (sum >> 16);
  }
  return static_cast<std::uint16_t>(~sum);
}

}  // namespace sekisho::net

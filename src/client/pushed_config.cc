#include "client/pushed_config.h"

#include "base/strings.h"
#include "client/terminal_text.h"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <array>
#include <bit>
#include <utility>

namespace sekisho::client {
namespace {

namespace http = proto::http;

constexpr std::size_t kMaxDnsNameLength = 253;
constexpr std::size_t kMaxDnsLabelLength = 63;

struct Ipv4Net {
  std::uint32_t address = 0;
  int prefix = 32;
};

bool Contains(const Ipv4Net& net, std::uint32_t address) {
  const std::uint32_t mask = net.prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - net.prefix);
  return (net.address & mask) == (address & mask);
}

std::optional<int> PrefixOfMask(std::uint32_t mask) {
  const int ones = std::countl_one(mask);
  if (ones < 32 && (mask << ones) != 0) {
    return std::nullopt;  // not a contiguous run of leading ones
  }
  return ones;
}

std::optional<std::array<std::uint8_t, 16>> ParseIpv6(std::string_view text) {
  std::array<std::uint8_t, 16> bytes{};
  const std::string s(text);
  if (inet_pton(AF_INET6, s.c_str(), bytes.data()) != 1) {
    return std::nullopt;
  }
  return bytes;
}

bool IsIpAddress(std::string_view text) {
  return ParseDottedQuad(text).has_value() || ParseIpv6(text).has_value();
}

bool IsUnicastIpv4(std::uint32_t a) {
  const std::uint32_t top = a >> 24;
  return top != 0 && top != 127 && top < 224;  // 0/8, loopback, multicast, reserved/broadcast
}

bool IsUnicastIpv6(const std::array<std::uint8_t, 16>& a) {
  static constexpr std::array<std::uint8_t, 16> kUnspecified{};
  static constexpr std::array<std::uint8_t, 16> kLoopback{0, 0, 0, 0, 0, 0, 0, 0,
                                                          0, 0, 0, 0, 0, 0, 0, 1};
  return a != kUnspecified && a != kLoopback && a[0] != 0xff;
}

// "len" in 0..max, decimal, at most 3 digits.
std::optional<int> ParsePrefixLength(std::string_view text, int max) {
  if (text.empty() || text.size() > 3) {
    return std::nullopt;
  }
  auto n = ParseUint(text, static_cast<std::uint64_t>(max));
  return n ? std::optional<int>(static_cast<int>(*n)) : std::nullopt;
}

// IPv4 "net/dotted-mask" or "net/len" (the forms of anyconnect.md §6.3).
std::optional<Ipv4Net> ParseIpv4Net(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    return std::nullopt;
  }
  auto address = ParseDottedQuad(text.substr(0, slash));
  const std::string_view mask_text = text.substr(slash + 1);
  std::optional<int> prefix;
  if (auto mask = ParseDottedQuad(mask_text)) {
    prefix = PrefixOfMask(*mask);
  } else {
    prefix = ParsePrefixLength(mask_text, 32);
  }
  if (!address || !prefix) {
    return std::nullopt;
  }
  return Ipv4Net{*address, *prefix};
}

// IPv6 "net/len".
bool IsIpv6Net(std::string_view text, int min_prefix) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    return false;
  }
  auto prefix = ParsePrefixLength(text.substr(slash + 1), 128);
  return ParseIpv6(text.substr(0, slash)).has_value() && prefix && *prefix >= min_prefix;
}

bool IsDnsLabel(std::string_view label) {
  if (label.empty() || label.size() > kMaxDnsLabelLength || label.front() == '-' ||
      label.back() == '-') {
    return false;
  }
  for (char c : label) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}

Result<void> Refuse(std::string_view header, std::string_view value, std::string_view why) {
  return Fail(Errc::kMalformed, fmt::format("refusing {} '{}' from the gateway: {}", header,
                                            EscapeForMessage(value), why));
}

std::string FormatIpv4(std::uint32_t address) {
  return fmt::format("{}.{}.{}.{}", address >> 24, (address >> 16) & 0xff, (address >> 8) & 0xff,
                     address & 0xff);
}

// Checks one header value on its own; remembers what the cross-checks need.
class Checker {
 public:
  explicit Checker(std::optional<std::uint32_t> gateway) : gateway_(gateway) {}

  Result<void> Check(const http::Header& header);
  // The interface subnet against the gateway, once every header was seen.
  Result<void> Finish() const;

 private:
  Result<void> CheckAddress(std::string_view name, std::string_view value);
  Result<void> CheckNetmask(std::string_view name, std::string_view value);
  Result<void> CheckAddressIp6(std::string_view name, std::string_view value);
  Result<void> CheckSplit(std::string_view name, std::string_view value, bool include);
  Result<void> CheckDomains(std::string_view name, std::string_view value, char sep);
  Result<void> CheckMtu(std::string_view name, std::string_view value, std::uint32_t max);

  std::optional<std::uint32_t> gateway_;
  // The last IPv4 X-CSTP-Address / X-CSTP-Netmask (the parser keeps the last, §6.2).
  std::optional<std::pair<std::string, std::uint32_t>> address_;
  std::optional<std::pair<std::string, int>> netmask_;
};

Result<void> Checker::Check(const http::Header& header) {
  const std::string& name = header.name;
  const std::string_view value = TrimWhitespace(header.value);
  auto is = [&name](std::string_view known) { return EqualsIgnoreCase(name, known); };
  if (!StartsWithIgnoreCase(name, "X-CSTP-") && !StartsWithIgnoreCase(name, "X-DTLS")) {
    return Ok();
  }
  if (HasControlCharacters(header.value)) {
    return Refuse(name, header.value, "control characters in the value");
  }
  if (is("X-CSTP-Address")) {
    return CheckAddress(name, value);
  }
  if (is("X-CSTP-Netmask")) {
    return CheckNetmask(name, value);
  }
  if (is("X-CSTP-Address-IP6")) {
    return CheckAddressIp6(name, value);
  }
  if (is("X-CSTP-DNS") || is("X-CSTP-DNS-IP6") || is("X-CSTP-NBNS")) {
    return IsIpAddress(value) ? Ok() : Refuse(name, value, "not an IP address");
  }
  if (is("X-CSTP-Split-Include") || is("X-CSTP-Split-Include-IP6")) {
    return CheckSplit(name, value, true);
  }
  if (is("X-CSTP-Split-Exclude") || is("X-CSTP-Split-Exclude-IP6")) {
    return CheckSplit(name, value, false);
  }
  if (is("X-CSTP-Default-Domain")) {
    return CheckDomains(name, value, ' ');
  }
  if (is("X-CSTP-Split-DNS")) {
    return CheckDomains(name, value, ',');
  }
  if (is("X-CSTP-MTU") || is("X-DTLS-MTU")) {
    return CheckMtu(name, value, kMaxPushedMtu);
  }
  if (is("X-CSTP-Base-MTU")) {
    return CheckMtu(name, value, kMaxPushedBaseMtu);
  }
  return Ok();
}

Result<void> Checker::CheckAddress(std::string_view name, std::string_view value) {
  if (value.find(':') != std::string_view::npos) {  // legacy IPv6 form (§6.3)
    auto v6 = ParseIpv6(value);
    if (!v6 || !IsUnicastIpv6(*v6)) {
      return Refuse(name, value, "not a unicast IPv6 address");
    }
    return Ok();
  }
  auto v4 = ParseDottedQuad(value);
  if (!v4) {
    return Refuse(name, value, "not an IPv4 address");
  }
  if (!IsUnicastIpv4(*v4)) {
    return Refuse(name, value, "not a unicast IPv4 address");
  }
  address_.emplace(std::string(value), *v4);
  return Ok();
}

Result<void> Checker::CheckNetmask(std::string_view name, std::string_view value) {
  if (value.find(':') != std::string_view::npos) {  // legacy IPv6 form: "net/len"
    return IsIpv6Net(value, 1) ? Ok() : Refuse(name, value, "not an IPv6 net/len");
  }
  auto mask = ParseDottedQuad(value);
  std::optional<int> prefix = mask ? PrefixOfMask(*mask) : std::nullopt;
  if (!prefix) {
    return Refuse(name, value, "not a contiguous IPv4 netmask");
  }
  if (*prefix == 0) {
    return Refuse(name, value, "a /0 interface route would take all traffic on-link");
  }
  netmask_.emplace(std::string(value), *prefix);
  return Ok();
}

Result<void> Checker::CheckAddressIp6(std::string_view name, std::string_view value) {
  const auto slash = value.find('/');
  auto v6 = ParseIpv6(value.substr(0, slash));
  if (slash == std::string_view::npos || !IsIpv6Net(value, 1) || !v6) {
    return Refuse(name, value, "not an IPv6 addr/len with len 1..128");
  }
  return IsUnicastIpv6(*v6) ? Ok() : Refuse(name, value, "not a unicast IPv6 address");
}

Result<void> Checker::CheckSplit(std::string_view name, std::string_view value, bool include) {
  if (value.find(':') != std::string_view::npos) {
    return IsIpv6Net(value, 0) ? Ok() : Refuse(name, value, "not an IPv6 net/len");
  }
  auto net = ParseIpv4Net(value);
  if (!net) {
    return Refuse(name, value, "not an IPv4 net/mask");
  }
  // A split route over the gateway would send the tunnel's own packets into the tunnel. Only
  // the full-tunnel default route may cover it: a host route to the gateway is kept for that
  // (TunSetup, vpnc-script).
  if (include && gateway_ && net->prefix != 0 && Contains(*net, *gateway_)) {
    return Refuse(
        name, value,
        fmt::format("the route covers the gateway's own address {}", FormatIpv4(*gateway_)));
  }
  return Ok();
}

Result<void> Checker::CheckDomains(std::string_view name, std::string_view value, char sep) {
  if (value.empty()) {
    return Refuse(name, value, "empty domain");
  }
  for (std::string_view domain : Split(value, sep, /*skip_empty=*/true)) {
    if (!IsDnsName(TrimWhitespace(domain))) {
      return Refuse(name, value, fmt::format("'{}' is not a DNS name", TrimWhitespace(domain)));
    }
  }
  return Ok();
}

Result<void> Checker::CheckMtu(std::string_view name, std::string_view value, std::uint32_t max) {
  auto mtu = ParseUint(value, max);
  if (!mtu || *mtu < kMinPushedMtu) {
    return Refuse(name, value, fmt::format("not an MTU in {}..{}", kMinPushedMtu, max));
  }
  return Ok();
}

Result<void> Checker::Finish() const {
  if (!address_ || !gateway_) {
    return Ok();
  }
  const Ipv4Net subnet{address_->second, netmask_ ? netmask_->second : 32};
  if (Contains(subnet, *gateway_)) {
    const std::string shown = address_->first + (netmask_ ? "/" + netmask_->first : std::string());
    return Refuse("X-CSTP-Address/X-CSTP-Netmask", shown,
                  fmt::format("the tunnel's subnet contains the gateway's own address {}",
                              FormatIpv4(*gateway_)));
  }
  return Ok();
}

}  // namespace

std::optional<std::uint32_t> ParseDottedQuad(std::string_view text) {
  if (text.empty() || text.size() > 15) {
    return std::nullopt;
  }
  const std::string s(text);
  in_addr addr{};
  if (inet_pton(AF_INET, s.c_str(), &addr) != 1) {
    return std::nullopt;
  }
  return ntohl(addr.s_addr);
}

bool IsDnsName(std::string_view name) {
  if (!name.empty() && name.back() == '.') {
    name.remove_suffix(1);
  }
  if (name.empty() || name.size() > kMaxDnsNameLength) {
    return false;
  }
  for (std::string_view label : Split(name, '.')) {
    if (!IsDnsLabel(label)) {
      return false;
    }
  }
  return true;
}

Result<void> CheckPushedConfig(const http::HeaderList& headers,
                               std::optional<std::uint32_t> gateway_ipv4) {
  Checker checker(gateway_ipv4);
  for (const auto& header : headers) {
    SEKISHO_TRY(checker.Check(header));
  }
  return checker.Finish();
}

}  // namespace sekisho::client

#include "gateway/config.h"

#include "base/strings.h"
#include "gateway/config_diagnostics.h"
#include "gateway/config_parser.h"

#include <toml++/toml.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace sekisho::gateway {

std::string FormatIpv4(std::uint32_t address) {
  return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 0xFF) + "." +
         std::to_string((address >> 8) & 0xFF) + "." + std::to_string(address & 0xFF);
}

std::string Ipv4Cidr::ToString() const {
  return FormatIpv4(network) + "/" + std::to_string(prefix_len);
}
std::string Ipv4Cidr::MaskDotted() const { return FormatIpv4(mask()); }
std::string Ipv4Cidr::ToNetMask() const { return FormatIpv4(network) + "/" + MaskDotted(); }

Result<std::uint32_t> ParseIpv4Address(std::string_view text) {
  std::vector<std::string_view> parts = Split(text, '.');
  if (parts.size() != 4) {
    return Fail(Errc::kMalformed, "not an IPv4 address: " + std::string(text));
  }
  std::uint32_t address = 0;
  for (std::string_view part : parts) {
    // Leading zeros are refused: inet_aton would read "010" as octal.
    auto octet = ParseUint(part, 255);
    if (!octet || part.size() > 3 || (part.size() > 1 && part[0] == '0')) {
      return Fail(Errc::kMalformed, "not an IPv4 address: " + std::string(text));
    }
    address = (address << 8) | static_cast<std::uint32_t>(*octet);
  }
  return address;
}

Result<Ipv4Cidr> ParseIpv4Cidr(std::string_view text) {
  std::size_t slash = text.find('/');
  SEKISHO_ASSIGN_OR_RETURN(std::uint32_t address, ParseIpv4Address(text.substr(0, slash)));
  Ipv4Cidr cidr{address, 32};
  if (slash != std::string_view::npos) {
    std::string_view prefix = text.substr(slash + 1);
    auto len = ParseUint(prefix, 32);
    if (!len || prefix.size() > 2) {
      return Fail(Errc::kMalformed, "bad prefix length in " + std::string(text));
    }
    cidr.prefix_len = static_cast<std::uint8_t>(*len);
  }
  if ((address & cidr.mask()) != address) {
    Ipv4Cidr fixed{address & cidr.mask(), cidr.prefix_len};
    return Fail(Errc::kMalformed, "host bits set in " + std::string(text) + " (did you mean " +
                                      fixed.ToString() + "?)");
  }
  return cidr;
}

std::string_view RekeyMethodName(RekeyMethod method) {
  switch (method) {
    case RekeyMethod::kSsl: return "ssl";
    case RekeyMethod::kNewTunnel: return "new-tunnel";
    case RekeyMethod::kNone: return "none";
  }
  return "none";
}

const GroupConfig& GatewayConfig::DefaultGroup() const {
  for (const GroupConfig& g : groups) {
    if (g.is_default) {
      return g;
    }
  }
  return groups.front();
}

const GroupConfig* GatewayConfig::FindGroup(std::string_view name_or_alias) const {
  for (const GroupConfig& g : groups) {
    if (g.name == name_or_alias) {
      return &g;
    }
    for (const std::string& alias : g.aliases) {
      if (alias == name_or_alias) {
        return &g;
      }
    }
    if (g.label && *g.label == name_or_alias) {
      return &g;
    }
  }
  return nullptr;
}

const std::string& GatewayConfig::LabelOf(const GroupConfig& group) {
  if (group.label) {
    return *group.label;
  }
  return group.aliases.empty() ? group.name : group.aliases.front();
}

const Ipv4Cidr& GatewayConfig::PoolOf(const GroupConfig& group) const {
  // Validation guarantees one of the two is set.
  return group.ipv4_pool ? *group.ipv4_pool : *network.ipv4_pool;
}
const std::vector<std::uint32_t>& GatewayConfig::DnsOf(const GroupConfig& group) const {
  return group.dns ? *group.dns : network.dns;
}
const std::vector<Ipv4Cidr>& GatewayConfig::RoutesOf(const GroupConfig& group) const {
  return group.routes ? *group.routes : network.routes;
}
const std::vector<Ipv4Cidr>& GatewayConfig::ExcludeRoutesOf(const GroupConfig& group) const {
  return group.exclude_routes ? *group.exclude_routes : network.exclude_routes;
}
const std::string& GatewayConfig::DefaultDomainOf(const GroupConfig& group) const {
  return group.default_domain ? *group.default_domain : network.default_domain;
}
const std::vector<std::string>& GatewayConfig::SplitDnsOf(const GroupConfig& group) const {
  return group.split_dns ? *group.split_dns : network.split_dns;
}
const std::string& GatewayConfig::BannerOf(const GroupConfig& group) const {
  return group.banner ? *group.banner : tunnel.banner;
}

Result<GatewayConfig> ParseConfig(std::string_view toml_text, std::string_view source_name) {
  toml::table root;
  // toml++ from Debian is built with exceptions; this is the only place they can arise.
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    config_internal::Diagnostics diag{std::string(source_name)};
    diag.Add(e.source(), std::string(e.description()));
    return Fail(Errc::kConfig, diag.Joined());
  } catch (const std::exception& e) {
    return Fail(Errc::kConfig, std::string(source_name) + ": " + e.what());
  }
  config_internal::ConfigParser parser(root, source_name);
  return parser.Run();
}

Result<GatewayConfig> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Fail(Errc::kIo, "cannot read " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return Fail(Errc::kIo, "cannot read " + path);
  }
  return ParseConfig(text.str(), path);
}

}  // namespace sekisho::gateway

#include "proto/tunnel/connect_response.h"

#include "base/encoding.h"
#include "base/strings.h"
#include "proto/tunnel/header_util.h"

#include <string_view>

namespace sekisho::proto::tunnel {
namespace {

using internal::AddHeader;
using internal::ParseNumber;

constexpr std::size_t kMaxDnsServers = 3;  // openconnect keeps three (§6.2)
constexpr std::size_t kMaxListEntries = 1024;
constexpr std::size_t kSessionIdHexDigits = 64;
constexpr std::size_t kMaxAppIdHexDigits = 64;

std::string NumberOrNone(const std::optional<std::uint32_t>& value) {
  return value ? std::to_string(*value) : std::string("none");
}

// "none", "0", garbage and absence all mean "not set" (decision #24).
std::optional<std::uint32_t> ParseOptionalSeconds(std::string_view value) {
  auto n = ParseNumber(value);
  if (!n || *n == 0) {
    return std::nullopt;
  }
  return n;
}

std::uint32_t ParseSeconds(std::string_view value) { return ParseNumber(value).value_or(0); }

// The banner may hold any text; openconnect %-decodes it, so a raw '%' or a newline must be
// escaped (ocserv sends it raw, which garbles banners containing '%').
std::string EscapeBanner(std::string_view banner) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(banner.size());
  for (std::size_t i = 0; i < banner.size(); ++i) {
    const char c = banner[i];
    auto u = static_cast<unsigned char>(c);
    // Leading/trailing spaces would be lost to header whitespace trimming.
    const bool edge_space = c == ' ' && (i == 0 || i + 1 == banner.size());
    if (c == '%' || u < 0x20 || u == 0x7f || edge_space) {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) {
      return false;
    }
  }
  return true;
}

void AppendCapped(std::vector<std::string>& list, std::string_view value, std::size_t cap) {
  if (list.size() < cap) {
    list.emplace_back(value);
  }
}

bool IsKnownCstpEncoding(std::string_view e) {
  return e == "lzs" || e == "oc-lz4" || e == "deflate";
}

// deflate is stateful and cannot work over lossy DTLS (§12).
bool IsKnownDtlsEncoding(std::string_view e) { return e == "lzs" || e == "oc-lz4"; }

}  // namespace

http::HeaderList BuildConnectResponseHeaders(const ConnectResponse& r) {
  http::HeaderList h;
  AddHeader(h, "X-CSTP-Version", "1");
  if (!r.server_name.empty()) {
    AddHeader(h, "X-CSTP-Server-Name", r.server_name);
  }
  if (!r.hostname.empty()) {
    AddHeader(h, "X-CSTP-Hostname", r.hostname);
  }
  AddHeader(h, "X-CSTP-DPD", std::to_string(r.dpd_s));
  if (!r.default_domain.empty()) {
    AddHeader(h, "X-CSTP-Default-Domain", r.default_domain);
  }
  if (!r.address.empty()) {
    AddHeader(h, "X-CSTP-Address", r.address);
    if (!r.netmask.empty()) {
      AddHeader(h, "X-CSTP-Netmask", r.netmask);
    }
  }
  if (!r.address_ip6.empty()) {
    AddHeader(h, "X-CSTP-Address-IP6", r.address_ip6);
  }
  for (const auto& v : r.dns) {
    AddHeader(h, "X-CSTP-DNS", v);
  }
  for (const auto& v : r.nbns) {
    AddHeader(h, "X-CSTP-NBNS", v);
  }
  for (const auto& v : r.split_dns) {
    AddHeader(h, "X-CSTP-Split-DNS", v);
  }
  for (const auto& v : r.split_include) {
    AddHeader(h, "X-CSTP-Split-Include", v);
  }
  for (const auto& v : r.split_include_ip6) {
    AddHeader(h, "X-CSTP-Split-Include-IP6", v);
  }
  AddHeader(h, "X-CSTP-Tunnel-All-DNS", r.tunnel_all_dns ? "true" : "false");
  for (const auto& v : r.split_exclude) {
    AddHeader(h, "X-CSTP-Split-Exclude", v);
  }
  for (const auto& v : r.split_exclude_ip6) {
    AddHeader(h, "X-CSTP-Split-Exclude-IP6", v);
  }
  AddHeader(h, "X-CSTP-Keepalive", std::to_string(r.keepalive_s));
  AddHeader(h, "X-CSTP-Idle-Timeout", NumberOrNone(r.idle_timeout_s));
  AddHeader(h, "X-CSTP-Rekey-Time", std::to_string(r.rekey_time_s));
  AddHeader(h, "X-CSTP-Rekey-Method", r.rekey_method.empty() ? "none" : r.rekey_method);
  // Decision #23: all lifetime headers, consistently, "none" when unlimited.
  AddHeader(h, "X-CSTP-Session-Timeout", NumberOrNone(r.session_timeout_s));
  AddHeader(h, "X-CSTP-Session-Timeout-Remaining", NumberOrNone(r.session_timeout_remaining_s));
  AddHeader(h, "X-CSTP-Disconnected-Timeout", NumberOrNone(r.disconnected_timeout_s));
  AddHeader(h, "X-CSTP-Lease-Duration", NumberOrNone(r.lease_duration_s));
  for (const auto& [name, value] : r.extra) {
    if (!value.empty()) {
      AddHeader(h, name, value);
    }
  }
  if (r.dtls) {
    const auto& d = *r.dtls;
    AddHeader(h, "X-DTLS-DPD", std::to_string(d.dpd_s));
    AddHeader(h, "X-DTLS-Port", std::to_string(d.port));
    AddHeader(h, "X-DTLS-Rekey-Time", std::to_string(d.rekey_time_s));
    if (!d.rekey_method.empty()) {
      AddHeader(h, "X-DTLS-Rekey-Method", d.rekey_method);
    }
    AddHeader(h, "X-DTLS-Keepalive", std::to_string(d.keepalive_s));
    if (!d.session_id_hex.empty()) {
      AddHeader(h, "X-DTLS-Session-ID", d.session_id_hex);
    }
    if (!d.app_id_hex.empty()) {
      AddHeader(h, "X-DTLS-App-ID", d.app_id_hex);
    }
    if (!d.ciphersuite.empty()) {
      AddHeader(h, "X-DTLS-CipherSuite", d.ciphersuite);
    }
    if (!d.dtls12_ciphersuite.empty()) {
      AddHeader(h, "X-DTLS12-CipherSuite", d.dtls12_ciphersuite);
    }
    if (d.mtu != 0) {
      AddHeader(h, "X-DTLS-MTU", std::to_string(d.mtu));
    }
  }
  if (r.base_mtu != 0) {
    AddHeader(h, "X-CSTP-Base-MTU", std::to_string(r.base_mtu));
  }
  AddHeader(h, "X-CSTP-MTU", std::to_string(r.mtu));
  if (!r.banner.empty()) {
    AddHeader(h, "X-CSTP-Banner", EscapeBanner(r.banner));
  }
  if (!r.post_auth_xml.empty()) {
    AddHeader(h, "X-CSTP-Post-Auth-XML", r.post_auth_xml);
  }
  if (r.dtls && !r.dtls->content_encoding.empty()) {
    AddHeader(h, "X-DTLS-Content-Encoding", r.dtls->content_encoding);
  }
  if (!r.cstp_content_encoding.empty()) {
    AddHeader(h, "X-CSTP-Content-Encoding", r.cstp_content_encoding);
  }
  return h;
}

Result<ConnectResponse> ParseConnectResponse(const http::HeaderList& headers) {
  ConnectResponse r;
  ConnectResponse::Dtls d;
  bool dtls_port_ok = false;
  // The legacy IPv6 form (ocserv for clients without Full-IPv6-Capability, §6.3 and decision
  // #28): X-CSTP-Address holds an IPv6 address and X-CSTP-Netmask "net/len".
  std::string legacy_ip6;
  std::string legacy_ip6_mask;

  for (const auto& header : headers) {
    const std::string& name = header.name;
    const std::string_view value = TrimWhitespace(header.value);
    auto is = [&name](std::string_view known) { return EqualsIgnoreCase(name, known); };

    if (is("X-CSTP-Version")) {
      // Only "1" exists; nothing to keep.
    } else if (is("X-CSTP-Server-Name")) {
      r.server_name = value;
    } else if (is("X-CSTP-Hostname")) {
      r.hostname = value;
    } else if (is("X-CSTP-Address")) {
      if (value.find(':') != std::string_view::npos) {
        legacy_ip6 = value;
      } else {
        r.address = value;
      }
    } else if (is("X-CSTP-Netmask")) {
      if (value.find(':') != std::string_view::npos) {
        legacy_ip6_mask = value;
      } else {
        r.netmask = value;
      }
    } else if (is("X-CSTP-Address-IP6")) {
      r.address_ip6 = value;
    } else if (is("X-CSTP-DNS") || is("X-CSTP-DNS-IP6")) {
      AppendCapped(r.dns, value, kMaxDnsServers);
    } else if (is("X-CSTP-NBNS")) {
      AppendCapped(r.nbns, value, kMaxDnsServers);
    } else if (is("X-CSTP-Split-DNS")) {
      AppendCapped(r.split_dns, value, kMaxListEntries);
    } else if (is("X-CSTP-Split-Include")) {
      AppendCapped(r.split_include, value, kMaxListEntries);
    } else if (is("X-CSTP-Split-Exclude")) {
      AppendCapped(r.split_exclude, value, kMaxListEntries);
    } else if (is("X-CSTP-Split-Include-IP6")) {
      AppendCapped(r.split_include_ip6, value, kMaxListEntries);
    } else if (is("X-CSTP-Split-Exclude-IP6")) {
      AppendCapped(r.split_exclude_ip6, value, kMaxListEntries);
    } else if (is("X-CSTP-Default-Domain")) {
      r.default_domain = value;
    } else if (is("X-CSTP-Tunnel-All-DNS")) {
      r.tunnel_all_dns = EqualsIgnoreCase(value, "true");
    } else if (is("X-CSTP-MTU")) {
      r.mtu = ParseSeconds(value);
    } else if (is("X-CSTP-Base-MTU")) {
      r.base_mtu = ParseSeconds(value);
    } else if (is("X-CSTP-DPD")) {
      r.dpd_s = ParseSeconds(value);
    } else if (is("X-CSTP-Keepalive")) {
      r.keepalive_s = ParseSeconds(value);
    } else if (is("X-CSTP-Idle-Timeout")) {
      r.idle_timeout_s = ParseOptionalSeconds(value);
    } else if (is("X-CSTP-Session-Timeout")) {
      r.session_timeout_s = ParseOptionalSeconds(value);
    } else if (is("X-CSTP-Session-Timeout-Remaining")) {
      r.session_timeout_remaining_s = ParseOptionalSeconds(value);
    } else if (is("X-CSTP-Disconnected-Timeout")) {
      r.disconnected_timeout_s = ParseOptionalSeconds(value);
    } else if (is("X-CSTP-Lease-Duration")) {
      r.lease_duration_s = ParseOptionalSeconds(value);
    } else if (is("X-CSTP-Rekey-Time")) {
      r.rekey_time_s = ParseSeconds(value);
    } else if (is("X-CSTP-Rekey-Method")) {
      r.rekey_method = EqualsIgnoreCase(value, "none") ? std::string_view() : value;
    } else if (is("X-CSTP-Banner")) {
      auto decoded = PercentDecode(value, /*plus_is_space=*/false);
      r.banner = decoded ? std::move(*decoded) : std::string(value);
    } else if (is("X-CSTP-Post-Auth-XML")) {
      r.post_auth_xml = value;
    } else if (is("X-CSTP-Content-Encoding")) {
      if (!IsKnownCstpEncoding(value)) {
        return Fail(Errc::kProtocol, "unknown X-CSTP-Content-Encoding");
      }
      r.cstp_content_encoding = value;
    } else if (is("X-DTLS-Port")) {
      auto port = ParseNumber(value, 65535);
      dtls_port_ok = port.has_value() && *port != 0;
      d.port = static_cast<std::uint16_t>(port.value_or(0));
    } else if (is("X-DTLS-Session-ID")) {
      // openconnect fails the whole CONNECT on a bad session id (§6.2).
      if (value.size() != kSessionIdHexDigits || !IsHex(value)) {
        return Fail(Errc::kProtocol, "X-DTLS-Session-ID is not 64 hex digits");
      }
      d.session_id_hex = value;
    } else if (is("X-DTLS-App-ID")) {
      if (value.size() < 2 || value.size() > kMaxAppIdHexDigits || value.size() % 2 != 0 ||
          !IsHex(value)) {
        return Fail(Errc::kProtocol, "X-DTLS-App-ID is not 1..32 hex bytes");
      }
      d.app_id_hex = value;
    } else if (is("X-DTLS-CipherSuite")) {
      d.ciphersuite = value;
    } else if (is("X-DTLS12-CipherSuite")) {
      d.dtls12_ciphersuite = value;
    } else if (is("X-DTLS-MTU")) {
      d.mtu = ParseSeconds(value);
    } else if (is("X-DTLS-DPD")) {
      d.dpd_s = ParseSeconds(value);
    } else if (is("X-DTLS-Keepalive")) {
      d.keepalive_s = ParseSeconds(value);
    } else if (is("X-DTLS-Rekey-Time")) {
      d.rekey_time_s = ParseSeconds(value);
    } else if (is("X-DTLS-Rekey-Method")) {
      d.rekey_method = EqualsIgnoreCase(value, "none") ? std::string_view() : value;
    } else if (is("X-DTLS-Content-Encoding")) {
      if (!IsKnownDtlsEncoding(value)) {
        return Fail(Errc::kProtocol, "unknown X-DTLS-Content-Encoding");
      }
      d.content_encoding = value;
    } else if (r.extra.size() < kMaxListEntries) {
      r.extra.push_back(header);
    }
  }

  if (r.address_ip6.empty() && !legacy_ip6.empty()) {
    r.address_ip6 = legacy_ip6;
    auto slash = legacy_ip6_mask.rfind('/');
    if (legacy_ip6.find('/') == std::string::npos && slash != std::string::npos) {
      r.address_ip6 += legacy_ip6_mask.substr(slash);
    }
  }
  if (r.mtu == 0 && d.mtu == 0) {
    return Fail(Errc::kProtocol, "no MTU received (X-CSTP-MTU / X-DTLS-MTU)");
  }
  if (r.mtu == 0) {
    // Only X-DTLS-MTU came; openconnect would use it for the tunnel whatever happens to DTLS.
    r.mtu = d.mtu;
  }
  if (r.address.empty() && r.address_ip6.empty()) {
    return Fail(Errc::kProtocol, "no IP address received (X-CSTP-Address)");
  }
  if ((!d.session_id_hex.empty() || !d.app_id_hex.empty()) && dtls_port_ok) {
    r.dtls = std::move(d);
  }
  return r;
}

}  // namespace sekisho::proto::tunnel

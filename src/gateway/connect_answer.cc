#include "gateway/connect_answer.h"

#include <utility>

namespace sekisho::gateway {
namespace {

namespace tunnel = proto::tunnel;

// openconnect sends its node name; accept only a plain host name, as ocserv checks (§5.2).
std::string SanitizeHostname(std::string_view name) {
  if (name.empty() || name.size() > 63) {
    return "client";
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.';
    if (!ok) {
      return "client";
    }
  }
  return std::string(name);
}

std::optional<std::uint32_t> OptionalSeconds(std::uint32_t value) {
  return value == 0 ? std::nullopt : std::optional<std::uint32_t>(value);
}

}  // namespace

tunnel::ConnectResponse BuildConnectAnswer(const GatewayConfig& config,
                                           const proto::ipc::ConnectReply& grant,
                                           std::string_view client_hostname,
                                           const tunnel::MtuPlan& mtus,
                                           std::optional<ConnectAnswerDtls> dtls) {
  const GroupConfig* group = config.FindGroup(grant.group);
  const GroupConfig& settings = group != nullptr ? *group : config.DefaultGroup();
  tunnel::ConnectResponse response;
  if (dtls) {
    if (dtls->mode != tunnel::DtlsMode::kPsk) {
      dtls->headers.mtu = mtus.dtls_mtu;  // PSK clients compute it themselves (§8.6)
    }
    response.dtls = std::move(dtls->headers);
  }
  response.server_name = "sekishod 0.1";
  response.hostname = SanitizeHostname(client_hostname);
  response.address = FormatIpv4(grant.ipv4);
  response.netmask = config.PoolOf(settings).MaskDotted();
  for (std::uint32_t dns : config.DnsOf(settings)) {
    response.dns.push_back(FormatIpv4(dns));
  }
  for (const Ipv4Cidr& route : config.RoutesOf(settings)) {
    response.split_include.push_back(route.ToNetMask());
  }
  for (const Ipv4Cidr& route : config.ExcludeRoutesOf(settings)) {
    response.split_exclude.push_back(route.ToNetMask());
  }
  response.split_dns = config.SplitDnsOf(settings);
  response.default_domain = config.DefaultDomainOf(settings);
  response.tunnel_all_dns = response.split_include.empty();
  response.mtu = mtus.cstp_mtu;
  response.base_mtu = mtus.base_mtu;
  response.dpd_s = config.tunnel.dpd_s;
  response.keepalive_s = config.tunnel.keepalive_s;
  response.idle_timeout_s = OptionalSeconds(config.tunnel.idle_timeout_s);
  response.session_timeout_s = OptionalSeconds(config.tunnel.session_timeout_s);
  response.session_timeout_remaining_s = OptionalSeconds(grant.session_remaining_s);
  response.disconnected_timeout_s = config.auth.cookie_timeout_s;
  response.rekey_time_s = config.tunnel.rekey_time_s;
  // Announcing "ssl" would make openconnect try a rehandshake, fail, and only then fall back.
  response.rekey_method = config.tunnel.rekey_method == RekeyMethod::kNone ? "" : "new-tunnel";
  response.banner = config.BannerOf(settings);
  response.extra = {
      {"X-CSTP-Keep", "true"}, {"X-CSTP-TCP-Keepalive", "true"}, {"X-CSTP-License", "accept"}};
  return response;
}

}  // namespace sekisho::gateway

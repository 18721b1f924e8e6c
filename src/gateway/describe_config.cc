// DescribeConfig (config.h): the effective configuration as --check-config prints it, one
// line per section and per group, defaults filled in.

#include "gateway/config.h"

#include <sstream>

namespace sekisho::gateway {

std::string DescribeConfig(const GatewayConfig& c) {
  std::ostringstream o;
  auto addresses = [](const std::vector<std::uint32_t>& v) {
    std::string s;
    for (std::uint32_t a : v) {
      s += (s.empty() ? "" : ", ") + FormatIpv4(a);
    }
    return s.empty() ? std::string("(none)") : s;
  };
  auto routes = [](const std::vector<Ipv4Cidr>& v) {
    std::string s;
    for (const Ipv4Cidr& r : v) {
      s += (s.empty() ? "" : ", ") + r.ToString();
    }
    return s.empty() ? std::string("all traffic") : s;
  };
  o << "configuration " << c.source << "\n";
  o << "listen      " << c.listen.address << ":" << c.listen.port << "\n";
  o << "tls         certificate " << c.tls.certificate << ", key " << c.tls.private_key
    << ", client CAs " << c.tls.ca_certificates.value_or("(none)") << ", TLS 1.3 "
    << (c.tls.allow_tls13 ? "allowed" : "disabled") << (c.tls.priority ? ", custom priority" : "")
    << "\n";
  o << "auth        password file "
    << (c.auth.password_file.empty() ? "(none)" : c.auth.password_file) << ", "
    << c.auth.max_login_attempts << " attempts, cookie timeout " << c.auth.cookie_timeout_s
    << "s, certificate user OID " << c.auth.cert_user_oid << "\n";
  o << "throttle    " << c.auth.throttle.max_failures << " failures per address or "
    << c.auth.throttle.user_max_failures << " per user in " << c.auth.throttle.window_s
    << "s -> block " << c.auth.throttle.backoff_s << "s (max " << c.auth.throttle.max_backoff_s
    << "s)\n";
  o << "network     pool "
    << (c.network.ipv4_pool ? c.network.ipv4_pool->ToString() : std::string("(per group)"))
    << ", dns " << addresses(c.network.dns) << ", routes " << routes(c.network.routes) << ", mtu "
    << c.network.mtu << "\n";
  o << "tunnel      dpd " << c.tunnel.dpd_s << "s, keepalive " << c.tunnel.keepalive_s << "s, idle "
    << c.tunnel.idle_timeout_s << "s, session " << c.tunnel.session_timeout_s << "s, rekey "
    << RekeyMethodName(c.tunnel.rekey_method) << "/" << c.tunnel.rekey_time_s << "s, max sessions "
    << c.tunnel.max_sessions << ", tun " << c.tunnel.tun_name << "*\n";
  o << "dtls        " << (c.dtls.enabled ? "enabled" : "disabled") << " (legacy "
    << (c.dtls.legacy ? "on" : "off") << ", dtls1.2 " << (c.dtls.dtls12 ? "on" : "off") << ", psk "
    << (c.dtls.psk ? "on" : "off") << ")\n";
  o << "process     "
    << (c.process.workers == 0 ? std::string("one worker per core")
                               : std::to_string(c.process.workers) + " workers")
    << " as " << c.process.worker_user << ":" << c.process.worker_group << "\n";
  o << "limits      " << c.limits.max_connections << " connections (" << c.limits.max_prelogin
    << " before login, " << c.limits.max_handshakes << " in handshake, " << c.limits.max_per_address
    << " per address), " << c.limits.max_login_contexts << " login contexts, "
    << c.limits.max_unsent_kib << " KiB unread output\n";
  o << "control     " << c.control.socket << "\n";
  o << "metrics     " << (c.metrics.listen ? "http://" + *c.metrics.listen + "/metrics" : "off")
    << "\n";
  o << "log         " << c.log.level << ", target " << c.log.target << "\n";
  if (c.hooks.connect || c.hooks.disconnect) {
    o << "hooks       connect " << c.hooks.connect.value_or("-") << ", disconnect "
      << c.hooks.disconnect.value_or("-") << ", timeout " << c.hooks.timeout_s << " s\n";
  }
  for (const DownloadFile& f : c.downloads.files) {
    o << "download    " << f.name << " <- " << f.path << "\n";
  }
  for (const GroupConfig& g : c.groups) {
    o << "group       " << g.name << (g.is_default ? " (default)" : "");
    for (const std::string& a : g.aliases) {
      o << " alias " << a;
    }
    if (g.label) {
      o << " label \"" << *g.label << "\"";
    }
    o << ": pool " << c.PoolOf(g).ToString() << ", dns " << addresses(c.DnsOf(g)) << ", routes "
      << routes(c.RoutesOf(g));
    if (g.profile) {
      o << ", profile " << *g.profile;
    }
    o << "\n";
  }
  return o.str();
}

}  // namespace sekisho::gateway

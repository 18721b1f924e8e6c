#include "gateway/config_parser.h"

#include "base/strings.h"
#include "gateway/config_table_reader.h"

#include <algorithm>
#include <arpa/inet.h>
#include <map>
#include <set>
#include <utility>
#include <vector>

namespace sekisho::gateway::config_internal {

namespace {
// Long enough for any group title a login page shows, short enough for one line of a form.
constexpr std::size_t kGroupLabelMax = 128;
constexpr std::string_view kSupportedCertificateFields =
    "\"2.5.4.3\" (CN), \"2.5.4.11\" (OU) or \"0.9.2342.19200300.100.1.1\" (UID)";

// "198.18.0.1:9480" or "[2001:db8::1]:9480", port 1..65535.
bool IsAddressAndPort(const std::string& text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    return false;
  }
  std::string host = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoul(port) == 0 || std::stoul(port) > 65535) {
    return false;
  }
  unsigned char buf[16];
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), buf) == 1;
  }
  return inet_pton(AF_INET, host.c_str(), buf) == 1;
}
}  // namespace

Result<GatewayConfig> ConfigParser::Run() {
  config_.source = diag_.source();
  static const toml::table kEmpty;
  TableReader top(diag_, root_, "");
  auto section = [&](std::string_view name) -> const toml::table& {
    const toml::table* t = top.Table(name);
    return t != nullptr ? *t : kEmpty;
  };
  Listen(section("listen"));
  Tls(section("tls"));
  Auth(section("auth"));
  Network(section("network"));
  Tunnel(section("tunnel"));
  Dtls(section("dtls"));
  Process(section("process"));
  Limits(section("limits"));
  Control(section("control"));
  Log(section("log"));
  Downloads(section("downloads"));
  Hooks(section("hooks"));
  Metrics(section("metrics"));
  Groups(top.Get("group"));
  top.Finish();
  if (config_.auth.password_file.empty() && !config_.tls.ca_certificates) {
    diag_.Add(toml::source_region{},
              "no authentication method: set auth.password_file and/or tls.ca_certificates");
  }
  if (!diag_.ok()) {
    return Fail(Errc::kConfig, diag_.Joined());
  }
  return std::move(config_);
}

std::string ConfigParser::Resolve(const std::string& path) const {
  if (path.empty()) {
    return path;
  }
  std::filesystem::path p(path);
  if (p.is_absolute() || base_dir_.empty()) {
    return p.lexically_normal().string();
  }
  return (base_dir_ / p).lexically_normal().string();
}

void ConfigParser::Listen(const toml::table& t) {
  TableReader r(diag_, t, "listen");
  ListenConfig& c = config_.listen;
  r.String("address", c.address);
  if (const toml::node* n = t.get("address")) {
    in6_addr buf6{};
    in_addr buf4{};
    if (inet_pton(AF_INET, c.address.c_str(), &buf4) != 1 &&
        inet_pton(AF_INET6, c.address.c_str(), &buf6) != 1) {
      diag_.Add(n->source(), "listen.address must be an IPv4 or IPv6 address literal");
    }
  }
  r.Uint("port", c.port, 1, 65535);
  r.Uint("handshake_timeout", c.handshake_timeout_s, 1, 3600);
  r.Uint("request_timeout", c.request_timeout_s, 1, 3600);
  r.Finish();
}

void ConfigParser::Tls(const toml::table& t) {
  TableReader r(diag_, t, "tls");
  TlsConfig& c = config_.tls;
  r.String("certificate", c.certificate);
  r.String("private_key", c.private_key);
  r.OptString("ca_certificates", c.ca_certificates);
  r.Bool("allow_tls13", c.allow_tls13);
  r.OptString("priority", c.priority);
  r.Require("certificate", c.certificate);
  r.Require("private_key", c.private_key);
  c.certificate = Resolve(c.certificate);
  c.private_key = Resolve(c.private_key);
  if (c.ca_certificates) {
    c.ca_certificates = Resolve(*c.ca_certificates);
  }
  r.Finish();
}

bool ConfigParser::IsSupportedCertificateField(std::string_view oid) {
  return oid == kOidCommonName || oid == kOidOrganizationalUnit || oid == kOidUid;
}

void ConfigParser::Auth(const toml::table& t) {
  TableReader r(diag_, t, "auth");
  AuthConfig& c = config_.auth;
  r.String("password_file", c.password_file);
  c.password_file = Resolve(c.password_file);
  r.Uint("max_login_attempts", c.max_login_attempts, 1, 100);
  r.Uint("cookie_timeout", c.cookie_timeout_s, 0, 7 * 86400);
  r.String("cert_user_oid", c.cert_user_oid);
  r.OptString("cert_group_oid", c.cert_group_oid);
  // Only the subject fields the TLS layer extracts can be named; any other OID would be
  // accepted and then silently ignored.
  if (const toml::node* n = t.get("cert_user_oid");
      n != nullptr && !IsSupportedCertificateField(c.cert_user_oid)) {
    diag_.Add(n->source(),
              "auth.cert_user_oid must be one of " + std::string(kSupportedCertificateFields));
  }
  if (const toml::node* n = t.get("cert_group_oid");
      n != nullptr && c.cert_group_oid && !IsSupportedCertificateField(*c.cert_group_oid)) {
    diag_.Add(n->source(),
              "auth.cert_group_oid must be one of " + std::string(kSupportedCertificateFields));
  }
  if (const toml::table* th = r.Table("throttle")) {
    AuthThrottle(*th);
  }
  r.Finish();
}

void ConfigParser::AuthThrottle(const toml::table& t) {
  TableReader r(diag_, t, "auth.throttle");
  ThrottleConfig& c = config_.auth.throttle;
  r.Uint("max_failures", c.max_failures, 1, 1000);
  r.Uint("user_max_failures", c.user_max_failures, 1, 1000);
  r.Uint("window", c.window_s, 1, 86400);
  r.Uint("backoff", c.backoff_s, 0, 86400);
  r.Uint("max_backoff", c.max_backoff_s, 0, 7 * 86400);
  r.Uint("max_tracked", c.max_tracked, 16, 10'000'000);
  if (c.max_backoff_s < c.backoff_s) {
    diag_.Add(t.source(), "auth.throttle.max_backoff must not be below auth.throttle.backoff");
  }
  r.Finish();
}

void ConfigParser::Network(const toml::table& t) {
  TableReader r(diag_, t, "network");
  NetworkConfig& c = config_.network;
  c.ipv4_pool = r.Pool("ipv4_pool");
  if (auto dns = r.AddressList("dns")) {
    c.dns = std::move(*dns);
  }
  if (auto routes = r.CidrList("routes")) {
    c.routes = std::move(*routes);
  }
  if (auto excluded = r.CidrList("exclude_routes")) {
    c.exclude_routes = std::move(*excluded);
  }
  r.Uint("mtu", c.mtu, 576, 9000);
  r.String("default_domain", c.default_domain);
  if (auto split = DomainList(r, "network", "split_dns")) {
    c.split_dns = std::move(*split);
  }
  r.Finish();
}

std::optional<std::vector<std::string>> ConfigParser::DomainList(TableReader& r,
                                                                 std::string_view table,
                                                                 std::string_view key) {
  std::vector<std::pair<std::string, toml::source_region>> entries;
  if (!r.StringList(key, entries)) {
    return std::nullopt;
  }
  std::vector<std::string> domains;
  for (auto& [domain, where] : entries) {
    if (domain.empty() || domain.find_first_of(" ,;") != std::string::npos ||
        !IsPrintableText(domain)) {
      diag_.Add(where, std::string(table) + "." + std::string(key) +
                           " entries must be single domain names");
    }
    domains.push_back(std::move(domain));
  }
  return domains;
}

void ConfigParser::Tunnel(const toml::table& t) {
  TableReader r(diag_, t, "tunnel");
  TunnelConfig& c = config_.tunnel;
  r.Uint("dpd", c.dpd_s, 0, 86400);
  r.Uint("keepalive", c.keepalive_s, 0, 86400);
  r.Uint("idle_timeout", c.idle_timeout_s, 0, 365 * 86400);
  r.Uint("session_timeout", c.session_timeout_s, 0, 365 * 86400);
  r.Uint("rekey_time", c.rekey_time_s, 0, 365 * 86400);
  std::string method = std::string(RekeyMethodName(c.rekey_method));
  r.String("rekey_method", method);
  if (method == "ssl") {
    c.rekey_method = RekeyMethod::kSsl;
  } else if (method == "new-tunnel") {
    c.rekey_method = RekeyMethod::kNewTunnel;
  } else if (method == "none") {
    c.rekey_method = RekeyMethod::kNone;
  } else {
    diag_.Add(t.get("rekey_method")->source(),
              "tunnel.rekey_method must be \"ssl\", \"new-tunnel\" or \"none\"");
  }
  r.String("banner", c.banner);
  r.Uint("max_sessions", c.max_sessions, 0, 1'000'000);
  r.Uint("max_sessions_per_user", c.max_sessions_per_user, 0, 1'000'000);
  r.String("tun_name", c.tun_name);
  // IFNAMSIZ is 16 including the NUL, and we append a number of up to 5 digits.
  if (c.tun_name.empty() || c.tun_name.size() > 10 ||
      c.tun_name.find_first_of("/ %:\t") != std::string::npos) {
    const toml::node* n = t.get("tun_name");
    diag_.Add(n != nullptr ? n->source() : t.source(),
              "tunnel.tun_name must be 1-10 characters without '/', ':', '%' or spaces");
  }
  r.Finish();
}

void ConfigParser::Dtls(const toml::table& t) {
  TableReader r(diag_, t, "dtls");
  DtlsConfig& c = config_.dtls;
  r.Bool("enabled", c.enabled);
  r.Bool("legacy", c.legacy);
  r.Bool("dtls12", c.dtls12);
  r.Bool("psk", c.psk);
  if (c.enabled && !c.legacy && !c.dtls12 && !c.psk) {
    diag_.Add(t.source(), "dtls is enabled but legacy, dtls12 and psk are all false");
  }
  r.Finish();
}

void ConfigParser::Process(const toml::table& t) {
  TableReader r(diag_, t, "process");
  r.Uint("workers", config_.process.workers, 0, 256);
  r.String("worker_user", config_.process.worker_user);
  r.Require("worker_user", config_.process.worker_user);
  r.String("worker_group", config_.process.worker_group);
  r.Require("worker_group", config_.process.worker_group);
  if (config_.process.worker_user == "root") {
    diag_.Add(t.get("worker_user")->source(), "process.worker_user must not be root");
  }
  r.Finish();
}

void ConfigParser::Limits(const toml::table& t) {
  TableReader r(diag_, t, "limits");
  LimitsConfig& c = config_.limits;
  r.Uint("max_connections", c.max_connections, 1, 1'000'000);
  r.Uint("max_prelogin", c.max_prelogin, 1, 1'000'000);
  r.Uint("max_handshakes", c.max_handshakes, 1, 1'000'000);
  r.Uint("max_per_address", c.max_per_address, 1, 1'000'000);
  r.Uint("max_login_contexts", c.max_login_contexts, 16, 10'000'000);
  r.Uint("max_unsent_kib", c.max_unsent_kib, 64, 1024 * 1024);
  // A smaller limit inside a larger one: otherwise the larger one could never be reached.
  auto not_above = [&](std::string_view inner, std::uint32_t inner_value, std::string_view outer,
                       std::uint32_t outer_value) {
    if (inner_value > outer_value) {
      const toml::node* n = t.get(inner);
      diag_.Add(n != nullptr ? n->source() : t.source(),
                "limits." + std::string(inner) + " (" + std::to_string(inner_value) +
                    ") must not exceed limits." + std::string(outer) + " (" +
                    std::to_string(outer_value) + ")");
    }
  };
  not_above("max_prelogin", c.max_prelogin, "max_connections", c.max_connections);
  not_above("max_handshakes", c.max_handshakes, "max_prelogin", c.max_prelogin);
  not_above("max_per_address", c.max_per_address, "max_connections", c.max_connections);
  r.Finish();
}

void ConfigParser::Control(const toml::table& t) {
  TableReader r(diag_, t, "control");
  r.String("socket", config_.control.socket);
  r.Require("socket", config_.control.socket);
  config_.control.socket = Resolve(config_.control.socket);
  r.Finish();
}

void ConfigParser::Metrics(const toml::table& t) {
  TableReader r(diag_, t, "metrics");
  std::string listen;
  r.String("listen", listen);
  if (const toml::node* n = t.get("listen"); n != nullptr && n->is_string()) {
    if (!IsAddressAndPort(listen)) {
      diag_.Add(n->source(),
                "metrics.listen must be an address literal and a port, like 127.0.0.1:9480 or "
                "[::1]:9480");
    }
    config_.metrics.listen = listen;
  }
  r.Finish();
}

void ConfigParser::Log(const toml::table& t) {
  TableReader r(diag_, t, "log");
  r.String("level", config_.log.level);
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "off"};
  if (kLevels.count(config_.log.level) == 0) {
    diag_.Add(t.get("level")->source(),
              "log.level must be one of trace, debug, info, warn, error, off");
  }
  r.String("target", config_.log.target);
  static const std::set<std::string> kTargets = {"auto", "stderr", "journal", "syslog"};
  if (kTargets.count(config_.log.target) == 0) {
    diag_.Add(t.get("target")->source(), "log.target must be one of auto, stderr, journal, syslog");
  }
  r.Finish();
}

void ConfigParser::Hooks(const toml::table& t) {
  TableReader r(diag_, t, "hooks");
  HooksConfig& c = config_.hooks;
  r.OptString("connect", c.connect);
  r.OptString("disconnect", c.disconnect);
  r.Uint("timeout", c.timeout_s, 1, 300);
  for (auto [key, path] : {std::pair{"connect", &c.connect}, {"disconnect", &c.disconnect}}) {
    if (!*path) {
      continue;
    }
    if (path->value().empty()) {
      diag_.Add(t.get(key)->source(), std::string("hooks.") + key + " must not be empty");
      continue;
    }
    *path = Resolve(**path);
  }
  r.Finish();
}

void ConfigParser::Downloads(const toml::table& t) {
  // Every key is a file name; no Finish(): there are no fixed keys to misspell.
  for (const auto& [key, node] : t) {
    std::string name(key.str());
    if (name.empty() || name[0] == '.' || name.find_first_of("/\\") != std::string::npos) {
      diag_.Add(key.source(), "downloads: \"" + name + "\" must be a plain file name");
      continue;
    }
    if (!node.is_string() || node.as_string()->get().empty()) {
      diag_.Add(node.source(), "downloads." + name + " must be a file path");
      continue;
    }
    config_.downloads.files.push_back({name, Resolve(node.as_string()->get())});
  }
}

void ConfigParser::Groups(const toml::node* node) {
  std::vector<toml::source_region> where;
  if (node != nullptr) {
    const toml::array* arr = node->as_array();
    if (arr == nullptr || !arr->is_array_of_tables()) {
      diag_.Add(node->source(), "group must be an array of tables ([[group]])");
    } else {
      for (const toml::node& el : *arr) {
        Group(*el.as_table());
        where.push_back(el.source());
      }
    }
  }
  if (config_.groups.empty()) {
    GroupConfig g;
    g.name = "default";
    config_.groups.push_back(std::move(g));
    where.emplace_back();
  }

  // Exactly one default: the first group when none says so.
  std::size_t defaults = 0;
  for (std::size_t i = 0; i < config_.groups.size(); ++i) {
    if (config_.groups[i].is_default && ++defaults == 2) {
      diag_.Add(where[i],
                "group \"" + config_.groups[i].name + "\" is the second group with default = true");
    }
  }
  if (defaults == 0) {
    config_.groups.front().is_default = true;
  }

  // Names, aliases and labels share one namespace: all select a group (URLs, the select list,
  // the label a Cisco client echoes); a label equal to its own group's name is no conflict.
  std::map<std::string, std::string> owner;
  for (std::size_t i = 0; i < config_.groups.size(); ++i) {
    const GroupConfig& g = config_.groups[i];
    std::vector<std::string> names = g.aliases;
    names.insert(names.begin(), g.name);
    if (g.label && std::find(names.begin(), names.end(), *g.label) == names.end()) {
      names.push_back(*g.label);
    }
    for (const std::string& n : names) {
      auto [it, inserted] = owner.emplace(n, g.name);
      if (!inserted) {
        diag_.Add(where[i], "group name or alias \"" + n + "\" is already used by group \"" +
                                it->second + "\"");
      }
    }
  }

  // An excluded network overlapping the group's pool would send the client's own tunnel subnet
  // around the tunnel.
  for (std::size_t i = 0; i < config_.groups.size(); ++i) {
    const GroupConfig& g = config_.groups[i];
    const std::optional<Ipv4Cidr>& pool = g.ipv4_pool ? g.ipv4_pool : config_.network.ipv4_pool;
    if (!pool) {
      continue;
    }
    for (const Ipv4Cidr& excluded : config_.ExcludeRoutesOf(g)) {
      if (excluded.Overlaps(*pool)) {
        diag_.Add(where[i], "exclude_routes of group \"" + g.name + "\" (" + excluded.ToString() +
                                ") overlaps its address pool " + pool->ToString());
      }
    }
  }

  // Pools actually in use must not overlap; groups that inherit share the global pool.
  std::vector<std::pair<Ipv4Cidr, std::string>> pools;
  bool uses_global = false;
  for (std::size_t i = 0; i < config_.groups.size(); ++i) {
    const GroupConfig& g = config_.groups[i];
    if (g.ipv4_pool) {
      pools.emplace_back(*g.ipv4_pool, "group \"" + g.name + "\"");
    } else {
      uses_global = true;
      if (!config_.network.ipv4_pool) {
        diag_.Add(where[i],
                  "group \"" + g.name + "\" has no ipv4_pool and network.ipv4_pool is not set");
      }
    }
  }
  if (uses_global && config_.network.ipv4_pool) {
    pools.emplace_back(*config_.network.ipv4_pool, "network.ipv4_pool");
  }
  for (std::size_t a = 0; a < pools.size(); ++a) {
    for (std::size_t b = a + 1; b < pools.size(); ++b) {
      if (pools[a].first.Overlaps(pools[b].first)) {
        diag_.Add(toml::source_region{},
                  "ipv4_pool of " + pools[a].second + " (" + pools[a].first.ToString() +
                      ") overlaps " + pools[b].second + " (" + pools[b].first.ToString() + ")");
      }
    }
  }
}

void ConfigParser::Group(const toml::table& t) {
  TableReader r(diag_, t, "group");
  GroupConfig g;
  r.String("name", g.name);
  if (g.name.empty() || g.name.find_first_of(" /?&#<>\"'") != std::string::npos) {
    diag_.Add(t.source(), "group.name is required and must not contain spaces or / ? & # < > \" '");
  }
  std::vector<std::pair<std::string, toml::source_region>> aliases;
  if (r.StringList("aliases", aliases)) {
    for (auto& [alias, where] : aliases) {
      if (alias.empty() || alias.find_first_of(" /?&#<>\"'") != std::string::npos) {
        diag_.Add(where, "group.aliases entries must not be empty or contain spaces or / ? & #");
      }
      g.aliases.push_back(std::move(alias));
    }
  }
  r.OptString("label", g.label);
  if (g.label &&
      (g.label->empty() || g.label->size() > kGroupLabelMax || !IsPrintableText(*g.label))) {
    diag_.Add(t.source(), "group.label must be 1 to " + std::to_string(kGroupLabelMax) +
                              " bytes of printable text (UTF-8, no control characters)");
  }
  r.Bool("default", g.is_default);
  g.ipv4_pool = r.Pool("ipv4_pool");
  g.dns = r.AddressList("dns");
  g.routes = r.CidrList("routes");
  g.exclude_routes = r.CidrList("exclude_routes");
  r.OptString("default_domain", g.default_domain);
  g.split_dns = DomainList(r, "group", "split_dns");
  r.OptString("banner", g.banner);
  r.OptString("profile", g.profile);
  if (g.profile) {
    g.profile = Resolve(*g.profile);
  }
  r.Finish();
  config_.groups.push_back(std::move(g));
}

}  // namespace sekisho::gateway::config_internal

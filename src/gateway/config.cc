#include "gateway/config.h"

#include "base/strings.h"

#include <toml++/toml.h>

#include <arpa/inet.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <utility>

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
  }
  return nullptr;
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
const std::string& GatewayConfig::BannerOf(const GroupConfig& group) const {
  return group.banner ? *group.banner : tunnel.banner;
}

namespace {

// Collects every problem so that one run of --check-config shows them all.
class Diagnostics {
 public:
  explicit Diagnostics(std::string source) : source_(std::move(source)) {}

  void Add(const toml::source_region& where, const std::string& message) {
    std::string line = source_.empty() ? std::string("<config>") : source_;
    if (where.begin.line > 0) {
      line += ":" + std::to_string(where.begin.line) + ":" + std::to_string(where.begin.column);
    }
    errors_.push_back(line + ": " + message);
  }
  bool ok() const { return errors_.empty(); }
  std::string Joined() const {
    std::string out;
    for (const std::string& e : errors_) {
      out += (out.empty() ? "" : "\n") + e;
    }
    return out;
  }
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::vector<std::string> errors_;
};

// Reads typed keys from one TOML table and remembers which were used, so that Finish() can
// report the rest as unknown.
class TableReader {
 public:
  TableReader(Diagnostics& diag, const toml::table& table, std::string prefix)
      : diag_(diag), table_(table), prefix_(std::move(prefix)) {}

  const toml::node* Get(std::string_view key) {
    used_.insert(std::string(key));
    return table_.get(key);
  }

  void String(std::string_view key, std::string& out) {
    if (const toml::node* n = Get(key)) {
      if (auto v = n->value<std::string>(); v && n->is_string()) {
        out = *v;
      } else {
        TypeError(*n, key, "a string");
      }
    }
  }
  void OptString(std::string_view key, std::optional<std::string>& out) {
    if (table_.contains(key)) {
      std::string v;
      String(key, v);
      out = std::move(v);
    }
  }
  void Bool(std::string_view key, bool& out) {
    if (const toml::node* n = Get(key)) {
      if (n->is_boolean()) {
        out = n->as_boolean()->get();
      } else {
        TypeError(*n, key, "true or false");
      }
    }
  }
  template <class T>
  void Uint(std::string_view key, T& out, std::int64_t min, std::int64_t max) {
    if (const toml::node* n = Get(key)) {
      if (!n->is_integer()) {
        TypeError(*n, key, "an integer");
        return;
      }
      std::int64_t v = n->as_integer()->get();
      if (v < min || v > max) {
        diag_.Add(n->source(), Name(key) + " must be between " + std::to_string(min) + " and " +
                                   std::to_string(max) + ", got " + std::to_string(v));
        return;
      }
      out = static_cast<T>(v);
    }
  }
  // A list of strings; returns false (after reporting) when the value is not one.
  bool StringList(std::string_view key,
                  std::vector<std::pair<std::string, toml::source_region>>& out) {
    const toml::node* n = Get(key);
    if (n == nullptr) {
      return false;
    }
    const toml::array* arr = n->as_array();
    if (arr == nullptr) {
      TypeError(*n, key, "a list of strings");
      return false;
    }
    for (const toml::node& el : *arr) {
      if (!el.is_string()) {
        TypeError(el, key, "a list of strings");
        return false;
      }
      out.emplace_back(el.as_string()->get(), el.source());
    }
    return true;
  }
  std::optional<std::vector<std::uint32_t>> AddressList(std::string_view key) {
    std::vector<std::pair<std::string, toml::source_region>> items;
    if (!StringList(key, items)) {
      return std::nullopt;
    }
    std::vector<std::uint32_t> out;
    for (const auto& [text, where] : items) {
      auto a = ParseIpv4Address(text);
      if (!a) {
        diag_.Add(where, Name(key) + ": " + a.error().context);
        continue;
      }
      out.push_back(*a);
    }
    return out;
  }
  std::optional<std::vector<Ipv4Cidr>> CidrList(std::string_view key) {
    std::vector<std::pair<std::string, toml::source_region>> items;
    if (!StringList(key, items)) {
      return std::nullopt;
    }
    std::vector<Ipv4Cidr> out;
    for (const auto& [text, where] : items) {
      auto c = ParseIpv4Cidr(text);
      if (!c) {
        diag_.Add(where, Name(key) + ": " + c.error().context);
        continue;
      }
      out.push_back(*c);
    }
    return out;
  }
  // A pool: a CIDR with room for the gateway address, at least one client, and a bitmap of
  // reasonable size.
  std::optional<Ipv4Cidr> Pool(std::string_view key) {
    const toml::node* n = Get(key);
    if (n == nullptr) {
      return std::nullopt;
    }
    if (!n->is_string()) {
      TypeError(*n, key, "a CIDR string such as \"10.10.0.0/24\"");
      return std::nullopt;
    }
    auto c = ParseIpv4Cidr(n->as_string()->get());
    if (!c) {
      diag_.Add(n->source(), Name(key) + ": " + c.error().context);
      return std::nullopt;
    }
    if (c->prefix_len < 8 || c->prefix_len > 30) {
      diag_.Add(n->source(), Name(key) + ": prefix length must be between /8 and /30");
      return std::nullopt;
    }
    return *c;
  }
  const toml::table* Table(std::string_view key) {
    const toml::node* n = Get(key);
    if (n == nullptr) {
      return nullptr;
    }
    if (!n->is_table()) {
      TypeError(*n, key, "a table");
      return nullptr;
    }
    return n->as_table();
  }
  void Require(std::string_view key, const std::string& value) {
    if (value.empty()) {
      diag_.Add(table_.source(), Name(key) + " is required");
    }
  }
  void Finish() {
    for (const auto& [key, node] : table_) {
      if (used_.count(std::string(key.str())) == 0) {
        diag_.Add(key.source(), "unknown key " + Name(key.str()));
      }
    }
  }
  std::string Name(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
  }
  Diagnostics& diag() { return diag_; }

 private:
  void TypeError(const toml::node& n, std::string_view key, std::string_view expected) {
    diag_.Add(n.source(), Name(key) + " must be " + std::string(expected));
  }

  Diagnostics& diag_;
  const toml::table& table_;
  std::string prefix_;
  std::set<std::string> used_;
};

class ConfigParser {
 public:
  ConfigParser(const toml::table& root, std::string_view source_name)
      : diag_(std::string(source_name)),
        root_(root),
        base_dir_(std::filesystem::path(source_name).parent_path()) {}

  Result<GatewayConfig> Run() {
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
    Control(section("control"));
    Log(section("log"));
    Downloads(section("downloads"));
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

 private:
  std::string Resolve(const std::string& path) const {
    if (path.empty()) {
      return path;
    }
    std::filesystem::path p(path);
    if (p.is_absolute() || base_dir_.empty()) {
      return p.lexically_normal().string();
    }
    return (base_dir_ / p).lexically_normal().string();
  }

  void Listen(const toml::table& t) {
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

  void Tls(const toml::table& t) {
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

  static bool IsOid(std::string_view s) {
    if (s.empty() || s.front() == '.' || s.back() == '.') {
      return false;
    }
    for (std::string_view arc : Split(s, '.')) {
      if (arc.empty() || !ParseUint(arc)) {
        return false;
      }
    }
    return Split(s, '.').size() >= 2;
  }

  void Auth(const toml::table& t) {
    TableReader r(diag_, t, "auth");
    AuthConfig& c = config_.auth;
    r.String("password_file", c.password_file);
    c.password_file = Resolve(c.password_file);
    r.Uint("max_login_attempts", c.max_login_attempts, 1, 100);
    r.Uint("cookie_timeout", c.cookie_timeout_s, 0, 7 * 86400);
    r.String("cert_user_oid", c.cert_user_oid);
    r.OptString("cert_group_oid", c.cert_group_oid);
    if (const toml::node* n = t.get("cert_user_oid"); n != nullptr && !IsOid(c.cert_user_oid)) {
      diag_.Add(n->source(), "auth.cert_user_oid must be a dotted OID such as \"2.5.4.3\"");
    }
    if (const toml::node* n = t.get("cert_group_oid");
        n != nullptr && c.cert_group_oid && !IsOid(*c.cert_group_oid)) {
      diag_.Add(n->source(), "auth.cert_group_oid must be a dotted OID such as \"2.5.4.11\"");
    }
    if (const toml::table* th = r.Table("throttle")) {
      TableReader tr(diag_, *th, "auth.throttle");
      ThrottleConfig& tc = c.throttle;
      tr.Uint("max_failures", tc.max_failures, 1, 1000);
      tr.Uint("window", tc.window_s, 1, 86400);
      tr.Uint("backoff", tc.backoff_s, 0, 86400);
      tr.Uint("max_backoff", tc.max_backoff_s, 0, 7 * 86400);
      tr.Uint("max_tracked", tc.max_tracked, 16, 10'000'000);
      if (tc.max_backoff_s < tc.backoff_s) {
        diag_.Add(th->source(),
                  "auth.throttle.max_backoff must not be below auth.throttle.backoff");
      }
      tr.Finish();
    }
    r.Finish();
  }

  void Network(const toml::table& t) {
    TableReader r(diag_, t, "network");
    NetworkConfig& c = config_.network;
    c.ipv4_pool = r.Pool("ipv4_pool");
    if (auto dns = r.AddressList("dns")) {
      c.dns = std::move(*dns);
    }
    if (auto routes = r.CidrList("routes")) {
      c.routes = std::move(*routes);
    }
    r.Uint("mtu", c.mtu, 576, 9000);
    r.String("default_domain", c.default_domain);
    std::vector<std::pair<std::string, toml::source_region>> split;
    if (r.StringList("split_dns", split)) {
      for (auto& [domain, where] : split) {
        if (domain.empty() || domain.find_first_of(" ,;") != std::string::npos) {
          diag_.Add(where, "network.split_dns entries must be single domain names");
        }
        c.split_dns.push_back(std::move(domain));
      }
    }
    r.Finish();
  }

  void Tunnel(const toml::table& t) {
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

  void Dtls(const toml::table& t) {
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

  void Process(const toml::table& t) {
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

  void Control(const toml::table& t) {
    TableReader r(diag_, t, "control");
    r.String("socket", config_.control.socket);
    r.Require("socket", config_.control.socket);
    config_.control.socket = Resolve(config_.control.socket);
    r.Finish();
  }

  void Log(const toml::table& t) {
    TableReader r(diag_, t, "log");
    r.String("level", config_.log.level);
    static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "off"};
    if (kLevels.count(config_.log.level) == 0) {
      diag_.Add(t.get("level")->source(),
                "log.level must be one of trace, debug, info, warn, error, off");
    }
    r.Finish();
  }

  void Downloads(const toml::table& t) {
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

  void Groups(const toml::node* node) {
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
        diag_.Add(where[i], "group \"" + config_.groups[i].name +
                                "\" is the second group with default = true");
      }
    }
    if (defaults == 0) {
      config_.groups.front().is_default = true;
    }

    // Names and aliases share one namespace: both appear in URLs and the select list.
    std::map<std::string, std::string> owner;
    for (std::size_t i = 0; i < config_.groups.size(); ++i) {
      const GroupConfig& g = config_.groups[i];
      std::vector<std::string> names = g.aliases;
      names.insert(names.begin(), g.name);
      for (const std::string& n : names) {
        auto [it, inserted] = owner.emplace(n, g.name);
        if (!inserted) {
          diag_.Add(where[i], "group name or alias \"" + n + "\" is already used by group \"" +
                                  it->second + "\"");
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

  void Group(const toml::table& t) {
    TableReader r(diag_, t, "group");
    GroupConfig g;
    r.String("name", g.name);
    if (g.name.empty() || g.name.find_first_of(" /?&#<>\"'") != std::string::npos) {
      diag_.Add(t.source(),
                "group.name is required and must not contain spaces or / ? & # < > \" '");
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
    r.Bool("default", g.is_default);
    g.ipv4_pool = r.Pool("ipv4_pool");
    g.dns = r.AddressList("dns");
    g.routes = r.CidrList("routes");
    r.OptString("banner", g.banner);
    r.OptString("profile", g.profile);
    if (g.profile) {
      g.profile = Resolve(*g.profile);
    }
    r.Finish();
    config_.groups.push_back(std::move(g));
  }

  Diagnostics diag_;
  const toml::table& root_;
  std::filesystem::path base_dir_;
  GatewayConfig config_;
};

}  // namespace

Result<GatewayConfig> ParseConfig(std::string_view toml_text, std::string_view source_name) {
  toml::table root;
  // toml++ from Debian is built with exceptions; this is the only place they can arise.
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    Diagnostics diag{std::string(source_name)};
    diag.Add(e.source(), std::string(e.description()));
    return Fail(Errc::kConfig, diag.Joined());
  } catch (const std::exception& e) {
    return Fail(Errc::kConfig, std::string(source_name) + ": " + e.what());
  }
  ConfigParser parser(root, source_name);
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
  o << "throttle    " << c.auth.throttle.max_failures << " failures in " << c.auth.throttle.window_s
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
  o << "control     " << c.control.socket << "\n";
  o << "log         " << c.log.level << "\n";
  for (const DownloadFile& f : c.downloads.files) {
    o << "download    " << f.name << " <- " << f.path << "\n";
  }
  for (const GroupConfig& g : c.groups) {
    o << "group       " << g.name << (g.is_default ? " (default)" : "");
    for (const std::string& a : g.aliases) {
      o << " alias " << a;
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

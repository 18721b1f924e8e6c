#include "gateway/reload_plan.h"

#include <algorithm>
#include <tuple>

namespace sekisho::gateway {
namespace {

// Collects the keys whose values differ.
class Differ {
 public:
  explicit Differ(std::vector<std::string>& out) : out_(out) {}

  template <class T>
  void Field(std::string key, const T& before, const T& after) {
    if (!(before == after)) {
      out_.push_back(std::move(key));
    }
  }

 private:
  std::vector<std::string>& out_;
};

void DiffGroup(const GroupConfig& a, const GroupConfig& b, std::vector<std::string>& out) {
  Differ d(out);
  const std::string prefix = "group " + a.name + ": ";
  d.Field(prefix + "label", a.label, b.label);
  d.Field(prefix + "aliases", a.aliases, b.aliases);
  d.Field(prefix + "default", a.is_default, b.is_default);
  d.Field(prefix + "ipv4_pool", a.ipv4_pool, b.ipv4_pool);
  d.Field(prefix + "dns", a.dns, b.dns);
  d.Field(prefix + "routes", a.routes, b.routes);
  d.Field(prefix + "exclude_routes", a.exclude_routes, b.exclude_routes);
  d.Field(prefix + "default_domain", a.default_domain, b.default_domain);
  d.Field(prefix + "split_dns", a.split_dns, b.split_dns);
  d.Field(prefix + "banner", a.banner, b.banner);
  d.Field(prefix + "profile", a.profile, b.profile);
}

const GroupConfig* Named(const GatewayConfig& config, const std::string& name) {
  auto it = std::find_if(config.groups.begin(), config.groups.end(),
                         [&](const GroupConfig& g) { return g.name == name; });
  return it == config.groups.end() ? nullptr : &*it;
}

void DiffGroups(const GatewayConfig& a, const GatewayConfig& b, ReloadPlan& plan) {
  for (const GroupConfig& old_group : a.groups) {
    if (Named(b, old_group.name) == nullptr) {
      plan.changes.push_back("group " + old_group.name + " removed");
      plan.removed_groups.push_back(old_group.name);
    }
  }
  for (const GroupConfig& new_group : b.groups) {
    if (const GroupConfig* old_group = Named(a, new_group.name)) {
      DiffGroup(*old_group, new_group, plan.changes);
    } else {
      plan.changes.push_back("group " + new_group.name + " added");
    }
  }
}

bool SameDownloads(const DownloadsConfig& a, const DownloadsConfig& b) {
  return std::equal(a.files.begin(), a.files.end(), b.files.begin(), b.files.end(),
                    [](const DownloadFile& x, const DownloadFile& y) {
                      return x.name == y.name && x.path == y.path;
                    });
}

}  // namespace

ReloadPlan PlanReload(const GatewayConfig& a, const GatewayConfig& b) {
  ReloadPlan plan;
  Differ restart(plan.needs_restart);
  restart.Field("listen.address", a.listen.address, b.listen.address);
  restart.Field("listen.port", a.listen.port, b.listen.port);
  restart.Field("dtls.enabled", a.dtls.enabled, b.dtls.enabled);
  restart.Field("process.workers", a.process.workers, b.process.workers);
  restart.Field("process.worker_user", a.process.worker_user, b.process.worker_user);
  restart.Field("process.worker_group", a.process.worker_group, b.process.worker_group);
  restart.Field("control.socket", a.control.socket, b.control.socket);
  restart.Field("log.level", a.log.level, b.log.level);
  restart.Field("log.target", a.log.target, b.log.target);
  restart.Field("metrics.listen", a.metrics.listen, b.metrics.listen);
  restart.Field("limits.max_login_contexts", a.limits.max_login_contexts,
                b.limits.max_login_contexts);

  const std::size_t before_tls = plan.changes.size();
  Differ d(plan.changes);
  d.Field("tls.certificate", a.tls.certificate, b.tls.certificate);
  d.Field("tls.private_key", a.tls.private_key, b.tls.private_key);
  d.Field("tls.ca_certificates", a.tls.ca_certificates, b.tls.ca_certificates);
  d.Field("tls.allow_tls13", a.tls.allow_tls13, b.tls.allow_tls13);
  d.Field("tls.priority", a.tls.priority, b.tls.priority);
  plan.tls_settings_changed = plan.changes.size() != before_tls;

  d.Field("listen.handshake_timeout", a.listen.handshake_timeout_s, b.listen.handshake_timeout_s);
  d.Field("listen.request_timeout", a.listen.request_timeout_s, b.listen.request_timeout_s);

  const AuthConfig& aa = a.auth;
  const AuthConfig& ba = b.auth;
  d.Field("auth.password_file", aa.password_file, ba.password_file);
  d.Field("auth.max_login_attempts", aa.max_login_attempts, ba.max_login_attempts);
  d.Field("auth.cookie_timeout", aa.cookie_timeout_s, ba.cookie_timeout_s);
  d.Field("auth.cert_user_oid", aa.cert_user_oid, ba.cert_user_oid);
  d.Field("auth.cert_group_oid", aa.cert_group_oid, ba.cert_group_oid);
  const ThrottleConfig& at = aa.throttle;
  const ThrottleConfig& bt = ba.throttle;
  d.Field("auth.throttle",
          std::tie(at.max_failures, at.user_max_failures, at.window_s, at.backoff_s,
                   at.max_backoff_s, at.max_tracked),
          std::tie(bt.max_failures, bt.user_max_failures, bt.window_s, bt.backoff_s,
                   bt.max_backoff_s, bt.max_tracked));

  d.Field("network.ipv4_pool", a.network.ipv4_pool, b.network.ipv4_pool);
  d.Field("network.dns", a.network.dns, b.network.dns);
  d.Field("network.routes", a.network.routes, b.network.routes);
  d.Field("network.exclude_routes", a.network.exclude_routes, b.network.exclude_routes);
  d.Field("network.mtu", a.network.mtu, b.network.mtu);
  d.Field("network.default_domain", a.network.default_domain, b.network.default_domain);
  d.Field("network.split_dns", a.network.split_dns, b.network.split_dns);

  const TunnelConfig& atu = a.tunnel;
  const TunnelConfig& btu = b.tunnel;
  d.Field("tunnel.dpd", atu.dpd_s, btu.dpd_s);
  d.Field("tunnel.keepalive", atu.keepalive_s, btu.keepalive_s);
  d.Field("tunnel.idle_timeout", atu.idle_timeout_s, btu.idle_timeout_s);
  d.Field("tunnel.session_timeout", atu.session_timeout_s, btu.session_timeout_s);
  d.Field("tunnel.rekey_time", atu.rekey_time_s, btu.rekey_time_s);
  d.Field("tunnel.rekey_method", atu.rekey_method, btu.rekey_method);
  d.Field("tunnel.banner", atu.banner, btu.banner);
  d.Field("tunnel.max_sessions", atu.max_sessions, btu.max_sessions);
  d.Field("tunnel.max_sessions_per_user", atu.max_sessions_per_user, btu.max_sessions_per_user);
  d.Field("tunnel.tun_name", atu.tun_name, btu.tun_name);

  d.Field("dtls.legacy", a.dtls.legacy, b.dtls.legacy);
  d.Field("dtls.dtls12", a.dtls.dtls12, b.dtls.dtls12);
  d.Field("dtls.psk", a.dtls.psk, b.dtls.psk);

  const LimitsConfig& al = a.limits;
  const LimitsConfig& bl = b.limits;
  d.Field("limits.max_connections", al.max_connections, bl.max_connections);
  d.Field("limits.max_prelogin", al.max_prelogin, bl.max_prelogin);
  d.Field("limits.max_handshakes", al.max_handshakes, bl.max_handshakes);
  d.Field("limits.max_per_address", al.max_per_address, bl.max_per_address);
  d.Field("limits.max_unsent_kib", al.max_unsent_kib, bl.max_unsent_kib);

  d.Field("hooks.connect", a.hooks.connect, b.hooks.connect);
  d.Field("hooks.disconnect", a.hooks.disconnect, b.hooks.disconnect);
  d.Field("hooks.timeout", a.hooks.timeout_s, b.hooks.timeout_s);

  if (!SameDownloads(a.downloads, b.downloads)) {
    plan.changes.push_back("downloads");
  }
  DiffGroups(a, b, plan);
  return plan;
}

GatewayConfig EffectiveConfig(const GatewayConfig& running, GatewayConfig next) {
  next.listen.address = running.listen.address;
  next.listen.port = running.listen.port;
  next.dtls.enabled = running.dtls.enabled;
  next.process = running.process;
  next.control = running.control;
  next.log = running.log;
  next.metrics = running.metrics;  // the listener is bound once, at start
  next.limits.max_login_contexts = running.limits.max_login_contexts;
  return next;
}

AuthThrottleOptions ThrottleOptions(const ThrottleConfig& config) {
  AuthThrottleOptions options;
  options.max_failures = config.max_failures;
  options.user_max_failures = config.user_max_failures;
  options.window = seconds(config.window_s);
  options.backoff = seconds(config.backoff_s);
  options.max_backoff = seconds(config.max_backoff_s);
  options.max_entries = config.max_tracked;
  return options;
}

AdmissionLimits AdmissionOf(const LimitsConfig& config) {
  return AdmissionLimits{config.max_connections, config.max_prelogin, config.max_handshakes,
                         config.max_per_address};
}

std::string JoinKeys(const std::vector<std::string>& keys) {
  if (keys.empty()) {
    return "none";
  }
  std::string out;
  for (const std::string& key : keys) {
    if (!out.empty()) {
      out += ", ";
    }
    out += key;
  }
  return out;
}

}  // namespace sekisho::gateway

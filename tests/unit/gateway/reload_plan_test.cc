// PlanReload: which changes apply, which need a restart, and which groups went away.
#include "gateway/reload_plan.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace sekisho::gateway {
namespace {

constexpr std::string_view kBase = R"(
[listen]
port = 443
[tls]
certificate = "server.pem"
private_key = "/etc/sekisho/server.key"
[auth]
password_file = "users"
[network]
ipv4_pool = "10.10.0.0/24"
routes = ["10.1.0.0/16"]
[tunnel]
banner = "Welcome"
[process]
workers = 2
)";

constexpr std::string_view kGroups = R"(
[[group]]
name = "staff"
label = "Staff"
[[group]]
name = "guests"
ipv4_pool = "10.20.0.0/24"
)";

GatewayConfig Parse(std::string_view text) {
  auto config = ParseConfig(text, "/etc/sekisho/sekishod.toml");
  EXPECT_TRUE(config) << config.error().context;
  return config ? *config : GatewayConfig{};
}

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

bool Has(const std::vector<std::string>& keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

TEST(ReloadPlan, IdenticalConfigurationsChangeNothing) {
  const std::string text = std::string(kBase) + std::string(kGroups);
  ReloadPlan plan = PlanReload(Parse(text), Parse(text));
  EXPECT_TRUE(plan.changes.empty()) << JoinKeys(plan.changes);
  EXPECT_TRUE(plan.needs_restart.empty()) << JoinKeys(plan.needs_restart);
  EXPECT_FALSE(plan.tls_settings_changed);
  EXPECT_EQ(JoinKeys(plan.changes), "none");
}

TEST(ReloadPlan, NetworkTunnelAndGroupChangesApply) {
  const std::string before = std::string(kBase) + std::string(kGroups);
  std::string after = Replace(before, "routes = [\"10.1.0.0/16\"]", "routes = [\"10.2.0.0/16\"]");
  after = Replace(after, "banner = \"Welcome\"", "banner = \"Hello\"");
  after = Replace(after, "label = \"Staff\"", "label = \"All Staff\"");
  after += "dns = [\"9.9.9.9\"]\n";  // to the guests group
  ReloadPlan plan = PlanReload(Parse(before), Parse(after));
  EXPECT_TRUE(Has(plan.changes, "network.routes")) << JoinKeys(plan.changes);
  EXPECT_TRUE(Has(plan.changes, "tunnel.banner"));
  EXPECT_TRUE(Has(plan.changes, "group staff: label"));
  EXPECT_TRUE(Has(plan.changes, "group guests: dns"));
  EXPECT_EQ(plan.changes.size(), 4U) << JoinKeys(plan.changes);
  EXPECT_TRUE(plan.needs_restart.empty());
  EXPECT_TRUE(plan.removed_groups.empty());
}

TEST(ReloadPlan, PolicyHooksAndRestartOnlyKeysAreAllReported) {
  const std::string before = std::string(kBase) + std::string(kGroups);
  std::string after = Replace(before, "routes = [\"10.1.0.0/16\"]",
                              "routes = [\"10.1.0.0/16\"]\nexclude_routes = [\"192.168.0.0/16\"]");
  after = Replace(after, "label = \"Staff\"",
                  "label = \"Staff\"\ndefault_domain = \"staff.example\"\n"
                  "split_dns = [\"staff.example\"]\nexclude_routes = []");
  after += "[hooks]\nconnect = \"/usr/local/bin/on-connect\"\n";
  after += "[metrics]\nlisten = \"127.0.0.1:9480\"\n[log]\ntarget = \"syslog\"\n";
  const GatewayConfig running = Parse(before);
  ReloadPlan plan = PlanReload(running, Parse(after));
  EXPECT_EQ(JoinKeys(plan.changes),
            "network.exclude_routes, hooks.connect, group staff: exclude_routes, "
            "group staff: default_domain, group staff: split_dns");
  EXPECT_EQ(JoinKeys(plan.needs_restart), "log.target, metrics.listen");
  GatewayConfig effective = EffectiveConfig(running, Parse(after));
  EXPECT_FALSE(effective.metrics.listen.has_value());  // the listener is bound at start only
  EXPECT_EQ(effective.log.target, "auto");
  EXPECT_EQ(effective.hooks.connect, "/usr/local/bin/on-connect");
}

TEST(ReloadPlan, AddedAndRemovedGroups) {
  const std::string before = std::string(kBase) + std::string(kGroups);
  const std::string after = std::string(kBase) +
                            "[[group]]\nname = \"staff\"\nlabel = \"Staff\"\n" +
                            "[[group]]\nname = \"contractors\"\n";
  ReloadPlan plan = PlanReload(Parse(before), Parse(after));
  EXPECT_TRUE(Has(plan.changes, "group guests removed")) << JoinKeys(plan.changes);
  EXPECT_TRUE(Has(plan.changes, "group contractors added"));
  EXPECT_EQ(plan.removed_groups, std::vector<std::string>{"guests"});
}

TEST(ReloadPlan, SocketsAndProcessesNeedARestartAndKeepTheirOldValues) {
  const std::string before = std::string(kBase);
  std::string after = Replace(before, "port = 443", "port = 8443");
  after = Replace(after, "workers = 2", "workers = 4\nworker_user = \"vpn\"");
  after += "[control]\nsocket = \"/run/other.sock\"\n";
  const GatewayConfig running = Parse(before);
  ReloadPlan plan = PlanReload(running, Parse(after));
  EXPECT_EQ(JoinKeys(plan.needs_restart),
            "listen.port, process.workers, process.worker_user, control.socket");
  EXPECT_TRUE(plan.changes.empty()) << JoinKeys(plan.changes);

  GatewayConfig effective = EffectiveConfig(running, Parse(after));
  EXPECT_EQ(effective.listen.port, 443);
  EXPECT_EQ(effective.process.workers, 2U);
  EXPECT_EQ(effective.process.worker_user, "nobody");
  EXPECT_EQ(effective.control.socket, running.control.socket);
  // ... and nothing that needs a restart is left to plan after that.
  EXPECT_TRUE(PlanReload(running, effective).needs_restart.empty());
}

TEST(ReloadPlan, TlsSettingsAreFlagged) {
  const std::string before = std::string(kBase);
  const std::string after =
      Replace(before, "certificate = \"server.pem\"", "certificate = \"server2.pem\"");
  ReloadPlan plan = PlanReload(Parse(before), Parse(after));
  EXPECT_TRUE(plan.tls_settings_changed);
  EXPECT_EQ(JoinKeys(plan.changes), "tls.certificate");
  // A banner alone does not touch the TLS credentials.
  EXPECT_FALSE(PlanReload(Parse(before), Parse(Replace(before, "\"Welcome\"", "\"Hi\"")))
                   .tls_settings_changed);
}

TEST(ReloadPlan, AuthThrottleAndLimitsApply) {
  const std::string before = std::string(kBase);
  const std::string after = before +
                            "[auth.throttle]\nmax_failures = 9\n"
                            "[limits]\nmax_connections = 2000\nmax_login_contexts = 50\n";
  ReloadPlan plan = PlanReload(Parse(before), Parse(after));
  EXPECT_EQ(JoinKeys(plan.changes), "auth.throttle, limits.max_connections");
  EXPECT_EQ(JoinKeys(plan.needs_restart), "limits.max_login_contexts");
}

}  // namespace
}  // namespace sekisho::gateway

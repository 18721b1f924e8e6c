#pragma once
// What a configuration reload (SIGHUP, `sekishoctl reload`) does, decided from the running
// configuration and the newly read one, without I/O (docs/config.md "Reloading").
//
// Most settings apply at once: main reads them per login, per CONNECT or per housekeeping
// round, and workers read theirs per new connection or tunnel. A few are bound at start-up
// (sockets, processes) and are reported as needing a restart; the gateway keeps running with
// their old values (EffectiveConfig). Sessions and tunnels that are up are never ended by a
// reload: what they were granted (address, routes, timeouts) stays theirs until they end.

#include "gateway/auth_throttle.h"
#include "gateway/config.h"
#include "gateway/connection_limits.h"

#include <string>
#include <vector>

namespace sekisho::gateway {

struct ReloadPlan {
  // Settings that changed and apply, by key ("tunnel.banner", "group eng: routes",
  // "group sales added", "group old removed"), in configuration order.
  std::vector<std::string> changes;
  // Settings that changed but only take effect when sekishod restarts ("listen.port").
  std::vector<std::string> needs_restart;
  // Groups no longer configured: their sessions keep running until they end; a reconnect with
  // their cookie is refused, and nobody can log in to them.
  std::vector<std::string> removed_groups;
  // Certificate, key or CA paths, TLS 1.3 or the priority string changed: the workers need
  // new credentials (the certificate's bytes may also have changed under the same path; the
  // caller compares fingerprints for that).
  bool tls_settings_changed = false;
};

ReloadPlan PlanReload(const GatewayConfig& running, const GatewayConfig& next);

// `next` with every setting that needs a restart taken from `running`: the configuration the
// gateway actually runs with after the reload.
GatewayConfig EffectiveConfig(const GatewayConfig& running, GatewayConfig next);

// The throttle and admission settings as their components take them (at start and on reload).
AuthThrottleOptions ThrottleOptions(const ThrottleConfig& config);
AdmissionLimits AdmissionOf(const LimitsConfig& config);

// "a, b, c" (or "none").
std::string JoinKeys(const std::vector<std::string>& keys);

}  // namespace sekisho::gateway

#pragma once
// Gateway: sekishod's main process (docs/architecture.md). It owns the listeners, the session
// registry with the address pools and TUN devices, the login front, the control socket, and —
// by default — the other processes: the security module (private key, password file) and the
// workers that serve the clients (ProcessSupervisor). Main accepts each TCP connection and
// hands it to a worker; it never parses a client's bytes and never reads the private key.
//
// Admission: main accepts every connection, checks it against the connection limits
// (ConnectionLimits, [limits]) and closes it at once when over one, with a rate-limited log
// line; otherwise it hands it on. When accept(2) runs out of descriptors the listener backs off
// (AcceptBackoff) instead of spinning.
//
// With `single_process` (a debugging switch) everything runs in this one process: the key is
// loaded here and the connections are served here, through the same SessionService.

#include "base/log.h"
#include "base/result.h"
#include "gateway/accept_backoff.h"
#include "gateway/auth_front.h"
#include "gateway/auth_throttle.h"
#include "gateway/config.h"
#include "gateway/connection_limits.h"
#include "gateway/control_server.h"
#include "gateway/dtls_listener.h"
#include "gateway/gateway_context.h"
#include "gateway/hook_runner.h"
#include "gateway/log_rate_limiter.h"
#include "gateway/metrics.h"
#include "gateway/metrics_listener.h"
#include "gateway/process_supervisor.h"
#include "gateway/profile_store.h"
#include "gateway/session_registry.h"
#include "gateway/session_service.h"
#include "gateway/systemd_notify.h"
#include "tls/credentials.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <map>
#include <memory>

namespace sekisho::gateway {

class Connection;
class GatewayTunnel;

struct GatewayOptions {
  bool single_process = false;
  // For the separated form: how to start the children.
  std::string executable = "/proc/self/exe";
  std::string config_path;
  std::string log_level;  // empty: the configuration's
};

class Gateway final : public ControlHandler {
 public:
  // Loads what main needs: in the separated form the certificate (for its fingerprints) and the
  // profiles; with single_process also the key and the password file.
  // Errors: kConfig / kTls / kIo naming what could not be loaded; the daemon must not start.
  static Result<std::unique_ptr<Gateway>> Create(GatewayConfig config, GatewayOptions options,
                                                 LogSink& sink);
  ~Gateway() override;

  // Binds the TCP and UDP listeners and the control socket, starts the security module and the
  // workers, installs SIGINT/SIGTERM handlers. Errors: kIo (address in use, permission, fork).
  Result<void> Start();
  // Runs the event loop until Shutdown().
  void Run();
  // Stops accepting, ends every tunnel with a DISCONNECT, closes the control socket.
  void Shutdown(std::string_view reason);

  std::uint16_t bound_port() const { return bound_port_; }

  // Reloads the configuration file (SIGHUP, the control socket's reload). Applies what can
  // change at run time to new logins, connections and tunnels, sends the workers the new
  // configuration and certificate, and has the security module load the key; sessions and
  // tunnels that are up are not touched. Settings bound at start-up (listen address/port,
  // process.*, control.socket, dtls.enabled, log.level) are logged as needing a restart and
  // keep their value. Logs one summary line (last_reload_summary()).
  // Errors (nothing applied, the gateway keeps its configuration; every problem is logged):
  // kConfig (invalid file, each error as file:line:column), kIo (unreadable file),
  // kPermission (secret file modes), kTls/kConfig (certificate, or a key that does not match
  // it), kTimeout (security module), kTooLarge (more than one IPC message can carry to the
  // workers), kClosed (shutting down).
  Result<void> Reload();
  // The last reload's summary ("reload 2 applied: changed ...") or why it was refused.
  const std::string& last_reload_summary() const { return last_reload_summary_; }

  // ControlHandler
  proto::ctl::StatusInfo Status() override;
  std::vector<proto::ctl::SessionInfo> Sessions() override;
  bool Disconnect(std::uint64_t session_id) override;
  std::vector<proto::ctl::BanInfo> Bans() override;
  bool LiftBan(proto::ctl::BanScope scope, std::string_view key) override;
  std::uint64_t TerminateUser(std::string_view user) override;
  // `sekishoctl reload`: Reload(), answering with its summary line or why it was refused.
  proto::ctl::ReloadResponse ReloadFromControl() override;

 private:
  class LocalBackend;
  struct PreparedReload;  // reload.cc

  Gateway(GatewayConfig config, GatewayOptions options, LogSink& sink);
  void Accept();
  // An accepted connection: admitted and served, or closed at once when over a limit.
  void Admit(boost::asio::ip::tcp::socket socket);
  void OnAcceptError(const boost::system::error_code& ec);
  void ArmHousekeeping();
  void Housekeeping();
  void ArmSignals();
  std::string StatusLine() const;
  void StopLoopAfterHooks(Instant deadline, std::chrono::milliseconds wait);
  // reload.cc
  void ArmReloadSignal();
  Result<PreparedReload> PrepareReload(std::uint64_t generation);
  void CommitReload(PreparedReload prepared);
  // gateway_metrics.cc: the [metrics] listener and what it reports.
  Result<void> StartMetrics();
  MetricsInputs CollectMetricsInputs() const;

  GatewayConfig config_;
  GatewayOptions options_;
  LogSink& sink_;
  Logger log_;
  boost::asio::io_context io_;
  std::shared_ptr<const tls::ServerCredentials> credentials_;
  net::ScopedFd secmod_link_;  // main's link to the security module (separated form)
  std::unique_ptr<CredentialChecker> checker_;
  AuthThrottle throttle_;
  std::unique_ptr<ProfileStore> profiles_;
  std::unique_ptr<SessionRegistry> registry_;
  std::unique_ptr<AuthFront> front_;
  std::unique_ptr<SessionService> service_;
  std::unique_ptr<ProcessSupervisor> processes_;  // separated form only
  std::unique_ptr<LocalBackend> local_backend_;   // single_process only
  std::unique_ptr<GatewayContext> context_;       // single_process only
  std::unique_ptr<ControlServer> control_;
  std::unique_ptr<DtlsListener> dtls_;
  // READY/STATUS/WATCHDOG/STOPPING to systemd (a no-op without $NOTIFY_SOCKET).
  std::unique_ptr<SystemdNotifier> notifier_;
  // [hooks] (separated form only); declared after processes_ so that it is destroyed first:
  // the supervisor's pending connect-hook callbacks must never run on a dead supervisor.
  std::unique_ptr<SessionHooks> hooks_;
  GatewayMetrics metrics_;
  std::unique_ptr<MetricsListener> metrics_listener_;  // with [metrics] listen only
  boost::asio::ip::tcp::acceptor acceptor_;
  ConnectionLimits limits_;
  AcceptBackoff accept_backoff_;
  boost::asio::steady_timer accept_timer_;  // the pause while accept(2) lacks descriptors
  LogRateLimiter refusal_log_;
  LogRateLimiter accept_error_log_;
  boost::asio::signal_set signals_;
  boost::asio::signal_set reload_signals_;  // SIGHUP
  std::uint64_t reload_generation_ = 0;
  std::string last_reload_summary_;
  boost::asio::steady_timer housekeeping_;
  // single_process only, by connection id: connections before their tunnel, then the tunnels.
  std::map<std::uint64_t, std::weak_ptr<Connection>> connections_;
  std::map<std::uint64_t, std::weak_ptr<GatewayTunnel>> tunnels_;
  std::uint64_t next_connection_id_ = 1;
  std::uint16_t bound_port_ = 0;
  Instant started_;
  bool stopping_ = false;
};

}  // namespace sekisho::gateway

#pragma once
// Gateway: sekishod's top-level object. It owns the event loop, the listener, the sessions,
// the login front, and the control socket, and it answers sekishoctl (ControlHandler).
//
// Process model: v1 runs the roles ocserv splits into processes (main, sec-mod, workers) as
// one process and one event-loop thread; the seams are the classes here (AuthFront and
// CredentialChecker = sec-mod, Connection = worker), see docs/architecture.md.

#include "base/log.h"
#include "base/result.h"
#include "gateway/auth_front.h"
#include "gateway/auth_throttle.h"
#include "gateway/config.h"
#include "gateway/control_server.h"
#include "gateway/dtls_listener.h"
#include "gateway/gateway_context.h"
#include "gateway/password_file.h"
#include "gateway/profile_store.h"
#include "gateway/session_registry.h"
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

class Gateway final : public ControlHandler {
 public:
  // Loads credentials, the password file and profiles named by `config`.
  // Errors: kConfig / kTls / kIo naming what could not be loaded; the daemon must not start.
  static Result<std::unique_ptr<Gateway>> Create(GatewayConfig config, LogSink& sink);
  ~Gateway() override;

  // Binds the TCP listener and the control socket, installs SIGINT/SIGTERM/SIGHUP handlers.
  // Errors: kIo (address in use, permission).
  Result<void> Start();
  // Runs the event loop until Shutdown().
  void Run();
  // Stops accepting, ends every tunnel with a DISCONNECT, closes the control socket.
  void Shutdown(std::string_view reason);

  std::uint16_t bound_port() const { return bound_port_; }

  // ControlHandler
  proto::ctl::StatusInfo Status() override;
  std::vector<proto::ctl::SessionInfo> Sessions() override;
  bool Disconnect(std::uint64_t session_id) override;

 private:
  Gateway(GatewayConfig config, LogSink& sink);
  void Accept();
  void ArmHousekeeping();
  void Housekeeping();
  void ArmSignals();

  GatewayConfig config_;
  LogSink& sink_;
  Logger log_;
  boost::asio::io_context io_;
  std::shared_ptr<const tls::ServerCredentials> credentials_;
  std::unique_ptr<PasswordFile> passwords_;
  std::unique_ptr<CredentialChecker> credential_checker_;
  AuthThrottle throttle_;
  std::unique_ptr<ProfileStore> profiles_;
  std::unique_ptr<SessionRegistry> registry_;
  std::unique_ptr<AuthFront> front_;
  std::unique_ptr<GatewayContext> context_;
  std::unique_ptr<ControlServer> control_;
  std::unique_ptr<DtlsListener> dtls_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer housekeeping_;
  std::map<std::uint64_t, std::weak_ptr<Connection>> connections_;
  std::uint64_t next_connection_id_ = 1;
  std::uint16_t bound_port_ = 0;
  Instant started_;
  bool stopping_ = false;
};

}  // namespace sekisho::gateway

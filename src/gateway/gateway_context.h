#pragma once
// GatewayContext: what a Connection and its GatewayTunnel need from the process that runs them
// (a worker, or the whole gateway with --single-process). A plain aggregate of references so
// that connections stay decoupled from the Worker/Gateway classes and from main.cc.

#include "base/log.h"
#include "base/time.h"
#include "gateway/config.h"
#include "gateway/session_backend.h"
#include "tls/credentials.h"

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <memory>

namespace sekisho::gateway {

class GatewayTunnel;

class GatewayContext {
 public:
  boost::asio::io_context& io;
  const GatewayConfig& config;
  // Logins, CONNECT grants and tunnel ends go to the session owner through this.
  SessionBackend& backend;
  std::shared_ptr<const tls::ServerCredentials> credentials;
  const Clock& clock;
  LogSink& log_sink;
  // UDP port of the DTLS listener; 0 when DTLS is off.
  std::uint16_t dtls_port = 0;
  // Called once when connection `connection_id` finished its TLS handshake (it now counts as a
  // login-phase connection, no longer as a handshake in progress: limits.max_handshakes).
  std::function<void(std::uint64_t connection_id)> on_established = nullptr;
  // Called once when a connection has closed (its GatewayTunnel, if it got that far), so its
  // owner can forget it.
  std::function<void(std::uint64_t connection_id)> on_closed = nullptr;
  // Called once when connection `connection_id` handed over to its tunnel: from then on,
  // Terminate, DtlsHello and traffic reports for that id go to `tunnel`.
  std::function<void(std::uint64_t connection_id, std::weak_ptr<GatewayTunnel> tunnel)>
      on_tunnel_started = nullptr;
};

}  // namespace sekisho::gateway

#pragma once
// GatewayContext: what a Connection needs from the gateway that owns it. A plain aggregate of
// references so that connections stay decoupled from the Gateway class (and from main.cc).

#include "base/log.h"
#include "base/time.h"
#include "gateway/auth_front.h"
#include "gateway/config.h"
#include "gateway/session_registry.h"
#include "tls/credentials.h"

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace sekisho::gateway {

class GatewayContext {
 public:
  boost::asio::io_context& io;
  const GatewayConfig& config;
  SessionRegistry& registry;
  AuthFront& front;
  std::shared_ptr<const tls::ServerCredentials> credentials;
  const Clock& clock;
  LogSink& log_sink;
  // UDP port of the DTLS listener; 0 when DTLS is off.
  std::uint16_t dtls_port = 0;
  // Called once when a connection has closed, so the gateway can forget it.
  std::function<void(std::uint64_t connection_id)> on_closed = nullptr;
  // Totals for `sekishoctl show status` (bytes of IP payload through all tunnels).
  std::uint64_t total_bytes_in = 0;
  std::uint64_t total_bytes_out = 0;
};

}  // namespace sekisho::gateway

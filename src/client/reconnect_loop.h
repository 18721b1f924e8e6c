#pragma once
// ReconnectLoop: phase 6 of the connect flow (connect_flow.h) once the TUN is up. It runs the
// Tunnel (data over CSTP, then DTLS; see tunnel.h) and, when the link dies (DPD timeout, TLS
// error, EOF), reconnects with the cookie: a new TLS connection + CONNECT with X-CSTP-Address,
// the same TUN when the address is unchanged, backoff 1, 2, 4, 8, 16, 30, 30... s until
// X-CSTP-Disconnected-Timeout (default 300 s) has passed. It stops on 401 (cookie rejected), on
// DISCONNECT/TERMINATE from the gateway, and on SIGINT/SIGTERM (DISCONNECT 0xB0 sent).
//
// Thread affinity: the flow's thread, which runs `io`. Everything passed to the constructor
// must outlive the loop.

#include "base/log.h"
#include "base/redacted.h"
#include "base/time.h"
#include "client/connect_options.h"
#include "client/gateway_connector.h"
#include "client/status_model.h"
#include "client/status_socket.h"
#include "client/tun_configurator.h"
#include "client/tunnel.h"
#include "client/tunnel_connect.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

namespace sekisho::client {

class ReconnectLoop {
 public:
  ReconnectLoop(boost::asio::io_context& io, const ConnectOptions& options,
                GatewayConnector& connector, TunConfigurator& tun, const SecretString& cookie,
                const Logger& log);

  // From now on SIGINT and SIGTERM log off: the running Tunnel sends DISCONNECT, a pending
  // reconnect gives up. Call before the first CONNECT so that a signal is never lost.
  void CatchSignals();

  // Runs the tunnel from `first` (the TUN already set up for it) until the session ends.
  // Returns the exit status of connect_flow.h: 0 logged off, 2 ended by the gateway, 1 failure.
  int Run(ConnectedTunnel first);

 private:
  void ArmSignals();
  // Waits `wait` while serving `io`; false when a signal asked to stop meanwhile.
  bool SleepInterruptible(Duration wait);
  // `sekisho status`: the session's part, then the running tunnel's (if any).
  ClientStatus Status() const;
  // Why DTLS is off (status) and the path-MTU probe's settings.
  void AddDiagnosticParams(const ConnectedTunnel& connected, TunnelParams& params) const;

  boost::asio::io_context& io_;
  const ConnectOptions& options_;
  GatewayConnector& connector_;
  TunConfigurator& tun_;
  const SecretString& cookie_;
  Logger log_;
  boost::asio::signal_set signals_;
  bool stop_requested_ = false;
  Tunnel* current_tunnel_ = nullptr;
  // Status (status_socket.h): counters of the tunnels that ended, the last DTLS diagnosis.
  StatusServer status_server_;
  Instant started_;
  ChannelCounters tls_total_;
  ChannelCounters dtls_total_;
  DtlsStatus last_dtls_;
};

}  // namespace sekisho::client

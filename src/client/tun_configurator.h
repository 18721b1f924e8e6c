#pragma once
// TunConfigurator: the tunnel interface as phase 6 of the connect flow (connect_flow.h) sees
// it. Each accepted CONNECT configures it, by TunSetup or, with --script, by the vpnc-script
// environment: at once, with the DTLS MTU when DTLS was offered (the Tunnel lowers it to
// X-CSTP-MTU if DTLS gives up). A reconnect keeps the same TUN; a new address runs the script
// as a fresh connect. TearDown() runs the script's disconnect, then removes routes and device.
// Without --script the configurator also sets the host's DNS (unless --no-dns) and, in a full
// tunnel, the IPv6 guard (host_changes.h); TearDown() undoes them from their state file.
//
// Thread affinity: the flow's thread. The options must outlive the configurator.

#include "base/log.h"
#include "base/result.h"
#include "client/connect_options.h"
#include "client/host_changes.h"
#include "client/script_env.h"
#include "client/tun_setup.h"
#include "client/tunnel_connect.h"
#include "proto/http/message.h"
#include "proto/tunnel/connect_response.h"

#include <memory>
#include <optional>
#include <string>

namespace sekisho::client {

class TunConfigurator {
 public:
  TunConfigurator(const ConnectOptions& options, const Logger& log)
      : options_(options), log_(log), host_changes_(log) {}

  // Opens the TUN (first call) and configures it from `connected`; `reason` is kConnect the
  // first time, kReconnect after. `gateway_ip`: the address the TLS connection went to.
  // Errors: those of TunSetup::Open/Apply, kProtocol (no usable IPv4 address), kConfig (the
  // script failed on connect). The caller ends the session.
  Result<void> SetUp(const ConnectedTunnel& connected, ScriptReason reason,
                     const std::string& gateway_ip);
  // Runs the script with reason=disconnect (when one is set), then removes our routes and the
  // device. Does nothing before SetUp() opened the TUN.
  void TearDown(const std::string& gateway_ip);

  // Null before the first SetUp().
  TunSetup* tun() { return tun_.get(); }
  // The addressing last applied; unset before the first successful SetUp().
  const std::optional<TunAddressing>& addressing() const { return addressing_; }
  // True once a SetUp() succeeded (the script has a configuration to undo).
  bool configured() const { return last_response_.has_value(); }

 private:
  const ConnectOptions& options_;
  Logger log_;
  HostChanges host_changes_;  // DNS and IPv6 guard; only without --script
  std::unique_ptr<TunSetup> tun_;
  std::optional<TunAddressing> addressing_;
  std::optional<proto::tunnel::ConnectResponse> last_response_;
  proto::http::HeaderList last_headers_;
};

}  // namespace sekisho::client

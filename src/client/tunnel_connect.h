#pragma once
// Phase 5 of the connect flow (connect_flow.h): CONNECT /CSCOSSLC/tunnel on a NEW TLS
// connection, the first time and on every reconnect (both gateways accept either, and one code
// path is simpler). Unless --no-dtls, the DTLS offer goes with it (AddDtlsOffer: a fresh master
// secret per CONNECT, --dtls-ciphers/--dtls12-ciphers or openconnect's lists) and the answer
// becomes a ClientDtlsPlan.

#include "base/bytes.h"
#include "base/result.h"
#include "client/connect_options.h"
#include "client/dtls_plan.h"
#include "client/gateway_connector.h"
#include "client/https_session.h"
#include "client/tun_setup.h"
#include "proto/http/message.h"
#include "proto/tunnel/connect_response.h"

#include <functional>
#include <memory>
#include <optional>

namespace sekisho::client {

// A CONNECT the gateway accepted: the connection, ready to be handed to the Tunnel.
struct ConnectedTunnel {
  std::unique_ptr<TlsConnection> conn;
  Bytes leftover;  // plaintext received after the CONNECT head
  proto::tunnel::ConnectResponse response;
  proto::http::HeaderList headers;  // the raw response headers, for the --script environment
  SecretBytes dtls_master_secret;
  std::optional<ClientDtlsPlan> dtls_plan;  // unset: data over TLS only
  std::string dtls_unusable;                // why an offered DTLS cannot be used (status)
};

// Sends CONNECT with `cookie`, asking again for `previous`'s address on a reconnect. `report`
// prints the CONNECT and banner lines (the first time); the DTLS line is always printed.
// Errors: kAuthFailed on 401 (cookie rejected: stop); kMalformed when the answer pushes a value
// the client refuses (CheckPushedConfig, pushed_config.h: stop, the gateway would push it
// again); any other error is retryable.
// `before_connect`, when set, runs once the new TLS connection is established, just before
// the CONNECT is sent (a rekey retires the old connection there).
Result<ConnectedTunnel> ConnectTunnel(GatewayConnector& connector, const ConnectOptions& options,
                                      const SecretString& cookie,
                                      const std::optional<TunAddressing>& previous, bool report,
                                      const std::function<void()>& before_connect = {});

}  // namespace sekisho::client

#pragma once
// BuildConnectAnswer: the headers of sekishod's "200 CONNECTED" answer (anyconnect.md §5.3) as
// a value, from the configuration, the session owner's grant, the client's CONNECT and the
// tunnel's MTUs. Pure: no I/O, no clock; the Connection serializes the result with
// proto::tunnel::BuildConnectResponseHeaders.

#include "gateway/config.h"
#include "proto/ipc/messages.h"
#include "proto/tunnel/connect_response.h"
#include "proto/tunnel/dtls_negotiation.h"
#include "proto/tunnel/mtu.h"

#include <optional>
#include <string_view>

namespace sekisho::gateway {

// The DTLS offer of a tunnel that has one: the X-DTLS-* headers PlanGatewayDtls filled (their
// MTU is set here) and the mode it chose.
struct ConnectAnswerDtls {
  proto::tunnel::ConnectResponse::Dtls headers;
  proto::tunnel::DtlsMode mode = proto::tunnel::DtlsMode::kPsk;
};

// The answer for `grant` (the session's group, address and remaining lifetime) to a client
// that sent X-CSTP-Hostname `client_hostname`:
//   * X-CSTP-Hostname: the client's name if it is a plain host name (63 characters at most,
//     letters, digits, '-' and '.'), else "client", as ocserv checks;
//   * address, netmask, DNS, split-include routes, banner from the group (or the globals);
//     with no route, X-CSTP-Tunnel-All-DNS is true;
//   * X-CSTP-MTU / Base-MTU from `mtus`; X-DTLS-MTU only for resumed modes (PSK clients compute
//     it themselves, §8.6); no X-DTLS-* at all when `dtls` is nullopt;
//   * timeouts from config.tunnel (0 = "none"), disconnected timeout = auth.cookie_timeout;
//   * rekey method "new-tunnel" unless the config says none: sekishod refuses TLS
//     renegotiation (decision #17), so the client reconnects with its cookie instead.
// An unknown group in `grant` uses the default group.
proto::tunnel::ConnectResponse BuildConnectAnswer(const GatewayConfig& config,
                                                  const proto::ipc::ConnectReply& grant,
                                                  std::string_view client_hostname,
                                                  const proto::tunnel::MtuPlan& mtus,
                                                  std::optional<ConnectAnswerDtls> dtls);

}  // namespace sekisho::gateway

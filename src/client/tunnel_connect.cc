#include "client/tunnel_connect.h"

#include "base/rng.h"
#include "client/auth_dialogue.h"
#include "client/progress.h"
#include "client/pushed_config.h"
#include "client/service_options.h"
#include "client/terminal_text.h"
#include "net/ipv4.h"
#include "proto/http/url.h"
#include "proto/tunnel/connect_request.h"
#include "proto/tunnel/mtu.h"

#include <fmt/format.h>

#include <string>
#include <unistd.h>
#include <utility>

namespace sekisho::client {
namespace {

namespace http = proto::http;
namespace tunnel = proto::tunnel;

std::string LocalHostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') {
    return "localhost";
  }
  return name;
}

}  // namespace

Result<ConnectedTunnel> ConnectTunnel(GatewayConnector& connector, const ConnectOptions& options,
                                      const SecretString& cookie,
                                      const std::optional<TunAddressing>& previous, bool report,
                                      const std::function<void()>& before_connect) {
  SEKISHO_ASSIGN_OR_RETURN(auto conn, connector.OpenTls(false));
  HttpsSession session(std::move(conn));
  tunnel::ConnectRequest request;
  request.hostname = options.local_hostname.empty() ? LocalHostname() : options.local_hostname;
  bool ipv6_transport = connector.gateway_ip().find(':') != std::string::npos;
  // --base-mtu / --mtu (service_options.h); defaults: 1500 and openconnect's derived MTU.
  const MtuRequest mtu_request = PlanMtuRequest(options.base_mtu, options.mtu, ipv6_transport);
  request.base_mtu = mtu_request.base_mtu;
  request.mtu = mtu_request.mtu;
  request.want_ipv4 = true;
  request.want_ipv6 = false;  // the TUN setup is IPv4-only for now
  request.user_agent =
      options.user_agent.empty() ? std::string(kDefaultUserAgent) : options.user_agent;
  if (previous) {
    request.previous_addresses.push_back(net::FormatIpv4(previous->address));
  }
  DtlsOffer offer;
  offer.enabled = !options.no_dtls;
  offer.ciphers = options.dtls_ciphers;
  offer.dtls12_ciphers = options.dtls12_ciphers;
  SecretBytes dtls_secret = AddDtlsOffer(offer, SystemRng(), &request);
  http::HttpRequest connect;
  connect.method = "CONNECT";
  connect.target = "/CSCOSSLC/tunnel";
  connect.headers = tunnel::BuildConnectRequestHeaders(request, cookie.reveal(),
                                                       http::HostHeader(connector.url()));
  if (before_connect) {
    before_connect();
  }
  SEKISHO_ASSIGN_OR_RETURN(http::HttpResponse response, session.Exchange(connect, kHttpTimeout));
  if (response.status == 401) {
    return Fail(Errc::kAuthFailed, "the gateway rejected the cookie (HTTP 401)");
  }
  if (response.status != 200) {
    return Fail(Errc::kProtocol, fmt::format("CONNECT refused: HTTP {} {}", response.status,
                                             TerminalSafe(response.reason)));
  }
  SEKISHO_ASSIGN_OR_RETURN(tunnel::ConnectResponse parsed,
                           tunnel::ParseConnectResponse(response.headers));
  // Before anything is configured: one impossible value ends the attempt (pushed_config.h).
  SEKISHO_TRY(CheckPushedConfig(response.headers, ParseDottedQuad(connector.gateway_ip())));
  ConnectedTunnel connected;
  connected.conn = session.Release(&connected.leftover);
  connected.response = std::move(parsed);
  connected.headers = std::move(response.headers);
  connected.dtls_master_secret = std::move(dtls_secret);
  std::string dtls_note;
  auto plan = PlanClientDtls(connected.response, offer, ipv6_transport, mtu_request.base_mtu);
  if (!plan) {
    connected.dtls_unusable = plan.error().context;
    dtls_note = "DTLS: unusable (" + plan.error().context + "); data path: TLS";
  } else if (!*plan) {
    dtls_note = options.no_dtls ? "DTLS: disabled (--no-dtls); data path: TLS"
                                : "DTLS: not offered by the gateway; data path: TLS";
  } else {
    connected.dtls_plan = std::move(**plan);
    const ClientDtlsPlan& p = *connected.dtls_plan;
    dtls_note = fmt::format("DTLS: offered: {} ({}), port {}, MTU {} (TLS MTU {})", p.suite.name,
                            tunnel::DtlsModeName(p.suite.mode), p.port, p.dtls_mtu, p.cstp_mtu);
  }
  if (report) {
    Say("CONNECT: address {}/{}, MTU {}, DPD {} s, keepalive {} s", connected.response.address,
        connected.response.netmask, connected.response.mtu, connected.response.dpd_s,
        connected.response.keepalive_s);
    if (!connected.response.banner.empty()) {
      Say("Banner: {}", TerminalSafe(connected.response.banner, LineBreaks::kKeep));
    }
  }
  Say("{}", dtls_note);
  return connected;
}

}  // namespace sekisho::client

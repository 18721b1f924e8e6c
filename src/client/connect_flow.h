#pragma once
// ConnectFlow: `sekisho connect URL` from the first TCP packet to logout (issue 3). It drives
// the socket-free client core (AuthDialogue, Preferences, ProfileCache, script environment)
// over real I/O, one phase after the other, printing one progress line per phase on stderr
// (no secrets; -v adds detail through the logger):
//
//   1. TLS          TlsConnection::Open. An untrusted gateway certificate blocks unless the
//                   user accepted it (--servercert PIN, or "yes" on a terminal); the acceptance
//                   is recorded in preferences.xml and every later connection warns until the
//                   certificate validates normally (then the record is cleared).
//   2-3. Login      AuthDialogue over keep-alive TLS connections (a new one when the dialogue
//                   asks or the gateway closed); the group list and the group used are shown;
//                   the announced server-cert-hash is compared with the stored one.
//                   A redirect to another host (ASA load balancing) moves the whole flow
//                   there: GatewayConnector::SwitchHost, a TLS connection checked for the new
//                   name, and the login starts over; the later phases use that host.
//   4. Downloader   a NEW TLS session; one GET per profile that ProfileCache says is stale;
//                   a failed mandatory download ends the attempt.
//   5. CONNECT      on a NEW TLS connection (both gateways accept either; a fresh connection is
//                   also what every reconnect uses, so there is one code path). Unless
//                   --no-dtls, the DTLS offer goes with it (AddDtlsOffer: a fresh master secret
//                   per CONNECT, --dtls-ciphers/--dtls12-ciphers or openconnect's lists) and the
//                   answer becomes a ClientDtlsPlan.
//   6. Tunnel       TUN configured by TunSetup (or by --script with the vpnc-script
//                   environment) at once, with the DTLS MTU when DTLS was offered; data over
//                   CSTP (Tunnel) while the DTLS handshake runs, then over DTLS (DtlsLink; see
//                   tunnel.h for the switch and the fallback). A dead link (DPD timeout, TLS error,
//                   EOF) reconnects with the cookie: a new TLS connection + CONNECT with
//                   X-CSTP-Address, same TUN when the address is unchanged, backoff 1, 2, 4, 8,
//                   16, 30, 30... s until X-CSTP-Disconnected-Timeout (default 300 s) has
//                   passed. It stops on 401 (cookie rejected), on DISCONNECT/TERMINATE from the
//                   gateway, and on SIGINT/SIGTERM (DISCONNECT 0xB0 sent: the session ends).
//
// While the tunnel is up, a pid file <run dir>/<interface>.pid lets `sekisho disconnect` find
// the process and send it SIGTERM. <run dir> is $XDG_RUNTIME_DIR/sekisho, else <config>/run.
//
// Service options (ServiceMode, daemon.h): --background forks at the start and detaches once
// the tunnel is up; --pid-file, --syslog and --setuid take effect then (docs/client.md
// "Running as a service").
//
// The phases live in their own files: GatewayConnector (1), ProfileDownload (4), ConnectTunnel
// (5), TunConfigurator and ReconnectLoop (6), PidFile; this file pair runs them in order and
// holds the login (2-3).
//
// Exit status: 0 after a logout (signal) or --cookieonly, 2 when the gateway ended the
// session, 1 for every failure (message on stderr).

#include "base/log.h"
#include "client/connect_options.h"

namespace sekisho::client {

// Runs the whole flow; returns the exit status described above.
int RunConnect(const ConnectOptions& options, const Logger& log);

}  // namespace sekisho::client

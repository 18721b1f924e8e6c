#pragma once
// ConnectOptions: everything `sekisho connect` takes from its command line (main.cc), read by
// every phase of the connect flow (connect_flow.h).

#include "base/redacted.h"
#include "tls/credentials.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sekisho::client {

struct ConnectOptions {
  std::string url;
  std::optional<std::string> user;
  std::optional<std::string> authgroup;
  bool password_on_stdin = false;
  bool non_interactive = false;
  std::vector<std::string> server_pins;         // --servercert, repeatable
  std::string ca_file;                          // --cafile
  bool use_system_trust = true;                 // --no-system-trust clears it
  std::vector<tls::ClientIdentity> identities;  // --certificate/--sslkey pairs, in order
  bool no_dtls = false;
  std::string dtls_ciphers;    // --dtls-ciphers (X-DTLS-CipherSuite), empty = default offer
  std::string dtls12_ciphers;  // --dtls12-ciphers (X-DTLS12-CipherSuite)
  // --dtls-retry-period: seconds between DTLS attempts after one gave up; 0 = never again.
  std::uint32_t dtls_retry_period_s = 60;
  std::string interface_name;    // --interface; empty = "sekisho%d"
  std::string script;            // --script
  bool no_dns = false;           // --no-dns: leave the host's DNS alone (host_changes.h)
  bool cookie_only = false;      // --cookieonly: print the webvpn value and exit
  bool cookie_on_stdin = false;  // --cookie-on-stdin: skip the login
  int verbosity = 0;
  // Profile download failures end the attempt (Cisco) or only warn (openconnect).
  bool profiles_best_effort = false;

  // --- service options (openconnect-compatible; docs/client.md "Running as a service") ---
  bool background = false;  // --background: detach once the tunnel is up
  std::string pid_file;     // --pid-file: written once backgrounded/up, removed on exit
  bool use_syslog = false;  // --syslog: progress and log lines go to syslog once up
  std::string setuid_user;  // --setuid: drop to this user once the TUN is configured
  // --reconnect-timeout: seconds the reconnect loop keeps trying; unset = the gateway's
  // X-CSTP-Disconnected-Timeout, else 300 s.
  std::optional<std::uint32_t> reconnect_timeout_s;
  std::optional<std::uint32_t> base_mtu;  // --base-mtu: X-CSTP-Base-MTU (default 1500)
  std::optional<std::uint32_t> mtu;       // --mtu: X-CSTP-MTU asked for
  std::string user_agent;                 // --useragent; empty = kDefaultUserAgent
  std::string reported_os = "linux-64";   // --os: the <device-id> platform
  std::string local_hostname;             // --local-hostname: X-CSTP-Hostname; empty = gethostname
  bool dump_http_traffic = false;         // --dump-http-traffic: redacted HTTP on stderr
  // --token-mode=totp: the one-time-code field is filled from this (already decoded) secret.
  SecretBytes totp_secret;
  // Path-MTU probing over DTLS (path_mtu.h): --no-pmtu-probe turns it off; --pmtu-recheck is
  // how often (seconds) the size in use is probed again, 0 = only when DTLS comes up.
  bool no_pmtu_probe = false;
  std::uint32_t pmtu_recheck_s = 60;
};

}  // namespace sekisho::client

// sekisho: the AnyConnect-compatible VPN client. Parses the openconnect-style command line and
// hands over to ConnectFlow (connect) or RunDisconnect (disconnect).

#include "app/spdlog_sink.h"
#include "client/connect_flow.h"
#include "client/host_state_store.h"
#include "client/http_dump.h"
#include "client/key_password.h"
#include "client/pid_file.h"
#include "client/prompt.h"
#include "client/server_pin.h"
#include "client/service_options.h"
#include "client/status_socket.h"
#include "client/syslog_output.h"
#include "client/totp.h"
#include "client/xdg_paths.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace {

bool LooksLikePkcs12(const std::string& path) {
  auto ends = [&path](const char* suffix) {
    std::string s(suffix);
    return path.size() >= s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0;
  };
  return ends(".p12") || ends(".pfx") || ends(".P12") || ends(".PFX");
}

sekisho::client::KeyPasswordReaders SystemKeyPasswordReaders() {
  sekisho::client::KeyPasswordReaders readers;
  readers.read_file = [](const std::string& path) -> sekisho::Result<std::string> {
    SEKISHO_ASSIGN_OR_RETURN(auto text, sekisho::client::ReadFileIfExists(
                                            path, sekisho::client::kMaxKeyPasswordFileBytes + 1));
    if (!text) {
      return sekisho::Fail(sekisho::Errc::kNotFound, "no such file");
    }
    return std::move(*text);
  };
  readers.read_stdin_line = &sekisho::client::Prompter::ReadStdinLine;
  return readers;
}

// The PKCS#12 password from --key-password, --key-password-file or $SEKISHO_KEY_PASSWORD
// (key_password.h); nullopt after printing the error.
std::optional<sekisho::SecretString> KeyPassword(sekisho::client::KeyPasswordSources sources) {
  if (const char* env = std::getenv(sekisho::client::kKeyPasswordEnv); env != nullptr) {
    sources.env = env;
  }
  if (sources.value) {
    std::fprintf(stderr,
                 "sekisho: WARNING: --key-password is visible to other users of this machine "
                 "(ps); use --key-password-file or %s\n",
                 sekisho::client::kKeyPasswordEnv);
  }
  auto password = sekisho::client::ResolveKeyPassword(sources, SystemKeyPasswordReaders());
  if (!password) {
    std::fprintf(stderr, "sekisho: %s\n", password.error().context.c_str());
    return std::nullopt;
  }
  return password->value_or(sekisho::SecretString());
}

// Size cap for --token-secret=@FILE: a secret, or a small PSKC-like file at most.
constexpr std::size_t kMaxTokenSecretFileBytes = 4096;

// Options whose values main() checks: --os, --mtu/--base-mtu, header values, --token-*.
struct ServiceArgs {
  std::optional<std::uint32_t> mtu;
  std::optional<std::uint32_t> base_mtu;
  std::optional<std::uint32_t> reconnect_timeout;
  std::string token_mode;
  std::string token_secret;
};

// Fills the service fields of `options` from `args`; false after printing the error.
bool ApplyServiceArgs(const ServiceArgs& args, sekisho::client::ConnectOptions& options) {
  namespace client = sekisho::client;
  auto fail = [](const sekisho::Error& error) {
    std::fprintf(stderr, "sekisho: %s\n", error.context.c_str());
    return false;
  };
  if (auto os = client::CheckReportedOs(options.reported_os); !os) {
    return fail(os.error());
  }
  if (args.mtu) {
    if (auto ok = client::CheckMtuOption("--mtu", *args.mtu); !ok) {
      return fail(ok.error());
    }
  }
  if (args.base_mtu) {
    if (auto ok = client::CheckMtuOption("--base-mtu", *args.base_mtu); !ok) {
      return fail(ok.error());
    }
  }
  options.mtu = args.mtu;
  options.base_mtu = args.base_mtu;
  options.reconnect_timeout_s = args.reconnect_timeout;
  if (!options.user_agent.empty()) {
    if (auto ok = client::CheckHeaderValueOption("--useragent", options.user_agent); !ok) {
      return fail(ok.error());
    }
  }
  if (!options.local_hostname.empty()) {
    if (auto ok = client::CheckHeaderValueOption("--local-hostname", options.local_hostname); !ok) {
      return fail(ok.error());
    }
  }
  if (args.token_mode.empty() != args.token_secret.empty()) {
    std::fprintf(stderr, "sekisho: --token-mode and --token-secret go together\n");
    return false;
  }
  if (args.token_mode.empty()) {
    return true;
  }
  if (args.token_mode != "totp") {
    std::fprintf(stderr, "sekisho: --token-mode: only 'totp' is supported\n");
    return false;
  }
  std::string text = args.token_secret;
  if (!text.empty() && text.front() == '@') {  // openconnect's @FILENAME form
    auto content = client::ReadFileIfExists(text.substr(1), kMaxTokenSecretFileBytes);
    if (!content || !*content) {
      std::fprintf(stderr, "sekisho: --token-secret: cannot read %s\n", text.c_str() + 1);
      return false;
    }
    text = std::move(**content);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
      text.pop_back();
    }
  }
  auto secret = client::ParseTokenSecret(text);
  std::fill(text.begin(), text.end(), '\0');
  if (!secret) {
    return fail(secret.error());
  }
  options.totp_secret = std::move(*secret);
  return true;
}

// `sekisho restore`: what the next `sekisho connect` does first, on demand (host_state_store.h).
int RunRestore() {
  auto sink = sekisho::app::MakeStderrSink(sekisho::LogLevel::kInfo, "sekisho");
  sekisho::Logger log(*sink, "client");
  const int undone = sekisho::client::RecoverStaleHostStates(log);
  std::fprintf(stderr, "sekisho: %d stale host state file(s) undone\n", undone);
  return 0;
}

int Main(int argc, char** argv) {
  CLI::App cli{"sekisho: AnyConnect-compatible SSL VPN client"};
  cli.require_subcommand(1);

  sekisho::client::ConnectOptions options;
  std::string user;
  std::string authgroup;
  std::vector<std::string> certificates;
  std::vector<std::string> keys;
  sekisho::client::KeyPasswordSources key_password;
  bool no_system_trust = false;
  int verbosity = 0;

  CLI::App* connect = cli.add_subcommand("connect", "log in and bring the tunnel up");
  connect->add_option("url", options.url, "gateway URL (https://host[:port][/group])")->required();
  connect->add_option("-u,--user", user, "user name for the login form");
  connect->add_option("--authgroup", authgroup, "group to log in to (value or label)");
  connect->add_flag("--passwd-on-stdin", options.password_on_stdin,
                    "read passwords from stdin, one line per password field");
  connect->add_flag("--non-inter", options.non_interactive, "never prompt; fail instead");
  connect->add_option("--servercert", options.server_pins,
                      "accept a server certificate by pin: the full pin-sha256:<base64>, or "
                      "sha256:/sha1:/bare SHA-1 hex with at least 32 hex digits; repeatable");
  connect->add_option("--cafile", options.ca_file, "extra trusted CA certificates (PEM)");
  connect->add_flag("--no-system-trust", no_system_trust, "do not trust the system CA store");
  connect->add_option("-c,--certificate", certificates,
                      "client certificate (PEM or PKCS#12); repeatable, paired with --sslkey "
                      "in order");
  connect->add_option("-k,--sslkey", keys,
                      "private key (PEM) for the certificate at the same "
                      "position");
  connect->add_option("--key-password", key_password.value,
                      "PKCS#12 password (visible to other users in ps: prefer the next two)");
  connect->add_option("--key-password-file", key_password.file,
                      "read the PKCS#12 password from the first line of a file ('-' = stdin); "
                      "or set SEKISHO_KEY_PASSWORD");
  connect->add_flag("--no-dtls", options.no_dtls, "do not offer DTLS: data always over TLS");
  connect->add_option("--dtls-ciphers", options.dtls_ciphers,
                      "X-DTLS-CipherSuite offer (colon-separated), e.g. AES128-SHA or "
                      "OC-DTLS1_2-AES256-GCM; without --dtls12-ciphers no DTLS 1.2 list is sent");
  connect->add_option("--dtls12-ciphers", options.dtls12_ciphers,
                      "X-DTLS12-CipherSuite offer (colon-separated), e.g. AES256-GCM-SHA384");
  connect
      ->add_option("--dtls-retry-period", options.dtls_retry_period_s,
                   "seconds between DTLS attempts after one gave up (0 = never again)")
      ->default_val(60);
  connect->add_flag("--no-pmtu-probe", options.no_pmtu_probe,
                    "do not probe the path MTU over DTLS (the TUN keeps X-DTLS-MTU)");
  connect
      ->add_option("--pmtu-recheck", options.pmtu_recheck_s,
                   "seconds between path-MTU rechecks over DTLS (0 = only when DTLS comes up)")
      ->default_val(60);
  connect->add_option("-i,--interface", options.interface_name, "TUN interface name");
  connect->add_option("-s,--script", options.script, "vpnc-script compatible routing script");
  connect->add_flag("--no-dns", options.no_dns,
                    "do not configure the pushed DNS servers and domains (without --script)");
  connect->add_flag("--cookieonly", options.cookie_only,
                    "log in, print the webvpn cookie value on stdout and exit");
  connect->add_flag("--cookie-on-stdin", options.cookie_on_stdin,
                    "read the webvpn cookie from stdin and skip the login");
  connect->add_flag("--profiles-best-effort", options.profiles_best_effort,
                    "connect even when a profile download fails (openconnect behaviour)");
  connect->add_flag("-v,--verbose", verbosity, "more detail (repeat for more)");
  // Service options, as openconnect 9.01 (docs/client.md "Running as a service").
  ServiceArgs service;
  connect->add_flag("-b,--background", options.background,
                    "continue in the background once the tunnel is up");
  connect->add_option("--pid-file", options.pid_file,
                      "write the pid here once the tunnel is up; removed on exit");
  connect->add_flag("-l,--syslog", options.use_syslog,
                    "once the tunnel is up, send progress and log lines to syslog");
  connect->add_option("-U,--setuid", options.setuid_user,
                      "drop to this user once the tunnel is up (a root parent undoes the "
                      "network configuration at the end)");
  connect->add_option("--reconnect-timeout", service.reconnect_timeout,
                      "keep reconnecting for at most this many seconds (default: the "
                      "gateway's disconnect timeout, else 300)");
  connect->add_option("-m,--mtu", service.mtu, "tunnel MTU to ask for (X-CSTP-MTU)");
  connect->add_option("--base-mtu,--basemtu", service.base_mtu,
                      "path MTU to the gateway (X-CSTP-Base-MTU, default 1500)");
  connect->add_option("--useragent", options.user_agent, "User-Agent of every HTTP request");
  connect->add_option("--os", options.reported_os,
                      "OS type to report: linux, linux-64 (default), win, mac-intel, android, "
                      "apple-ios");
  connect->add_option("--local-hostname", options.local_hostname,
                      "host name to send in X-CSTP-Hostname (default: this host's name)");
  connect->add_flag("--dump-http-traffic", options.dump_http_traffic,
                    "print every HTTP request and response on stderr, secrets redacted");
  connect->add_option("--token-mode", service.token_mode,
                      "one-time password generation: totp (RFC 6238)");
  connect->add_option("--token-secret", service.token_secret,
                      "TOTP secret: raw, base32:SECRET, 0xHEX, or @FILE");

  std::string disconnect_interface;
  CLI::App* disconnect =
      cli.add_subcommand("disconnect", "log off the running client (SIGTERM via its pid file)");
  disconnect->add_option("-i,--interface", disconnect_interface, "interface of the client to stop");

  CLI::App* restore = cli.add_subcommand(
      "restore", "undo the DNS and IPv6 changes of a client that died without cleaning up");
  std::string status_interface;
  bool status_json = false;
  CLI::App* status = cli.add_subcommand(
      "status", "show the running client's data path, ciphers, MTU, counters and DTLS state");
  status->add_option("-i,--interface", status_interface, "interface of the client to ask");
  status->add_flag("--json", status_json, "JSON output");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    sekisho::client::ScrubKeyPasswordArgs(argc, argv);
    sekisho::client::ScrubTokenSecretArgs(argc, argv);
    return cli.exit(e);
  }
  // CLI11 holds its own copies now: what ps shows can lose the password.
  sekisho::client::ScrubKeyPasswordArgs(argc, argv);
  sekisho::client::ScrubTokenSecretArgs(argc, argv);

  if (disconnect->parsed()) {
    return sekisho::client::RunDisconnect(disconnect_interface);
  }
  if (status->parsed()) {
    return sekisho::client::RunStatus(status_interface, status_json);
  }

  if (restore->parsed()) {
    return RunRestore();
  }

  if (!ApplyServiceArgs(service, options)) {
    return 1;
  }
  sekisho::client::EnableHttpDump(options.dump_http_traffic);
  if (!user.empty()) {
    options.user = user;
  }
  if (!authgroup.empty()) {
    options.authgroup = authgroup;
  }
  for (const std::string& pin : options.server_pins) {
    if (auto strong = sekisho::client::CheckServerPin(pin); !strong) {
      std::fprintf(stderr, "sekisho: %s\n", strong.error().context.c_str());
      return 1;
    }
  }
  std::optional<sekisho::SecretString> pkcs12_password = KeyPassword(key_password);
  if (!pkcs12_password) {
    return 1;
  }
  options.use_system_trust = !no_system_trust;
  options.verbosity = verbosity;
  if (keys.size() > certificates.size()) {
    std::fprintf(stderr, "sekisho: more --sslkey than --certificate options\n");
    return 1;
  }
  for (std::size_t i = 0; i < certificates.size(); ++i) {
    sekisho::tls::ClientIdentity identity;
    if (LooksLikePkcs12(certificates[i])) {
      identity.pkcs12_file = certificates[i];
      identity.pkcs12_password = *pkcs12_password;
    } else {
      identity.certificate_file = certificates[i];
      // Without a matching --sslkey the key is expected in the certificate file.
      identity.private_key_file = i < keys.size() ? keys[i] : certificates[i];
    }
    options.identities.push_back(std::move(identity));
  }

  std::optional<sekisho::LogLevel> level = sekisho::LogLevel::kWarn;
  if (verbosity == 1) {
    level = sekisho::LogLevel::kInfo;
  } else if (verbosity == 2) {
    level = sekisho::LogLevel::kDebug;
  } else if (verbosity > 2) {
    level = sekisho::LogLevel::kTrace;
  }
  // --syslog switches this sink to syslog once the tunnel is up (syslog_output.h).
  sekisho::client::SyslogSwitchSink sink(sekisho::app::MakeStderrSink(level, "sekisho"));
  sekisho::client::RegisterSyslogSwitch(&sink);
  sekisho::Logger log(sink, "client");
  // Before anything is resolved: a dead client's resolv.conf may point into its tunnel.
  sekisho::client::RecoverStaleHostStates(log);
  return sekisho::client::RunConnect(options, log);
}

}  // namespace

int main(int argc, char** argv) {
  // No exception may escape (STYLE.md §3); one that does is a bug, reported clearly.
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sekisho: internal error: %s\n", e.what());
    return 70;
  }
}

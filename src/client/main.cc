// sekisho: the AnyConnect-compatible VPN client. Parses the openconnect-style command line and
// hands over to ConnectFlow (connect) or RunDisconnect (disconnect).

#include "app/spdlog_sink.h"
#include "client/connect_flow.h"
#include "client/key_password.h"
#include "client/pid_file.h"
#include "client/prompt.h"
#include "client/server_pin.h"
#include "client/status_socket.h"
#include "client/xdg_paths.h"

#include <CLI/CLI.hpp>

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
  connect->add_flag("--cookieonly", options.cookie_only,
                    "log in, print the webvpn cookie value on stdout and exit");
  connect->add_flag("--cookie-on-stdin", options.cookie_on_stdin,
                    "read the webvpn cookie from stdin and skip the login");
  connect->add_flag("--profiles-best-effort", options.profiles_best_effort,
                    "connect even when a profile download fails (openconnect behaviour)");
  connect->add_flag("-v,--verbose", verbosity, "more detail (repeat for more)");

  std::string disconnect_interface;
  CLI::App* disconnect =
      cli.add_subcommand("disconnect", "log off the running client (SIGTERM via its pid file)");
  disconnect->add_option("-i,--interface", disconnect_interface, "interface of the client to stop");

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
    return cli.exit(e);
  }
  // CLI11 holds its own copies now: what ps shows can lose the password.
  sekisho::client::ScrubKeyPasswordArgs(argc, argv);

  if (disconnect->parsed()) {
    return sekisho::client::RunDisconnect(disconnect_interface);
  }
  if (status->parsed()) {
    return sekisho::client::RunStatus(status_interface, status_json);
  }

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
  auto sink = sekisho::app::MakeStderrSink(level, "sekisho");
  sekisho::Logger log(*sink, "client");
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

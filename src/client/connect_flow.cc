#include "client/connect_flow.h"

#include "base/rng.h"
#include "base/strings.h"
#include "client/auth_dialogue.h"
#include "client/dtls_plan.h"
#include "client/https_session.h"
#include "client/preferences.h"
#include "client/profile_cache.h"
#include "client/prompt.h"
#include "client/script_env.h"
#include "client/tun_setup.h"
#include "client/tunnel.h"
#include "client/xdg_paths.h"
#include "net/ipv4.h"
#include "proto/http/url.h"
#include "proto/tunnel/connect_request.h"
#include "proto/tunnel/connect_response.h"
#include "proto/tunnel/mtu.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <dirent.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <signal.h>
#include <unistd.h>
#include <utility>

namespace sekisho::client {
namespace {

namespace asio = boost::asio;
namespace http = proto::http;
namespace tunnel = proto::tunnel;

constexpr Duration kTlsTimeout = seconds(15);
constexpr Duration kHttpTimeout = seconds(30);
constexpr std::uint32_t kDefaultDisconnectedTimeoutS = 300;
constexpr std::uint32_t kBaseMtu = 1500;
constexpr std::string_view kLogoutReason = "Client logged off";

// One progress line on stderr: what the user sees without -v.
template <class... Args>
void Say(fmt::format_string<Args...> format, Args&&... args) {
  std::string line = fmt::format(format, std::forward<Args>(args)...);
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) {
      out += sep;
    }
    out += item;
  }
  return out;
}

std::string LocalHostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') {
    return "localhost";
  }
  return name;
}

class Flow {
 public:
  Flow(const ConnectOptions& options, const Logger& log)
      : options_(options),
        log_(log),
        prompter_(PromptOptions{options.user, options.password_on_stdin, options.non_interactive}),
        signals_(io_) {}

  int Run();

 private:
  // Phase 1.
  Result<void> LoadCredentials();
  Result<std::unique_ptr<TlsConnection>> OpenTls(bool report);
  void CheckTrust(TlsConnection& conn);
  void SavePrefs();
  // Phases 2-3.
  Result<void> Login();
  // Phase 4.
  Result<void> Download();
  // Phase 5.
  struct Connected {
    std::unique_ptr<TlsConnection> conn;
    Bytes leftover;
    tunnel::ConnectResponse response;
    http::HeaderList headers;
    SecretBytes dtls_master_secret;
    std::optional<ClientDtlsPlan> dtls_plan;
  };
  // Errors: kAuthFailed on 401 (cookie rejected: stop), others retryable.
  Result<Connected> Connect(bool report);
  Result<void> SetUpTun(const Connected& connected, ScriptReason reason);
  void TearDownTun();
  // Phase 6.
  int TunnelLoop(Connected first);
  void ArmSignals();
  bool SleepInterruptible(Duration wait);
  void WritePidFile();
  void RemovePidFile();

  const ConnectOptions& options_;
  Logger log_;
  Prompter prompter_;
  asio::io_context io_;
  asio::signal_set signals_;
  bool stop_requested_ = false;
  Tunnel* current_tunnel_ = nullptr;

  http::Url url_;
  std::string gateway_key_;
  std::string config_dir_;
  Preferences prefs_;
  bool prefs_usable_ = false;
  std::vector<std::string> pins_;
  std::shared_ptr<const tls::ClientCredentials> creds_;
  bool trust_warned_ = false;
  std::string gateway_ip_;

  std::unique_ptr<TlsConnection> first_connection_;  // from phase 1, used by the login
  std::optional<AuthDialogue> dialogue_;
  SecretString cookie_;
  AuthResult auth_;

  std::unique_ptr<TunSetup> tun_;
  std::optional<TunAddressing> addressing_;
  std::optional<tunnel::ConnectResponse> last_response_;
  http::HeaderList last_headers_;
  std::string pid_file_;
};

// ---------------------------------------------------------------- phase 1: TLS

Result<void> Flow::LoadCredentials() {
  tls::ClientTlsConfig config;
  config.server_name = url_.host;
  config.ca_file = options_.ca_file;
  config.use_system_trust = options_.use_system_trust;
  config.pins = pins_;
  config.identities = options_.identities;
  SEKISHO_ASSIGN_OR_RETURN(auto creds, tls::ClientCredentials::Load(config));
  creds_ = std::move(creds);
  return Ok();
}

void Flow::SavePrefs() {
  if (!prefs_usable_) {
    return;
  }
  if (auto saved = prefs_.Save(); !saved) {
    log_.Warn("cannot save preferences: {}", saved.error().ToString());
  }
}

Result<std::unique_ptr<TlsConnection>> Flow::OpenTls(bool report) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    TlsConnection::OpenFailure failure;
    auto conn = TlsConnection::Open(io_, url_.host, url_.port, creds_, kTlsTimeout, log_, &failure);
    if (conn) {
      gateway_ip_ = conn->peer_ip();
      CheckTrust(*conn);
      if (report) {
        Say("TLS: connected to {} ({}), {}", url_.host, gateway_ip_,
            conn->engine().CipherDescription());
        if (conn->engine().client_certificate_requested()) {
          const std::string& chosen = conn->engine().ChosenIdentity();
          if (chosen.empty() && options_.identities.empty()) {
            Say("TLS: the gateway asked for a client certificate; none configured, none sent");
          } else if (chosen.empty()) {
            Say("TLS: the gateway asked for a client certificate; none of the {} configured "
                "matches the CAs it accepts, so none was sent",
                options_.identities.size());
          } else {
            Say("TLS: the gateway asked for a client certificate; sent {}", chosen);
          }
        }
      }
      return conn;
    }
    if (failure.error.code != Errc::kUntrusted || !failure.verify || failure.verify->pinned) {
      return Fail(failure.error);
    }
    const tls::VerifyResult& verify = *failure.verify;
    Say("TLS: certificate for {} is NOT trusted ({}); connection refused.", url_.host,
        verify.reason);
    Say("TLS: to accept this certificate, run again with --servercert {}", verify.pin_sha256);
    if (attempt > 0 || !prompter_.Confirm("Accept this certificate and connect anyway?")) {
      return Fail(Errc::kUntrusted, "server certificate not trusted (" + verify.reason + ")");
    }
    pins_.push_back(verify.pin_sha256);
    if (prefs_usable_) {
      prefs_.Upsert(gateway_key_).Accept(verify.pin_sha256, verify.reason, "interactive");
      SavePrefs();
    }
    SEKISHO_TRY(LoadCredentials());
  }
  return Fail(Errc::kUntrusted, "server certificate not trusted");
}

void Flow::CheckTrust(TlsConnection& conn) {
  const auto& verify = conn.engine().verify_result();
  if (!verify) {
    return;
  }
  const GatewayPrefs* stored = prefs_.Find(gateway_key_);
  if (verify->trusted) {
    // Validates normally now: any earlier acceptance of this certificate is obsolete.
    if (stored != nullptr && stored->FindAcceptance(verify->pin_sha256) != nullptr) {
      prefs_.Upsert(gateway_key_).Forget(verify->pin_sha256);
      SavePrefs();
      Say("TLS: certificate for {} now validates; its acceptance record was cleared", url_.host);
    }
    return;
  }
  if (!verify->pinned) {
    return;
  }
  if (!trust_warned_) {
    trust_warned_ = true;
    Say("WARNING: certificate for {} is not trusted ({}); accepted by pin {}", url_.host,
        verify->reason, verify->pin_sha256);
  }
  if (prefs_usable_ &&
      (stored == nullptr || stored->FindAcceptance(verify->pin_sha256) == nullptr)) {
    prefs_.Upsert(gateway_key_).Accept(verify->pin_sha256, verify->reason, "servercert");
    SavePrefs();
  }
}

// ---------------------------------------------------------------- phases 2-3: login

Result<void> Flow::Login() {
  DialogueOptions dialogue_options;
  dialogue_options.url = url_;
  dialogue_options.authgroup = options_.authgroup;
  dialogue_options.have_client_certificate = !options_.identities.empty();
  dialogue_.emplace(dialogue_options);
  AuthDialogue& dialogue = *dialogue_;

  // The login starts on the connection phase 1 opened.
  std::unique_ptr<HttpsSession> session;
  if (first_connection_) {
    session = std::make_unique<HttpsSession>(std::move(first_connection_));
  }
  Step step;
  step.kind = Step::kSendRequest;
  step.new_connection = session == nullptr;
  bool groups_shown = false;
  Say("Authentication: logging in to {}", url_.ToString());
  while (step.kind == Step::kSendRequest) {
    http::HttpRequest request = dialogue.NextRequest();
    Result<http::HttpResponse> response = Fail(Errc::kClosed, "no connection");
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!session || !session->reusable() || step.new_connection) {
        SEKISHO_ASSIGN_OR_RETURN(auto conn, OpenTls(false));
        session = std::make_unique<HttpsSession>(std::move(conn));
        step.new_connection = false;
      }
      log_.Debug("{} {}", request.method, request.target);
      response = session->Exchange(request, kHttpTimeout);
      if (response || response.error().code != Errc::kClosed) {
        break;
      }
      session.reset();  // the gateway closed an idle keep-alive connection: retry on a new one
    }
    if (!response) {
      return Fail(response.error());
    }
    log_.Debug("HTTP {} {}", response->status, response->reason);
    SEKISHO_ASSIGN_OR_RETURN(step, dialogue.OnResponse(*response));
    if (!groups_shown && !dialogue.groups_offered().empty()) {
      groups_shown = true;
      std::vector<std::string> names;
      for (const auto& option : dialogue.groups_offered()) {
        names.push_back(option.label.empty() || option.label == option.value
                            ? option.value
                            : option.value + " (" + option.label + ")");
      }
      Say("Group selection: the gateway offers {}", Join(names, ", "));
    }
    if (step.kind == Step::kNeedInput) {
      if (step.retry) {
        Say("Authentication: {}", step.message.empty() ? "rejected, try again" : step.message);
      }
      SEKISHO_ASSIGN_OR_RETURN(FilledValues values,
                               prompter_.FillForm(dialogue.form(), step.retry));
      dialogue.SubmitForm(std::move(values));
      step = Step();
      step.kind = Step::kSendRequest;
    }
  }
  if (step.kind == Step::kFailed) {
    return Fail(step.code, step.message);
  }
  auth_ = dialogue.result();
  cookie_ = auth_.cookie;
  if (!auth_.group_used.empty()) {
    Say("Group selection: using {}", auth_.group_used);
  }
  Say("Authentication: succeeded");
  if (!auth_.banner.empty()) {
    Say("{}", auth_.banner);
  }
  if (prefs_usable_) {
    GatewayPrefs& prefs = prefs_.Upsert(gateway_key_);
    if (!auth_.server_cert_hash.empty()) {
      switch (CompareServerCertHash(&prefs, auth_.server_cert_hash)) {
        case CertHashCheck::kFirstSeen:
          log_.Info("gateway certificate hash {} recorded", auth_.server_cert_hash);
          break;
        case CertHashCheck::kSame: break;
        case CertHashCheck::kChanged:
          Say("WARNING: the gateway's certificate changed since the last login (was {}, now {})",
              prefs.server_cert_hash, auth_.server_cert_hash);
          break;
      }
      prefs.server_cert_hash = auth_.server_cert_hash;
    }
    if (!auth_.group_used.empty()) {
      prefs.last_group = auth_.group_used;
    }
    SavePrefs();
  }
  return Ok();
}

// ---------------------------------------------------------------- phase 4: downloader

Result<void> Flow::Download() {
  if (auth_.profiles.empty() || config_dir_.empty()) {
    Say("Downloader: nothing announced");
    return Ok();
  }
  ProfileCache cache(GatewayDir(config_dir_, url_.host, url_.port), url_);
  DownloadPolicy policy =
      options_.profiles_best_effort ? DownloadPolicy::kBestEffort : DownloadPolicy::kRequired;
  std::unique_ptr<HttpsSession> session;
  int fetched = 0;
  int current = 0;
  for (const auto& entry : auth_.profiles) {
    if (!cache.NeedsDownload(entry)) {
      ++current;
      continue;
    }
    auto fetch = [&]() -> Result<std::string> {
      SEKISHO_ASSIGN_OR_RETURN(std::string target, cache.RequestTarget(entry));
      http::HttpRequest request = dialogue_->BuildGet(target);
      for (int attempt = 0; attempt < 2; ++attempt) {
        if (!session || !session->reusable()) {
          SEKISHO_ASSIGN_OR_RETURN(auto conn, OpenTls(false));
          session = std::make_unique<HttpsSession>(std::move(conn));
        }
        Result<http::HttpResponse> response = session->Exchange(request, kHttpTimeout);
        if (!response && response.error().code == Errc::kClosed && attempt == 0) {
          session.reset();
          continue;
        }
        if (!response) {
          return Fail(response.error());
        }
        if (response->status != 200) {
          return Fail(Errc::kProtocol, fmt::format("GET {}: HTTP {}", target, response->status));
        }
        SEKISHO_TRY(cache.StoreDownloaded(entry, response->body));
        return target;
      }
      return Fail(Errc::kClosed, "the gateway closed the connection");
    };
    Result<std::string> done = fetch();
    if (done) {
      ++fetched;
      Say("Downloader: fetched profile {}", *done);
      continue;
    }
    if (IsMandatory(entry, policy)) {
      return Fail(done.error().code,
                  "mandatory profile download failed: " + done.error().ToString());
    }
    Say("Downloader: WARNING: profile {} not downloaded: {}", entry.uri, done.error().ToString());
  }
  Say("Downloader: {} profile(s) downloaded, {} already up to date", fetched, current);
  return Ok();
}

// ---------------------------------------------------------------- phase 5: CONNECT

Result<Flow::Connected> Flow::Connect(bool report) {
  SEKISHO_ASSIGN_OR_RETURN(auto conn, OpenTls(false));
  HttpsSession session(std::move(conn));
  tunnel::ConnectRequest request;
  request.hostname = LocalHostname();
  bool ipv6_transport = gateway_ip_.find(':') != std::string::npos;
  request.base_mtu = kBaseMtu;
  request.mtu = tunnel::ClientRequestedMtu(kBaseMtu, ipv6_transport);
  request.want_ipv4 = true;
  request.want_ipv6 = false;  // the TUN setup is IPv4-only for now
  request.user_agent = std::string(kDefaultUserAgent);
  if (addressing_) {
    request.previous_addresses.push_back(net::FormatIpv4(addressing_->address));
  }
  DtlsOffer offer;
  offer.enabled = !options_.no_dtls;
  offer.ciphers = options_.dtls_ciphers;
  offer.dtls12_ciphers = options_.dtls12_ciphers;
  SecretBytes dtls_secret = AddDtlsOffer(offer, SystemRng(), &request);
  http::HttpRequest connect;
  connect.method = "CONNECT";
  connect.target = "/CSCOSSLC/tunnel";
  connect.headers =
      tunnel::BuildConnectRequestHeaders(request, cookie_.reveal(), http::HostHeader(url_));
  SEKISHO_ASSIGN_OR_RETURN(http::HttpResponse response, session.Exchange(connect, kHttpTimeout));
  if (response.status == 401) {
    return Fail(Errc::kAuthFailed, "the gateway rejected the cookie (HTTP 401)");
  }
  if (response.status != 200) {
    return Fail(Errc::kProtocol,
                fmt::format("CONNECT refused: HTTP {} {}", response.status, response.reason));
  }
  SEKISHO_ASSIGN_OR_RETURN(tunnel::ConnectResponse parsed,
                           tunnel::ParseConnectResponse(response.headers));
  Connected connected;
  connected.conn = session.Release(&connected.leftover);
  connected.response = std::move(parsed);
  connected.headers = std::move(response.headers);
  connected.dtls_master_secret = std::move(dtls_secret);
  std::string dtls_note;
  auto plan = PlanClientDtls(connected.response, offer, ipv6_transport, kBaseMtu);
  if (!plan) {
    dtls_note = "DTLS: unusable (" + plan.error().context + "); data path: TLS";
  } else if (!*plan) {
    dtls_note = options_.no_dtls ? "DTLS: disabled (--no-dtls); data path: TLS"
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
      Say("Banner: {}", connected.response.banner);
    }
  }
  Say("{}", dtls_note);
  return connected;
}

Result<void> Flow::SetUpTun(const Connected& connected, ScriptReason reason) {
  const tunnel::ConnectResponse& response = connected.response;
  if (!tun_) {
    std::string name = options_.interface_name.empty() ? "sekisho%d" : options_.interface_name;
    SEKISHO_ASSIGN_OR_RETURN(tun_, TunSetup::Open(name, log_));
  }
  auto address = net::ParseIpv4(response.address);
  if (!address) {
    return Fail(Errc::kProtocol, "the gateway assigned no usable IPv4 address");
  }
  TunAddressing addressing;
  addressing.address = *address;
  addressing.prefix = 32;
  if (auto mask = net::ParseIpv4(response.netmask)) {
    addressing.prefix = net::MaskToPrefix(*mask).value_or(32);
  }
  // Cisco's rule (decision #1): the DTLS MTU from the start when DTLS is offered (the Tunnel
  // lowers it to X-CSTP-MTU if DTLS gives up), else X-CSTP-MTU.
  addressing.mtu = static_cast<int>(
      connected.dtls_plan ? tunnel::ClientTunnelMtu(connected.dtls_plan->cstp_mtu,
                                                    connected.dtls_plan->dtls_mtu, true)
                          : tunnel::ClientTunnelMtu(response.mtu, 0, false));
  for (const auto& route : response.split_include) {
    if (auto network = net::ParseIpv4Network(route)) {
      addressing.routes.push_back(*network);
    } else {
      log_.Warn("ignoring unusable split-include route {}", route);
    }
  }
  addressing.gateway_ip = net::ParseIpv4(gateway_ip_);
  bool changed = addressing_ && addressing_->address != addressing.address;
  if (changed) {
    Say("Tunnel: the gateway assigned a new address ({} instead of {})",
        net::FormatIpv4(addressing.address), net::FormatIpv4(addressing_->address));
  }
  if (!options_.script.empty()) {
    ScriptContext context;
    context.reason =
        changed && reason == ScriptReason::kReconnect ? ScriptReason::kConnect : reason;
    context.tundev = tun_->name();
    context.gateway_ip = gateway_ip_;
    context.pid = static_cast<long>(::getpid());
    context.log_level = std::min(options_.verbosity + 1, 3);
    context.connect_headers = connected.headers;
    context.mtu = static_cast<std::uint32_t>(addressing.mtu);
    if (reason == ScriptReason::kConnect || changed) {
      auto env = BuildScriptEnvironment(context, &response);
      SEKISHO_ASSIGN_OR_RETURN(int status, RunScript(options_.script, env));
      if (status != 0) {
        return Fail(Errc::kConfig,
                    fmt::format("script {} failed with status {}", options_.script, status));
      }
    } else {
      auto env = BuildScriptEnvironment(context, &response);
      if (auto ran = RunScript(options_.script, env); !ran || *ran != 0) {
        log_.Warn("script (reason=reconnect) failed");
      }
    }
  } else {
    SEKISHO_TRY(tun_->Apply(addressing));
  }
  addressing_ = addressing;
  last_response_ = response;
  last_headers_ = connected.headers;
  std::vector<std::string> routes;
  for (const auto& route : addressing.routes) {
    routes.push_back(net::FormatIpv4Network(route));
  }
  Say("Tunnel: {} up with {}/{} MTU {}, routes: {}", tun_->name(),
      net::FormatIpv4(addressing.address), addressing.prefix, addressing.mtu,
      routes.empty() ? std::string("default") : Join(routes, " "));
  return Ok();
}

void Flow::TearDownTun() {
  if (!tun_) {
    return;
  }
  if (!options_.script.empty() && last_response_) {
    ScriptContext context;
    context.reason = ScriptReason::kDisconnect;
    context.tundev = tun_->name();
    context.gateway_ip = gateway_ip_;
    context.pid = static_cast<long>(::getpid());
    context.connect_headers = last_headers_;
    auto env = BuildScriptEnvironment(context, &*last_response_);
    if (auto ran = RunScript(options_.script, env); !ran || *ran != 0) {
      log_.Warn("script (reason=disconnect) failed");
    }
  }
  tun_.reset();  // removes our routes, then the device
}

// ---------------------------------------------------------------- phase 6: tunnel

void Flow::ArmSignals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal_number) {
    if (ec) {
      return;
    }
    Say("Received {}; logging off", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
    stop_requested_ = true;
    if (current_tunnel_ != nullptr) {
      current_tunnel_->Stop(kLogoutReason);
    }
    ArmSignals();
  });
}

bool Flow::SleepInterruptible(Duration wait) {
  asio::steady_timer timer(io_);
  bool fired = false;
  timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait));
  timer.async_wait([&fired](const boost::system::error_code&) { fired = true; });
  while (!fired && !stop_requested_) {
    io_.run_one();
  }
  timer.cancel();
  while (!fired) {
    io_.run_one();
  }
  return !stop_requested_;
}

void Flow::WritePidFile() {
  auto dir = RunDir();
  if (!dir || !tun_) {
    return;
  }
  if (auto made = MakeDirectories(*dir); !made) {
    log_.Warn("no pid file: {}", made.error().ToString());
    return;
  }
  pid_file_ = *dir + "/" + tun_->name() + ".pid";
  if (auto written = WriteFileAtomic(pid_file_, std::to_string(::getpid()) + "\n", 0644);
      !written) {
    log_.Warn("no pid file: {}", written.error().ToString());
    pid_file_.clear();
  }
}

void Flow::RemovePidFile() {
  if (!pid_file_.empty()) {
    ::unlink(pid_file_.c_str());
    pid_file_.clear();
  }
}

int Flow::TunnelLoop(Connected first) {
  std::optional<Connected> connected = std::move(first);
  while (true) {
    TunnelParams params;
    params.mtu = static_cast<std::uint32_t>(addressing_->mtu);
    params.dpd = seconds(connected->response.dpd_s);
    params.keepalive = seconds(connected->response.keepalive_s);
    params.dtls = connected->dtls_plan;
    params.dtls_master_secret = connected->dtls_master_secret;
    params.gateway_ip = gateway_ip_;
    params.dtls_retry.retry_period = seconds(options_.dtls_retry_period_s);
    params.progress = [](const std::string& line) { Say("{}", line); };
    params.set_mtu = [this](int mtu) { return tun_->SetMtu(mtu); };
    std::uint32_t disconnected_timeout =
        connected->response.disconnected_timeout_s.value_or(kDefaultDisconnectedTimeoutS);
    TunnelOutcome outcome;
    {
      Tunnel tunnel(io_, std::move(connected->conn), tun_->device(), params,
                    std::move(connected->leftover), log_.WithComponent("tunnel"));
      connected.reset();
      current_tunnel_ = &tunnel;
      if (stop_requested_) {
        tunnel.Stop(kLogoutReason);
      }
      outcome = tunnel.Run();
      current_tunnel_ = nullptr;
      const TunnelCounters& c = tunnel.counters();
      log_.Info("tunnel counters: in {} packets / {} bytes, out {} packets / {} bytes",
                c.packets_in, c.bytes_in, c.packets_out, c.bytes_out);
    }
    switch (outcome.end) {
      case TunnelEnd::kUserQuit: Say("Disconnected: logged off"); return 0;
      case TunnelEnd::kGatewayDisconnect:
      case TunnelEnd::kGatewayTerminate: Say("Disconnected: {}", outcome.reason); return 2;
      case TunnelEnd::kFatal: Say("Error: {}", outcome.reason); return 1;
      case TunnelEnd::kLinkDead: break;
    }
    Say("Reconnect: link lost ({}); reconnecting with the session cookie", outcome.reason);
    Instant give_up = ClientNow() + seconds(disconnected_timeout);
    Duration backoff = seconds(1);
    bool first_try = true;
    while (!connected) {
      if (!first_try) {
        if (ClientNow() + backoff > give_up) {
          Say("Reconnect: gave up after {} s", disconnected_timeout);
          return 1;
        }
        if (!SleepInterruptible(backoff)) {
          Say("Disconnected: interrupted while reconnecting");
          return 0;
        }
        backoff = std::min<Duration>(backoff * 2, seconds(30));
      }
      first_try = false;
      if (!options_.script.empty() && last_response_) {
        ScriptContext context;
        context.reason = ScriptReason::kAttemptReconnect;
        context.tundev = tun_->name();
        context.gateway_ip = gateway_ip_;
        context.pid = static_cast<long>(::getpid());
        (void)RunScript(options_.script, BuildScriptEnvironment(context, nullptr));
      }
      Result<Connected> attempt = Connect(false);
      io_.poll();  // deliver a signal that arrived meanwhile
      if (stop_requested_) {
        if (attempt) {
          // Log off properly over the fresh connection.
          connected = std::move(*attempt);
          break;
        }
        Say("Disconnected: interrupted while reconnecting");
        return 0;
      }
      if (!attempt) {
        if (attempt.error().code == Errc::kAuthFailed) {
          Say("Reconnect: {}; the session is over", attempt.error().context);
          return 1;
        }
        Say("Reconnect: attempt failed: {}", attempt.error().ToString());
        continue;
      }
      connected = std::move(*attempt);
    }
    if (auto applied = SetUpTun(*connected, ScriptReason::kReconnect); !applied) {
      Say("Error: {}", applied.error().ToString());
      return 1;
    }
    Say("Reconnect: tunnel resumed");
  }
}

int Flow::Run() {
  auto parsed = http::ParseUrl(options_.url);
  if (!parsed) {
    Say("Error: bad URL {}: {}", options_.url, parsed.error().ToString());
    return 1;
  }
  url_ = *parsed;
  gateway_key_ = GatewayKey(url_.host, url_.port);
  pins_ = options_.server_pins;
  if (auto dir = ConfigDir(PathEnv::FromProcess())) {
    config_dir_ = *dir;
    auto loaded = Preferences::Load(config_dir_ + "/preferences.xml");
    if (loaded) {
      prefs_ = std::move(*loaded);
      prefs_usable_ = true;
    } else {
      Say("WARNING: {}; preferences will not be updated", loaded.error().ToString());
    }
  } else {
    log_.Warn("no configuration directory: {}", dir.error().ToString());
  }
  // Certificates accepted earlier stay accepted (with a warning) until they validate.
  if (const GatewayPrefs* stored = prefs_.Find(gateway_key_)) {
    for (const auto& acceptance : stored->accepted_certs) {
      pins_.push_back(acceptance.pin);
    }
  }
  if (auto loaded = LoadCredentials(); !loaded) {
    Say("Error: {}", loaded.error().ToString());
    return 1;
  }

  // Phase 1: one TLS connection up front, so that trust problems are reported first.
  {
    auto probe = OpenTls(true);
    if (!probe) {
      Say("Error: TLS: {}", probe.error().ToString());
      return 1;
    }
    first_connection_ = std::move(*probe);
  }

  if (options_.cookie_on_stdin) {
    auto line = Prompter::ReadStdinLine();
    if (!line || line->reveal().empty()) {
      Say("Error: no cookie on stdin");
      return 1;
    }
    std::string value = line->reveal();
    if (StartsWithIgnoreCase(value, "webvpn=")) {
      value = value.substr(7);
    }
    cookie_ = SecretString(std::move(value));
    first_connection_.reset();
    Say("Authentication: skipped (cookie from stdin)");
  } else {
    if (auto logged_in = Login(); !logged_in) {
      Say("Error: authentication failed: {}", logged_in.error().context.empty()
                                                  ? logged_in.error().ToString()
                                                  : logged_in.error().context);
      return 1;
    }
    if (options_.cookie_only) {
      std::printf("%s\n", cookie_.reveal().c_str());
      std::fflush(stdout);
      return 0;
    }
    if (auto downloaded = Download(); !downloaded) {
      Say("Error: downloader: {}", downloaded.error().ToString());
      return 1;
    }
  }

  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  ArmSignals();
  Result<Connected> connected = Connect(true);
  if (!connected) {
    Say("Error: CONNECT: {}", connected.error().ToString());
    return 1;
  }
  if (!options_.script.empty()) {
    // openconnect runs the script with reason=pre-init before opening the TUN.
    ScriptContext context;
    context.reason = ScriptReason::kPreInit;
    context.gateway_ip = gateway_ip_;
    context.pid = static_cast<long>(::getpid());
    (void)RunScript(options_.script, BuildScriptEnvironment(context, nullptr));
  }
  if (auto set_up = SetUpTun(*connected, ScriptReason::kConnect); !set_up) {
    Say("Error: tunnel setup: {}", set_up.error().ToString());
    (void)connected->conn->engine().WriteRecord(proto::cstp::UserDisconnectFrame("setup failed"));
    (void)connected->conn->FlushAll(ClientNow() + seconds(1));
    TearDownTun();
    return 1;
  }
  WritePidFile();
  int status = TunnelLoop(std::move(*connected));
  RemovePidFile();
  TearDownTun();
  return status;
}

}  // namespace

Result<std::string> RunDir() {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime != nullptr && runtime[0] == '/') {
    return std::string(runtime) + "/sekisho";
  }
  SEKISHO_ASSIGN_OR_RETURN(std::string config, ConfigDir(PathEnv::FromProcess()));
  return config + "/run";
}

int RunConnect(const ConnectOptions& options, const Logger& log) {
  Flow flow(options, log);
  return flow.Run();
}

int RunDisconnect(const std::string& interface_name) {
  auto dir = RunDir();
  if (!dir) {
    Say("Error: {}", dir.error().ToString());
    return 1;
  }
  std::vector<std::string> files;
  if (!interface_name.empty()) {
    files.push_back(*dir + "/" + interface_name + ".pid");
  } else if (DIR* d = ::opendir(dir->c_str())) {
    while (dirent* entry = ::readdir(d)) {
      std::string name = entry->d_name;
      if (name.size() > 4 && name.ends_with(".pid")) {
        files.push_back(*dir + "/" + name);
      }
    }
    ::closedir(d);
  }
  if (files.empty()) {
    Say("Error: no running sekisho client found in {}", *dir);
    return 1;
  }
  if (files.size() > 1) {
    Say("Error: several clients are running; choose one with --interface");
    return 1;
  }
  auto text = ReadFileIfExists(files[0]);
  if (!text || !*text) {
    Say("Error: no running client for {}", files[0]);
    return 1;
  }
  auto pid = ParseUint(TrimWhitespace(**text), 4194304);
  if (!pid || *pid < 2) {
    Say("Error: bad pid file {}", files[0]);
    return 1;
  }
  if (::kill(static_cast<pid_t>(*pid), SIGTERM) != 0) {
    Say("Error: cannot signal process {} (stale pid file {}?)", *pid, files[0]);
    return 1;
  }
  Say("Sent SIGTERM to sekisho (pid {})", *pid);
  return 0;
}

}  // namespace sekisho::client

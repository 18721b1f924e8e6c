#include "client/connect_flow.h"

#include "base/strings.h"
#include "client/auth_dialogue.h"
#include "client/daemon.h"
#include "client/gateway_connector.h"
#include "client/http_dump.h"
#include "client/https_session.h"
#include "client/pid_file.h"
#include "client/preferences.h"
#include "client/profile_cache.h"
#include "client/profile_download.h"
#include "client/progress.h"
#include "client/prompt.h"
#include "client/reconnect_loop.h"
#include "client/script_env.h"
#include "client/terminal_text.h"
#include "client/totp.h"
#include "client/tun_configurator.h"
#include "client/tunnel_connect.h"
#include "client/xdg_paths.h"
#include "proto/cstp/frame.h"
#include "proto/http/url.h"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <unistd.h>
#include <utility>

namespace sekisho::client {
namespace {

namespace asio = boost::asio;
namespace http = proto::http;

// The flow's state across the phases; the phases themselves live in the files named in
// connect_flow.h.
class Flow {
 public:
  Flow(const ConnectOptions& options, const Logger& log)
      : options_(options),
        log_(log),
        prompter_(PromptOptions{options.user, options.password_on_stdin, options.non_interactive}),
        tun_(options, log),
        pid_file_(log),
        service_(options, log) {}

  int Run();

 private:
  // Phases 2-3.
  Result<void> Login();
  // The form's values: --token-mode=totp fills the one-time-code field (totp.h), the
  // Prompter the rest. Typed secrets are registered with --dump-http-traffic's scrubber.
  Result<FilledValues> FillForm(const proto::auth::AuthForm& form, bool retry);
  // After the flow: pid files and TUN undone, unless this is the unprivileged child of
  // --setuid (its root parent does it).
  int Finish(int status);

  const ConnectOptions& options_;
  Logger log_;
  Prompter prompter_;
  asio::io_context io_;

  std::optional<GatewayConnector> connector_;
  std::string config_dir_;

  std::unique_ptr<TlsConnection> first_connection_;  // from phase 1, used by the login
  std::optional<AuthDialogue> dialogue_;
  SecretString cookie_;
  AuthResult auth_;

  TunConfigurator tun_;
  PidFile pid_file_;
  ServiceMode service_;
  int token_attempts_ = 0;
};

Result<FilledValues> Flow::FillForm(const proto::auth::AuthForm& form, bool retry) {
  std::optional<std::size_t> token_field;
  std::optional<std::int64_t> token_time;
  if (!options_.totp_secret.reveal().empty()) {
    token_field = TokenFieldIndex(form);
    if (token_field) {
      const auto now = std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch());
      token_time = TokenTimeForAttempt(now.count(), token_attempts_++);
      if (!token_time) {
        Say("Authentication: the gateway keeps refusing the generated code; asking instead");
      }
    }
  }
  proto::auth::AuthForm rest = form;
  if (token_time) {
    rest.fields.erase(rest.fields.begin() + static_cast<std::ptrdiff_t>(*token_field));
  }
  SEKISHO_ASSIGN_OR_RETURN(FilledValues values, prompter_.FillForm(rest, retry));
  if (token_time) {
    SEKISHO_ASSIGN_OR_RETURN(SecretString code, TotpCode(options_.totp_secret, *token_time));
    Say("Authentication: filling {} with a generated TOTP code",
        TerminalSafe(form.fields[*token_field].name));
    values.emplace_back(form.fields[*token_field].name, std::move(code));
  }
  for (const auto& [name, value] : values) {
    for (const auto& field : form.fields) {
      if (field.name == name && field.kind == proto::auth::FormField::kPassword) {
        AddHttpDumpSecret(value.reveal());
      }
    }
  }
  return values;
}

int Flow::Finish(int status) {
  if (!service_.IsDroppedChild()) {
    pid_file_.Remove();
    tun_.TearDown(connector_->gateway_ip());
  }
  service_.Finish();
  return status;
}

// ---------------------------------------------------------------- phases 2-3: login

Result<void> Flow::Login() {
  DialogueOptions dialogue_options;
  dialogue_options.url = connector_->url();
  dialogue_options.authgroup = options_.authgroup;
  dialogue_options.have_client_certificate = !options_.identities.empty();
  dialogue_options.identity.device_id = options_.reported_os;  // --os
  if (!options_.user_agent.empty()) {
    dialogue_options.user_agent = options_.user_agent;  // --useragent
  }
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
  Say("Authentication: logging in to {}", connector_->url().ToString());
  while (step.kind == Step::kSendRequest) {
    http::HttpRequest request = dialogue.NextRequest();
    Result<http::HttpResponse> response = Fail(Errc::kClosed, "no connection");
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!session || !session->reusable() || step.new_connection) {
        SEKISHO_ASSIGN_OR_RETURN(auto conn, connector_->OpenTls(false));
        session = std::make_unique<HttpsSession>(std::move(conn));
        step.new_connection = false;
      }
      log_.Debug("{} {}", request.method, TerminalSafe(request.target));  // a form action
      response = session->Exchange(request, kHttpTimeout);
      if (response || response.error().code != Errc::kClosed) {
        break;
      }
      session.reset();  // the gateway closed an idle keep-alive connection: retry on a new one
    }
    if (!response) {
      return Fail(response.error());
    }
    log_.Debug("HTTP {} {}", response->status, TerminalSafe(response->reason));
    SEKISHO_ASSIGN_OR_RETURN(step, dialogue.OnResponse(*response));
    if (step.kind == Step::kSendRequest && step.host_changed) {
      // A cluster redirect: from now on every connection (the rest of the login, downloader,
      // CONNECT, reconnects) goes to the new gateway, its certificate checked for its name.
      Say("Authentication: the gateway redirects the login to {}", step.message);
      SEKISHO_TRY(connector_->SwitchHost(dialogue.url()));
      SEKISHO_ASSIGN_OR_RETURN(auto conn, connector_->OpenTls(true));
      session = std::make_unique<HttpsSession>(std::move(conn));
      step.new_connection = false;
    }
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
      SEKISHO_ASSIGN_OR_RETURN(FilledValues values, FillForm(dialogue.form(), step.retry));
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
  AddHttpDumpSecret(cookie_.reveal());
  if (!auth_.group_used.empty()) {
    Say("Group selection: using {}", auth_.group_used);
  }
  Say("Authentication: succeeded");
  if (!auth_.banner.empty()) {
    Say("{}", auth_.banner);
  }
  if (connector_->prefs_usable()) {
    GatewayPrefs& prefs = connector_->prefs().Upsert(connector_->gateway_key());
    if (!auth_.server_cert_hash.empty()) {
      switch (CompareServerCertHash(&prefs, auth_.server_cert_hash)) {
        case CertHashCheck::kFirstSeen:
          log_.Info("gateway certificate hash {} recorded", TerminalSafe(auth_.server_cert_hash));
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
    connector_->SavePrefs();
  }
  return Ok();
}

int Flow::Run() {
  auto parsed = http::ParseUrl(options_.url);
  if (!parsed) {
    Say("Error: bad URL {}: {}", options_.url, parsed.error().ToString());
    return 1;
  }
  if (auto detached = service_.Detach(); !detached) {  // --background
    Say("Error: {}", detached.error().ToString());
    return 1;
  }
  Preferences prefs;
  bool prefs_usable = false;
  if (auto dir = ConfigDir(PathEnv::FromProcess())) {
    config_dir_ = *dir;
    auto loaded = Preferences::Load(config_dir_ + "/preferences.xml");
    if (loaded) {
      prefs = std::move(*loaded);
      prefs_usable = true;
    } else {
      Say("WARNING: {}; preferences will not be updated", loaded.error().ToString());
    }
  } else {
    log_.Warn("no configuration directory: {}", dir.error().ToString());
  }
  connector_.emplace(io_, options_, *parsed, std::move(prefs), prefs_usable, prompter_, log_);
  if (auto loaded = connector_->LoadCredentials(); !loaded) {
    Say("Error: {}", loaded.error().ToString());
    return 1;
  }

  // Phase 1: one TLS connection up front, so that trust problems are reported first.
  {
    auto probe = connector_->OpenTls(true);
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
    AddHttpDumpSecret(cookie_.reveal());
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
    DownloadPolicy policy =
        options_.profiles_best_effort ? DownloadPolicy::kBestEffort : DownloadPolicy::kRequired;
    if (auto downloaded = DownloadProfiles(auth_, config_dir_, *dialogue_, *connector_, policy);
        !downloaded) {
      Say("Error: downloader: {}", downloaded.error().ToString());
      return 1;
    }
  }

  ReconnectLoop loop(io_, options_, *connector_, tun_, cookie_, log_);
  loop.CatchSignals();
  Result<ConnectedTunnel> connected =
      ConnectTunnel(*connector_, options_, cookie_, tun_.addressing(), true);
  if (!connected) {
    Say("Error: CONNECT: {}", connected.error().ToString());
    return 1;
  }
  if (!options_.script.empty()) {
    // openconnect runs the script with reason=pre-init before opening the TUN.
    ScriptContext context;
    context.reason = ScriptReason::kPreInit;
    context.gateway_ip = connector_->gateway_ip();
    context.pid = static_cast<long>(::getpid());
    (void)RunScript(options_.script, BuildScriptEnvironment(context, nullptr));
  }
  if (auto set_up = tun_.SetUp(*connected, ScriptReason::kConnect, connector_->gateway_ip());
      !set_up) {
    Say("Error: tunnel setup: {}", set_up.error().ToString());
    (void)connected->conn->engine().WriteRecord(proto::cstp::UserDisconnectFrame("setup failed"));
    (void)connected->conn->FlushAll(ClientNow() + seconds(1));
    tun_.TearDown(connector_->gateway_ip());
    return 1;
  }
  if (tun_.tun() != nullptr) {
    pid_file_.Write(tun_.tun()->name());
  }
  // --pid-file, --background, --syslog, --setuid (daemon.h).
  Result<ServiceMode::TunnelUp> up =
      service_.OnTunnelUp(io_, [&connected] { connected->conn.reset(); });
  if (!up) {
    Say("Error: {}", up.error().ToString());
    (void)connected->conn->engine().WriteRecord(proto::cstp::UserDisconnectFrame("setup failed"));
    (void)connected->conn->FlushAll(ClientNow() + seconds(1));
    return Finish(1);
  }
  if (up->role == ServiceMode::Role::kSupervisor) {
    return Finish(up->child_status);  // the unprivileged child ran the tunnel
  }
  return Finish(loop.Run(std::move(*connected)));
}

}  // namespace

int RunConnect(const ConnectOptions& options, const Logger& log) {
  Flow flow(options, log);
  return flow.Run();
}

}  // namespace sekisho::client

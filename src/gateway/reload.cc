// Gateway::Reload: SIGHUP and `sekishoctl reload` (docs/config.md "Reloading"). Everything that
// can fail happens first, without touching the running gateway: reading and validating the
// file, the secret files' permissions, the certificate chain, the profiles and downloads, and
// (separated form) the security module loading the key, which it accepts only when it belongs
// to the new certificate. Only then is anything applied, so a refused reload changes nothing.
//
// Applying means replacing the GatewayConfig in place: the registry, the login front, the
// session service (and, with --single-process, the connections) read it through references,
// so the next login or CONNECT sees the new values. Workers get the accepted text and the
// certificate chain over IPC (they cannot open files any more) and serve new connections with
// them; the security module keeps the previous key beside the new one, so a handshake that
// began with the old certificate still gets its signature. Tunnels that are up keep their
// engine, address, routes and timeouts: nothing here touches them.

#include "base/strings.h"
#include "gateway/gateway.h"
#include "gateway/reload_plan.h"
#include "gateway/secret_file.h"
#include "net/packet_socket_linux.h"
#include "proto/ipc/reload_messages.h"

#include <fstream>
#include <sstream>

namespace sekisho::gateway {
namespace {

namespace ipc = proto::ipc;

constexpr auto kSecModReloadTimeout = std::chrono::seconds(5);

Result<std::string> ReadText(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in || in.bad()) {
    return Fail(Errc::kIo, "cannot read " + std::string(what) + " " + path);
  }
  return text.str();
}

// Main never signs (separated form): its credentials only describe the certificate.
class NoReloadSigner final : public tls::RemoteSigner {
 public:
  Result<Bytes> Sign(tls::SignInput, gnutls_sign_algorithm_t, unsigned, ByteSpan) override {
    return Fail(Errc::kInternal, "main holds no private key");
  }
};

// Asks the security module to load the key and the password file named in `request`; as
// synchronous as the password checks on the same link.
Result<void> AskSecModToReload(const net::ScopedFd& link, const ipc::KeyReload& request) {
  if (!link.valid()) {
    return Fail(Errc::kIo, "security module not running");
  }
  SEKISHO_ASSIGN_OR_RETURN(Bytes encoded, request.ToMessage().Encode());
  SEKISHO_TRY(net::SendPacket(link.get(), encoded));
  const Instant deadline = SteadyClock().Now() + kSecModReloadTimeout;
  while (true) {
    Duration left = deadline - SteadyClock().Now();
    if (left <= Duration(0)) {
      return Fail(Errc::kTimeout, "security module did not answer the key reload");
    }
    SEKISHO_ASSIGN_OR_RETURN(net::ReceivedPacket packet,
                             net::ReceivePacketWithin(link.get(), left));
    SEKISHO_ASSIGN_OR_RETURN(ipc::Message message, ipc::Decode(packet.payload));
    auto reply = ipc::KeyReloadReply::FromMessage(message);
    if (reply && reply->request_id == request.request_id) {
      return reply->ok ? Ok() : Fail(Errc::kConfig, "security module: " + reply->error);
    }
  }
}

// Profiles and downloads whose contents changed under the same configuration.
void AddChangedFiles(const ProfileStore& before, const ProfileStore& after,
                     const GatewayConfig& config, std::vector<std::string>& changes) {
  for (const GroupConfig& group : config.groups) {
    const ServedFile* old_file = before.ForGroup(group.name);
    const ServedFile* new_file = after.ForGroup(group.name);
    if (old_file != nullptr && new_file != nullptr &&
        old_file->sha1_hex_upper != new_file->sha1_hex_upper) {
      changes.push_back("group " + group.name + ": profile contents");
    }
  }
  for (const auto& file : after.downloads()) {
    for (const auto& old_file : before.downloads()) {
      if (old_file->name == file->name && old_file->sha1_hex_upper != file->sha1_hex_upper) {
        changes.push_back("downloads." + file->name + " contents");
      }
    }
  }
}

}  // namespace

// What PrepareReload loaded and checked; nothing of it is live yet.
struct Gateway::PreparedReload {
  GatewayConfig config;  // EffectiveConfig: the settings that need a restart keep their value
  ReloadPlan plan;
  std::string config_text;
  std::string certificate_pem;
  std::string ca_pem;
  std::shared_ptr<const tls::ServerCredentials> credentials;
  ProfileStore profiles;
};

Result<void> Gateway::Reload() {
  if (stopping_) {
    return Fail(Errc::kClosed, "the gateway is shutting down");
  }
  const std::uint64_t generation = reload_generation_ + 1;
  log_.Info("reload {}: reading {}", generation, options_.config_path);
  if (notifier_) {
    notifier_->Reloading();
  }
  Result<PreparedReload> prepared = PrepareReload(generation);
  if (!prepared) {
    // One line per problem (a configuration error lists every bad key, file:line:column).
    for (std::string_view line : Split(prepared.error().context, '\n')) {
      log_.Error("reload {} refused, still running the previous configuration: {}", generation,
                 line);
    }
    last_reload_summary_ = "reload refused: " + prepared.error().context;
    if (notifier_) {
      notifier_->Reloaded(StatusLine());
    }
    return Fail(prepared.error());
  }
  reload_generation_ = generation;
  CommitReload(std::move(*prepared));
  if (notifier_) {
    notifier_->Reloaded(StatusLine());
  }
  return Ok();
}

proto::ctl::ReloadResponse Gateway::ReloadFromControl() {
  Result<void> done = Reload();
  if (!done) {
    return {proto::ctl::Status::kInternal, last_reload_summary_};
  }
  return {proto::ctl::Status::kOk, last_reload_summary_};
}

Result<Gateway::PreparedReload> Gateway::PrepareReload(std::uint64_t generation) {
  if (options_.config_path.empty()) {
    return Fail(Errc::kConfig, "no configuration file to reload");
  }
  PreparedReload p;
  SEKISHO_ASSIGN_OR_RETURN(p.config_text, ReadText(options_.config_path, "configuration"));
  // Parsed under the name the running configuration was (main.cc may have been given a relative
  // path), so that unchanged relative paths resolve to the same strings and diff as unchanged.
  const std::string& source = config_.source.empty() ? options_.config_path : config_.source;
  SEKISHO_ASSIGN_OR_RETURN(GatewayConfig next, ParseConfig(p.config_text, source));
  SEKISHO_TRY(CheckSecretFiles(next));
  p.plan = PlanReload(config_, next);
  p.config = EffectiveConfig(config_, std::move(next));
  const bool single = options_.single_process;
  if (single && p.config.auth.password_file != config_.auth.password_file) {
    // The in-process checker is bound to its file (its contents are re-read on change).
    p.config.auth.password_file = config_.auth.password_file;
    std::erase(p.plan.changes, std::string("auth.password_file"));
    p.plan.needs_restart.push_back("auth.password_file (--single-process)");
  }

  const TlsConfig& tls = p.config.tls;
  SEKISHO_ASSIGN_OR_RETURN(p.certificate_pem, ReadText(tls.certificate, "certificate"));
  if (tls.ca_certificates) {
    SEKISHO_ASSIGN_OR_RETURN(p.ca_pem, ReadText(*tls.ca_certificates, "CA certificates"));
  }
  tls::ServerTlsConfig tls_config;
  tls_config.certificate_file = tls.certificate;
  tls_config.private_key_file = tls.private_key;
  tls_config.ca_file = tls.ca_certificates.value_or("");
  tls_config.allow_tls13 = tls.allow_tls13;
  tls_config.priority_override = tls.priority.value_or("");
  if (single) {
    SEKISHO_ASSIGN_OR_RETURN(p.credentials, tls::ServerCredentials::Load(tls_config));
  } else {
    tls_config.certificate_pem = p.certificate_pem;
    tls_config.ca_pem = p.ca_pem;
    SEKISHO_ASSIGN_OR_RETURN(p.credentials, tls::ServerCredentials::LoadWithRemoteKey(
                                                tls_config, std::make_shared<NoReloadSigner>()));
  }
  SEKISHO_ASSIGN_OR_RETURN(p.profiles, ProfileStore::Load(p.config));
  AddChangedFiles(*profiles_, p.profiles, p.config, p.plan.changes);
  if (!single) {
    // The workers get the text and the chain in one message: refuse now what cannot be sent.
    ipc::ConfigUpdate update{generation, options_.config_path, p.config_text, p.certificate_pem,
                             p.ca_pem};
    if (auto encoded = update.ToMessage().Encode(); !encoded) {
      return Fail(Errc::kTooLarge,
                  "the configuration and certificate files are too large to send to the workers");
    }
  }

  if (!single) {
    // The last step that can fail: once the security module holds the new key, the rest is
    // applied. It keeps the old key too, for handshakes that began with the old certificate.
    ipc::KeyReload request{static_cast<std::uint32_t>(generation), tls.private_key,
                           p.config.auth.password_file, p.credentials->server_spki_sha256_hex()};
    SEKISHO_TRY(AskSecModToReload(secmod_link_, request));
  }
  return p;
}

void Gateway::CommitReload(PreparedReload p) {
  const std::string old_sha1 = credentials_->server_cert_sha1_hex_upper();
  const std::string new_sha1 = p.credentials->server_cert_sha1_hex_upper();
  if (old_sha1 != new_sha1 && !p.plan.tls_settings_changed) {
    p.plan.changes.insert(p.plan.changes.begin(), "tls.certificate contents");
  }
  // In place: every component holds a reference to config_.
  config_ = std::move(p.config);
  const std::size_t retired_leases = registry_->Reconfigure();
  *profiles_ = std::move(p.profiles);
  throttle_.Reconfigure(ThrottleOptions(config_.auth.throttle));
  limits_.set_limits(AdmissionOf(config_.limits));
  credentials_ = std::move(p.credentials);
  front_->set_server_cert_hash(credentials_->server_cert_sha1_hex_upper());
  if (context_) {
    context_->credentials = credentials_;  // new connections in this process
  }
  std::size_t workers = 0;
  if (processes_) {
    workers = processes_->SendConfig(
        ipc::ConfigUpdate{reload_generation_, options_.config_path, std::move(p.config_text),
                          std::move(p.certificate_pem), std::move(p.ca_pem)});
  }
  std::size_t orphaned = 0;
  for (const auto& [id, session] : registry_->sessions()) {
    orphaned += config_.FindGroup(session->group) == nullptr ? 1 : 0;
  }

  std::string summary =
      "reload " + std::to_string(reload_generation_) + " applied: changed " +
      JoinKeys(p.plan.changes) + "; certificate SHA-1 " +
      (old_sha1 == new_sha1 ? new_sha1 + " (unchanged)" : old_sha1 + " -> " + new_sha1) +
      "; needs restart (ignored): " + JoinKeys(p.plan.needs_restart) + "; " +
      std::to_string(registry_->sessions().size()) + " session(s) kept";
  if (orphaned > 0) {
    summary += ", " + std::to_string(orphaned) + " of removed group(s) " +
               JoinKeys(p.plan.removed_groups) + " until they end";
  }
  if (retired_leases > 0) {
    summary += ", " + std::to_string(retired_leases) + " address(es) outside the new pools";
  }
  if (processes_) {
    summary += "; sent to " + std::to_string(workers) + " worker(s)";
  }
  log_.Info("{}", summary);
  if (!p.plan.needs_restart.empty()) {
    log_.Warn("reload {}: {} changed but take(s) effect only after a restart", reload_generation_,
              JoinKeys(p.plan.needs_restart));
  }
  if (old_sha1 != new_sha1) {
    log_.Info("clients can pin the new certificate with --servercert {}",
              credentials_->server_cert_pin_sha256());
  }
  last_reload_summary_ = std::move(summary);
}

void Gateway::ArmReloadSignal() {
  reload_signals_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec || stopping_) {
      return;
    }
    log_.Info("SIGHUP: reloading the configuration");
    (void)Reload();  // a refused reload is logged; the gateway keeps serving
    ArmReloadSignal();
  });
}

}  // namespace sekisho::gateway

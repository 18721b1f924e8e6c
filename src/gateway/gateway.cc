#include "gateway/gateway.h"

#include "gateway/connection.h"

#include <utility>

namespace sekisho::gateway {
namespace {

namespace asio = boost::asio;

constexpr auto kHousekeepingPeriod = std::chrono::seconds(1);
// Pending TCP connections before the kernel refuses more.
constexpr int kListenBacklog = 256;

// The password file as the login front's credential store. Reloads it when it changed, so that
// `ocpasswd` edits apply without a restart.
class PasswordCredentials final : public CredentialChecker {
 public:
  PasswordCredentials(PasswordFile& file, Logger log) : file_(file), log_(std::move(log)) {}

  Result<void> Verify(std::string_view user, const SecretString& password) override {
    Reload();
    return file_.Verify(user, password);
  }
  bool MayUseGroup(std::string_view user, std::string_view group) override {
    // A certificate user absent from the password file may use any group.
    return !file_.HasUser(user) || file_.UserMayUseGroup(user, group);
  }
  bool IsLocked(std::string_view user) override {
    // Locked users fail Verify with any password; for certificate logins the password file's
    // lock mark is read through GroupsOf/HasUser semantics: a known user whose hash is locked.
    return file_.HasUser(user) && file_.IsLocked(user);
  }

 private:
  void Reload() {
    auto reloaded = file_.ReloadIfChanged();
    if (!reloaded) {
      log_.Warn("password file not reloaded: {}", reloaded.error().ToString());
    } else if (*reloaded) {
      log_.Info("password file reloaded ({} users)", file_.user_count());
    }
  }

  PasswordFile& file_;
  Logger log_;
};

AuthThrottleOptions ThrottleOptions(const ThrottleConfig& config) {
  AuthThrottleOptions options;
  options.max_failures = config.max_failures;
  options.window = seconds(config.window_s);
  options.backoff = seconds(config.backoff_s);
  options.max_backoff = seconds(config.max_backoff_s);
  options.max_entries = config.max_tracked;
  return options;
}

}  // namespace

Gateway::Gateway(GatewayConfig config, LogSink& sink)
    : config_(std::move(config)),
      sink_(sink),
      log_(sink, "gateway"),
      throttle_(ThrottleOptions(config_.auth.throttle)),
      acceptor_(io_),
      signals_(io_),
      housekeeping_(io_) {}

Gateway::~Gateway() = default;

Result<std::unique_ptr<Gateway>> Gateway::Create(GatewayConfig config, LogSink& sink) {
  std::unique_ptr<Gateway> gateway(new Gateway(std::move(config), sink));
  const GatewayConfig& cfg = gateway->config_;

  tls::ServerTlsConfig tls_config;
  tls_config.certificate_file = cfg.tls.certificate;
  tls_config.private_key_file = cfg.tls.private_key;
  tls_config.ca_file = cfg.tls.ca_certificates.value_or("");
  tls_config.allow_tls13 = cfg.tls.allow_tls13;
  tls_config.priority_override = cfg.tls.priority.value_or("");
  SEKISHO_ASSIGN_OR_RETURN(gateway->credentials_, tls::ServerCredentials::Load(tls_config));

  if (cfg.auth.password_file.empty()) {
    gateway->passwords_ = std::make_unique<PasswordFile>();
  } else {
    SEKISHO_ASSIGN_OR_RETURN(PasswordFile file, PasswordFile::Load(cfg.auth.password_file));
    gateway->passwords_ = std::make_unique<PasswordFile>(std::move(file));
  }
  gateway->credential_checker_ =
      std::make_unique<PasswordCredentials>(*gateway->passwords_, Logger(sink, "auth"));
  SEKISHO_ASSIGN_OR_RETURN(ProfileStore profiles, ProfileStore::Load(cfg));
  gateway->profiles_ = std::make_unique<ProfileStore>(std::move(profiles));
  gateway->registry_ = std::make_unique<SessionRegistry>(cfg, SystemRng());
  gateway->front_ = std::make_unique<AuthFront>(
      cfg, *gateway->registry_, *gateway->credential_checker_, gateway->throttle_,
      *gateway->profiles_, gateway->credentials_->server_cert_sha1_hex_upper(),
      Logger(sink, "auth"));
  Gateway* self = gateway.get();
  gateway->context_ = std::make_unique<GatewayContext>(
      GatewayContext{gateway->io_, cfg, *gateway->registry_, *gateway->front_,
                     gateway->credentials_, SteadyClock(), sink});
  gateway->context_->on_closed = [self](std::uint64_t id) { self->connections_.erase(id); };
  return gateway;
}

Result<void> Gateway::Start() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(config_.listen.address, ec);
  if (ec) {
    return Fail(Errc::kConfig, "listen.address: " + ec.message());
  }
  asio::ip::tcp::endpoint endpoint(address, config_.listen.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    acceptor_.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor_.listen(kListenBacklog, ec);
  }
  if (ec) {
    return Fail(Errc::kIo, "cannot listen on " + config_.listen.address + ":" +
                               std::to_string(config_.listen.port) + ": " + ec.message());
  }
  bound_port_ = acceptor_.local_endpoint(ec).port();

  if (config_.dtls.enabled) {
    dtls_ = std::make_unique<DtlsListener>(io_, *registry_, Logger(sink_, "dtls"));
    SEKISHO_TRY(dtls_->Start(asio::ip::udp::endpoint(address, bound_port_)));
    context_->dtls_port = dtls_->port();
  }

  control_ = std::make_unique<ControlServer>(io_, *this, Logger(sink_, "control"));
  SEKISHO_TRY(control_->Start(config_.control.socket));

  started_ = SteadyClock().Now();
  log_.Info(
      "listening on {}:{} (TLS{}), control socket {}, {} group(s), server certificate "
      "SHA-1 {}",
      config_.listen.address, bound_port_, dtls_ ? " and DTLS" : "", config_.control.socket,
      config_.groups.size(), credentials_->server_cert_sha1_hex_upper());
  log_.Info("clients can pin the certificate with --servercert {}",
            credentials_->server_cert_pin_sha256());
  Accept();
  ArmHousekeeping();
  ArmSignals();
  return Ok();
}

void Gateway::Run() { io_.run(); }

void Gateway::Accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, asio::ip::tcp::socket socket) {
    if (stopping_) {
      return;
    }
    if (ec) {
      // Out of fds and similar: keep serving the others, try again shortly.
      log_.Warn("accept failed: {}", ec.message());
    } else {
      std::uint64_t id = next_connection_id_++;
      auto connection = std::make_shared<Connection>(*context_, std::move(socket), id);
      connections_[id] = connection;
      connection->Start();
    }
    Accept();
  });
}

void Gateway::ArmHousekeeping() {
  housekeeping_.expires_after(kHousekeepingPeriod);
  housekeeping_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !stopping_) {
      Housekeeping();
      ArmHousekeeping();
    }
  });
}

void Gateway::Housekeeping() {
  for (SessionId id : registry_->Expire(SteadyClock().Now())) {
    log_.Info("session {} ended (expired)", id);
  }
}

void Gateway::ArmSignals() {
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (!ec) {
      Shutdown(signal == SIGINT ? "interrupted" : "terminated");
    }
  });
}

void Gateway::Shutdown(std::string_view reason) {
  if (stopping_) {
    return;
  }
  stopping_ = true;
  log_.Info("shutting down: {}", reason);
  boost::system::error_code ec;
  acceptor_.close(ec);
  housekeeping_.cancel();
  signals_.cancel(ec);
  if (control_) {
    control_->Stop();
  }
  if (dtls_) {
    dtls_->Stop();
  }
  std::vector<SessionId> ids;
  for (const auto& [id, session] : registry_->sessions()) {
    ids.push_back(id);
  }
  for (SessionId id : ids) {
    registry_->EndSession(id, "gateway shutting down");
  }
  for (auto& [id, weak] : std::map(connections_)) {
    if (auto connection = weak.lock()) {
      connection->Terminate("gateway shutting down");
    }
  }
  // Let the final DISCONNECT frames leave, then stop the loop.
  housekeeping_.expires_after(std::chrono::milliseconds(200));
  housekeeping_.async_wait([this](const boost::system::error_code&) { io_.stop(); });
}

proto::ctl::StatusInfo Gateway::Status() {
  proto::ctl::StatusInfo info;
  info.server_version = "sekishod 0.1";
  info.uptime_s = static_cast<std::uint64_t>(
      std::chrono::duration_cast<seconds>(SteadyClock().Now() - started_).count());
  info.sessions_active = registry_->sessions().size();
  info.bytes_in = context_->total_bytes_in;
  info.bytes_out = context_->total_bytes_out;
  for (const auto& [group, pool] : registry_->Pools()) {
    proto::ctl::PoolUsage usage;
    usage.group = group;
    const GroupConfig* group_config = config_.FindGroup(group);
    usage.network = group_config ? config_.PoolOf(*group_config).ToString() : "";
    usage.used = pool->used_count();
    usage.capacity = pool->capacity();
    info.pools.push_back(std::move(usage));
  }
  return info;
}

std::vector<proto::ctl::SessionInfo> Gateway::Sessions() {
  std::vector<proto::ctl::SessionInfo> out;
  Instant now = SteadyClock().Now();
  for (const auto& [id, session] : registry_->sessions()) {
    proto::ctl::SessionInfo info;
    info.id = id;
    info.user = session->user;
    info.group = session->group;
    info.peer = session->peer_address;
    info.vpn_ipv4 = session->ipv4 ? FormatIpv4(*session->ipv4) : "";
    Instant since = session->tunnel ? session->connected_since : session->created;
    info.connected_for_s =
        static_cast<std::uint64_t>(std::chrono::duration_cast<seconds>(now - since).count());
    info.bytes_in = session->counters.bytes_in;
    info.bytes_out = session->counters.bytes_out;
    info.channel = session->tunnel ? std::string(session->tunnel->channel()) : "";
    info.state = session->tunnel ? "connected" : "disconnected";
    out.push_back(std::move(info));
  }
  return out;
}

bool Gateway::Disconnect(std::uint64_t session_id) {
  Session* session = registry_->FindById(session_id);
  if (session == nullptr) {
    return false;
  }
  log_.Info("session {} (user {}) disconnected by the administrator", session_id, session->user);
  registry_->EndSession(session_id, "disconnected by the administrator");
  return true;
}

}  // namespace sekisho::gateway

#include "gateway/gateway.h"

#include "base/strings.h"
#include "gateway/connection.h"
#include "gateway/file_limit.h"
#include "gateway/gateway_tunnel.h"
#include "gateway/password_credentials.h"
#include "gateway/reload_plan.h"

#include <boost/asio/post.hpp>

#include <unistd.h>
#include <utility>

namespace sekisho::gateway {
namespace {

namespace asio = boost::asio;

constexpr auto kHousekeepingPeriod = std::chrono::seconds(1);
// Pending TCP connections before the kernel refuses more.
constexpr int kListenBacklog = 256;
// At most one line per interval about refused connections or failing accepts.
constexpr auto kRefusalLogInterval = std::chrono::seconds(10);

// Main never signs: in the separated form its credentials only describe the certificate.
class NoSigner final : public tls::RemoteSigner {
 public:
  Result<Bytes> Sign(tls::SignInput, gnutls_sign_algorithm_t, unsigned, ByteSpan) override {
    return Fail(Errc::kInternal, "main holds no private key");
  }
};

unsigned WorkerCount(const GatewayConfig& config) {
  if (config.process.workers > 0) {
    return config.process.workers;
  }
  long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  return cores > 0 ? static_cast<unsigned>(cores) : 1;
}

// Out of descriptors or kernel memory: retrying at once would fail the same way.
bool IsExhaustion(const boost::system::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
         ec == asio::error::no_memory || ec.value() == ENFILE;
}

}  // namespace

// SessionBackend for connections served in this process (--single-process): the same
// SessionService as for workers, with answers posted so that they arrive as IPC replies would.
class Gateway::LocalBackend final : public SessionBackend {
 public:
  LocalBackend(asio::io_context& io, SessionService& service) : io_(io), service_(service) {}

  void Login(proto::ipc::LoginRequest request, LoginDone done) override {
    asio::post(io_, [this, request = std::move(request), done = std::move(done)] {
      done(service_.Login(request));
    });
  }
  void Connect(proto::ipc::ConnectRequest request, TunnelHandle& tunnel,
               ConnectDone done) override {
    // `done` keeps the tunnel (and its connection) alive until it ran.
    asio::post(io_, [this, request = std::move(request), &tunnel, done = std::move(done)] {
      unsigned status = 503;
      Result<TunnelGrant> grant = service_.Connect(request, tunnel, status);
      done(std::move(grant), status);
    });
  }
  void TunnelClosed(const proto::ipc::TunnelClosed& closed, TunnelHandle& tunnel) override {
    service_.TunnelClosed(closed, tunnel);
  }
  void ReportTraffic(const proto::ipc::TunnelStats& stats, TunnelHandle& tunnel) override {
    service_.ReportTraffic(stats, tunnel);
  }

 private:
  asio::io_context& io_;
  SessionService& service_;
};

Gateway::Gateway(GatewayConfig config, GatewayOptions options, LogSink& sink)
    : config_(std::move(config)),
      options_(std::move(options)),
      sink_(sink),
      log_(sink, "gateway"),
      throttle_(ThrottleOptions(config_.auth.throttle)),
      acceptor_(io_),
      limits_(AdmissionOf(config_.limits)),
      accept_timer_(io_),
      refusal_log_(kRefusalLogInterval),
      accept_error_log_(kRefusalLogInterval),
      signals_(io_),
      reload_signals_(io_, SIGHUP),
      housekeeping_(io_) {}

Gateway::~Gateway() = default;

Result<std::unique_ptr<Gateway>> Gateway::Create(GatewayConfig config, GatewayOptions options,
                                                 LogSink& sink) {
  std::unique_ptr<Gateway> gateway(new Gateway(std::move(config), std::move(options), sink));
  Gateway& g = *gateway;
  const GatewayConfig& cfg = g.config_;

  tls::ServerTlsConfig tls_config;
  tls_config.certificate_file = cfg.tls.certificate;
  tls_config.private_key_file = cfg.tls.private_key;
  tls_config.ca_file = cfg.tls.ca_certificates.value_or("");
  tls_config.allow_tls13 = cfg.tls.allow_tls13;
  tls_config.priority_override = cfg.tls.priority.value_or("");
  const bool single = g.options_.single_process;
  if (single) {
    SEKISHO_ASSIGN_OR_RETURN(g.credentials_, tls::ServerCredentials::Load(tls_config));
    SEKISHO_ASSIGN_OR_RETURN(g.checker_,
                             LoadPasswordCredentials(cfg.auth.password_file, Logger(sink, "auth")));
  } else {
    // Main reads only the certificate: the key stays with the security module.
    SEKISHO_ASSIGN_OR_RETURN(g.credentials_, tls::ServerCredentials::LoadWithRemoteKey(
                                                 tls_config, std::make_shared<NoSigner>()));
    g.checker_ = std::make_unique<SecModCredentials>(g.secmod_link_);
  }
  SEKISHO_ASSIGN_OR_RETURN(ProfileStore profiles, ProfileStore::Load(cfg));
  g.profiles_ = std::make_unique<ProfileStore>(std::move(profiles));
  g.registry_ = std::make_unique<SessionRegistry>(cfg, SystemRng());
  g.front_ = std::make_unique<AuthFront>(cfg, *g.registry_, *g.checker_, g.throttle_, *g.profiles_,
                                         g.credentials_->server_cert_sha1_hex_upper(),
                                         Logger(sink, "auth"));
  g.front_->set_metrics(&g.metrics_);
  g.limits_.set_on_established([metrics = &g.metrics_](Instant admitted) {
    metrics->ObserveHandshake(SteadyClock().Now() - admitted);
  });
  g.service_ = std::make_unique<SessionService>(cfg, *g.registry_, *g.front_, SteadyClock(),
                                                Logger(sink, "session"));
  if (single) {
    if (cfg.hooks.connect || cfg.hooks.disconnect) {
      g.log_.Warn("[hooks] are not run with --single-process (a debugging mode)");
    }
    g.local_backend_ = std::make_unique<LocalBackend>(g.io_, *g.service_);
    Gateway* self = gateway.get();
    g.context_ = std::make_unique<GatewayContext>(
        GatewayContext{g.io_, cfg, *g.local_backend_, g.credentials_, SteadyClock(), sink});
    g.context_->on_established = [self](std::uint64_t id) { self->limits_.Established(id); };
    g.context_->on_closed = [self](std::uint64_t id) {
      self->connections_.erase(id);
      self->tunnels_.erase(id);
      self->limits_.Close(id);
    };
    g.context_->on_tunnel_started = [self](std::uint64_t id, std::weak_ptr<GatewayTunnel> tunnel) {
      self->connections_.erase(id);
      self->tunnels_[id] = std::move(tunnel);
      self->limits_.Tunnel(id);
    };
  } else {
    ProcessSupervisor::Options process_options;
    process_options.executable = g.options_.executable;
    process_options.config_path = g.options_.config_path;
    process_options.log_level = g.options_.log_level;
    process_options.workers = WorkerCount(cfg);
    if (cfg.hooks.connect || cfg.hooks.disconnect) {
      g.hooks_ = std::make_unique<SessionHooks>(g.io_, cfg.hooks, *g.registry_, SteadyClock(),
                                                Logger(sink, "hooks"));
      SessionHooks* hooks = g.hooks_.get();
      g.registry_->set_on_session_end([hooks](const Session& session, std::string_view reason) {
        hooks->Ended(session, reason);
      });
      process_options.hooks = hooks;
    }
    g.processes_ = std::make_unique<ProcessSupervisor>(
        g.io_, *g.service_, *g.registry_, g.secmod_link_, g.limits_, process_options, sink);
  }
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
  }
  // Before the children start: they inherit it.
  (void)RaiseFileLimit(NeededFileLimit(config_.limits.max_connections), log_);
  const std::uint16_t dtls_port = dtls_ ? dtls_->port() : 0;
  service_->set_dtls_port(dtls_port);
  if (context_) {
    context_->dtls_port = dtls_port;
  }
  if (processes_) {
    SEKISHO_TRY(processes_->Start(dtls_port));
  }

  control_ = std::make_unique<ControlServer>(io_, *this, Logger(sink_, "control"));
  SEKISHO_TRY(control_->Start(config_.control.socket));
  SEKISHO_TRY(StartMetrics());

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
  ArmReloadSignal();
  notifier_ = std::make_unique<SystemdNotifier>(io_, Logger(sink_, "systemd"));
  notifier_->Ready(StatusLine());
  return Ok();
}

void Gateway::Run() { io_.run(); }

void Gateway::Accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, asio::ip::tcp::socket socket) {
    if (stopping_) {
      return;
    }
    if (ec) {
      OnAcceptError(ec);
      return;
    }
    if (auto episode = accept_backoff_.OnAccepted(SteadyClock().Now())) {
      log_.Info("accepting again after {} failed attempt(s) over {} ms", episode->failures,
                std::chrono::duration_cast<milliseconds>(episode->lasted).count());
    }
    Admit(std::move(socket));
    Accept();
  });
}

void Gateway::OnAcceptError(const boost::system::error_code& ec) {
  const Instant now = SteadyClock().Now();
  if (!IsExhaustion(ec)) {
    // A connection that died in the backlog and similar: nothing to wait for.
    if (auto suppressed = accept_error_log_.Allow(now)) {
      log_.Warn("accept failed: {} ({} more since the last such line)", ec.message(), *suppressed);
    }
    Accept();
    return;
  }
  AcceptBackoff::Step step = accept_backoff_.OnExhausted(now);
  if (step.starts_episode) {
    log_.Warn("accept failed: {} ({} connections open); pausing accepts, from {} ms up to {} ms",
              ec.message(), limits_.total(),
              std::chrono::duration_cast<milliseconds>(step.wait).count(),
              std::chrono::duration_cast<milliseconds>(AcceptBackoff::kMaxWait).count());
  }
  accept_timer_.expires_after(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(step.wait));
  accept_timer_.async_wait([this](const boost::system::error_code& wait_ec) {
    if (!wait_ec && !stopping_) {
      Accept();
    }
  });
}

void Gateway::Admit(asio::ip::tcp::socket socket) {
  boost::system::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  if (ec) {
    return;  // already gone
  }
  std::string peer_ip = peer.address().to_string();
  const std::uint64_t id = next_connection_id_++;
  if (std::optional<Refusal> refusal = limits_.Admit(id, peer_ip, SteadyClock().Now())) {
    if (auto suppressed = refusal_log_.Allow(SteadyClock().Now())) {
      log_.Warn("refused a connection from {}: {} (limit {}; {} refused since the last such line)",
                peer_ip, RefusalText(*refusal), limits_.LimitOf(*refusal), *suppressed);
    }
    socket.close(ec);
    return;
  }
  if (processes_) {
    if (!processes_->HandOver(std::move(socket), id)) {
      limits_.Close(id);
    }
    return;
  }
  auto connection = std::make_shared<Connection>(*context_, std::move(socket), id);
  connections_[id] = connection;
  connection->Start();
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
  for (auto& [id, weak] : std::map(tunnels_)) {
    if (auto tunnel = weak.lock()) {
      tunnel->ReportTraffic();
    }
  }
  if (notifier_) {
    notifier_->Status(StatusLine());
  }
}

std::string Gateway::StatusLine() const {
  std::size_t tunnels = 0;
  for (const auto& [id, session] : registry_->sessions()) {
    tunnels += session->tunnel != nullptr ? 1 : 0;
  }
  return GatewayStatusLine(registry_->sessions().size(), tunnels);
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
  if (notifier_) {
    notifier_->Stopping(fmt::format("shutting down: {}", reason));
  }
  boost::system::error_code ec;
  acceptor_.close(ec);
  accept_timer_.cancel();
  housekeeping_.cancel();
  signals_.cancel(ec);
  reload_signals_.cancel(ec);
  if (control_) {
    control_->Stop();
  }
  if (metrics_listener_) {
    metrics_listener_->Stop();
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
  for (auto& [id, weak] : std::map(tunnels_)) {
    if (auto tunnel = weak.lock()) {
      tunnel->Terminate("gateway shutting down");
    }
  }
  if (processes_) {
    processes_->Shutdown();
  }
  // Let the final DISCONNECT frames leave, then stop the loop.
  StopLoopAfterHooks(SteadyClock().Now() + seconds(config_.hooks.timeout_s),
                     std::chrono::milliseconds(200));
}

// The disconnect hooks of the sessions just ended (accounting, firewall clean-up) get up to
// hooks.timeout to finish before main exits and kills what is left.
void Gateway::StopLoopAfterHooks(Instant deadline, std::chrono::milliseconds wait) {
  housekeeping_.expires_after(wait);
  housekeeping_.async_wait([this, deadline](const boost::system::error_code&) {
    if (hooks_ && hooks_->running() > 0 && SteadyClock().Now() < deadline) {
      StopLoopAfterHooks(deadline, std::chrono::milliseconds(50));
      return;
    }
    io_.stop();
  });
}

proto::ctl::StatusInfo Gateway::Status() {
  proto::ctl::StatusInfo info;
  info.server_version = "sekishod 0.1";
  info.uptime_s = static_cast<std::uint64_t>(
      std::chrono::duration_cast<seconds>(SteadyClock().Now() - started_).count());
  info.sessions_active = registry_->sessions().size();
  info.bytes_in = service_->total_bytes_in();
  info.bytes_out = service_->total_bytes_out();
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
    info.dropped_spoofed = session->counters.dropped_spoofed;
    info.channel = session->tunnel ? std::string(session->tunnel->channel()) : "";
    info.state = session->tunnel ? "connected" : "disconnected";
    out.push_back(std::move(info));
  }
  return out;
}

std::vector<proto::ctl::BanInfo> Gateway::Bans() {
  std::vector<proto::ctl::BanInfo> out;
  for (const ThrottleRecord& record : throttle_.Blocked(SteadyClock().Now())) {
    out.push_back(
        {record.scope == ThrottleScope::kUser ? proto::ctl::BanScope::kUser
                                              : proto::ctl::BanScope::kAddress,
         record.key, record.failures,
         static_cast<std::uint64_t>(std::chrono::ceil<seconds>(record.blocked_for).count())});
  }
  return out;
}

bool Gateway::LiftBan(proto::ctl::BanScope scope, std::string_view key) {
  const bool user = scope == proto::ctl::BanScope::kUser;
  const bool found = throttle_.Lift(user ? ThrottleScope::kUser : ThrottleScope::kAddress, key);
  log_.Info("administrator lifts the login block on {} {}{}", user ? "user" : "address",
            EscapeForLog(key), found ? "" : " (no record)");
  return found;
}

bool Gateway::Disconnect(std::uint64_t session_id) {
  Session* session = registry_->FindById(session_id);
  if (session == nullptr) {
    return false;
  }
  log_.Info("session {} (user {}) disconnected by the administrator", session_id,
            EscapeForLog(session->user));
  registry_->EndSession(session_id, "disconnected by the administrator");
  return true;
}

}  // namespace sekisho::gateway

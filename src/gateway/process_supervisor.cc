#include "gateway/process_supervisor.h"

#include "gateway/child_spawn.h"
#include "gateway/dtls_channel.h"
#include "gateway/hook_runner.h"
#include "gateway/ipc_link.h"
#include "net/packet_socket_linux.h"
#include "proto/ipc/messages.h"
#include "proto/ipc/reload_messages.h"

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <optional>
#include <set>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>

namespace sekisho::gateway {
namespace {

namespace asio = boost::asio;
namespace ipc = proto::ipc;

// A child that dies this soon after its start is restarted only after kRestartDelay, so that a
// child that cannot start (bad file, missing user) does not spin.
constexpr auto kQuickDeath = std::chrono::seconds(2);
constexpr auto kRestartDelay = std::chrono::seconds(1);

}  // namespace

class ProcessSupervisor::Impl {
 public:
  Impl(asio::io_context& io, SessionService& service, SessionRegistry& registry,
       net::ScopedFd& secmod_link, ConnectionLimits& limits, Options options, LogSink& sink)
      : io_(io),
        service_(service),
        registry_(registry),
        limits_(limits),
        options_(std::move(options)),
        log_(sink, "main"),
        children_(io, SIGCHLD),
        secmod_link_(secmod_link) {}

  ~Impl() { ReapAll(); }

  Result<void> Start(std::uint16_t dtls_port) {
    dtls_port_ = dtls_port;
    ArmChildSignal();
    SEKISHO_TRY(StartSecMod());
    workers_.resize(options_.workers);
    for (unsigned i = 0; i < options_.workers; ++i) {
      workers_[i] = std::make_unique<Worker>(*this, static_cast<int>(i));
      SEKISHO_TRY(StartWorker(*workers_[i]));
    }
    return Ok();
  }

  bool HandOver(asio::ip::tcp::socket socket, std::uint64_t id) {
    for (std::size_t tried = 0; tried < workers_.size(); ++tried) {
      Worker& worker = *workers_[next_worker_++ % workers_.size()];
      if (worker.link == nullptr || !worker.link->open()) {
        continue;
      }
      if (worker.link->Send(ipc::NewConnection{id}.ToMessage(), socket.native_handle())) {
        worker.connections.insert(id);
        return true;  // our copy closes with `socket`
      }
    }
    log_.Warn("no worker can take a new connection; closing it");
    return false;
  }

  void Shutdown() {
    stopping_ = true;
    for (auto& worker : workers_) {
      if (worker->link && worker->link->open()) {
        (void)worker->link->Send(ipc::Message(ipc::MessageType::kShutdown, 0));
      }
    }
  }

  // A configuration reload: every live worker gets it now, a worker started later (after a
  // crash) right after its start, so that it serves what main accepted.
  std::size_t SendConfig(const ipc::ConfigUpdate& update) {
    config_update_ = update;
    std::size_t sent = 0;
    for (auto& worker : workers_) {
      sent += SendConfigTo(*worker) ? 1 : 0;
    }
    return sent;
  }

  std::vector<pid_t> worker_pids() const {
    std::vector<pid_t> pids;
    for (const auto& worker : workers_) {
      pids.push_back(worker->pid);
    }
    return pids;
  }
  pid_t secmod_pid() const { return secmod_pid_; }
  std::uint64_t worker_restarts() const { return worker_restarts_; }
  std::uint64_t secmod_restarts() const { return secmod_restarts_; }

 private:
  struct Worker;

  // A tunnel as main sees it: carried by connection `connection_id` of one worker.
  class WorkerTunnel final : public TunnelHandle {
   public:
    WorkerTunnel(Worker& worker, std::uint64_t connection_id, std::string local_ip)
        : worker_(worker), connection_id_(connection_id), local_ip_(std::move(local_ip)) {}

    void Terminate(std::string_view reason) override {
      ipc::Terminate terminate{connection_id_, session_id, std::string(reason)};
      if (worker_.link && worker_.link->open()) {
        (void)worker_.link->Send(terminate.ToMessage());
      }
      // The registry has already let go of this tunnel; forget it once this call returned.
      Worker& worker = worker_;
      std::uint64_t id = connection_id_;
      asio::post(worker.owner.io_, [&worker, id] { worker.tunnels.erase(id); });
    }
    std::string_view channel() const override { return channel_; }
    void OnDtlsClientHello(const asio::ip::udp::endpoint& remote, ByteSpan datagram) override {
      boost::system::error_code ec;
      auto local_address = asio::ip::make_address(local_ip_, ec);
      if (ec || !worker_.link || !worker_.link->open()) {
        return;
      }
      auto socket =
          OpenDtlsSocket(asio::ip::udp::endpoint(local_address, worker_.owner.dtls_port_), remote);
      if (!socket) {
        worker_.owner.log_.Warn("cannot open a DTLS socket: {}", socket.error().ToString());
        return;
      }
      ipc::DtlsHello hello{connection_id_, session_id, remote.address().to_string(), remote.port(),
                           Bytes(datagram.begin(), datagram.end())};
      (void)worker_.link->Send(hello.ToMessage(), socket->get());
    }

    void set_channel(std::string_view channel) { channel_ = channel == "dtls" ? "dtls" : "tls"; }

    SessionId session_id = 0;

   private:
    Worker& worker_;
    std::uint64_t connection_id_;
    std::string local_ip_;
    std::string channel_ = "tls";
  };

  struct Worker {
    Worker(Impl& impl, int i) : owner(impl), index(i) {}
    Impl& owner;
    int index;
    pid_t pid = -1;
    Instant started;
    std::unique_ptr<IpcLink> link;
    net::ScopedFd secmod_end;  // the security module's end of this worker's signing link
    std::map<std::uint64_t, std::unique_ptr<WorkerTunnel>> tunnels;  // by connection id
    std::set<std::uint64_t> connections;  // handed to it and not reported closed (limits)
  };

  bool SendConfigTo(Worker& worker) {
    if (!config_update_ || worker.link == nullptr || !worker.link->open()) {
      return false;
    }
    auto sent = worker.link->Send(config_update_->ToMessage());
    if (!sent) {
      log_.Warn("cannot send the reloaded configuration to worker {}: {}", worker.index,
                sent.error().ToString());
    }
    return sent.has_value();
  }

  std::vector<std::string> ChildArgs(std::string_view role) const {
    std::vector<std::string> args = {"--config", options_.config_path, "--role", std::string(role)};
    if (!options_.log_level.empty()) {
      args.insert(args.end(), {"--log-level", options_.log_level});
    }
    return args;
  }

  Result<void> StartSecMod() {
    SEKISHO_ASSIGN_OR_RETURN(auto pair, net::MakePacketSocketPair());
    SEKISHO_ASSIGN_OR_RETURN(
        secmod_pid_, SpawnChild(options_.executable, ChildArgs("sec-mod"), {pair.second.get()}));
    secmod_link_ = std::move(pair.first);
    secmod_started_ = SteadyClock().Now();
    log_.Info("security module started (pid {})", secmod_pid_);
    // Workers that are already running get a fresh signing link.
    for (auto& worker : workers_) {
      if (worker && worker->link && worker->link->open()) {
        if (auto link = NewSigningLink(); link) {
          (void)worker->link->Send(ipc::Message(ipc::MessageType::kSecModLink, 0), link->get());
        }
      }
    }
    return Ok();
  }

  // A socket pair whose one end the security module receives now; the other is returned.
  Result<net::ScopedFd> NewSigningLink() {
    SEKISHO_ASSIGN_OR_RETURN(auto pair, net::MakePacketSocketPair());
    SEKISHO_ASSIGN_OR_RETURN(Bytes encoded,
                             ipc::Message(ipc::MessageType::kSecModLink, 0).Encode());
    SEKISHO_TRY(net::SendPacket(secmod_link_.get(), encoded, pair.second.get()));
    return std::move(pair.first);
  }

  Result<void> StartWorker(Worker& worker) {
    SEKISHO_ASSIGN_OR_RETURN(auto main_pair, net::MakePacketSocketPair());
    SEKISHO_ASSIGN_OR_RETURN(net::ScopedFd signing, NewSigningLink());
    std::vector<std::string> args = ChildArgs("worker");
    args.insert(args.end(), {"--worker-index", std::to_string(worker.index), "--dtls-port",
                             std::to_string(dtls_port_)});
    SEKISHO_ASSIGN_OR_RETURN(
        worker.pid, SpawnChild(options_.executable, args, {main_pair.second.get(), signing.get()}));
    worker.started = SteadyClock().Now();
    Worker* raw = &worker;
    worker.link = std::make_unique<IpcLink>(
        io_, std::move(main_pair.first),
        [this, raw](ipc::Message message, net::ScopedFd fd) {
          OnWorkerMessage(*raw, std::move(message), std::move(fd));
        },
        [this, raw](const std::string& reason) {
          if (!stopping_) {
            log_.Warn("link to worker {} (pid {}) broke: {}", raw->index, raw->pid, reason);
            KillChild(raw->pid);  // reaped and restarted on SIGCHLD
          }
        });
    worker.link->Start();
    log_.Info("worker {} started (pid {})", worker.index, worker.pid);
    (void)SendConfigTo(worker);
    return Ok();
  }

  void OnWorkerMessage(Worker& worker, ipc::Message message, net::ScopedFd /*fd*/) {
    switch (message.type()) {
      case ipc::MessageType::kLoginRequest: {
        auto request = ipc::LoginRequest::FromMessage(message);
        if (!request) {
          return Misbehaved(worker, request.error().ToString());
        }
        (void)worker.link->Send(service_.Login(*request).ToMessage());
        return;
      }
      case ipc::MessageType::kConnectRequest: {
        auto request = ipc::ConnectRequest::FromMessage(message);
        if (!request) {
          return Misbehaved(worker, request.error().ToString());
        }
        return OnConnect(worker, *request);
      }
      case ipc::MessageType::kTunnelClosed: {
        auto closed = ipc::TunnelClosed::FromMessage(message);
        if (!closed) {
          return Misbehaved(worker, closed.error().ToString());
        }
        if (WorkerTunnel* tunnel = FindTunnel(worker, closed->connection_id, closed->session_id)) {
          service_.TunnelClosed(*closed, *tunnel);
          worker.tunnels.erase(closed->connection_id);
        }
        return;
      }
      case ipc::MessageType::kTunnelStats: {
        auto stats = ipc::TunnelStats::FromMessage(message);
        if (!stats) {
          return Misbehaved(worker, stats.error().ToString());
        }
        if (WorkerTunnel* tunnel = FindTunnel(worker, stats->connection_id, stats->session_id)) {
          tunnel->set_channel(stats->channel);
          service_.ReportTraffic(*stats, *tunnel);
        }
        return;
      }
      case ipc::MessageType::kConnectionPhase: {
        auto change = ipc::ConnectionPhase::FromMessage(message);
        if (!change) {
          return Misbehaved(worker, change.error().ToString());
        }
        return OnConnectionPhase(worker, *change);
      }
      default: return Misbehaved(worker, "sent " + std::string(ipc::ToString(message.type())));
    }
  }

  // Only connections main handed to this worker count: a worker cannot free others' slots.
  void OnConnectionPhase(Worker& worker, const ipc::ConnectionPhase& change) {
    if (worker.connections.count(change.connection_id) == 0) {
      return;
    }
    switch (change.phase) {
      case ipc::ConnectionPhase::Phase::kEstablished:
        return limits_.Established(change.connection_id);
      case ipc::ConnectionPhase::Phase::kTunnel: return limits_.Tunnel(change.connection_id);
      case ipc::ConnectionPhase::Phase::kClosed:
        worker.connections.erase(change.connection_id);
        return limits_.Close(change.connection_id);
    }
  }

  void OnConnect(Worker& worker, const ipc::ConnectRequest& request) {
    if (worker.tunnels.count(request.connection_id) != 0) {
      return Misbehaved(worker, "a second CONNECT on one connection");
    }
    auto tunnel = std::make_unique<WorkerTunnel>(worker, request.connection_id, request.local_ip);
    unsigned status = 503;
    Result<TunnelGrant> grant = service_.Connect(request, *tunnel, status);
    if (!grant) {
      ipc::ConnectReply refusal;
      refusal.request_id = request.request_id;
      refusal.http_status = status;
      refusal.error = grant.error().ToString();
      (void)worker.link->Send(refusal.ToMessage());
      return;
    }
    tunnel->session_id = grant->reply.session_id;
    WorkerTunnel* granted = tunnel.get();
    worker.tunnels[request.connection_id] = std::move(tunnel);
    Session* session = registry_.FindById(grant->reply.session_id);
    if (options_.hooks == nullptr || session == nullptr) {
      return SendGrant(worker, *grant);
    }
    // The worker hears of the tunnel once the connect hook passed (at once when it did before).
    auto held = std::make_shared<TunnelGrant>(std::move(*grant));
    options_.hooks->Connect(*session, request.local_ip,
                            [this, &worker, pid = worker.pid, id = request.connection_id, granted,
                             held](std::optional<std::string> failure) {
                              FinishConnect(worker, pid, id, granted, *held, failure.has_value());
                            });
  }

  void SendGrant(Worker& worker, const TunnelGrant& grant) {
    if (auto sent = worker.link->Send(grant.reply.ToMessage(), grant.tun_fd.get()); !sent) {
      log_.Warn("cannot hand the tunnel to worker {}: {}", worker.index, sent.error().ToString());
    }
  }

  // After the connect hook: the grant goes to the worker, or the tunnel is refused and the
  // session ended. Nothing is sent when the tunnel went away meanwhile (worker died, takeover,
  // session ended); a client that left meanwhile gets its session detached, as a lost link.
  void FinishConnect(Worker& worker, pid_t pid, std::uint64_t connection_id, WorkerTunnel* tunnel,
                     const TunnelGrant& grant, bool refused) {
    auto it = worker.tunnels.find(connection_id);
    if (worker.pid != pid || !worker.link || it == worker.tunnels.end() ||
        it->second.get() != tunnel) {
      return;
    }
    Session* session = registry_.FindById(grant.reply.session_id);
    if (!refused && session != nullptr && worker.connections.count(connection_id) != 0) {
      return SendGrant(worker, grant);
    }
    if (session != nullptr && !refused) {
      registry_.DetachTunnel(*session, *tunnel, SteadyClock().Now());  // the client left
    }
    if (session != nullptr && session->tunnel == tunnel) {
      session->tunnel = nullptr;  // nothing to terminate: the worker never had the tunnel
    }
    worker.tunnels.erase(it);
    if (refused) {
      ipc::ConnectReply refusal;
      refusal.request_id = grant.reply.request_id;
      refusal.http_status = 403;
      refusal.error = "refused by the connect hook";
      (void)worker.link->Send(refusal.ToMessage());
      registry_.EndSession(grant.reply.session_id, "refused by the connect hook");
    }
  }

  // The tunnel `connection_id` of this worker, if it carries `session_id`; else nullptr.
  WorkerTunnel* FindTunnel(Worker& worker, std::uint64_t connection_id, SessionId session_id) {
    auto it = worker.tunnels.find(connection_id);
    if (it == worker.tunnels.end() || it->second->session_id != session_id) {
      return nullptr;
    }
    return it->second.get();
  }

  void Misbehaved(Worker& worker, const std::string& what) {
    // A worker that breaks the protocol may be compromised: it is replaced, not trusted.
    log_.Warn("worker {} (pid {}) misbehaved ({}); replacing it", worker.index, worker.pid, what);
    KillChild(worker.pid);
  }

  // SIGKILL for one child; never for pid <= 0, which kill(2) reads as a process group.
  static void KillChild(pid_t pid) {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
    }
  }

  void ArmChildSignal() {
    children_.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) {
        return;
      }
      Reap();
      ArmChildSignal();
    });
  }

  void Reap() {
    // Only our own children, by pid: hook programs (hook_runner.h) are reaped by their runner.
    std::vector<pid_t> children = worker_pids();
    children.push_back(secmod_pid_);
    for (pid_t child : children) {
      if (child <= 0) {
        continue;  // waitpid(-1 or 0) would take any child
      }
      int status = 0;
      pid_t pid = ::waitpid(child, &status, WNOHANG);
      if (pid <= 0) {
        continue;
      }
      std::string how = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                            : "exited with " + std::to_string(WEXITSTATUS(status));
      if (pid == secmod_pid_) {
        OnSecModDied(how);
        continue;
      }
      for (auto& worker : workers_) {
        if (worker->pid == pid) {
          OnWorkerDied(*worker, how);
        }
      }
    }
  }

  void OnSecModDied(const std::string& how) {
    secmod_pid_ = -1;
    secmod_link_.reset();
    if (stopping_) {
      return;
    }
    log_.Warn("security module {}; restarting it (tunnels are not affected)", how);
    ++secmod_restarts_;
    RestartLater(SteadyClock().Now() - secmod_started_ < kQuickDeath, [this] {
      if (auto started = StartSecMod(); !started) {
        log_.Error("cannot restart the security module: {}", started.error().ToString());
      }
    });
  }

  void OnWorkerDied(Worker& worker, const std::string& how) {
    worker.pid = -1;
    worker.link.reset();
    // Its clients reconnect with their cookies; the sessions wait for them (cookie_timeout).
    Instant now = SteadyClock().Now();
    std::size_t lost = worker.tunnels.size();
    for (auto& [connection, tunnel] : worker.tunnels) {
      if (Session* session = registry_.FindById(tunnel->session_id)) {
        registry_.DetachTunnel(*session, *tunnel, now);
      }
    }
    worker.tunnels.clear();
    for (std::uint64_t id : worker.connections) {
      limits_.Close(id);  // its connections died with it
    }
    worker.connections.clear();
    if (stopping_) {
      return;
    }
    log_.Warn("worker {} {}; {} tunnel(s) wait for their clients to reconnect; restarting it",
              worker.index, how, lost);
    ++worker_restarts_;
    Worker* raw = &worker;
    RestartLater(now - worker.started < kQuickDeath, [this, raw] {
      if (auto started = StartWorker(*raw); !started) {
        log_.Error("cannot restart worker {}: {}", raw->index, started.error().ToString());
      }
    });
  }

  template <class F>
  void RestartLater(bool delay, F restart) {
    if (!delay) {
      restart();
      return;
    }
    auto timer = std::make_shared<asio::steady_timer>(io_, kRestartDelay);
    timer->async_wait([this, timer, restart](const boost::system::error_code& ec) {
      if (!ec && !stopping_) {
        restart();
      }
    });
  }

  void ReapAll() {
    stopping_ = true;
    std::vector<pid_t> pids = worker_pids();
    pids.push_back(secmod_pid_);
    for (pid_t pid : pids) {
      if (pid > 0) {
        ::kill(pid, SIGTERM);
      }
    }
    // Children exit within moments of SIGTERM; SIGKILL whatever is left after 2 s.
    for (pid_t pid : pids) {
      if (pid <= 0) {
        continue;
      }
      int status = 0;
      bool gone = false;
      for (int i = 0; i < 200 && !gone; ++i) {
        gone = ::waitpid(pid, &status, WNOHANG) == pid;
        if (!gone) {
          ::usleep(10000);
        }
      }
      if (!gone) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
      }
    }
  }

  asio::io_context& io_;
  SessionService& service_;
  SessionRegistry& registry_;
  ConnectionLimits& limits_;
  Options options_;
  Logger log_;
  asio::signal_set children_;
  pid_t secmod_pid_ = -1;
  Instant secmod_started_;
  net::ScopedFd& secmod_link_;  // shared with SecModCredentials
  std::vector<std::unique_ptr<Worker>> workers_;
  std::size_t next_worker_ = 0;
  std::optional<ipc::ConfigUpdate> config_update_;  // the last reload's, for new workers
  std::uint16_t dtls_port_ = 0;
  bool stopping_ = false;
  std::uint64_t worker_restarts_ = 0;  // deaths followed by a restart, for the metrics
  std::uint64_t secmod_restarts_ = 0;
};

ProcessSupervisor::ProcessSupervisor(asio::io_context& io, SessionService& service,
                                     SessionRegistry& registry, net::ScopedFd& secmod_link,
                                     ConnectionLimits& limits, Options options, LogSink& sink)
    : impl_(std::make_unique<Impl>(io, service, registry, secmod_link, limits, std::move(options),
                                   sink)) {}
ProcessSupervisor::~ProcessSupervisor() = default;
Result<void> ProcessSupervisor::Start(std::uint16_t dtls_port) { return impl_->Start(dtls_port); }
bool ProcessSupervisor::HandOver(asio::ip::tcp::socket socket, std::uint64_t id) {
  return impl_->HandOver(std::move(socket), id);
}
void ProcessSupervisor::Shutdown() { impl_->Shutdown(); }
std::size_t ProcessSupervisor::SendConfig(const proto::ipc::ConfigUpdate& update) {
  return impl_->SendConfig(update);
}
std::vector<pid_t> ProcessSupervisor::worker_pids() const { return impl_->worker_pids(); }
pid_t ProcessSupervisor::secmod_pid() const { return impl_->secmod_pid(); }
std::uint64_t ProcessSupervisor::worker_restarts() const { return impl_->worker_restarts(); }
std::uint64_t ProcessSupervisor::secmod_restarts() const { return impl_->secmod_restarts(); }

}  // namespace sekisho::gateway

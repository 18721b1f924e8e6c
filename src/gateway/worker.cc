#include "gateway/worker.h"

#include "base/time.h"
#include "gateway/connection.h"
#include "gateway/gateway_context.h"
#include "gateway/gateway_tunnel.h"
#include "gateway/ipc_link.h"
#include "gateway/reload_plan.h"
#include "gateway/sandbox_linux.h"
#include "gateway/session_backend.h"
#include "net/packet_socket_linux.h"
#include "proto/ipc/messages.h"
#include "proto/ipc/reload_messages.h"
#include "tls/credentials.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <map>
#include <memory>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

namespace sekisho::gateway {
namespace {

namespace asio = boost::asio;
namespace ipc = proto::ipc;

constexpr auto kReportPeriod = std::chrono::seconds(1);
// A signature takes the security module a millisecond; a slow answer means it is gone.
constexpr auto kSignTimeout = std::chrono::seconds(3);

// Asks the security module for handshake signatures. Synchronous: GnuTLS calls it from inside a
// handshake step, and ECDSA/RSA signing is far cheaper than a network round trip.
class SecModSigner final : public tls::RemoteSigner {
 public:
  explicit SecModSigner(net::ScopedFd link) : link_(std::move(link)) {}

  void Replace(net::ScopedFd link) { link_ = std::move(link); }

  Result<Bytes> Sign(tls::SignInput input, gnutls_sign_algorithm_t algorithm, unsigned flags,
                     ByteSpan payload) override {
    return SignWithKey("", input, algorithm, flags, payload);
  }

  // `key_id`: which key (the certificate's SPKI SHA-256), so that a handshake that began before
  // a reload is signed with the key of the certificate it presented.
  Result<Bytes> SignWithKey(const std::string& key_id, tls::SignInput input,
                            gnutls_sign_algorithm_t algorithm, unsigned flags, ByteSpan payload) {
    ipc::SignRequest request;
    request.key_id = key_id;
    request.request_id = ++next_id_;
    request.input = input == tls::SignInput::kData ? ipc::SignRequest::Input::kData
                                                   : ipc::SignRequest::Input::kHash;
    request.algorithm = static_cast<std::uint32_t>(algorithm);
    request.flags = flags;
    request.payload.assign(payload.begin(), payload.end());
    SEKISHO_ASSIGN_OR_RETURN(Bytes encoded, request.ToMessage().Encode());
    SEKISHO_TRY(net::SendPacket(link_.get(), encoded));
    const Instant deadline = SteadyClock().Now() + kSignTimeout;
    while (true) {
      Duration left = deadline - SteadyClock().Now();
      if (left <= Duration(0)) {
        return Fail(Errc::kTimeout, "security module did not sign in time");
      }
      SEKISHO_ASSIGN_OR_RETURN(net::ReceivedPacket packet,
                               net::ReceivePacketWithin(link_.get(), left));
      SEKISHO_ASSIGN_OR_RETURN(ipc::Message message, ipc::Decode(packet.payload));
      SEKISHO_ASSIGN_OR_RETURN(ipc::SignReply reply, ipc::SignReply::FromMessage(message));
      if (reply.request_id != request.request_id) {
        continue;  // the late answer to a request that timed out
      }
      if (!reply.ok) {
        return Fail(Errc::kTls, "security module refused to sign");
      }
      return std::move(reply.signature);
    }
  }

 private:
  net::ScopedFd link_;
  std::uint32_t next_id_ = 0;
};

// The signer of one set of credentials: names their certificate's key to the security module.
class KeyedSigner final : public tls::RemoteSigner {
 public:
  explicit KeyedSigner(std::shared_ptr<SecModSigner> signer) : signer_(std::move(signer)) {}
  void set_key_id(std::string id) { key_id_ = std::move(id); }

  Result<Bytes> Sign(tls::SignInput input, gnutls_sign_algorithm_t algorithm, unsigned flags,
                     ByteSpan payload) override {
    return signer_->SignWithKey(key_id_, input, algorithm, flags, payload);
  }

 private:
  std::shared_ptr<SecModSigner> signer_;
  std::string key_id_;
};

// Credentials for `tls_config` whose signatures the security module makes with their key.
Result<std::shared_ptr<tls::ServerCredentials>> LoadCredentials(
    const tls::ServerTlsConfig& tls_config, const std::shared_ptr<SecModSigner>& signer) {
  auto keyed = std::make_shared<KeyedSigner>(signer);
  SEKISHO_ASSIGN_OR_RETURN(std::shared_ptr<tls::ServerCredentials> credentials,
                           tls::ServerCredentials::LoadWithRemoteKey(tls_config, keyed));
  keyed->set_key_id(credentials->server_spki_sha256_hex());
  return credentials;
}

tls::ServerTlsConfig TlsConfigOf(const GatewayConfig& config) {
  tls::ServerTlsConfig tls_config;
  tls_config.certificate_file = config.tls.certificate;
  tls_config.ca_file = config.tls.ca_certificates.value_or("");
  tls_config.allow_tls13 = config.tls.allow_tls13;
  tls_config.priority_override = config.tls.priority.value_or("");
  return tls_config;
}

class Worker final : public SessionBackend {
 public:
  Worker(const GatewayConfig& config, const WorkerOptions& options, LogSink& sink,
         std::shared_ptr<const tls::ServerCredentials> credentials,
         std::shared_ptr<SecModSigner> signer)
      : options_(options),
        log_(sink, "worker"),
        signer_(std::move(signer)),
        config_(config),
        context_{io_,  config_,          *this, std::move(credentials), SteadyClock(),
                 sink, options.dtls_port},
        signals_(io_, SIGINT, SIGTERM),
        report_timer_(io_) {
    // Main counts connections by phase for its limits: it hears of every change.
    context_.on_established = [this](std::uint64_t id) {
      ReportPhase(id, ipc::ConnectionPhase::Phase::kEstablished);
    };
    context_.on_closed = [this](std::uint64_t id) {
      connections_.erase(id);
      tunnels_.erase(id);
      ReportPhase(id, ipc::ConnectionPhase::Phase::kClosed);
    };
    context_.on_tunnel_started = [this](std::uint64_t id, std::weak_ptr<GatewayTunnel> tunnel) {
      connections_.erase(id);
      tunnels_[id] = std::move(tunnel);
      ReportPhase(id, ipc::ConnectionPhase::Phase::kTunnel);
    };
  }

  int Run() {
    main_ = std::make_unique<IpcLink>(
        io_, net::ScopedFd(options_.main_fd),
        [this](ipc::Message message, net::ScopedFd fd) {
          OnMain(std::move(message), std::move(fd));
        },
        [this](const std::string& reason) {
          log_.Warn("link to main lost ({}); ending every tunnel", reason);
          Stop("gateway main process gone");
        });
    main_->Start();
    signals_.async_wait([this](const boost::system::error_code& ec, int) {
      if (!ec) {
        Stop("worker terminated");
      }
    });
    ArmReport();
    log_.Info("worker {} serving (pid {})", options_.index, ::getpid());
    io_.run();
    return 0;
  }

  // SessionBackend
  void Login(ipc::LoginRequest request, LoginDone done) override {
    request.request_id = ++next_request_;
    if (!SendToMain(request.ToMessage())) {
      done(ServiceUnavailable(request.request_id));
      return;
    }
    logins_.emplace(request.request_id, std::move(done));
  }

  void Connect(ipc::ConnectRequest request, TunnelHandle& /*tunnel*/, ConnectDone done) override {
    request.request_id = ++next_request_;
    if (!SendToMain(request.ToMessage())) {
      done(Fail(Errc::kIo, "gateway main process unreachable"), 503);
      return;
    }
    connects_.emplace(request.request_id, std::move(done));
  }

  void TunnelClosed(const ipc::TunnelClosed& closed, TunnelHandle& /*tunnel*/) override {
    SendToMain(closed.ToMessage());
  }

  void ReportTraffic(const ipc::TunnelStats& stats, TunnelHandle& /*tunnel*/) override {
    SendToMain(stats.ToMessage());
  }

 private:
  static ipc::LoginReply ServiceUnavailable(std::uint32_t id) {
    ipc::LoginReply reply;
    reply.request_id = id;
    reply.response.status = 503;
    reply.response.reason = "Service Unavailable";
    reply.close_connection = true;
    return reply;
  }

  void ReportPhase(std::uint64_t id, ipc::ConnectionPhase::Phase phase) {
    SendToMain(ipc::ConnectionPhase{id, phase}.ToMessage());
  }

  bool SendToMain(const ipc::Message& message, int fd = -1) {
    if (!main_ || !main_->open()) {
      return false;
    }
    if (auto sent = main_->Send(message, fd); !sent) {
      log_.Warn("cannot reach main: {}", sent.error().ToString());
      return false;
    }
    return true;
  }

  void OnMain(ipc::Message message, net::ScopedFd fd) {
    switch (message.type()) {
      case ipc::MessageType::kNewConnection: {
        auto connection = ipc::NewConnection::FromMessage(message);
        if (!connection) {
          log_.Warn("bad {} from main: {}", ipc::ToString(message.type()),
                    connection.error().ToString());
          return;  // `fd` closes the connection
        }
        return OnNewConnection(connection->connection_id, std::move(fd));
      }
      case ipc::MessageType::kLoginReply: {
        auto reply = ipc::LoginReply::FromMessage(message);
        if (reply) {
          if (auto it = logins_.find(reply->request_id); it != logins_.end()) {
            LoginDone done = std::move(it->second);
            logins_.erase(it);
            done(std::move(*reply));
          }
        }
        return;
      }
      case ipc::MessageType::kConnectReply: return OnConnectReply(message, std::move(fd));
      case ipc::MessageType::kTerminate: {
        if (auto terminate = ipc::Terminate::FromMessage(message)) {
          if (auto tunnel = FindTunnel(terminate->connection_id)) {
            tunnel->Terminate(terminate->reason);
          } else if (auto connection = Find(terminate->connection_id)) {
            connection->Terminate(terminate->reason);
          }
        }
        return;
      }
      case ipc::MessageType::kDtlsHello: {
        auto hello = ipc::DtlsHello::FromMessage(message);
        auto tunnel = hello ? FindTunnel(hello->connection_id) : nullptr;
        boost::system::error_code ec;
        auto address = asio::ip::make_address(hello ? hello->remote_ip : "", ec);
        if (tunnel && !ec && fd.valid()) {
          tunnel->AdoptDtls(asio::ip::udp::endpoint(address, hello->remote_port), hello->datagram,
                            std::move(fd));
        }
        return;
      }
      case ipc::MessageType::kSecModLink:
        if (fd.valid()) {
          signer_->Replace(std::move(fd));
          log_.Info("new link to the security module");
        }
        return;
      case ipc::MessageType::kShutdown: return Stop("gateway shutting down");
      case ipc::MessageType::kConfigUpdate: return OnConfigUpdate(message);
      default: log_.Warn("unexpected {} from main", ipc::ToString(message.type()));
    }
  }

  // A reload main accepted. New connections get the new certificate and every setting read at
  // a connection's or tunnel's start (timeouts, DTLS, MTU, routes, DNS, banner in the CONNECT
  // answer); connections and tunnels that are up keep their engine and what they were granted.
  void OnConfigUpdate(const ipc::Message& message) {
    auto update = ipc::ConfigUpdate::FromMessage(message);
    if (!update) {
      log_.Warn("bad {} from main: {}", ipc::ToString(message.type()), update.error().ToString());
      return;
    }
    auto parsed = ParseConfig(update->config_text, update->source);
    if (!parsed) {
      log_.Warn("reload {} refused: {}", update->generation, parsed.error().ToString());
      return;
    }
    GatewayConfig next = EffectiveConfig(config_, std::move(*parsed));
    tls::ServerTlsConfig tls_config = TlsConfigOf(next);
    tls_config.certificate_pem = update->certificate_pem;
    tls_config.ca_pem = update->ca_pem;
    auto credentials = LoadCredentials(tls_config, signer_);
    if (!credentials) {
      log_.Warn("reload {} refused: {}", update->generation, credentials.error().ToString());
      return;
    }
    // In place: the context and every connection read the configuration through references.
    config_ = std::move(next);
    context_.credentials = std::move(*credentials);
    log_.Info("configuration reload {} applied (certificate SHA-1 {})", update->generation,
              context_.credentials->server_cert_sha1_hex_upper());
  }

  // `id` is main's name for the connection (its limits follow it by that name).
  void OnNewConnection(std::uint64_t id, net::ScopedFd fd) {
    if (!fd.valid() || stopping_) {
      ReportPhase(id, ipc::ConnectionPhase::Phase::kClosed);
      return;
    }
    int domain = AF_INET;
    socklen_t length = sizeof(domain);
    ::getsockopt(fd.get(), SOL_SOCKET, SO_DOMAIN, &domain, &length);
    boost::system::error_code ec;
    asio::ip::tcp::socket socket(io_);
    socket.assign(domain == AF_INET6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), fd.get(), ec);
    if (ec) {
      log_.Warn("cannot adopt a connection: {}", ec.message());
      ReportPhase(id, ipc::ConnectionPhase::Phase::kClosed);
      return;  // `fd` closes it
    }
    (void)fd.release();  // the Asio socket owns it now
    auto connection = std::make_shared<Connection>(context_, std::move(socket), id);
    connections_[id] = connection;
    connection->Start();
  }

  void OnConnectReply(const ipc::Message& message, net::ScopedFd fd) {
    auto reply = ipc::ConnectReply::FromMessage(message);
    if (!reply) {
      return;
    }
    auto it = connects_.find(reply->request_id);
    if (it == connects_.end()) {
      return;
    }
    ConnectDone done = std::move(it->second);
    connects_.erase(it);
    if (!reply->ok) {
      done(Fail(Errc::kAuthFailed, reply->error), reply->http_status);
      return;
    }
    if (!fd.valid()) {
      done(Fail(Errc::kIo, "no TUN device came with the grant"), 503);
      return;
    }
    done(TunnelGrant{std::move(*reply), std::move(fd)}, 200);
  }

  std::shared_ptr<Connection> Find(std::uint64_t id) {
    auto it = connections_.find(id);
    return it == connections_.end() ? nullptr : it->second.lock();
  }

  std::shared_ptr<GatewayTunnel> FindTunnel(std::uint64_t id) {
    auto it = tunnels_.find(id);
    return it == tunnels_.end() ? nullptr : it->second.lock();
  }

  void ArmReport() {
    report_timer_.expires_after(kReportPeriod);
    report_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopping_) {
        return;
      }
      for (auto& [id, weak] : std::map(tunnels_)) {
        if (auto tunnel = weak.lock()) {
          tunnel->ReportTraffic();
        }
      }
      ArmReport();
    });
  }

  void Stop(std::string_view reason) {
    if (stopping_) {
      return;
    }
    stopping_ = true;
    log_.Info("worker {} stopping: {}", options_.index, reason);
    for (auto& [id, weak] : std::map(connections_)) {
      if (auto connection = weak.lock()) {
        connection->Terminate(reason);
      }
    }
    for (auto& [id, weak] : std::map(tunnels_)) {
      if (auto tunnel = weak.lock()) {
        tunnel->Terminate(reason);
      }
    }
    boost::system::error_code ec;
    signals_.cancel(ec);
    report_timer_.cancel();
    // Let the final DISCONNECT frames leave, then stop the loop.
    report_timer_.expires_after(std::chrono::milliseconds(200));
    report_timer_.async_wait([this](const boost::system::error_code&) { io_.stop(); });
  }

  WorkerOptions options_;
  Logger log_;
  asio::io_context io_;
  std::shared_ptr<SecModSigner> signer_;
  GatewayConfig config_;  // replaced in place by a reload (OnConfigUpdate)
  GatewayContext context_;
  std::unique_ptr<IpcLink> main_;
  asio::signal_set signals_;
  asio::steady_timer report_timer_;
  // By connection id: connections before their tunnel, then the tunnels they handed over to.
  std::map<std::uint64_t, std::weak_ptr<Connection>> connections_;
  std::map<std::uint64_t, std::weak_ptr<GatewayTunnel>> tunnels_;
  std::map<std::uint32_t, LoginDone> logins_;
  std::map<std::uint32_t, ConnectDone> connects_;
  std::uint32_t next_request_ = 0;
  bool stopping_ = false;
};

}  // namespace

int RunWorker(const GatewayConfig& config, const WorkerOptions& options, LogSink& sink) {
  Logger log(sink, "worker");
  auto signer = std::make_shared<SecModSigner>(net::ScopedFd(options.secmod_fd));
  // Read the (public) certificate chain and CA list while the files are still readable.
  auto credentials = LoadCredentials(TlsConfigOf(config), signer);
  if (!credentials) {
    log.Error("worker {}: {}", options.index, credentials.error().ToString());
    return 1;
  }
  if (options.sandbox) {
    Result<void> confined = DropPrivileges(config.process.worker_user, config.process.worker_group);
    if (confined) {
      confined = InstallWorkerSyscallFilter();
    }
    if (!confined) {
      log.Error("worker {}: cannot confine itself: {}", options.index, confined.error().ToString());
      return 1;
    }
  }
  Worker worker(config, options, sink, *credentials, signer);
  return worker.Run();
}

}  // namespace sekisho::gateway

#include "gateway/secmod.h"

#include "base/strings.h"
#include "gateway/password_credentials.h"
#include "gateway/sandbox_linux.h"
#include "gateway/secret_file.h"
#include "net/packet_socket_linux.h"
#include "proto/ipc/messages.h"
#include "proto/ipc/reload_messages.h"
#include "tls/remote_key.h"

#include <cerrno>
#include <memory>
#include <poll.h>
#include <vector>

namespace sekisho::gateway {
namespace {

namespace ipc = proto::ipc;

class SecMod {
 public:
  SecMod(std::unique_ptr<tls::KeyHolder> key, std::unique_ptr<CredentialChecker> credentials,
         std::string password_file, net::ScopedFd main, Logger log)
      : credentials_(std::move(credentials)),
        password_file_(std::move(password_file)),
        main_(std::move(main)),
        log_(std::move(log)) {
    current_.id = key->SpkiSha256Hex().value_or("");
    current_.key = std::move(key);
  }

  int Run() {
    log_.Info("security module serving");
    while (true) {
      std::vector<pollfd> fds;
      fds.push_back({main_.get(), POLLIN, 0});
      for (const net::ScopedFd& worker : workers_) {
        fds.push_back({worker.get(), POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) {
          continue;
        }
        log_.Error("poll failed; exiting");
        return 1;
      }
      if (fds[0].revents != 0 && !ServeMain()) {
        log_.Info("main is gone; exiting");
        return 0;
      }
      // Serve workers; drop the links that broke (their worker died or misbehaved).
      std::vector<net::ScopedFd> alive;
      for (std::size_t i = 1; i < fds.size(); ++i) {
        net::ScopedFd& worker = workers_[i - 1];
        if (fds[i].revents == 0 || ServeWorker(worker.get())) {
          alive.push_back(std::move(worker));
        }
      }
      // Links added by ServeMain during this round come after the polled ones.
      for (std::size_t i = fds.size() - 1; i < workers_.size(); ++i) {
        alive.push_back(std::move(workers_[i]));
      }
      workers_ = std::move(alive);
    }
  }

 private:
  // False when main's link is gone.
  bool ServeMain() {
    Result<net::ReceivedPacket> packet = net::ReceivePacket(main_.get());
    if (!packet) {
      return packet.error().code == Errc::kWouldBlock;
    }
    Result<ipc::Message> message = ipc::Decode(packet->payload);
    if (!message) {
      log_.Warn("undecodable message from main: {}", message.error().ToString());
      return true;
    }
    if (message->type() == ipc::MessageType::kSecModLink && packet->fd.valid()) {
      workers_.push_back(std::move(packet->fd));
      return true;
    }
    if (message->type() == ipc::MessageType::kCredentialRequest) {
      auto request = ipc::CredentialRequest::FromMessage(*message);
      if (request) {
        ipc::CredentialReply reply{request->request_id, Check(*request)};
        Send(main_.get(), reply.ToMessage());
      }
      return true;
    }
    if (message->type() == ipc::MessageType::kSignRequest) {
      Sign(main_.get(), *message);
      return true;
    }
    if (message->type() == ipc::MessageType::kKeyReload) {
      if (auto reload = ipc::KeyReload::FromMessage(*message)) {
        Send(main_.get(), Reload(*reload).ToMessage());
      }
      return true;
    }
    log_.Warn("unexpected {} from main", ipc::ToString(message->type()));
    return true;
  }

  // False when the worker's link is gone or the worker asked something it may not.
  bool ServeWorker(int link) {
    Result<net::ReceivedPacket> packet = net::ReceivePacket(link);
    if (!packet) {
      return packet.error().code == Errc::kWouldBlock;
    }
    Result<ipc::Message> message = ipc::Decode(packet->payload);
    if (!message || message->type() != ipc::MessageType::kSignRequest) {
      log_.Warn("dropping a worker link: it sent {}",
                message ? std::string(ipc::ToString(message->type()))
                        : EscapeForLog(message.error().ToString()));
      return false;
    }
    Sign(link, *message);
    return true;
  }

  void Sign(int link, const ipc::Message& message) {
    auto request = ipc::SignRequest::FromMessage(message);
    if (!request) {
      return;
    }
    ipc::SignReply reply;
    reply.request_id = request->request_id;
    auto input = request->input == ipc::SignRequest::Input::kData ? tls::SignInput::kData
                                                                  : tls::SignInput::kHash;
    const tls::KeyHolder* key = KeyFor(request->key_id);
    if (key == nullptr) {
      log_.Info("signature refused: no key with id {}", EscapeForLog(request->key_id));
      Send(link, reply.ToMessage());
      return;
    }
    Result<Bytes> signature =
        key->Sign(input, static_cast<gnutls_sign_algorithm_t>(request->algorithm), request->flags,
                  request->payload);
    if (signature) {
      reply.ok = true;
      reply.signature = std::move(*signature);
    } else {
      log_.Info("signature refused: {}", signature.error().ToString());
    }
    Send(link, reply.ToMessage());
  }

  // The current key, or the one before the last reload while handshakes that began with its
  // certificate finish; an empty id (or one sec-mod could not compute) means the current key.
  const tls::KeyHolder* KeyFor(const std::string& id) const {
    if (id.empty() || current_.id.empty() || id == current_.id) {
      return current_.key.get();
    }
    if (previous_.key && id == previous_.id) {
      return previous_.key.get();
    }
    return nullptr;
  }

  // A configuration reload: the key (kept only when it belongs to the certificate main will
  // serve) and the password file (whose changes PasswordCredentials also follows by itself).
  ipc::KeyReloadReply Reload(const ipc::KeyReload& request) {
    ipc::KeyReloadReply reply{request.request_id, false, ""};
    Result<void> secrets = CheckSecretFile(request.private_key, "private key");
    if (secrets && !request.password_file.empty()) {
      secrets = CheckSecretFile(request.password_file, "password file");
    }
    if (!secrets) {
      reply.error = secrets.error().ToString();
      return reply;
    }
    auto key = tls::KeyHolder::Load(request.private_key);
    if (!key) {
      reply.error = key.error().ToString();
      return reply;
    }
    Result<std::string> id = (*key)->SpkiSha256Hex();
    if (!id || *id != request.expected_key_id) {
      reply.error = "the key in " + request.private_key + " does not belong to the certificate";
      return reply;
    }
    std::unique_ptr<CredentialChecker> credentials = nullptr;
    if (request.password_file != password_file_) {
      auto loaded = LoadPasswordCredentials(request.password_file, log_);
      if (!loaded) {
        reply.error = loaded.error().ToString();
        return reply;
      }
      credentials = std::move(*loaded);
    }
    if (*id != current_.id) {
      previous_ = std::move(current_);
      current_ = LoadedKey{std::move(*key), std::move(*id)};
      log_.Info("new private key loaded from {}", request.private_key);
    }
    if (credentials) {
      credentials_ = std::move(credentials);
      password_file_ = request.password_file;
      log_.Info("password file is now {}", request.password_file);
    }
    reply.ok = true;
    return reply;
  }

  bool Check(const ipc::CredentialRequest& request) {
    switch (request.op) {
      case ipc::CredentialRequest::Op::kVerifyPassword:
        return credentials_->Verify(request.user, request.password).has_value();
      case ipc::CredentialRequest::Op::kMayUseGroup:
        return credentials_->MayUseGroup(request.user, request.group);
      case ipc::CredentialRequest::Op::kIsLocked: return credentials_->IsLocked(request.user);
    }
    return false;
  }

  void Send(int link, const ipc::Message& message) {
    Result<Bytes> encoded = message.Encode();
    if (encoded) {
      (void)net::SendPacket(link, *encoded);
    }
  }

  struct LoadedKey {
    std::unique_ptr<tls::KeyHolder> key;
    std::string id;  // KeyHolder::SpkiSha256Hex
  };
  LoadedKey current_;
  LoadedKey previous_;  // until the next reload: for handshakes begun before the last one
  std::unique_ptr<CredentialChecker> credentials_;
  std::string password_file_;
  net::ScopedFd main_;
  std::vector<net::ScopedFd> workers_;
  Logger log_;
};

}  // namespace

int RunSecMod(const GatewayConfig& config, const SecModOptions& options, LogSink& sink) {
  Logger log(sink, "sec-mod");
  net::ScopedFd main(options.main_fd);
  if (auto forbidden = ForbidCoreDumps(); !forbidden) {
    log.Error("{}", forbidden.error().ToString());
    return 1;
  }
  // main checked these too; sec-mod is the process that reads them, so it does not rely on it.
  if (auto secrets = CheckSecretFiles(config); !secrets) {
    log.Error("{}", secrets.error().ToString());
    return 1;
  }
  auto key = tls::KeyHolder::Load(config.tls.private_key);
  if (!key) {
    log.Error("{}", key.error().ToString());
    return 1;
  }
  auto credentials = LoadPasswordCredentials(config.auth.password_file, Logger(sink, "auth"));
  if (!credentials) {
    log.Error("{}", credentials.error().ToString());
    return 1;
  }
  SecMod secmod(std::move(*key), std::move(*credentials), config.auth.password_file,
                std::move(main), log);
  return secmod.Run();
}

}  // namespace sekisho::gateway

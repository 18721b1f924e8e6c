#include "gateway/secmod_credentials.h"

#include "base/time.h"
#include "net/packet_socket_linux.h"

#include <chrono>
#include <utility>

namespace sekisho::gateway {
namespace {

namespace ipc = proto::ipc;

// A password check runs crypt(3) in the security module: tens of milliseconds at most.
constexpr auto kCredentialTimeout = std::chrono::seconds(5);

}  // namespace

SecModCredentials::SecModCredentials(const net::ScopedFd& link) : link_(link) {}

Result<void> SecModCredentials::Verify(std::string_view user, const SecretString& password) {
  ipc::CredentialRequest request;
  request.op = ipc::CredentialRequest::Op::kVerifyPassword;
  request.user = std::string(user);
  request.password = password;
  SEKISHO_ASSIGN_OR_RETURN(bool ok, Ask(std::move(request)));
  return ok ? Ok() : Fail(Errc::kAuthFailed, "wrong user or password");
}

bool SecModCredentials::MayUseGroup(std::string_view user, std::string_view group) {
  ipc::CredentialRequest request;
  request.op = ipc::CredentialRequest::Op::kMayUseGroup;
  request.user = std::string(user);
  request.group = std::string(group);
  return Ask(std::move(request)).value_or(false);
}

bool SecModCredentials::IsLocked(std::string_view user) {
  ipc::CredentialRequest request;
  request.op = ipc::CredentialRequest::Op::kIsLocked;
  request.user = std::string(user);
  // Unanswered: treat as locked, so that no login passes unchecked.
  return Ask(std::move(request)).value_or(true);
}

Result<bool> SecModCredentials::Ask(ipc::CredentialRequest request) {
  request.request_id = ++next_id_;
  if (!link_.valid()) {
    return Fail(Errc::kIo, "security module not running");
  }
  SEKISHO_ASSIGN_OR_RETURN(Bytes encoded, request.ToMessage().Encode());
  SEKISHO_TRY(net::SendPacket(link_.get(), encoded));
  const Instant deadline = SteadyClock().Now() + kCredentialTimeout;
  while (true) {
    Duration left = deadline - SteadyClock().Now();
    if (left <= Duration(0)) {
      return Fail(Errc::kTimeout, "security module did not answer");
    }
    SEKISHO_ASSIGN_OR_RETURN(net::ReceivedPacket packet,
                             net::ReceivePacketWithin(link_.get(), left));
    SEKISHO_ASSIGN_OR_RETURN(ipc::Message message, ipc::Decode(packet.payload));
    auto reply = ipc::CredentialReply::FromMessage(message);
    if (reply && reply->request_id == request.request_id) {
      return reply->yes;
    }
  }
}

}  // namespace sekisho::gateway

// Decodes the input as an IPC message from another sekishod process (main, a worker, the
// security module) and tries every typed reading of it. Whatever decodes must re-encode and
// decode to the same envelope.
#include "proto/ipc/messages.h"
#include "proto/ipc/reload_messages.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace ipc = sekisho::proto::ipc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto message = ipc::Decode(sekisho::ByteSpan(data, size));
  if (!message) {
    return 0;
  }
  auto again = message->Encode();
  if (!again) {
    std::abort();
  }
  auto twice = ipc::Decode(*again);
  if (!twice || twice->fields().size() != message->fields().size() ||
      twice->type() != message->type() || twice->id() != message->id()) {
    std::abort();
  }
  (void)ipc::LoginRequest::FromMessage(*message);
  (void)ipc::LoginReply::FromMessage(*message);
  (void)ipc::ConnectRequest::FromMessage(*message);
  (void)ipc::ConnectReply::FromMessage(*message);
  (void)ipc::Terminate::FromMessage(*message);
  (void)ipc::DtlsHello::FromMessage(*message);
  (void)ipc::TunnelStats::FromMessage(*message);
  (void)ipc::TunnelClosed::FromMessage(*message);
  (void)ipc::NewConnection::FromMessage(*message);
  (void)ipc::ConnectionPhase::FromMessage(*message);
  (void)ipc::SignRequest::FromMessage(*message);
  (void)ipc::SignReply::FromMessage(*message);
  (void)ipc::CredentialRequest::FromMessage(*message);
  (void)ipc::CredentialReply::FromMessage(*message);
  (void)ipc::ConfigUpdate::FromMessage(*message);
  (void)ipc::KeyReload::FromMessage(*message);
  (void)ipc::KeyReloadReply::FromMessage(*message);
  return 0;
}

#include "proto/ipc/reload_messages.h"

namespace sekisho::proto::ipc {
namespace {

// Tags of the reload messages (messages.cc keeps 0x01-0x5F; these start at 0x60).
enum Tag : std::uint8_t {
  kTagGeneration = 0x60,
  kTagSource = 0x61,
  kTagConfigText = 0x62,
  kTagCertificatePem = 0x63,
  kTagCaPem = 0x64,
  kTagPrivateKeyPath = 0x65,
  kTagPasswordFilePath = 0x66,
  kTagExpectedKeyId = 0x67,
  kTagReloadOk = 0x68,
  kTagReloadError = 0x69,
};

Result<void> ExpectType(const Message& message, MessageType type) {
  if (message.type() != type) {
    return Fail(Errc::kMalformed, "expected " + std::string(ToString(type)) + ", got " +
                                      std::string(ToString(message.type())));
  }
  return Ok();
}

Result<std::string> RequireString(const Message& message, std::uint8_t tag, std::string_view what) {
  const std::string* value = message.Find(tag);
  if (value == nullptr) {
    return Fail(Errc::kMalformed,
                std::string(ToString(message.type())) + ": missing " + std::string(what));
  }
  return *value;
}

}  // namespace

Message ConfigUpdate::ToMessage() const {
  Message out(MessageType::kConfigUpdate, 0);
  out.AddU64(kTagGeneration, generation);
  out.AddString(kTagSource, source);
  out.AddString(kTagConfigText, config_text);
  out.AddString(kTagCertificatePem, certificate_pem);
  out.AddString(kTagCaPem, ca_pem);
  return out;
}

Result<ConfigUpdate> ConfigUpdate::FromMessage(const Message& in) {
  SEKISHO_TRY(ExpectType(in, MessageType::kConfigUpdate));
  ConfigUpdate update;
  std::optional<std::uint64_t> generation = in.FindU64(kTagGeneration);
  if (!generation || *generation == 0) {
    return Fail(Errc::kMalformed, "config-update: missing or bad generation");
  }
  update.generation = *generation;
  SEKISHO_ASSIGN_OR_RETURN(update.source, RequireString(in, kTagSource, "source"));
  SEKISHO_ASSIGN_OR_RETURN(update.config_text, RequireString(in, kTagConfigText, "config text"));
  SEKISHO_ASSIGN_OR_RETURN(update.certificate_pem,
                           RequireString(in, kTagCertificatePem, "certificate"));
  if (update.certificate_pem.empty()) {
    return Fail(Errc::kMalformed, "config-update: empty certificate");
  }
  update.ca_pem = in.StringOr(kTagCaPem);
  return update;
}

Message KeyReload::ToMessage() const {
  Message out(MessageType::kKeyReload, request_id);
  out.AddString(kTagPrivateKeyPath, private_key);
  out.AddString(kTagPasswordFilePath, password_file);
  out.AddString(kTagExpectedKeyId, expected_key_id);
  return out;
}

Result<KeyReload> KeyReload::FromMessage(const Message& in) {
  SEKISHO_TRY(ExpectType(in, MessageType::kKeyReload));
  KeyReload reload;
  reload.request_id = in.id();
  SEKISHO_ASSIGN_OR_RETURN(reload.private_key, RequireString(in, kTagPrivateKeyPath, "key path"));
  if (reload.private_key.empty()) {
    return Fail(Errc::kMalformed, "key-reload: empty key path");
  }
  reload.password_file = in.StringOr(kTagPasswordFilePath);
  SEKISHO_ASSIGN_OR_RETURN(reload.expected_key_id,
                           RequireString(in, kTagExpectedKeyId, "expected key id"));
  return reload;
}

Message KeyReloadReply::ToMessage() const {
  Message out(MessageType::kKeyReloadReply, request_id);
  out.AddBool(kTagReloadOk, ok);
  if (!ok) {
    out.AddString(kTagReloadError, error);
  }
  return out;
}

Result<KeyReloadReply> KeyReloadReply::FromMessage(const Message& in) {
  SEKISHO_TRY(ExpectType(in, MessageType::kKeyReloadReply));
  std::optional<std::uint64_t> ok = in.FindU64(kTagReloadOk);
  if (!ok || *ok > 1) {
    return Fail(Errc::kMalformed, "key-reload-reply: missing or bad result");
  }
  return KeyReloadReply{in.id(), *ok == 1, std::string(in.StringOr(kTagReloadError))};
}

}  // namespace sekisho::proto::ipc

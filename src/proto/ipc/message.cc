#include "proto/ipc/message.h"

#include "proto/ipc/wire.h"

namespace sekisho::proto::ipc {
namespace {

bool IsKnownType(std::uint8_t type) {
  switch (static_cast<MessageType>(type)) {
    case MessageType::kNewConnection:
    case MessageType::kLoginReply:
    case MessageType::kConnectReply:
    case MessageType::kTerminate:
    case MessageType::kDtlsHello:
    case MessageType::kSecModLink:
    case MessageType::kShutdown:
    case MessageType::kLoginRequest:
    case MessageType::kConnectRequest:
    case MessageType::kTunnelClosed:
    case MessageType::kTunnelStats:
    case MessageType::kConnectionPhase:
    case MessageType::kSignRequest:
    case MessageType::kSignReply:
    case MessageType::kCredentialRequest:
    case MessageType::kCredentialReply:
    case MessageType::kConfigUpdate:
    case MessageType::kKeyReload:
    case MessageType::kKeyReloadReply: return true;
  }
  return false;
}

}  // namespace

std::string_view ToString(MessageType type) {
  switch (type) {
    case MessageType::kNewConnection: return "new-connection";
    case MessageType::kLoginReply: return "login-reply";
    case MessageType::kConnectReply: return "connect-reply";
    case MessageType::kTerminate: return "terminate";
    case MessageType::kDtlsHello: return "dtls-hello";
    case MessageType::kSecModLink: return "sec-mod-link";
    case MessageType::kShutdown: return "shutdown";
    case MessageType::kLoginRequest: return "login-request";
    case MessageType::kConnectRequest: return "connect-request";
    case MessageType::kTunnelClosed: return "tunnel-closed";
    case MessageType::kTunnelStats: return "tunnel-stats";
    case MessageType::kConnectionPhase: return "connection-phase";
    case MessageType::kSignRequest: return "sign-request";
    case MessageType::kSignReply: return "sign-reply";
    case MessageType::kCredentialRequest: return "credential-request";
    case MessageType::kCredentialReply: return "credential-reply";
    case MessageType::kConfigUpdate: return "config-update";
    case MessageType::kKeyReload: return "key-reload";
    case MessageType::kKeyReloadReply: return "key-reload-reply";
  }
  return "unknown";
}

void Message::AddString(std::uint8_t tag, std::string_view value) {
  fields_.push_back(Field{tag, std::string(value)});
}

void Message::AddBytes(std::uint8_t tag, ByteSpan value) {
  fields_.push_back(
      Field{tag, std::string(reinterpret_cast<const char*>(value.data()), value.size())});
}

void Message::AddU64(std::uint8_t tag, std::uint64_t value) {
  std::string bytes(8, '\0');
  for (int i = 7; i >= 0; --i) {
    bytes[static_cast<std::size_t>(i)] = static_cast<char>(value & 0xFF);
    value >>= 8;
  }
  fields_.push_back(Field{tag, std::move(bytes)});
}

const std::string* Message::Find(std::uint8_t tag) const {
  for (const Field& field : fields_) {
    if (field.tag == tag) {
      return &field.value;
    }
  }
  return nullptr;
}

std::vector<std::string_view> Message::FindAll(std::uint8_t tag) const {
  std::vector<std::string_view> out;
  for (const Field& field : fields_) {
    if (field.tag == tag) {
      out.emplace_back(field.value);
    }
  }
  return out;
}

std::optional<std::uint64_t> Message::FindU64(std::uint8_t tag) const {
  const std::string* value = Find(tag);
  if (value == nullptr || value->size() != 8) {
    return std::nullopt;
  }
  std::uint64_t out = 0;
  for (char c : *value) {
    out = (out << 8) | static_cast<std::uint8_t>(c);
  }
  return out;
}

std::string_view Message::StringOr(std::uint8_t tag, std::string_view fallback) const {
  const std::string* value = Find(tag);
  return value == nullptr ? fallback : std::string_view(*value);
}

Result<Bytes> Message::Encode() const {
  std::size_t size = wire::kHeaderSize;
  for (const Field& field : fields_) {
    size += wire::kFieldHeaderSize + field.value.size();
  }
  if (size > wire::kMaxMessageSize || fields_.size() > wire::kMaxFields) {
    return Fail(Errc::kTooLarge, "IPC message " + std::string(ToString(type_)) + " of " +
                                     std::to_string(size) + " bytes");
  }
  Bytes out(size);
  ByteWriter writer{MutableByteSpan(out)};
  writer.WriteU8(wire::kVersion);
  writer.WriteU8(static_cast<std::uint8_t>(type_));
  writer.WriteU32(id_);
  writer.WriteU16(static_cast<std::uint16_t>(fields_.size()));
  for (const Field& field : fields_) {
    writer.WriteU8(field.tag);
    writer.WriteU32(static_cast<std::uint32_t>(field.value.size()));
    writer.WriteBytes(AsBytes(field.value));
  }
  return out;
}

Result<Message> Decode(ByteSpan payload) {
  if (payload.size() > wire::kMaxMessageSize) {
    return Fail(Errc::kTooLarge, "IPC message of " + std::to_string(payload.size()) + " bytes");
  }
  ByteReader reader(payload);
  std::uint8_t version = 0;
  std::uint8_t type = 0;
  std::uint32_t id = 0;
  std::uint16_t count = 0;
  if (!reader.ReadU8(version) || !reader.ReadU8(type) || !reader.ReadU32(id) ||
      !reader.ReadU16(count)) {
    return Fail(Errc::kMalformed, "IPC message shorter than its header");
  }
  if (version != wire::kVersion) {
    return Fail(Errc::kMalformed, "IPC version " + std::to_string(version));
  }
  if (!IsKnownType(type)) {
    return Fail(Errc::kMalformed, "IPC message type " + std::to_string(type));
  }
  if (count > wire::kMaxFields) {
    return Fail(Errc::kTooLarge, "IPC message with " + std::to_string(count) + " fields");
  }
  Message message(static_cast<MessageType>(type), id);
  for (std::uint16_t i = 0; i < count; ++i) {
    std::uint8_t tag = 0;
    std::uint32_t length = 0;
    ByteSpan value;
    if (!reader.ReadU8(tag) || !reader.ReadU32(length) || !reader.ReadBytes(length, value)) {
      return Fail(Errc::kMalformed, "truncated IPC field");
    }
    message.AddBytes(tag, value);
  }
  if (reader.remaining() != 0) {
    return Fail(Errc::kMalformed, "trailing bytes after IPC message");
  }
  return message;
}

}  // namespace sekisho::proto::ipc

#pragma once
// ipc::Message: the generic envelope of every message between sekishod's processes (main,
// security module, workers): a type, a request id that pairs a reply with its request, and a
// list of tagged fields. The typed messages in messages.h convert to and from it.
//
// Decode() treats its input as hostile: a worker may be compromised, so main and the security
// module decode everything it sends with the same bounds checks as peer input. Pure functions;
// thread-compatible.

#include "base/bytes.h"
#include "base/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho::proto::ipc {

enum class MessageType : std::uint8_t {
  // main -> worker
  kNewConnection = 0x01,  // fd: an accepted TCP connection
  kLoginReply = 0x02,     // the HTTP response to a kLoginRequest
  kConnectReply = 0x03,   // fd (on success): the session's TUN device
  kTerminate = 0x04,      // end a session's tunnel with a DISCONNECT
  kDtlsHello = 0x05,      // fd: a UDP socket connected to the client; the ClientHello
  kSecModLink = 0x06,     // fd: a new socket to the security module (after its restart)
  kShutdown = 0x07,       // log every client off and exit
  kConfigUpdate = 0x08,   // a reloaded configuration and certificate chain (reload_messages.h)
  // worker -> main
  kLoginRequest = 0x20,  // one parsed HTTP request of the login phase
  kConnectRequest = 0x21,
  kTunnelClosed = 0x22,     // a tunnel ended (with its last traffic counters)
  kTunnelStats = 0x23,      // traffic since the last report, and the data channel
  kConnectionPhase = 0x24,  // a connection finished its handshake, got a tunnel, or closed
  // worker / main -> security module, and replies
  kSignRequest = 0x40,
  kSignReply = 0x41,
  kCredentialRequest = 0x42,
  kCredentialReply = 0x43,
  kKeyReload = 0x44,       // main -> sec-mod: load the (new) key and password file
  kKeyReloadReply = 0x45,  // sec-mod -> main: done, or why not
};

std::string_view ToString(MessageType type);

struct Field {
  std::uint8_t tag = 0;
  std::string value;
};

class Message {
 public:
  Message() = default;
  Message(MessageType type, std::uint32_t id) : type_(type), id_(id) {}

  MessageType type() const { return type_; }
  std::uint32_t id() const { return id_; }
  const std::vector<Field>& fields() const { return fields_; }

  void AddString(std::uint8_t tag, std::string_view value);
  void AddBytes(std::uint8_t tag, ByteSpan value);
  void AddU64(std::uint8_t tag, std::uint64_t value);
  void AddBool(std::uint8_t tag, bool value) { AddU64(tag, value ? 1 : 0); }

  // The first field with `tag`, or nullptr.
  const std::string* Find(std::uint8_t tag) const;
  // Every field with `tag`, in order.
  std::vector<std::string_view> FindAll(std::uint8_t tag) const;
  // The first `tag` as a u64; nullopt when absent or not exactly 8 bytes.
  std::optional<std::uint64_t> FindU64(std::uint8_t tag) const;
  // The first `tag`, or "" when absent.
  std::string_view StringOr(std::uint8_t tag, std::string_view fallback = {}) const;

  // Errors: kTooLarge when the message exceeds wire::kMaxMessageSize or kMaxFields (a bug on
  // the sending side: the caller must not send it).
  Result<Bytes> Encode() const;

 private:
  MessageType type_ = MessageType::kNewConnection;
  std::uint32_t id_ = 0;
  std::vector<Field> fields_;
};

// Errors (the receiver logs and closes the link to that process):
//   kMalformed  wrong version, unknown type, truncated field, trailing bytes;
//   kTooLarge   more than wire::kMaxMessageSize bytes or wire::kMaxFields fields.
Result<Message> Decode(ByteSpan payload);

}  // namespace sekisho::proto::ipc

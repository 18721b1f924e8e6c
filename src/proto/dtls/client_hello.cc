#include "proto/dtls/client_hello.h"

namespace sekisho::proto::dtls {
namespace {

bool SkipVector8(ByteReader& r) {
  std::uint8_t n = 0;
  return r.ReadU8(n) && r.Skip(n);
}

bool SkipVector16(ByteReader& r) {
  std::uint16_t n = 0;
  return r.ReadU16(n) && r.Skip(n);
}

// Looks for the ApplicationID extension in what follows the session_id. Any inconsistency
// means "no extension", and the caller falls back to the session_id, as ocserv does.
std::optional<ByteSpan> FindApplicationId(ByteReader r) {
  if (!SkipVector8(r) /* cookie */ || !SkipVector16(r) /* cipher_suites */ ||
      !SkipVector8(r) /* compression_methods */) {
    return std::nullopt;
  }
  std::uint16_t extensions_len = 0;
  ByteSpan extensions;
  if (!r.ReadU16(extensions_len) || !r.ReadBytes(extensions_len, extensions)) {
    return std::nullopt;
  }
  ByteReader ext(extensions);
  while (ext.remaining() > 0) {
    std::uint16_t type = 0;
    std::uint16_t len = 0;
    ByteSpan body;
    if (!ext.ReadU16(type) || !ext.ReadU16(len) || !ext.ReadBytes(len, body)) {
      return std::nullopt;
    }
    if (type != kExtensionApplicationId) {
      continue;
    }
    // opaque ApplicationID<1..2^8-1>
    ByteReader id_reader(body);
    std::uint8_t id_len = 0;
    ByteSpan id;
    if (!id_reader.ReadU8(id_len) || id_len == 0 || !id_reader.ReadBytes(id_len, id)) {
      return std::nullopt;
    }
    return id;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ByteSpan> ExtractClientHelloSessionId(ByteSpan datagram) {
  if (datagram.size() < kMinClientHelloSize) {
    return std::nullopt;
  }
  ByteReader rec(datagram);
  std::uint8_t content_type = 0;
  std::uint16_t record_len = 0;
  ByteSpan record;
  // type(1) version(2) epoch(2) sequence(6) length(2)
  if (!rec.ReadU8(content_type) || content_type != kContentTypeHandshake || !rec.Skip(10) ||
      !rec.ReadU16(record_len) || !rec.ReadBytes(record_len, record)) {
    return std::nullopt;
  }

  ByteReader hs(record);
  std::uint8_t msg_type = 0;
  std::uint32_t length = 0;
  std::uint32_t fragment_offset = 0;
  std::uint32_t fragment_len = 0;
  ByteSpan body;
  // msg_type(1) length(3) message_seq(2) fragment_offset(3) fragment_length(3)
  if (!hs.ReadU8(msg_type) || msg_type != kHandshakeTypeClientHello || !hs.ReadU24(length) ||
      !hs.Skip(2) || !hs.ReadU24(fragment_offset) || !hs.ReadU24(fragment_len) ||
      fragment_offset != 0 || fragment_len > length || !hs.ReadBytes(fragment_len, body)) {
    return std::nullopt;
  }

  ByteReader hello(body);
  std::uint8_t sid_len = 0;
  ByteSpan sid;
  if (!hello.Skip(2 + 32) || !hello.ReadU8(sid_len) || sid_len > kMaxSessionIdSize ||
      !hello.ReadBytes(sid_len, sid)) {
    return std::nullopt;
  }
  if (std::optional<ByteSpan> app_id = FindApplicationId(hello)) {
    return app_id;
  }
  if (sid.empty()) {
    return std::nullopt;
  }
  return sid;
}

}  // namespace sekisho::proto::dtls

#include "proto/cstp/frame.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace sekisho::proto::cstp {

const char* PacketTypeName(PacketType type) {
  switch (type) {
    case PacketType::kData: return "kData";
    case PacketType::kDpdRequest: return "kDpdRequest";
    case PacketType::kDpdResponse: return "kDpdResponse";
    case PacketType::kDisconnect: return "kDisconnect";
    case PacketType::kKeepalive: return "kKeepalive";
    case PacketType::kCompressed: return "kCompressed";
    case PacketType::kTerminate: return "kTerminate";
  }
  return "unknown";
}

Result<Frame> ParseRecord(ByteSpan record) {
  if (record.size() < kHeaderSize) {
    return Fail(Errc::kMalformed,
                fmt::format("CSTP record of {} bytes is shorter than the header", record.size()));
  }
  if (std::memcmp(record.data(), kMagic, sizeof(kMagic)) != 0) {
    return Fail(Errc::kMalformed, "bad CSTP magic");
  }
  if (record[kReservedOffset] != 0) {
    return Fail(Errc::kMalformed, "CSTP header byte 7 is not zero");
  }
  const std::size_t length = LoadU16(record.data() + kLengthOffset);
  if (length != record.size() - kHeaderSize) {
    // Both peers treat this as fatal: the record boundary is the frame boundary (§1.3).
    return Fail(Errc::kMalformed, fmt::format("CSTP length {} but record carries {} bytes", length,
                                              record.size() - kHeaderSize));
  }
  const std::uint8_t type = record[kTypeOffset];
  if (!IsKnownPacketType(type)) {
    return Fail(Errc::kUnsupported, fmt::format("unknown CSTP packet type 0x{:02x}", type));
  }
  return Frame{static_cast<PacketType>(type), record.subspan(kHeaderSize)};
}

std::size_t EncodeFrame(PacketType type, ByteSpan payload, MutableByteSpan out) {
  if (payload.size() > kMaxPayload || out.size() < kHeaderSize + payload.size()) {
    return 0;
  }
  // memmove: the payload may already sit at out + kHeaderSize, or overlap it.
  if (!payload.empty() && payload.data() != out.data() + kHeaderSize) {
    std::memmove(out.data() + kHeaderSize, payload.data(), payload.size());
  }
  WriteHeader(out.data(), type, static_cast<std::uint16_t>(payload.size()));
  return kHeaderSize + payload.size();
}

namespace {

EmptyFrame MakeEmpty(PacketType type) {
  EmptyFrame f;
  WriteHeader(f.data(), type, 0);
  return f;
}

Bytes MakeFrame(PacketType type, std::uint8_t* lead, ByteSpan body) {
  const std::size_t lead_size = lead != nullptr ? 1 : 0;
  const std::size_t body_size = std::min(body.size(), kMaxPayload - lead_size);
  Bytes out(kHeaderSize + lead_size + body_size);
  WriteHeader(out.data(), type, static_cast<std::uint16_t>(lead_size + body_size));
  if (lead != nullptr) {
    out[kHeaderSize] = *lead;
  }
  if (body_size > 0) {
    std::memcpy(out.data() + kHeaderSize + lead_size, body.data(), body_size);
  }
  return out;
}

}  // namespace

EmptyFrame DpdRequestFrame() { return MakeEmpty(PacketType::kDpdRequest); }

Bytes DpdResponseFrame(ByteSpan request_payload) {
  return MakeFrame(PacketType::kDpdResponse, nullptr, request_payload);
}

EmptyFrame KeepaliveFrame() { return MakeEmpty(PacketType::kKeepalive); }

Bytes UserDisconnectFrame(std::string_view reason) {
  std::uint8_t code = kDisconnectReasonUser;
  return MakeFrame(PacketType::kDisconnect, &code, AsBytes(reason));
}

EmptyFrame BareDisconnectFrame() { return MakeEmpty(PacketType::kDisconnect); }

EmptyFrame TerminateFrame() { return MakeEmpty(PacketType::kTerminate); }

DisconnectKind ClassifyDisconnect(ByteSpan payload) {
  if (payload.empty()) {
    return DisconnectKind::kTemporary;
  }
  if (payload[0] == kDisconnectReasonUser) {
    return DisconnectKind::kUser;
  }
  return DisconnectKind::kError;
}

std::string DisconnectReasonText(ByteSpan payload) {
  constexpr std::size_t kMaxText = 128;
  std::string text;
  if (payload.size() < 2) {
    return text;
  }
  const ByteSpan body = payload.subspan(1, std::min(payload.size() - 1, kMaxText));
  text.reserve(body.size());
  for (std::uint8_t b : body) {
    text.push_back(b >= 0x20 && b < 0x7f ? static_cast<char>(b) : '?');
  }
  return text;
}

}  // namespace sekisho::proto::cstp

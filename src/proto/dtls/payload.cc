#include "proto/dtls/payload.h"

#include <fmt/format.h>

#include <cstring>

namespace sekisho::proto::dtls {

Result<DtlsPacket> ParseDtlsPayload(ByteSpan record) {
  if (record.empty()) {
    return Fail(Errc::kMalformed, "empty DTLS record");
  }
  const std::uint8_t type = record[0];
  if (!cstp::IsKnownPacketType(type)) {
    return Fail(Errc::kUnsupported, fmt::format("unknown DTLS packet type 0x{:02x}", type));
  }
  return DtlsPacket{static_cast<PacketType>(type), record.subspan(kDtlsHeaderSize)};
}

std::size_t EncodeDtlsPacket(PacketType type, ByteSpan payload, MutableByteSpan out) {
  if (out.size() < kDtlsHeaderSize + payload.size()) {
    return 0;
  }
  if (!payload.empty() && payload.data() != out.data() + kDtlsHeaderSize) {
    std::memmove(out.data() + kDtlsHeaderSize, payload.data(), payload.size());
  }
  WriteDtlsHeader(out.data(), type);
  return kDtlsHeaderSize + payload.size();
}

}  // namespace sekisho::proto::dtls

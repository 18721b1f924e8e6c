#pragma once
// Framing of AnyConnect packets inside DTLS (docs/protocol/dtls.md, anyconnect.md §8.1).
//
// One DTLS application-data record = one datagram = one packet: a 1-byte type header (the CSTP
// PacketType values) followed by the payload. There is no length field; the record length is
// the packet length. Allocation-free: the data path reads an IP packet into buf + 1 and calls
// WriteDtlsHeader(buf, ...).
//
// Thread-compatible: all functions are pure.

#include "base/bytes.h"
#include "base/result.h"
#include "proto/cstp/wire.h"

#include <cstddef>
#include <cstdint>

namespace sekisho::proto::dtls {

using cstp::PacketType;

inline constexpr std::size_t kDtlsHeaderSize = 1;

// A parsed packet; `payload` points into the record given to the parser.
struct DtlsPacket {
  PacketType type = PacketType::kData;
  ByteSpan payload;
};

// Parses one decrypted DTLS record. Never asserts.
// Errors:
//   kMalformed   empty record: drop it.
//   kUnsupported unknown type byte (context names it): log and drop it; openconnect does the
//                same on DTLS (unlike CSTP, this does not end the session).
Result<DtlsPacket> ParseDtlsPayload(ByteSpan record);

// Writes the 1-byte header at dst. REQUIRES: dst has kDtlsHeaderSize writable bytes.
inline void WriteDtlsHeader(std::uint8_t* dst, PacketType type) {
  dst[0] = static_cast<std::uint8_t>(type);
}

// Writes header + payload into `out` and returns the packet size, or 0 when out is too small.
// `payload` may alias out[kDtlsHeaderSize..].
std::size_t EncodeDtlsPacket(PacketType type, ByteSpan payload, MutableByteSpan out);

}  // namespace sekisho::proto::dtls

#pragma once
// CSTP frame codec for the TLS channel (docs/protocol/cstp.md, anyconnect.md §7).
//
// One TLS record carries exactly one frame and one frame fits exactly one record (§1.3): both
// real peers drop or abort on a record whose length disagrees with the header. ParseRecord()
// therefore takes a whole record; FrameDecoder (frame_decoder.h) is for byte streams.
//
// Encoding is allocation-free on the data path: read the IP packet into buf + kHeaderSize and
// call WriteHeader(buf, ...) to put the header in front, then hand buf to TLS in ONE write.
//
// Thread-compatible: all functions are pure.

#include "base/bytes.h"
#include "base/result.h"
#include "proto/cstp/wire.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sekisho::proto::cstp {

// A parsed frame. `payload` points into the buffer given to the parser and is valid as long as
// that buffer is.
struct Frame {
  PacketType type = PacketType::kData;
  ByteSpan payload;
};

// Parses one TLS record holding one frame. Never asserts; any input is safe.
// Errors:
//   kMalformed   record shorter than the header, bad magic, byte 7 != 0, or the length field
//                disagrees with the record size. The peer is broken: close the session.
//   kUnsupported well-formed frame of an unknown type (context names the type). A gateway may
//                log and ignore it (ocserv does); a client must close (openconnect does).
Result<Frame> ParseRecord(ByteSpan record);

// Writes the 8-byte header for a payload of `payload_len` bytes at dst.
// REQUIRES: dst has kHeaderSize writable bytes; payload_len <= kMaxPayload.
inline void WriteHeader(std::uint8_t* dst, PacketType type, std::uint16_t payload_len) {
  dst[0] = kMagic[0];
  dst[1] = kMagic[1];
  dst[2] = kMagic[2];
  dst[3] = kMagic[3];
  StoreU16(dst + kLengthOffset, payload_len);
  dst[kTypeOffset] = static_cast<std::uint8_t>(type);
  dst[kReservedOffset] = 0;
}

// Writes header + payload into `out`. Returns the frame size, or 0 when out is too small or
// the payload exceeds kMaxPayload (nothing useful is written then). `payload` may alias
// out[kHeaderSize..] (the in-place data path).
std::size_t EncodeFrame(PacketType type, ByteSpan payload, MutableByteSpan out);

// A control frame without payload (DPD request, keepalive, bare DISCONNECT, TERMINATE).
using EmptyFrame = std::array<std::uint8_t, kHeaderSize>;

EmptyFrame DpdRequestFrame();
// DPD response echoing the request payload (ocserv echoes; an empty payload is what
// openconnect sends). A payload longer than kMaxPayload is truncated to kMaxPayload.
Bytes DpdResponseFrame(ByteSpan request_payload);
inline EmptyFrame EmptyDpdResponseFrame() {
  EmptyFrame f;
  WriteHeader(f.data(), PacketType::kDpdResponse, 0);
  return f;
}
EmptyFrame KeepaliveFrame();
// DISCONNECT with reason byte 0xB0 and `reason` text: "the user ended the session". ocserv
// closes the session and kills the cookie. The text is truncated to fit kMaxPayload.
Bytes UserDisconnectFrame(std::string_view reason);
// Bare DISCONNECT (no payload): what ocserv sends when it ends a session, and what a Cisco
// client sends when it means to come back with the same cookie.
EmptyFrame BareDisconnectFrame();
// TERMINATE: the gateway is shutting down; openconnect exits without reconnecting.
EmptyFrame TerminateFrame();

// How ocserv interprets a DISCONNECT payload (§7.3).
enum class DisconnectKind {
  kTemporary,  // empty payload: keep the session and cookie for cookie-timeout
  kUser,       // first byte 0xB0: user logout, close the session and invalidate the cookie
  kError,      // anything else: protocol error, close the session
};

DisconnectKind ClassifyDisconnect(ByteSpan payload);

// The reason text of a DISCONNECT payload (the bytes after the reason byte, as openconnect
// prints them), made safe for logs: non-printable bytes become '?', at most 128 characters.
// Empty when the payload has fewer than 2 bytes.
std::string DisconnectReasonText(ByteSpan payload);

}  // namespace sekisho::proto::cstp

#pragma once
// CSTP wire constants: the 8-byte frame header that carries every packet of the TLS channel
// and the packet types shared with the DTLS channel. Format and peer behaviour are described
// in docs/protocol/cstp.md (anyconnect.md §7). Bare offsets into a CSTP header are forbidden
// outside proto/cstp; use these names.

#include <cstddef>
#include <cstdint>

namespace sekisho::proto::cstp {

// Bytes 0..3 of every frame: "STF" and version 1.
inline constexpr std::uint8_t kMagic[4] = {0x53, 0x54, 0x46, 0x01};

// Header layout: magic[4] | payload length BE16 | type | 0x00.
inline constexpr std::size_t kHeaderSize = 8;
inline constexpr std::size_t kLengthOffset = 4;
inline constexpr std::size_t kTypeOffset = 6;
inline constexpr std::size_t kReservedOffset = 7;

// A frame must travel in exactly one TLS record (anyconnect.md §1.3), and a TLS record holds at
// most 16384 bytes of plaintext.
inline constexpr std::size_t kMaxRecordSize = 16384;
inline constexpr std::size_t kMaxPayload = kMaxRecordSize - kHeaderSize;

// Packet types (ocserv src/vpn.h AC_PKT_*). The same values are the 1-byte header of DTLS
// packets. Values 1, 2, 6 and >= 10 are unused; openconnect ends the session on any of them
// over TLS, so they must never be sent.
enum class PacketType : std::uint8_t {
  kData = 0,         // one IPv4/IPv6 packet
  kDpdRequest = 3,   // AC_PKT_DPD_OUT: answer with kDpdResponse
  kDpdResponse = 4,  // AC_PKT_DPD_RESP: echoes the request payload
  kDisconnect = 5,   // optional reason byte + text (§7.3)
  kKeepalive = 7,    // no payload, no answer
  kCompressed = 8,   // compressed IP packet (§12)
  kTerminate = 9,    // AC_PKT_TERM_SERVER: gateway shutting down, client must not reconnect
};

// True for the values above; anything else is rejected by the parsers with kUnsupported.
constexpr bool IsKnownPacketType(std::uint8_t v) {
  return v == 0 || v == 3 || v == 4 || v == 5 || v == 7 || v == 8 || v == 9;
}

// "kData", "kDpdRequest", ...; "unknown" for values outside the enum.
const char* PacketTypeName(PacketType type);

// First payload byte of a DISCONNECT that means "the user ended the session" (openconnect sends
// 0xB0 + "Aborted by caller"; ocserv then closes the session and kills the cookie).
inline constexpr std::uint8_t kDisconnectReasonUser = 0xB0;

}  // namespace sekisho::proto::cstp

#pragma once
// Finds the session key in a DTLS ClientHello datagram so that the gateway can hand the UDP
// flow to the session that issued it (docs/protocol/dtls.md, anyconnect.md §8.3).
//
// The key is what the gateway sent in the CONNECT response: X-DTLS-Session-ID (legacy Cisco
// DTLS 0.9 / DTLS 1.2 resumption) or X-DTLS-App-ID (PSK-NEGOTIATE). Clients put it in the
// ClientHello session_id; older openconnect builds in PSK mode put it in a ClientHello
// extension 0xBB92 (ApplicationID) instead.
//
// Thread-compatible: pure function over untrusted bytes.

#include "base/bytes.h"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace sekisho::proto::dtls {

// Offsets in the UDP payload: 13-byte record header, 12-byte handshake header, 2-byte
// client_version, 32-byte random, then the session_id length byte.
inline constexpr std::size_t kRecordHeaderSize = 13;
inline constexpr std::size_t kHandshakeHeaderSize = 12;
inline constexpr std::size_t kRandomOffset = kRecordHeaderSize + kHandshakeHeaderSize + 2;
inline constexpr std::size_t kSessionIdLengthOffset = kRandomOffset + 32;  // 59
inline constexpr std::size_t kMaxSessionIdSize = 32;
// ocserv ignores shorter datagrams (13 + 46 + 32 + 2); every real ClientHello is longer.
inline constexpr std::size_t kMinClientHelloSize = 93;
inline constexpr std::uint8_t kContentTypeHandshake = 0x16;
inline constexpr std::uint8_t kHandshakeTypeClientHello = 0x01;
inline constexpr std::uint16_t kExtensionApplicationId = 0xBB92;  // 48018

// Returns the session key of a DTLS ClientHello, pointing into `datagram`, or nullopt when the
// datagram is not a well-formed, unfragmented ClientHello carrying a non-empty key (the caller
// drops it, or tries its NAT-rebinding rule for non-handshake records).
//
// Checks: content type 0x16, handshake type 0x01, record length within the datagram, handshake
// fragment starting at 0 and within the record, session_id length <= 32, datagram of at least
// kMinClientHelloSize bytes. When the extension 0xBB92 is present and well-formed its
// ApplicationID wins (ocserv's order: main.c get_session_id); otherwise the session_id is the
// key.
std::optional<ByteSpan> ExtractClientHelloSessionId(ByteSpan datagram);

}  // namespace sekisho::proto::dtls

#pragma once
// Wire constants of the sekishoctl admin protocol. The format is described in
// docs/protocol/ctl.md; nothing outside src/proto/ctl/ should need these numbers.
//
// frame   = u32 length (big-endian, counts the payload only) + payload
// payload = u8 version | u8 message type | u8 status | field*
// field   = u8 tag | u16 length (big-endian) | value
//
// Integers are u64 big-endian (exactly 8 bytes); strings are raw bytes (UTF-8 by convention).
// Records (a pool, a session) are fields whose value is itself a sequence of fields.
// Decoders skip unknown tags, so version 1 can grow new fields without breaking old tools.

#include <cstddef>
#include <cstdint>

namespace sekisho::proto::ctl::wire {

inline constexpr std::uint8_t kVersion = 1;

inline constexpr std::size_t kLengthPrefixSize = 4;
inline constexpr std::size_t kHeaderSize = 3;       // version, type, status
inline constexpr std::size_t kFieldHeaderSize = 3;  // tag, u16 length
inline constexpr std::size_t kMaxFieldSize = 0xFFFF;
// Largest payload either side accepts or produces.
inline constexpr std::size_t kMaxMessageSize = 1024 * 1024;

// Message types. Requests have the high bit clear, responses set.
inline constexpr std::uint8_t kTypeShowStatus = 0x01;
inline constexpr std::uint8_t kTypeShowSessions = 0x02;
inline constexpr std::uint8_t kTypeDisconnect = 0x03;
inline constexpr std::uint8_t kTypeShowBans = 0x04;
inline constexpr std::uint8_t kTypeUnban = 0x05;
inline constexpr std::uint8_t kTypeTerminateUser = 0x06;
inline constexpr std::uint8_t kTypeReload = 0x07;
inline constexpr std::uint8_t kTypeStatus = 0x81;
inline constexpr std::uint8_t kTypeSessions = 0x82;
inline constexpr std::uint8_t kTypeDisconnectResult = 0x83;
inline constexpr std::uint8_t kTypeBans = 0x84;
inline constexpr std::uint8_t kTypeUnbanResult = 0x85;
inline constexpr std::uint8_t kTypeTerminateUserResult = 0x86;
inline constexpr std::uint8_t kTypeReloadResult = 0x87;
inline constexpr std::uint8_t kTypeError = 0xFF;

// Field tags. One flat namespace so a tag means the same thing wherever it appears.
inline constexpr std::uint8_t kTagSessionId = 0x01;       // u64
inline constexpr std::uint8_t kTagServerVersion = 0x10;   // string
inline constexpr std::uint8_t kTagUptime = 0x11;          // u64 seconds
inline constexpr std::uint8_t kTagSessionsActive = 0x12;  // u64
inline constexpr std::uint8_t kTagBytesIn = 0x13;         // u64 (client -> gateway)
inline constexpr std::uint8_t kTagBytesOut = 0x14;        // u64 (gateway -> client)
inline constexpr std::uint8_t kTagPool = 0x15;            // record
inline constexpr std::uint8_t kTagPoolGroup = 0x20;       // string
inline constexpr std::uint8_t kTagPoolNetwork = 0x21;     // string, "10.0.0.0/24"
inline constexpr std::uint8_t kTagPoolUsed = 0x22;        // u64
inline constexpr std::uint8_t kTagPoolCapacity = 0x23;    // u64
inline constexpr std::uint8_t kTagSession = 0x30;         // record
inline constexpr std::uint8_t kTagUser = 0x31;            // string
inline constexpr std::uint8_t kTagGroup = 0x32;           // string
inline constexpr std::uint8_t kTagPeer = 0x33;            // string, "198.51.100.7:50123"
inline constexpr std::uint8_t kTagVpnIpv4 = 0x34;         // string, "10.0.0.2"
inline constexpr std::uint8_t kTagConnectedFor = 0x35;    // u64 seconds
inline constexpr std::uint8_t kTagChannel = 0x36;         // string, "tls" | "dtls"
inline constexpr std::uint8_t kTagState = 0x37;           // string
inline constexpr std::uint8_t kTagDroppedSpoofed = 0x3F;  // u64, source validation drops
inline constexpr std::uint8_t kTagErrorMessage = 0x40;    // string
inline constexpr std::uint8_t kTagBan = 0x50;             // record
inline constexpr std::uint8_t kTagBanScope = 0x51;        // u64, BanScope
inline constexpr std::uint8_t kTagBanKey = 0x52;          // string, address, "net/64" or user
inline constexpr std::uint8_t kTagBanFailures = 0x53;     // u64
inline constexpr std::uint8_t kTagBanSecondsLeft = 0x54;  // u64 seconds
inline constexpr std::uint8_t kTagSessionsEnded = 0x60;   // u64, TerminateUserResult

}  // namespace sekisho::proto::ctl::wire

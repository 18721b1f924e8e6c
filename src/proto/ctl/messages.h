#pragma once
// Messages of the sekishoctl admin protocol (docs/protocol/ctl.md): seven requests and their
// responses, as plain value types. Encoding and decoding live in proto/ctl/codec.h.
//
// One request gets exactly one response. Any request may instead be answered with an
// ErrorResponse (unsupported version, malformed request, unknown type, internal error).

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sekisho::proto::ctl {

// Numeric result codes carried in every response header. Stable on the wire: never renumber.
enum class Status : std::uint8_t {
  kOk = 0,
  kNotFound = 1,            // Disconnect: no session with that id; Unban: no such record
  kUnsupportedVersion = 2,  // request version is not wire::kVersion
  kMalformed = 3,           // request could not be decoded
  kUnknownRequest = 4,      // message type is not a known request
  kInternal = 5,            // the gateway failed to answer
  kTooLarge = 6,            // the answer would exceed wire::kMaxMessageSize
  kNotSupported = 7,        // Reload: this gateway build cannot reload
};

// "ok", "not-found", ...; "unknown" for values outside the enum.
std::string_view StatusName(Status status);

// Address usage of one group's IPv4 pool.
struct PoolUsage {
  std::string group;
  std::string network;  // "10.0.0.0/24"
  std::uint64_t used = 0;
  std::uint64_t capacity = 0;
  friend bool operator==(const PoolUsage&, const PoolUsage&) = default;
};

struct StatusInfo {
  std::string server_version;
  std::uint64_t uptime_s = 0;
  std::uint64_t sessions_active = 0;
  std::uint64_t bytes_in = 0;   // sum over live sessions, client -> gateway
  std::uint64_t bytes_out = 0;  // sum over live sessions, gateway -> client
  std::vector<PoolUsage> pools;
  friend bool operator==(const StatusInfo&, const StatusInfo&) = default;
};

struct SessionInfo {
  std::uint64_t id = 0;
  std::string user;
  std::string group;
  std::string peer;      // "198.51.100.7:50123" or "[2001:db8::1]:50123"
  std::string vpn_ipv4;  // "10.0.0.2"
  std::uint64_t connected_for_s = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::string channel;  // "tls" or "dtls": where data currently flows
  std::string state;    // free text from the gateway, e.g. "connected", "disconnected"
  // Packets from the client dropped by source-address validation (a source other than its
  // leased address, or no IP header).
  std::uint64_t dropped_spoofed = 0;
  friend bool operator==(const SessionInfo&, const SessionInfo&) = default;
};

// What a login-throttle record counts: a source address (IPv6: its /64) or a user name.
// Stable on the wire: never renumber.
enum class BanScope : std::uint8_t { kAddress = 0, kUser = 1 };

// "address" or "user".
std::string_view BanScopeName(BanScope scope);

// One blocked record of the login throttle.
struct BanInfo {
  BanScope scope = BanScope::kAddress;
  std::string key;  // "198.51.100.7", "2001:db8:1:2::/64" or a user name
  std::uint64_t failures = 0;
  std::uint64_t seconds_left = 0;
  friend bool operator==(const BanInfo&, const BanInfo&) = default;
};

// Requests.
struct ShowStatusRequest {
  friend bool operator==(const ShowStatusRequest&, const ShowStatusRequest&) = default;
};
struct ShowSessionsRequest {
  std::string user;  // only this user's sessions; empty: every session
  friend bool operator==(const ShowSessionsRequest&, const ShowSessionsRequest&) = default;
};
struct DisconnectRequest {
  std::uint64_t session_id = 0;
  friend bool operator==(const DisconnectRequest&, const DisconnectRequest&) = default;
};
struct ShowBansRequest {
  friend bool operator==(const ShowBansRequest&, const ShowBansRequest&) = default;
};
// Lifts the block on an address (any address inside a blocked IPv6 /64 lifts that /64) or a
// user name, and forgets its failures.
struct UnbanRequest {
  BanScope scope = BanScope::kAddress;
  std::string key;
  friend bool operator==(const UnbanRequest&, const UnbanRequest&) = default;
};
// Ends every session of a user (as Disconnect does for one: cookies invalidated).
struct TerminateUserRequest {
  std::string user;
  friend bool operator==(const TerminateUserRequest&, const TerminateUserRequest&) = default;
};
// Asks the gateway to re-read its configuration (see the gateway's reload documentation).
struct ReloadRequest {
  friend bool operator==(const ReloadRequest&, const ReloadRequest&) = default;
};
using Request = std::variant<ShowStatusRequest, ShowSessionsRequest, DisconnectRequest,
                             ShowBansRequest, UnbanRequest, TerminateUserRequest, ReloadRequest>;

// Responses.
struct StatusResponse {
  StatusInfo info;
  friend bool operator==(const StatusResponse&, const StatusResponse&) = default;
};
struct SessionsResponse {
  std::vector<SessionInfo> sessions;
  friend bool operator==(const SessionsResponse&, const SessionsResponse&) = default;
};
struct DisconnectResponse {
  Status status = Status::kOk;  // kOk or kNotFound
  friend bool operator==(const DisconnectResponse&, const DisconnectResponse&) = default;
};
struct BansResponse {
  std::vector<BanInfo> bans;
  friend bool operator==(const BansResponse&, const BansResponse&) = default;
};
struct UnbanResponse {
  Status status = Status::kOk;  // kOk or kNotFound
  friend bool operator==(const UnbanResponse&, const UnbanResponse&) = default;
};
struct TerminateUserResponse {
  Status status = Status::kOk;  // kOk, or kNotFound when the user had no session
  std::uint64_t sessions_ended = 0;
  friend bool operator==(const TerminateUserResponse&, const TerminateUserResponse&) = default;
};
struct ReloadResponse {
  Status status = Status::kOk;  // kOk, kNotSupported, or kInternal when the reload failed
  std::string message;          // what was reloaded, or why not
  friend bool operator==(const ReloadResponse&, const ReloadResponse&) = default;
};
struct ErrorResponse {
  Status status = Status::kInternal;  // never kOk
  std::string message;
  friend bool operator==(const ErrorResponse&, const ErrorResponse&) = default;
};
using Response = std::variant<StatusResponse, SessionsResponse, DisconnectResponse, ErrorResponse,
                              BansResponse, UnbanResponse, TerminateUserResponse, ReloadResponse>;

}  // namespace sekisho::proto::ctl

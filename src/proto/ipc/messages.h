#pragma once
// The typed messages between sekishod's processes (docs/ipc.md), each convertible to and from
// the generic ipc::Message. Who sends what:
//
//   worker -> main      LoginRequest, ConnectRequest, TunnelClosed, TunnelStats,
//                       ConnectionPhase
//   main -> worker      NewConnection (+fd), LoginReply, ConnectReply (+TUN fd), Terminate,
//                       DtlsHello (+UDP fd), SecModLink (+fd), Shutdown
//   worker -> sec-mod   SignRequest -> SignReply
//   main -> sec-mod     CredentialRequest -> CredentialReply
//
// From*() functions treat the message as hostile (a worker may be compromised): they check
// presence and size of every field they need and return kMalformed otherwise. What a worker
// may ask is limited by the receiver, not here (main only acts on sessions that worker holds).

#include "base/bytes.h"
#include "base/redacted.h"
#include "base/result.h"
#include "proto/auth/client_message.h"
#include "proto/http/message.h"
#include "proto/ipc/message.h"

#include <cstdint>
#include <optional>
#include <string>

namespace sekisho::proto::ipc {

// What the worker's TLS layer verified about the client's certificate.
struct CertificateIdentity {
  std::string subject_dn;
  std::string common_name;
  std::string uid;
  std::string organizational_unit;
};

// One HTTP request of the login phase, parsed by the worker: the head and, for a POST, its
// body as a neutral ClientMessage (XML or form), so that main never parses client bytes.
struct LoginRequest {
  std::uint32_t request_id = 0;
  http::HttpRequest head;  // body always empty
  bool xml_body = false;   // the POST body was aggregate-auth XML (not a legacy form)
  std::optional<auth::ClientMessage> message;  // POST with a readable body
  std::string parse_error;                     // POST with an unreadable body: why
  std::string peer_ip;
  std::optional<CertificateIdentity> client_cert;

  Message ToMessage() const;
  static Result<LoginRequest> FromMessage(const Message& message);
};

struct LoginReply {
  std::uint32_t request_id = 0;
  http::HttpResponse response;
  bool close_connection = false;

  Message ToMessage() const;
  static Result<LoginReply> FromMessage(const Message& message);
};

struct ConnectRequest {
  std::uint32_t request_id = 0;
  std::uint64_t connection_id = 0;  // the worker's name for the connection asking
  SecretString cookie;              // the webvpn cookie the client presented
  std::string peer_ip;              // the client's address
  std::string local_ip;             // the gateway address the client reached (DTLS binds to it)
  std::uint32_t tun_mtu = 0;        // MTU the worker computed for the session's TUN device

  Message ToMessage() const;
  static Result<ConnectRequest> FromMessage(const Message& message);
};

// The answer to ConnectRequest. On success the TUN device's fd travels with it.
struct ConnectReply {
  std::uint32_t request_id = 0;
  bool ok = false;
  unsigned http_status = 0;  // on failure: 401 (cookie refused) or 503
  std::string error;         // on failure: why, for the log
  std::uint64_t session_id = 0;
  std::string user;
  std::string group;
  std::uint32_t ipv4 = 0;                 // the client's address, host byte order
  Bytes dtls_session_id;                  // 32 bytes
  std::uint32_t session_remaining_s = 0;  // 0 = unlimited
  std::uint16_t dtls_port = 0;            // 0 = DTLS off

  Message ToMessage() const;
  static Result<ConnectReply> FromMessage(const Message& message);
};

struct Terminate {
  std::uint64_t connection_id = 0;
  std::uint64_t session_id = 0;
  std::string reason;

  Message ToMessage() const;
  static Result<Terminate> FromMessage(const Message& message);
};

// A DTLS ClientHello for one of the worker's sessions; the UDP socket (bound to the gateway's
// DTLS port, connected to the client) travels with it.
struct DtlsHello {
  std::uint64_t connection_id = 0;
  std::uint64_t session_id = 0;
  std::string remote_ip;
  std::uint16_t remote_port = 0;
  Bytes datagram;

  Message ToMessage() const;
  static Result<DtlsHello> FromMessage(const Message& message);
};

struct TrafficDelta {
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t packets_in = 0;
  std::uint64_t packets_out = 0;
  // Packets from the client dropped by source-address validation (spoofed source, no IP
  // header): proto::session::TunnelCounters::dropped_spoofed.
  std::uint64_t dropped_spoofed = 0;
};

struct TunnelStats {
  std::uint64_t connection_id = 0;
  std::uint64_t session_id = 0;
  TrafficDelta delta;
  std::string channel;  // "tls" or "dtls"

  Message ToMessage() const;
  static Result<TunnelStats> FromMessage(const Message& message);
};

struct TunnelClosed {
  enum class Kind : std::uint8_t {
    kLinkLost = 0,  // connection ended; the session waits for a reconnect
    kLogoff = 1,    // the user logged off (DISCONNECT): end the session
  };
  std::uint64_t connection_id = 0;
  std::uint64_t session_id = 0;
  Kind kind = Kind::kLinkLost;
  TrafficDelta delta;
  std::string reason;

  Message ToMessage() const;
  static Result<TunnelClosed> FromMessage(const Message& message);
};

// An accepted TCP connection handed to a worker; the socket travels with it. Main names the
// connection: the worker uses this id in every later message about it, so that main can count
// connections by phase (its connection limits, docs/config.md [limits]).
struct NewConnection {
  std::uint64_t connection_id = 0;

  Message ToMessage() const;
  static Result<NewConnection> FromMessage(const Message& message);
};

// A connection main handed over moved on: its TLS handshake finished (it is now a login-phase
// connection), it became a tunnel, or it closed. Main's admission counts follow these.
struct ConnectionPhase {
  enum class Phase : std::uint8_t {
    kEstablished = 0,  // TLS handshake done; the login phase (HTTP) begins
    kTunnel = 1,       // a CONNECT was granted: the connection carries a tunnel now
    kClosed = 2,       // gone (before or after its tunnel)
  };
  std::uint64_t connection_id = 0;
  Phase phase = Phase::kClosed;

  Message ToMessage() const;
  static Result<ConnectionPhase> FromMessage(const Message& message);
};

// A signature with the gateway's private key for one TLS handshake (GnuTLS external key).
struct SignRequest {
  enum class Input : std::uint8_t { kData = 0, kHash = 1 };
  std::uint32_t request_id = 0;
  Input input = Input::kData;
  std::uint32_t algorithm = 0;  // gnutls_sign_algorithm_t
  std::uint32_t flags = 0;
  Bytes payload;
  // Which key: the lower-case hex SHA-256 of the certificate's public key (SPKI), so that a
  // handshake begun with the certificate before a reload is still signed with its key; empty
  // means the current key.
  std::string key_id;

  Message ToMessage() const;
  static Result<SignRequest> FromMessage(const Message& message);
};

struct SignReply {
  std::uint32_t request_id = 0;
  bool ok = false;
  Bytes signature;

  Message ToMessage() const;
  static Result<SignReply> FromMessage(const Message& message);
};

struct CredentialRequest {
  enum class Op : std::uint8_t { kVerifyPassword = 0, kMayUseGroup = 1, kIsLocked = 2 };
  std::uint32_t request_id = 0;
  Op op = Op::kVerifyPassword;
  std::string user;
  SecretString password;  // kVerifyPassword only
  std::string group;      // kMayUseGroup only

  Message ToMessage() const;
  static Result<CredentialRequest> FromMessage(const Message& message);
};

struct CredentialReply {
  std::uint32_t request_id = 0;
  bool yes = false;

  Message ToMessage() const;
  static Result<CredentialReply> FromMessage(const Message& message);
};

}  // namespace sekisho::proto::ipc

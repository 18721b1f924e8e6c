#pragma once
// SessionRegistry: the gateway's authenticated sessions and logins in progress.
//
// A Session is what the `webvpn` cookie names (anyconnect.md §0.2, §11.1): it is created when a
// login succeeds, outlives individual TLS connections, and ends on user logout (DISCONNECT 0xB0),
// admin disconnect, session timeout, or when no tunnel has been up for the disconnected timeout.
// Its IPv4 lease is taken at the first CONNECT and kept until the session ends, so a reconnect
// gets the same address strings back (decision #20).
//
// A LoginContext is the auth-in-progress state named by the `webvpncontext` cookie: the chosen
// group and the failure count, so a login can continue on a new TLS connection (decision #26).
//
// Lifecycle of a Session:
//
//   Authenticated --CONNECT--> Connected --tunnel closes--> Disconnected --CONNECT--> Connected
//         |                        |                              |
//         +------------------------+--- logout / admin / timeout -+--> (removed, lease freed)
//
// Thread affinity: the registry is owned by the gateway's event-loop thread; not thread-safe.

#include "base/bytes.h"
#include "base/redacted.h"
#include "base/result.h"
#include "base/rng.h"
#include "base/time.h"
#include "gateway/config.h"
#include "gateway/ip_pool.h"
#include "net/tun_linux.h"

#include <boost/asio/ip/udp.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sekisho::gateway {

using SessionId = std::uint64_t;

// Implemented by whatever carries a session's tunnel (GatewayTunnel with --single-process, else
// main's proxy for a worker's tunnel), so that the registry can end it on admin disconnect or
// timeout without knowing about sockets or processes.
class TunnelHandle {
 public:
  virtual ~TunnelHandle() = default;
  // Sends a DISCONNECT to the client and closes the tunnel; the session is already gone.
  virtual void Terminate(std::string_view reason) = 0;
  virtual std::string_view channel() const = 0;  // "tls" or "dtls"
  // A DTLS ClientHello for this session arrived at the gateway's UDP port from `remote`.
  virtual void OnDtlsClientHello(const boost::asio::ip::udp::endpoint& remote,
                                 ByteSpan datagram) = 0;
};

struct SessionCounters {
  std::uint64_t bytes_in = 0;   // from the client, IP payload bytes
  std::uint64_t bytes_out = 0;  // to the client
  std::uint64_t packets_in = 0;
  std::uint64_t packets_out = 0;
  std::uint64_t dropped_spoofed = 0;  // refused by source-address validation
};

struct Session {
  SessionId id = 0;
  std::string user;
  std::string group;
  SecretString cookie;  // the webvpn cookie value (base64 of 32 random bytes)
  std::string peer_address;
  std::string auth_method;  // "password" or "certificate"
  Instant created;
  std::optional<Instant> expires;             // session timeout; nullopt = unlimited
  std::optional<std::uint32_t> ipv4;          // lease, taken at the first CONNECT
  std::string pool_key;                       // the pool that lease came from (its CIDR text)
  std::optional<Instant> disconnected_since;  // set while no tunnel is up
  Instant connected_since;
  TunnelHandle* tunnel = nullptr;  // non-owning; set while a tunnel is up
  SessionCounters counters;
  // The channel of the current tunnel's last traffic report, to see a DTLS -> TLS fallback;
  // cleared when a tunnel attaches (a new tunnel starts on TLS).
  std::string reported_channel;
  Bytes dtls_session_id;  // 32 bytes, handed out in X-DTLS-Session-ID / App-ID
  // The session's TUN device, created at its first CONNECT and kept until the session ends, so
  // that a reconnect (through any worker) finds the same interface, address and routes. The
  // worker carrying the tunnel holds a duplicate of its fd.
  std::unique_ptr<net::TunDevice> tun;
  std::uint32_t tun_mtu = 0;
};

struct LoginContext {
  std::string group;
  int failures = 0;
  Instant expires;
};

class SessionRegistry {
 public:
  // REQUIRES: `config` outlives the registry. Builds one address pool per distinct group pool.
  SessionRegistry(const GatewayConfig& config, Rng& rng);

  // The configuration behind `config` was replaced (a reload): rebuilds the group -> pool map
  // from it. Pools that stay keep their leases; a live lease whose pool went away or changed
  // moves into the new pool that contains its address when that address is free there, and
  // otherwise stays in the old pool, which lives on (outside Pools()) until its last lease
  // ends. Sessions keep their address either way; a new pool never hands out an address a
  // live session holds. Returns how many leases stay in retired pools.
  std::size_t Reconfigure();

  // --- logins in progress (webvpncontext) ---
  // Creates a context and returns its cookie value.
  std::string CreateLoginContext(std::string group, Instant now);
  // nullptr when unknown or expired.
  LoginContext* FindLoginContext(std::string_view cookie, Instant now);
  void DropLoginContext(std::string_view cookie);

  // --- sessions ---
  // Why one more session for `user` is not allowed (tunnel.max_sessions, and
  // tunnel.max_sessions_per_user counting the user's live sessions, with or without a tunnel),
  // as a message for the user; nullopt when it is.
  std::optional<std::string> RefuseNewSession(std::string_view user) const;
  Session& CreateSession(std::string user, std::string group, std::string peer_address,
                         std::string auth_method, Instant now);
  // The live session named by a cookie, or nullptr (unknown, or expired at `now`).
  Session* FindByCookie(std::string_view cookie, Instant now);
  Session* FindById(SessionId id);
  Session* FindByDtlsSessionId(ByteSpan id);

  // Takes (or re-takes) the session's IPv4 lease from its group's pool.
  // Errors: kExhausted (pool full: answer 503, the client retries); kNotFound (the session's
  // group is no longer configured and it holds no lease).
  Result<std::uint32_t> LeaseAddress(Session& session);
  // The gateway's own address on the session's pool (the local end of its TUN device).
  std::uint32_t TunnelLocalAddress(const Session& session);

  // Records that a tunnel came up / went down for the session.
  void AttachTunnel(Session& session, TunnelHandle& tunnel, Instant now);
  void DetachTunnel(Session& session, TunnelHandle& tunnel, Instant now);

  // Ends a session: terminates its tunnel (if any), frees its lease, forgets its cookie.
  void EndSession(SessionId id, std::string_view reason);
  // Called by EndSession with each ended session before it is destroyed ([hooks] disconnect).
  void set_on_session_end(std::function<void(const Session&, std::string_view reason)> on_end) {
    on_session_end_ = std::move(on_end);
  }

  // Ends sessions whose session timeout passed or whose disconnected time exceeded
  // `disconnected_timeout`, and drops expired login contexts. Returns the ended ids.
  std::vector<SessionId> Expire(Instant now);

  const std::map<SessionId, std::unique_ptr<Session>>& sessions() const { return sessions_; }
  // Pool of a group: (group name, pool) pairs for status output.
  std::vector<std::pair<std::string, const Ipv4Pool*>> Pools() const;
  const GroupConfig* FindGroup(std::string_view name_or_alias) const;
  const GroupConfig& DefaultGroup() const;

 private:
  std::function<void(const Session&, std::string_view)> on_session_end_;
  std::string RandomToken();
  Ipv4Pool* PoolFor(const std::string& group);
  // The pools of the configured groups, keyed like pools_.
  std::map<std::string, std::string> GroupPoolKeys() const;
  void ReleaseLease(Session& session);

  const GatewayConfig& config_;
  Rng& rng_;
  SessionId next_id_ = 1;
  std::map<SessionId, std::unique_ptr<Session>> sessions_;
  std::unordered_map<std::string, SessionId> by_cookie_;
  std::map<Bytes, SessionId> by_dtls_id_;
  std::unordered_map<std::string, LoginContext> logins_;
  // Pools keyed by CIDR text so that groups sharing the global pool share one Ipv4Pool. After
  // a reload it also holds retired pools that still have leases (not in group_pool_key_).
  std::map<std::string, std::unique_ptr<Ipv4Pool>> pools_;
  std::map<std::string, std::string> group_pool_key_;
};

}  // namespace sekisho::gateway

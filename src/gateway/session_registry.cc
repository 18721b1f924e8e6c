#include "gateway/session_registry.h"

#include "base/check.h"
#include "base/encoding.h"

#include <algorithm>
#include <array>
#include <set>

namespace sekisho::gateway {
namespace {
constexpr std::size_t kTokenBytes = 32;  // 256 bits: cookies and context handles
}  // namespace

SessionRegistry::SessionRegistry(const GatewayConfig& config, Rng& rng)
    : config_(config), rng_(rng) {
  Reconfigure();
}

std::map<std::string, std::string> SessionRegistry::GroupPoolKeys() const {
  std::map<std::string, std::string> keys;
  for (const GroupConfig& group : config_.groups) {
    keys[group.name] = config_.PoolOf(group).ToString();
  }
  return keys;
}

std::size_t SessionRegistry::Reconfigure() {
  group_pool_key_ = GroupPoolKeys();
  std::set<std::string> active;
  for (const GroupConfig& group : config_.groups) {
    const Ipv4Cidr& cidr = config_.PoolOf(group);
    std::string key = cidr.ToString();
    if (!pools_.contains(key)) {
      pools_.emplace(key, std::make_unique<Ipv4Pool>(cidr));
    }
    active.insert(std::move(key));
  }
  std::size_t retained = 0;
  for (auto& [id, session] : sessions_) {
    if (!session->ipv4 || active.contains(session->pool_key)) {
      continue;
    }
    const std::uint32_t address = *session->ipv4;
    bool moved = false;
    for (const std::string& key : active) {
      Ipv4Pool& pool = *pools_.at(key);
      if (!pool.cidr().Contains(address) || pool.IsAllocated(address)) {
        continue;
      }
      Result<std::uint32_t> taken = pool.Allocate(address);
      if (taken && *taken == address) {
        pools_.at(session->pool_key)->Release(address);
        session->pool_key = key;
        moved = true;
        break;
      }
      if (taken) {
        pool.Release(*taken);  // not a client address of that pool: leave it where it is
      }
    }
    retained += moved ? 0 : 1;
  }
  std::erase_if(pools_, [&](const auto& entry) {
    return !active.contains(entry.first) && entry.second->used_count() == 0;
  });
  return retained;
}

std::string SessionRegistry::RandomToken() {
  std::array<std::uint8_t, kTokenBytes> raw{};
  rng_.Fill(raw);
  return Base64Encode(raw);
}

std::string SessionRegistry::CreateLoginContext(std::string group, Instant now) {
  std::string token = RandomToken();
  logins_[token] = LoginContext{std::move(group), 0, now + seconds(config_.auth.cookie_timeout_s)};
  return token;
}

LoginContext* SessionRegistry::FindLoginContext(std::string_view cookie, Instant now) {
  auto it = logins_.find(std::string(cookie));
  if (it == logins_.end()) {
    return nullptr;
  }
  if (it->second.expires <= now) {
    logins_.erase(it);
    return nullptr;
  }
  return &it->second;
}

void SessionRegistry::DropLoginContext(std::string_view cookie) {
  logins_.erase(std::string(cookie));
}

std::optional<std::string> SessionRegistry::RefuseNewSession(std::string_view user) const {
  const TunnelConfig& limits = config_.tunnel;
  if (limits.max_sessions != 0 && sessions_.size() >= limits.max_sessions) {
    return "The gateway has reached its session limit (" + std::to_string(limits.max_sessions) +
           "). Please try again later.";
  }
  if (limits.max_sessions_per_user != 0) {
    const auto held = static_cast<std::size_t>(
        std::count_if(sessions_.begin(), sessions_.end(),
                      [&](const auto& entry) { return entry.second->user == user; }));
    if (held >= limits.max_sessions_per_user) {
      return "Too many sessions for this user (limit " +
             std::to_string(limits.max_sessions_per_user) +
             "). Log off another session, or wait until it times out.";
    }
  }
  return std::nullopt;
}

Session& SessionRegistry::CreateSession(std::string user, std::string group,
                                        std::string peer_address, std::string auth_method,
                                        Instant now) {
  auto session = std::make_unique<Session>();
  session->id = next_id_++;
  session->user = std::move(user);
  session->group = std::move(group);
  session->cookie = SecretString(RandomToken());
  session->peer_address = std::move(peer_address);
  session->auth_method = std::move(auth_method);
  session->created = now;
  session->connected_since = now;
  session->disconnected_since = now;  // authenticated, no tunnel yet
  if (config_.tunnel.session_timeout_s > 0) {
    session->expires = now + seconds(config_.tunnel.session_timeout_s);
  }
  session->dtls_session_id.resize(kTokenBytes);
  rng_.Fill(session->dtls_session_id);
  by_cookie_[session->cookie.reveal()] = session->id;
  by_dtls_id_[session->dtls_session_id] = session->id;
  Session& ref = *session;
  sessions_.emplace(ref.id, std::move(session));
  return ref;
}

Session* SessionRegistry::FindByCookie(std::string_view cookie, Instant now) {
  auto it = by_cookie_.find(std::string(cookie));
  if (it == by_cookie_.end()) {
    return nullptr;
  }
  Session* session = FindById(it->second);
  if (session == nullptr || (session->expires && *session->expires <= now)) {
    return nullptr;
  }
  return session;
}

Session* SessionRegistry::FindById(SessionId id) {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second.get();
}

Session* SessionRegistry::FindByDtlsSessionId(ByteSpan id) {
  auto it = by_dtls_id_.find(Bytes(id.begin(), id.end()));
  return it == by_dtls_id_.end() ? nullptr : FindById(it->second);
}

Ipv4Pool* SessionRegistry::PoolFor(const std::string& group) {
  // nullptr for a group a reload removed.
  auto key = group_pool_key_.find(group);
  return key == group_pool_key_.end() ? nullptr : pools_.at(key->second).get();
}

Result<std::uint32_t> SessionRegistry::LeaseAddress(Session& session) {
  if (session.ipv4) {
    return *session.ipv4;
  }
  Ipv4Pool* pool = PoolFor(session.group);
  if (pool == nullptr) {
    return Fail(Errc::kNotFound, "group " + session.group + " is no longer configured");
  }
  SEKISHO_ASSIGN_OR_RETURN(std::uint32_t address, pool->Allocate(std::nullopt));
  session.ipv4 = address;
  session.pool_key = pool->cidr().ToString();
  return address;
}

std::uint32_t SessionRegistry::TunnelLocalAddress(const Session& session) {
  // The pool of the lease, which a reload may have retired: the TUN device stays consistent
  // with the address its peer holds.
  auto pool = pools_.find(session.pool_key);
  SEKISHO_CHECK(pool != pools_.end());  // called only for a session holding a lease
  return pool->second->gateway_address();
}

void SessionRegistry::ReleaseLease(Session& session) {
  auto pool = pools_.find(session.pool_key);
  if (!session.ipv4 || pool == pools_.end()) {
    return;
  }
  pool->second->Release(*session.ipv4);
  const bool retired = std::none_of(group_pool_key_.begin(), group_pool_key_.end(),
                                    [&](const auto& entry) { return entry.second == pool->first; });
  if (retired && pool->second->used_count() == 0) {
    pools_.erase(pool);
  }
}

void SessionRegistry::AttachTunnel(Session& session, TunnelHandle& tunnel, Instant now) {
  session.tunnel = &tunnel;
  session.reported_channel.clear();
  session.disconnected_since.reset();
  session.connected_since = now;
}

void SessionRegistry::DetachTunnel(Session& session, TunnelHandle& tunnel, Instant now) {
  // A takeover may have attached a newer tunnel already; only the current one detaches.
  if (session.tunnel == &tunnel) {
    session.tunnel = nullptr;
    session.disconnected_since = now;
  }
}

void SessionRegistry::EndSession(SessionId id, std::string_view reason) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) {
    return;
  }
  std::unique_ptr<Session> session = std::move(it->second);
  sessions_.erase(it);
  by_cookie_.erase(session->cookie.reveal());
  by_dtls_id_.erase(session->dtls_session_id);
  ReleaseLease(*session);
  if (session->tunnel != nullptr) {
    TunnelHandle* tunnel = session->tunnel;
    session->tunnel = nullptr;
    tunnel->Terminate(reason);
  }
  if (on_session_end_) {
    on_session_end_(*session, reason);
  }
}

std::vector<SessionId> SessionRegistry::Expire(Instant now) {
  std::vector<SessionId> ended;
  const Duration disconnected_timeout = seconds(config_.auth.cookie_timeout_s);
  for (const auto& [id, session] : sessions_) {
    bool lifetime_over = session->expires && *session->expires <= now;
    bool abandoned = session->tunnel == nullptr && session->disconnected_since &&
                     now - *session->disconnected_since >= disconnected_timeout;
    if (lifetime_over || abandoned) {
      ended.push_back(id);
    }
  }
  for (SessionId id : ended) {
    EndSession(id, "session expired");
  }
  std::erase_if(logins_, [now](const auto& entry) { return entry.second.expires <= now; });
  return ended;
}

std::vector<std::pair<std::string, const Ipv4Pool*>> SessionRegistry::Pools() const {
  std::vector<std::pair<std::string, const Ipv4Pool*>> out;
  for (const auto& [group, key] : group_pool_key_) {
    out.emplace_back(group, pools_.at(key).get());
  }
  return out;
}

const GroupConfig* SessionRegistry::FindGroup(std::string_view name_or_alias) const {
  return config_.FindGroup(name_or_alias);
}

const GroupConfig& SessionRegistry::DefaultGroup() const { return config_.DefaultGroup(); }

}  // namespace sekisho::gateway

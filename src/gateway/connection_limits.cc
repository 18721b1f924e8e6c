#include "gateway/connection_limits.h"

#include <arpa/inet.h>
#include <array>
#include <cstring>

namespace sekisho::gateway {

std::string_view RefusalText(Refusal refusal) {
  switch (refusal) {
    case Refusal::kTotal: return "too many connections";
    case Refusal::kPreLogin: return "too many connections not logged in";
    case Refusal::kHandshakes: return "too many TLS handshakes in progress";
    case Refusal::kPerAddress: return "too many connections from this address";
  }
  return "over a limit";
}

std::string SourceKey(std::string_view peer_ip) {
  std::string text(peer_ip);
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text.c_str(), &v6) != 1) {
    return text;  // IPv4 (or unparsable): the address is its own bucket
  }
  static constexpr std::array<std::uint8_t, 12> kV4Mapped = {0, 0, 0, 0, 0,    0,
                                                             0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(v6.s6_addr, kV4Mapped.data(), kV4Mapped.size()) == 0) {
    char v4[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, v6.s6_addr + 12, v4, sizeof(v4));
    return v4;
  }
  std::memset(v6.s6_addr + 8, 0, 8);
  char prefix[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET6, &v6, prefix, sizeof(prefix));
  return std::string(prefix) + "/64";
}

ConnectionLimits::ConnectionLimits(AdmissionLimits limits) : limits_(limits) {}

std::optional<Refusal> ConnectionLimits::Admit(std::uint64_t id, std::string_view peer_ip,
                                               Instant admitted) {
  std::string source = SourceKey(peer_ip);
  if (connections_.size() >= limits_.total) {
    return Refusal::kTotal;
  }
  if (pre_login() >= limits_.pre_login) {
    return Refusal::kPreLogin;
  }
  if (handshakes_ >= limits_.handshakes) {
    return Refusal::kHandshakes;
  }
  auto it = per_source_.find(source);
  if (it != per_source_.end() && it->second >= limits_.per_address) {
    return Refusal::kPerAddress;
  }
  ++per_source_[source];
  ++handshakes_;
  connections_.emplace(id, Entry{std::move(source), Phase::kHandshake, admitted});
  return std::nullopt;
}

void ConnectionLimits::Established(std::uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end() || it->second.phase != Phase::kHandshake) {
    return;
  }
  it->second.phase = Phase::kEstablished;
  --handshakes_;
  ++established_;
  if (on_established_) {
    on_established_(it->second.admitted);
  }
}

void ConnectionLimits::Tunnel(std::uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end() || it->second.phase == Phase::kTunnel) {
    return;
  }
  Leave(it->second);
  it->second.phase = Phase::kTunnel;
  ++per_source_[it->second.source];  // Leave() let go of the source count too
}

void ConnectionLimits::Close(std::uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) {
    return;
  }
  Leave(it->second);
  connections_.erase(it);
}

void ConnectionLimits::Leave(const Entry& entry) {
  if (entry.phase == Phase::kHandshake) {
    --handshakes_;
  } else if (entry.phase == Phase::kEstablished) {
    --established_;
  }
  auto source = per_source_.find(entry.source);
  if (source != per_source_.end() && --source->second == 0) {
    per_source_.erase(source);
  }
}

std::size_t ConnectionLimits::LimitOf(Refusal refusal) const {
  switch (refusal) {
    case Refusal::kTotal: return limits_.total;
    case Refusal::kPreLogin: return limits_.pre_login;
    case Refusal::kHandshakes: return limits_.handshakes;
    case Refusal::kPerAddress: return limits_.per_address;
  }
  return 0;
}

std::size_t ConnectionLimits::from(std::string_view peer_ip) const {
  auto it = per_source_.find(SourceKey(peer_ip));
  return it == per_source_.end() ? 0 : it->second;
}

}  // namespace sekisho::gateway

#pragma once
// SessionService: the session owner's side of SessionBackend, in sekishod's main process. It
// answers login requests (through AuthFront), grants CONNECTs (cookie check, takeover of an
// older tunnel, address lease, the session's TUN device), and records the end of tunnels and
// their traffic. It never sees client bytes: only requests a worker has parsed.
//
// A worker can only act on the sessions it carries: TunnelClosed and traffic reports for a
// session whose current tunnel is not `tunnel` are ignored.
//
// Thread affinity: main's event-loop thread.

#include "base/log.h"
#include "base/time.h"
#include "gateway/auth_front.h"
#include "gateway/config.h"
#include "gateway/session_backend.h"
#include "gateway/session_registry.h"
#include "proto/ipc/messages.h"

#include <cstdint>

namespace sekisho::gateway {

// Where sessions get their TUN devices: the kernel's (/dev/net/tun + rtnetlink, needs
// CAP_NET_ADMIN) in sekishod, an in-memory stand-in in tests.
class TunProvider {
 public:
  virtual ~TunProvider() = default;
  // A device named after `name_pattern` ("sk%d"), up, configured point-to-point from `local`
  // (the pool's gateway address) to `peer` (the client's), with `mtu`.
  // Errors: kPermission, kIo (see net::TunDevice::Open and net::ConfigurePointToPoint).
  virtual Result<net::TunDevice> Open(const std::string& name_pattern, std::uint32_t local,
                                      std::uint32_t peer, int mtu) = 0;
  // Errors: kIo.
  virtual Result<void> SetMtu(const net::TunDevice& tun, int mtu) = 0;
};

// The kernel's TUN devices.
TunProvider& KernelTunProvider();

class SessionService {
 public:
  // REQUIRES: every reference outlives the service.
  SessionService(const GatewayConfig& config, SessionRegistry& registry, AuthFront& front,
                 const Clock& clock, Logger log, TunProvider& tuns = KernelTunProvider());

  void set_dtls_port(std::uint16_t port) { dtls_port_ = port; }

  proto::ipc::LoginReply Login(const proto::ipc::LoginRequest& request);

  // Errors (with `http_status` set): 401 kAuthFailed for an unknown or expired cookie; 503 for
  // an exhausted pool, a removed group or a TUN device that could not be set up.
  Result<TunnelGrant> Connect(const proto::ipc::ConnectRequest& request, TunnelHandle& tunnel,
                              unsigned& http_status);

  void TunnelClosed(const proto::ipc::TunnelClosed& closed, TunnelHandle& tunnel);
  void ReportTraffic(const proto::ipc::TunnelStats& stats, TunnelHandle& tunnel);

  // Totals of IP payload bytes through all tunnels, for `sekishoctl show status`.
  std::uint64_t total_bytes_in() const { return total_bytes_in_; }
  std::uint64_t total_bytes_out() const { return total_bytes_out_; }
  std::uint64_t total_packets_in() const { return total_packets_in_; }
  std::uint64_t total_packets_out() const { return total_packets_out_; }
  // Tunnels whose traffic reports went from "dtls" back to "tls" (sekishod_dtls_fallbacks_total).
  std::uint64_t dtls_fallbacks() const { return dtls_fallbacks_; }

 private:
  Result<void> PrepareTun(Session& session, std::uint32_t address, std::uint32_t mtu);
  void AddTraffic(Session& session, const proto::ipc::TrafficDelta& delta);

  const GatewayConfig& config_;
  SessionRegistry& registry_;
  AuthFront& front_;
  const Clock& clock_;
  Logger log_;
  TunProvider& tuns_;
  std::uint16_t dtls_port_ = 0;
  std::uint64_t total_bytes_in_ = 0;
  std::uint64_t total_bytes_out_ = 0;
  std::uint64_t total_packets_in_ = 0;
  std::uint64_t total_packets_out_ = 0;
  std::uint64_t dtls_fallbacks_ = 0;
};

}  // namespace sekisho::gateway

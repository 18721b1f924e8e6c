#include "gateway/session_service.h"

#include "base/strings.h"
#include "net/tun_config.h"
#include "proto/session/liveness.h"

#include <fcntl.h>
#include <unistd.h>
#include <utility>

namespace sekisho::gateway {

namespace ipc = proto::ipc;

namespace {

class KernelTuns final : public TunProvider {
 public:
  Result<net::TunDevice> Open(const std::string& name_pattern, std::uint32_t local,
                              std::uint32_t peer, int mtu) override {
    net::TunOptions options;
    options.name = name_pattern;
    SEKISHO_ASSIGN_OR_RETURN(net::TunDevice tun, net::TunDevice::Open(options));
    SEKISHO_TRY(net::ConfigurePointToPoint(tun, local, peer, mtu));
    return tun;
  }
  Result<void> SetMtu(const net::TunDevice& tun, int mtu) override { return net::SetMtu(tun, mtu); }
};

}  // namespace

TunProvider& KernelTunProvider() {
  static KernelTuns tuns;
  return tuns;
}

SessionService::SessionService(const GatewayConfig& config, SessionRegistry& registry,
                               AuthFront& front, const Clock& clock, Logger log, TunProvider& tuns)
    : config_(config),
      registry_(registry),
      front_(front),
      clock_(clock),
      log_(std::move(log)),
      tuns_(tuns) {}

ipc::LoginReply SessionService::Login(const ipc::LoginRequest& request) {
  RequestContext context{request.peer_ip, clock_.Now(), std::nullopt};
  if (request.client_cert) {
    const ipc::CertificateIdentity& cert = *request.client_cert;
    context.client_cert =
        ClientCertificate{cert.subject_dn, cert.common_name, cert.uid, cert.organizational_unit};
  }
  FrontReply reply = front_.HandleParsed(request, context);
  return ipc::LoginReply{request.request_id, std::move(reply.response), reply.close_connection};
}

Result<TunnelGrant> SessionService::Connect(const ipc::ConnectRequest& request,
                                            TunnelHandle& tunnel, unsigned& http_status) {
  const Instant now = clock_.Now();
  Session* found = registry_.FindByCookie(request.cookie.reveal(), now);
  if (found == nullptr) {
    // 401 tells clients to stop retrying (§6.4).
    http_status = 401;
    return Fail(Errc::kAuthFailed, "unknown or expired cookie");
  }
  http_status = 503;
  if (found->tunnel != nullptr && found->tunnel != &tunnel) {
    // The client only reconnects when it believes the old tunnel is dead (§11.1): take over.
    log_.Info("session {} reconnects; closing its previous tunnel", found->id);
    TunnelHandle* previous = found->tunnel;
    found->tunnel = nullptr;
    previous->Terminate("replaced by a new connection");
  }
  const GroupConfig* group = config_.FindGroup(found->group);
  if (group == nullptr) {
    // A reload removed the group: the client must log in again (401 stops its retries).
    http_status = 401;
    return Fail(Errc::kNotFound, "group " + found->group + " no longer configured");
  }
  SEKISHO_ASSIGN_OR_RETURN(std::uint32_t address, registry_.LeaseAddress(*found));
  SEKISHO_TRY(PrepareTun(*found, address, request.tun_mtu));
  TunnelGrant grant;
  grant.tun_fd.reset(::fcntl(found->tun->fd(), F_DUPFD_CLOEXEC, 0));
  if (!grant.tun_fd.valid()) {
    return Fail(Errc::kIo, "cannot duplicate the TUN descriptor");
  }
  ipc::ConnectReply& reply = grant.reply;
  reply.request_id = request.request_id;
  reply.ok = true;
  reply.session_id = found->id;
  reply.user = found->user;
  reply.group = found->group;
  reply.ipv4 = address;
  reply.dtls_session_id = found->dtls_session_id;
  reply.dtls_port = dtls_port_;
  if (found->expires) {
    reply.session_remaining_s = proto::session::SecondsRemaining(*found->expires, now).value_or(0);
    reply.session_remaining_s = std::max<std::uint32_t>(1, reply.session_remaining_s);
  }
  found->peer_address = request.peer_ip;
  registry_.AttachTunnel(*found, tunnel, now);
  return grant;
}

Result<void> SessionService::PrepareTun(Session& session, std::uint32_t address,
                                        std::uint32_t mtu) {
  if (session.tun) {
    if (session.tun_mtu != mtu) {
      SEKISHO_TRY(tuns_.SetMtu(*session.tun, static_cast<int>(mtu)));
      session.tun_mtu = mtu;
    }
    return Ok();
  }
  SEKISHO_ASSIGN_OR_RETURN(net::TunDevice tun, tuns_.Open(config_.tunnel.tun_name + "%d",
                                                          registry_.TunnelLocalAddress(session),
                                                          address, static_cast<int>(mtu)));
  session.tun = std::make_unique<net::TunDevice>(std::move(tun));
  session.tun_mtu = mtu;
  return Ok();
}

void SessionService::TunnelClosed(const ipc::TunnelClosed& closed, TunnelHandle& tunnel) {
  Session* session = registry_.FindById(closed.session_id);
  if (session == nullptr || session->tunnel != &tunnel) {
    return;  // already ended or taken over: not this worker's to change
  }
  AddTraffic(*session, closed.delta);
  if (closed.kind == ipc::TunnelClosed::Kind::kLogoff) {
    log_.Info("session {} (user {}) logged off: {}", session->id, EscapeForLog(session->user),
              closed.reason.empty() ? "no reason" : EscapeForLog(closed.reason));
    session->tunnel = nullptr;  // its connection is gone already: nothing to terminate
    registry_.EndSession(closed.session_id, "user disconnect");
    return;
  }
  registry_.DetachTunnel(*session, tunnel, clock_.Now());
}

void SessionService::ReportTraffic(const ipc::TunnelStats& stats, TunnelHandle& tunnel) {
  Session* session = registry_.FindById(stats.session_id);
  if (session != nullptr && session->tunnel == &tunnel) {
    if (session->reported_channel == "dtls" && stats.channel == "tls") {
      ++dtls_fallbacks_;
    }
    session->reported_channel = stats.channel;
    AddTraffic(*session, stats.delta);
  }
}

void SessionService::AddTraffic(Session& session, const ipc::TrafficDelta& delta) {
  session.counters.bytes_in += delta.bytes_in;
  session.counters.bytes_out += delta.bytes_out;
  session.counters.packets_in += delta.packets_in;
  session.counters.packets_out += delta.packets_out;
  session.counters.dropped_spoofed += delta.dropped_spoofed;
  total_bytes_in_ += delta.bytes_in;
  total_bytes_out_ += delta.bytes_out;
  total_packets_in_ += delta.packets_in;
  total_packets_out_ += delta.packets_out;
}

}  // namespace sekisho::gateway

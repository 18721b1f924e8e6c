// GatewayTunnel's DTLS side (gateway_tunnel.h): adopting a ClientHello main handed over, the
// new-address probation channel (proto/dtls/peer_gate.h, issue 11), and retiring channels.
// Kept apart from gateway_tunnel.cc, which runs the TLS socket, the TUN and the core.
#include "base/strings.h"
#include "gateway/gateway_context.h"
#include "gateway/gateway_tunnel.h"

#include <boost/asio/post.hpp>

#include <string>
#include <utility>

namespace sekisho::gateway {
namespace {

namespace asio = boost::asio;

proto::dtls::UdpPeer ToPeer(const asio::ip::udp::endpoint& endpoint) {
  const asio::ip::address& address = endpoint.address();
  const asio::ip::address_v6 v6 =
      address.is_v4() ? asio::ip::make_address_v6(asio::ip::v4_mapped, address.to_v4())
                      : address.to_v6();
  return {v6.to_bytes(), endpoint.port()};
}

std::string Describe(const asio::ip::udp::endpoint& endpoint) {
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

}  // namespace

// ---------------------------------------------------------------- DTLS

void GatewayTunnel::OnDtlsClientHello(const asio::ip::udp::endpoint& remote, ByteSpan datagram) {
  if (phase_ != Phase::kRunning) {
    return;
  }
  boost::system::error_code ec;
  asio::ip::udp::endpoint local(socket_.local_endpoint(ec).address(), gateway_.dtls_port);
  auto socket = OpenDtlsSocket(local, remote);
  if (!socket) {
    log_.Warn("cannot open the DTLS socket: {}", socket.error().ToString());
    return;
  }
  AdoptDtls(remote, datagram, std::move(*socket));
}

void GatewayTunnel::AdoptDtls(const asio::ip::udp::endpoint& remote, ByteSpan datagram,
                              net::ScopedFd socket) {
  if (phase_ != Phase::kRunning || !dtls_plan_) {
    return;
  }
  if ((dtls_ && dtls_->remote() == remote && !dtls_->established()) ||
      (dtls_probation_ && dtls_probation_->remote() == remote)) {
    return;  // a retransmitted ClientHello for the handshake already running
  }
  const bool established = dtls_ && dtls_->established();
  const std::optional<proto::dtls::UdpPeer> established_peer =
      established ? std::optional(ToPeer(dtls_->remote())) : std::nullopt;
  const auto verdict =
      dtls_gate_.OnClientHello(gateway_.clock.Now(), established_peer, ToPeer(remote));
  if (verdict == proto::dtls::DtlsPeerGate::Verdict::kRefuse) {
    log_.Debug("DTLS ClientHello from {} dropped: a new address was answered less than {} s ago",
               Describe(remote),
               std::chrono::duration_cast<seconds>(proto::dtls::kNewPeerInterval).count());
    return;
  }
  const bool probation = established && verdict == proto::dtls::DtlsPeerGate::Verdict::kNewPeer;
  auto engine = CreateDtlsServerEngine(*dtls_plan_, log_.WithComponent("dtls"));
  if (!engine) {
    log_.Warn("cannot start DTLS: {}", engine.error().ToString());
    return;
  }
  auto channel = DtlsChannel::Create(gateway_.io, gateway_.clock, remote, std::move(socket),
                                     std::move(*engine), *this, log_.WithComponent("dtls"));
  if (!channel) {
    log_.Warn("cannot use the DTLS socket: {}", channel.error().ToString());
    return;
  }
  if (probation) {
    // The established channel keeps carrying data; the new address must prove it knows the
    // session's keys by completing the handshake before it replaces the old one.
    log_.Info("DTLS ClientHello from a new address {} (channel with {}): handshake on probation",
              Describe(remote), Describe(dtls_->remote()));
    RetireProbation();
    dtls_probation_ = std::move(*channel);
    dtls_probation_->SetProbation(gateway_.clock.Now() + proto::dtls::kProbationLimit);
    dtls_probation_->Start(datagram);
    Pump();
    return;
  }
  // A new handshake replaces an old channel; DATA on TLS covers the gap until it completes.
  if (dtls_) {
    RetireDtls();
  }
  dtls_ = std::move(*channel);
  core_->OnDtlsHandshakeStarted(gateway_.clock.Now());
  log_.Debug("DTLS ClientHello from {}:{} ({})", remote.address().to_string(), remote.port(),
             dtls_plan_->suite.name);
  dtls_->Start(datagram);
  Pump();
}

void GatewayTunnel::OnDtlsHandshakeDone(DtlsChannel& channel) {
  if (&channel == dtls_probation_.get()) {
    PromoteProbation();
    return;
  }
  core_->OnDtlsHandshakeDone(gateway_.clock.Now());
}

void GatewayTunnel::PromoteProbation() {
  log_.Info("DTLS peer moves from {} to {}: its handshake completed",
            dtls_ ? Describe(dtls_->remote()) : std::string("none"),
            Describe(dtls_probation_->remote()));
  RetireDtls();
  dtls_ = std::move(dtls_probation_);
  // To the core this is a new handshake that completed at once: data returns to TLS and
  // switches to the new channel once TLS has drained, without reordering.
  const Instant now = gateway_.clock.Now();
  core_->OnDtlsHandshakeStarted(now);
  core_->OnDtlsHandshakeDone(now);
}

void GatewayTunnel::OnDtlsRecord(DtlsChannel& channel, ByteSpan record) {
  if (&channel != dtls_.get()) {
    return;  // not the tunnel's channel (a probation channel is promoted before its records)
  }
  WriteTun(core_->OnDtlsRecord(record, gateway_.clock.Now()));
}

void GatewayTunnel::OnDtlsFailed(DtlsChannel& channel, std::string_view reason) {
  if (&channel == dtls_probation_.get()) {
    RetireProbation();  // the established channel, if any, is untouched
    return;
  }
  if (&channel != dtls_.get()) {
    return;
  }
  core_->OnDtlsFailed(reason, gateway_.clock.Now());
  RetireDtls();
}

void GatewayTunnel::OnDtlsWake() {
  if (phase_ == Phase::kRunning) {
    Pump();
  }
}

void GatewayTunnel::RetireDtls() {
  if (!dtls_) {
    return;
  }
  dtls_->Close();
  // Often called from inside the channel (a Sink call): it dies once that call has returned.
  asio::post(gateway_.io, [retired = std::shared_ptr<DtlsChannel>(std::move(dtls_))] {});
}

void GatewayTunnel::RetireProbation() {
  if (!dtls_probation_) {
    return;
  }
  dtls_probation_->Close();
  asio::post(gateway_.io, [retired = std::shared_ptr<DtlsChannel>(std::move(dtls_probation_))] {});
}

}  // namespace sekisho::gateway

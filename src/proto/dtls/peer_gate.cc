#include "proto/dtls/peer_gate.h"

namespace sekisho::proto::dtls {

DtlsPeerGate::Verdict DtlsPeerGate::OnClientHello(Instant now,
                                                  const std::optional<UdpPeer>& established,
                                                  const UdpPeer& from) {
  if (established && *established == from) {
    return Verdict::kRehandshake;
  }
  if (last_new_peer_ && now < *last_new_peer_ + kNewPeerInterval) {
    return Verdict::kRefuse;
  }
  last_new_peer_ = now;
  return Verdict::kNewPeer;
}

}  // namespace sekisho::proto::dtls

#pragma once
// The gateway's DTLS decision for one tunnel (anyconnect.md §8.2, §8.4–8.6): which mode the
// CONNECT answer announces, the X-DTLS-* values that go with it, and the keys the DTLS server
// engine needs when the client's ClientHello arrives.
//
//   PSK-NEGOTIATE   key = TLS exporter "EXPORTER-openconnect-psk" of the CSTP connection;
//                   X-DTLS-App-ID = the session's DTLS id
//   resumed modes   master secret = the client's X-DTLS-Master-Secret;
//                   X-DTLS-Session-ID = the session's DTLS id; one fixed suite

#include "base/bytes.h"
#include "base/log.h"
#include "base/redacted.h"
#include "base/result.h"
#include "gateway/config.h"
#include "proto/tunnel/connect_request.h"
#include "proto/tunnel/connect_response.h"
#include "proto/tunnel/dtls_negotiation.h"
#include "tls/engine.h"

#include <cstdint>
#include <memory>
#include <optional>

namespace sekisho::gateway {

struct GatewayDtlsPlan {
  proto::tunnel::DtlsSuite suite;
  SecretBytes psk;                  // PSK-NEGOTIATE only
  tls::ResumedDtlsParams resumed;   // resumed modes only
  unsigned udp_payload_mtu = 1400;  // path MTU handed to GnuTLS; set once the MTUs are known
};

// Chooses the mode for a CONNECT (policy from `config`, the client's offers, the CSTP TLS
// session's cipher) and fills `headers` with the X-DTLS-* values to announce, except the MTU.
// nullopt: no DTLS for this tunnel (the caller sends no X-DTLS-* headers).
std::optional<GatewayDtlsPlan> PlanGatewayDtls(const GatewayConfig& config, std::uint16_t port,
                                               ByteSpan dtls_session_id,
                                               const proto::tunnel::ConnectRequest& connect,
                                               const tls::TlsEngine& cstp_tls, const Logger& log,
                                               proto::tunnel::ConnectResponse::Dtls& headers);

// The DTLS server engine for a planned tunnel. Errors: kTls / kInvalidArgument from the TLS
// layer; the caller keeps the tunnel on TLS.
Result<std::unique_ptr<tls::TlsEngine>> CreateDtlsServerEngine(const GatewayDtlsPlan& plan,
                                                               Logger log);

}  // namespace sekisho::gateway

#include "gateway/dtls_plan.h"

#include "base/encoding.h"

#include <string>
#include <string_view>

namespace sekisho::gateway {
namespace {

namespace tunnel = proto::tunnel;

// GnuTLS's cipher name of the TLS session ("AES-256-GCM"), the last part of its description
// "(TLS1.3)-(ECDHE-SECP256R1)-(ECDSA-SECP256R1-SHA256)-(AES-256-GCM)".
std::string TlsCipherName(std::string_view description) {
  auto open = description.rfind('(');
  auto close = description.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return {};
  }
  return std::string(description.substr(open + 1, close - open - 1));
}

}  // namespace

std::optional<GatewayDtlsPlan> PlanGatewayDtls(const GatewayConfig& config, std::uint16_t port,
                                               ByteSpan dtls_session_id,
                                               const tunnel::ConnectRequest& connect,
                                               const tls::TlsEngine& cstp_tls, const Logger& log,
                                               tunnel::ConnectResponse::Dtls& headers) {
  if (port == 0 || !config.dtls.enabled) {
    return std::nullopt;
  }
  tunnel::DtlsPolicy policy;
  policy.enabled = true;
  policy.allow_psk = config.dtls.psk;
  policy.allow_legacy = config.dtls.legacy;
  policy.allow_dtls12 = config.dtls.dtls12;
  std::optional<tunnel::DtlsSuite> suite =
      tunnel::ChooseDtlsSuite(connect, policy, TlsCipherName(cstp_tls.CipherDescription()));
  if (!suite) {
    log.Debug("no usable DTLS offer from the client; TLS only");
    return std::nullopt;
  }
  GatewayDtlsPlan plan;
  plan.suite = *suite;
  headers.port = port;
  headers.dpd_s = config.tunnel.dpd_s;
  headers.keepalive_s = config.tunnel.keepalive_s;
  std::string id_hex = HexEncode(dtls_session_id);
  if (suite->mode == tunnel::DtlsMode::kPsk) {
    // The PSK is bound to this TLS connection (§8.6): a reconnect needs a new DTLS handshake.
    auto psk = cstp_tls.ExportKeyingMaterial("EXPORTER-openconnect-psk", 32);
    if (!psk) {
      log.Warn("cannot derive the DTLS PSK: {}", psk.error().ToString());
      return std::nullopt;
    }
    plan.psk = SecretBytes(std::move(*psk));
    headers.app_id_hex = id_hex;
    headers.ciphersuite = "PSK-NEGOTIATE";
    return plan;
  }
  plan.resumed.protocol =
      suite->protocol == "DTLS0.9" ? tls::DtlsProtocol::kDtls09 : tls::DtlsProtocol::kDtls12;
  plan.resumed.kx = std::string(suite->kx);
  plan.resumed.cipher = std::string(suite->cipher);
  plan.resumed.mac = std::string(suite->mac);
  plan.resumed.master_secret = connect.dtls_master_secret;
  plan.resumed.session_id = Bytes(dtls_session_id.begin(), dtls_session_id.end());
  headers.session_id_hex = id_hex;
  if (suite->mode == tunnel::DtlsMode::kDtls12Resume) {
    headers.dtls12_ciphersuite = std::string(suite->name);
  } else {
    headers.ciphersuite = std::string(suite->name);
  }
  return plan;
}

Result<std::unique_ptr<tls::TlsEngine>> CreateDtlsServerEngine(const GatewayDtlsPlan& plan,
                                                               Logger log) {
  tls::EngineOptions options;
  options.datagram = true;
  options.dtls_mtu = plan.udp_payload_mtu;
  options.logger = std::move(log);
  if (plan.suite.mode == tunnel::DtlsMode::kPsk) {
    return tls::TlsEngine::CreateDtlsPskServer(plan.psk, options);
  }
  return tls::TlsEngine::CreateDtlsResumedServer(plan.resumed, options);
}

}  // namespace sekisho::gateway

#include "client/dtls_plan.h"

#include "base/encoding.h"
#include "base/strings.h"
#include "proto/tunnel/mtu.h"

#include <algorithm>
#include <utility>

namespace sekisho::client {
namespace {

namespace tunnel = proto::tunnel;

std::vector<std::string> Tokens(std::string_view list) {
  std::vector<std::string> out;
  for (std::string_view token : Split(list, ':', /*skip_empty=*/true)) {
    token = TrimWhitespace(token);
    if (!token.empty()) {
      out.emplace_back(token);
    }
  }
  return out;
}

}  // namespace

SecretBytes AddDtlsOffer(const DtlsOffer& offer, Rng& rng, tunnel::ConnectRequest* request) {
  request->dtls_accept_encoding.clear();
  if (!offer.enabled) {
    request->dtls_master_secret = SecretBytes();
    request->dtls_ciphersuites.clear();
    request->dtls12_ciphersuites.clear();
    return SecretBytes();
  }
  // A new secret for every CONNECT (decision #16): a reconnect never resumes an old session.
  Bytes secret(tunnel::kDtlsMasterSecretSize);
  rng.Fill(MutableByteSpan(secret));
  request->dtls_master_secret = SecretBytes(secret);
  request->dtls_ciphersuites =
      Tokens(offer.ciphers.empty() ? tunnel::ClientDtlsCipherOffer() : offer.ciphers);
  if (!offer.dtls12_ciphers.empty()) {
    request->dtls12_ciphersuites = Tokens(offer.dtls12_ciphers);
  } else if (offer.ciphers.empty()) {
    request->dtls12_ciphersuites = Tokens(tunnel::ClientDtls12CipherOffer());
  } else {
    request->dtls12_ciphersuites.clear();
  }
  return SecretBytes(std::move(secret));
}

Result<std::optional<ClientDtlsPlan>> PlanClientDtls(const tunnel::ConnectResponse& response,
                                                     const DtlsOffer& offer, bool ipv6_transport,
                                                     std::uint32_t default_base_mtu) {
  if (!offer.enabled || !response.dtls) {
    return std::optional<ClientDtlsPlan>();
  }
  const tunnel::ConnectResponse::Dtls& dtls = *response.dtls;
  ClientDtlsPlan plan;
  plan.port = dtls.port;
  // X-DTLS12-CipherSuite wins: a gateway that sends it chose Cisco DTLS 1.2 (§8.2).
  std::optional<tunnel::DtlsSuite> suite;
  if (!dtls.dtls12_ciphersuite.empty()) {
    suite = tunnel::LookupDtls12SuiteByName(dtls.dtls12_ciphersuite);
    if (!suite) {
      return Fail(Errc::kUnsupported,
                  "the gateway chose an unknown DTLS 1.2 suite " + dtls.dtls12_ciphersuite);
    }
  } else {
    suite = tunnel::LookupSuiteByName(dtls.ciphersuite);
    if (!suite) {
      return Fail(Errc::kUnsupported,
                  "the gateway chose an unknown DTLS suite '" + dtls.ciphersuite + "'");
    }
  }
  plan.suite = *suite;
  const std::string& id_hex =
      suite->mode == tunnel::DtlsMode::kPsk ? dtls.app_id_hex : dtls.session_id_hex;
  if (id_hex.empty()) {
    return Fail(Errc::kProtocol, suite->mode == tunnel::DtlsMode::kPsk
                                     ? "PSK-NEGOTIATE without X-DTLS-App-ID"
                                     : "a resumed DTLS suite without X-DTLS-Session-ID");
  }
  std::optional<Bytes> id = HexDecode(id_hex);
  if (!id || id->empty() || id->size() > 32) {
    return Fail(Errc::kProtocol, "unusable DTLS session id from the gateway");
  }
  plan.session_id = std::move(*id);

  const std::uint32_t ip = ipv6_transport ? tunnel::kIpv6HeaderSize : tunnel::kIpv4HeaderSize;
  const std::uint32_t base = response.base_mtu != 0 ? response.base_mtu : default_base_mtu;
  plan.udp_payload_mtu = base > ip + tunnel::kUdpHeaderSize + tunnel::kMinTunnelMtu
                             ? base - ip - tunnel::kUdpHeaderSize
                             : tunnel::kMinTunnelMtu;
  plan.cstp_mtu = response.mtu;
  if (suite->mode == tunnel::DtlsMode::kPsk) {
    // No X-DTLS-MTU in PSK mode: the client works it out for the expected suite (§8.6, §8.8).
    plan.dtls_mtu = tunnel::PskDataMtu(base, *suite, ipv6_transport);
  } else {
    plan.dtls_mtu = dtls.mtu != 0 ? dtls.mtu : response.mtu;
  }
  if (plan.cstp_mtu == 0) {
    plan.cstp_mtu = plan.dtls_mtu;
  }
  plan.dpd = seconds(dtls.dpd_s != 0 ? dtls.dpd_s : response.dpd_s);
  plan.keepalive = seconds(dtls.keepalive_s != 0 ? dtls.keepalive_s : response.keepalive_s);
  return std::optional<ClientDtlsPlan>(std::move(plan));
}

}  // namespace sekisho::client

#include "proto/tunnel/mtu.h"

#include <algorithm>

namespace sekisho::proto::tunnel {
namespace {

// openconnect's pessimistic DTLS overhead: 1 header + 13 record header + 20 SHA-1 MAC +
// 32 IV + 16 padding (cstp.c calculate_mtu); also the worst case ocserv assumes for old
// clients that send only X-CSTP-MTU.
constexpr std::uint32_t kWorstDtlsOverhead = 82;
constexpr std::uint32_t kMaxLinkMtu = 65535;

std::uint32_t IpHeader(bool ipv6) { return ipv6 ? kIpv6HeaderSize : kIpv4HeaderSize; }

// a - b, but never below kMinTunnelMtu (also covers b > a).
std::uint32_t SubtractClamped(std::uint32_t a, std::uint32_t b) {
  if (a < b + kMinTunnelMtu) {
    return kMinTunnelMtu;
  }
  return a - b;
}

}  // namespace

TlsOverhead TlsOverheadFor(bool tls13, std::string_view cipher) {
  if (tls13) {
    return TlsOverhead::Tls13();
  }
  if (cipher == "AES-128-GCM" || cipher == "AES-256-GCM" || cipher == "AES-128-CCM" ||
      cipher == "AES-256-CCM") {
    return TlsOverhead::Tls12Gcm();
  }
  if (cipher == "CHACHA20-POLY1305") {
    return TlsOverhead::Tls12Chacha();
  }
  return TlsOverhead::Tls12CbcSha1();
}

MtuPlan ComputeGatewayMtus(std::uint32_t configured_link_mtu,
                           std::optional<std::uint32_t> client_base_mtu,
                           std::optional<std::uint32_t> client_mtu, bool ipv6_transport,
                           const std::optional<DtlsSuite>& dtls, TlsOverhead tls) {
  const std::uint32_t ip = IpHeader(ipv6_transport);
  std::uint32_t link = std::min(configured_link_mtu, kMaxLinkMtu);
  if (client_base_mtu && *client_base_mtu >= kMinTunnelMtu) {
    link = std::min(link, *client_base_mtu);
  } else if (client_mtu && *client_mtu >= kMinTunnelMtu) {
    std::uint64_t implied = std::uint64_t{*client_mtu} + ip + kUdpHeaderSize + kWorstDtlsOverhead;
    link = static_cast<std::uint32_t>(std::min<std::uint64_t>(link, implied));
  }
  MtuPlan plan;
  plan.base_mtu = link;
  plan.cstp_mtu = SubtractClamped(link, ip + kTcpHeaderSize + tls.record_bytes + kCstpHeaderSize);
  std::uint32_t smallest = plan.cstp_mtu;
  if (dtls) {
    plan.dtls_mtu = SubtractClamped(
        link, ip + kUdpHeaderSize + dtls->record_overhead + kDtlsAnyConnectHeaderSize);
    smallest = std::min(smallest, plan.dtls_mtu);
  }
  plan.ipv6_ok = smallest >= kMinIpv6TunnelMtu;
  return plan;
}

std::uint32_t ClientRequestedMtu(std::uint32_t base_mtu, bool ipv6_transport) {
  return SubtractClamped(base_mtu, kWorstDtlsOverhead + kUdpHeaderSize + IpHeader(ipv6_transport));
}

std::uint32_t PskDataMtu(std::uint32_t base_mtu, const DtlsSuite& suite, bool ipv6_transport) {
  return SubtractClamped(base_mtu, IpHeader(ipv6_transport) + kUdpHeaderSize +
                                       suite.record_overhead + kDtlsAnyConnectHeaderSize);
}

std::uint32_t ClientTunnelMtu(std::uint32_t cstp_mtu, std::uint32_t dtls_mtu, bool dtls_up) {
  if (dtls_up && dtls_mtu != 0) {
    return dtls_mtu;
  }
  return cstp_mtu != 0 ? cstp_mtu : dtls_mtu;
}

}  // namespace sekisho::proto::tunnel

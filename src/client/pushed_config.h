#pragma once
// What the client refuses to install from a CONNECT answer (issue 11, item 6). The gateway
// pushes addresses, routes, resolvers, domains and MTUs (anyconnect.md §6.3); the client turns
// them into an interface, kernel routes and a vpnc-script environment. A hostile or broken
// gateway must not be able to make that configuration harm the host, so every value is checked
// before anything is configured, and one bad value ends the attempt (no half-configured TUN).
//
// Refused (each error names the header and the offending value, printable):
//   * any X-CSTP-*/X-DTLS-* value with a control character (HTTP forbids them anyway, and
//     they would reach the script environment and the terminal);
//   * X-CSTP-Address: not an IPv4 dotted quad or IPv6 address; an IPv4 address that is not
//     unicast (0/8, 127/8 loopback, 224/4 multicast, 240/4 reserved incl. 255.255.255.255); an
//     IPv6 address that is unspecified, loopback or multicast;
//   * X-CSTP-Netmask: not a contiguous dotted mask (IPv6 legacy form: "net/len"); 0.0.0.0,
//     which would become an on-link route for the whole Internet;
//   * the interface's own subnet (address + netmask, /32 without a netmask) containing the
//     gateway's address: the kernel's on-link route would capture the tunnel's own packets;
//   * X-CSTP-Address-IP6: not "addr/len" with len 1..128, or not a unicast address;
//   * X-CSTP-Split-Include/-Exclude(-IP6): not "net/mask" or "net/len" (IPv4 or IPv6);
//   * an IPv4 Split-Include covering the gateway's address, except 0.0.0.0/0 (a full tunnel,
//     for which TunSetup and vpnc-script keep a host route to the gateway);
//   * X-CSTP-DNS, X-CSTP-DNS-IP6, X-CSTP-NBNS: not an IPv4 or IPv6 address;
//   * X-CSTP-Default-Domain (space separated) and X-CSTP-Split-DNS (comma separated): a name
//     that is not a DNS name (labels of 1..63 letters, digits, '-' or '_', not starting or
//     ending with '-', at most 253 characters, an optional final dot);
//   * X-CSTP-MTU, X-DTLS-MTU: not a number in kMinPushedMtu..kMaxPushedMtu;
//     X-CSTP-Base-MTU: not a number in kMinPushedMtu..kMaxPushedBaseMtu.
//
// Pure: no I/O, unit-tested in tests/unit/client/pushed_config_test.cc.

#include "base/result.h"
#include "proto/http/message.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sekisho::client {

// Below 576 IPv4 guarantees nothing (RFC 791: every host accepts 576-byte datagrams), and the
// gateway side never goes lower either (proto/tunnel/mtu.h kMinTunnelMtu).
inline constexpr std::uint32_t kMinPushedMtu = 576;
// A tunnel packet travels as one CSTP frame (8-byte header) in one TLS record of at most
// 16384 plaintext bytes (anyconnect.md §1.3), so a larger MTU cannot be carried over TLS.
inline constexpr std::uint32_t kMaxPushedMtu = 16384 - 8;
// The link MTU only feeds the PSK DTLS MTU (base minus headers); above one record's worth the
// derived MTU would exceed kMaxPushedMtu.
inline constexpr std::uint32_t kMaxPushedBaseMtu = 16384;

// Checks every header of a CONNECT answer against the rules above. `gateway_ipv4` is the
// address (host order) the TLS connection went to; nullopt over IPv6 (the gateway checks are
// then skipped, the TUN setup being IPv4-only).
// Errors: kMalformed with "HEADER 'value' ...: reason"; the caller must abandon the tunnel
// (not retry: the gateway will push the same value again).
Result<void> CheckPushedConfig(const proto::http::HeaderList& headers,
                               std::optional<std::uint32_t> gateway_ipv4);

// Strict IPv4 dotted quad (inet_pton rules: no leading zeros, no whitespace), host order.
std::optional<std::uint32_t> ParseDottedQuad(std::string_view text);
// True for a syntactically valid DNS name as described above.
bool IsDnsName(std::string_view name);

}  // namespace sekisho::client

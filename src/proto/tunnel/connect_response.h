#pragma once
// The gateway's answer to `CONNECT /CSCOSSLC/tunnel` (anyconnect.md §6): the tunnel
// configuration carried in X-CSTP-*/X-DTLS-* response headers. The gateway fills a
// ConnectResponse and emits it with BuildConnectResponseHeaders; our client reads one with
// ParseConnectResponse. Header reference: docs/protocol/headers.md.
//
// openconnect matches these header names case-sensitively (§6.2), so the builder uses exactly
// the spellings of anyconnect.md; the parser is case-insensitive.

#include "base/result.h"
#include "proto/http/message.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sekisho::proto::tunnel {

struct ConnectResponse {
  std::string server_name;  // X-CSTP-Server-Name (informational)
  std::string hostname;     // X-CSTP-Hostname: the client name the gateway accepted
  std::string address;      // X-CSTP-Address: IPv4 dotted quad
  std::string netmask;      // X-CSTP-Netmask: IPv4 dotted mask
  // X-CSTP-Address-IP6: "addr/prefixlen". The parser also fills it from the legacy form
  // (X-CSTP-Address with ':' + X-CSTP-Netmask "net/len"); the builder always emits -IP6.
  std::string address_ip6;
  std::vector<std::string> dns;   // X-CSTP-DNS and X-CSTP-DNS-IP6, at most 3 when parsed
  std::vector<std::string> nbns;  // X-CSTP-NBNS, at most 3 when parsed
  std::vector<std::string> split_dns;
  std::vector<std::string> split_include;      // "net/dotted-mask"
  std::vector<std::string> split_exclude;      // "net/dotted-mask"
  std::vector<std::string> split_include_ip6;  // "net/len"
  std::vector<std::string> split_exclude_ip6;  // "net/len"
  std::string default_domain;
  bool tunnel_all_dns = false;
  // X-CSTP-MTU: TLS-path tunnel MTU (decision #1). When parsing a response that carries only
  // X-DTLS-MTU, that value.
  std::uint32_t mtu = 0;
  std::uint32_t base_mtu = 0;     // X-CSTP-Base-MTU: link MTU; 0 = not sent
  std::uint32_t dpd_s = 0;        // 0 = disabled
  std::uint32_t keepalive_s = 0;  // 0 = disabled
  // nullopt = unlimited; emitted as "none". "none", "0" and absence all parse to nullopt
  // (decision #24).
  std::optional<std::uint32_t> idle_timeout_s;
  std::optional<std::uint32_t> session_timeout_s;
  std::optional<std::uint32_t> session_timeout_remaining_s;
  std::optional<std::uint32_t> disconnected_timeout_s;
  std::optional<std::uint32_t> lease_duration_s;
  std::uint32_t rekey_time_s = 0;
  std::string rekey_method;           // "ssl", "new-tunnel"; empty means "none"
  std::string banner;                 // raw text; %-escaped on the wire (decision #30)
  std::string post_auth_xml;          // X-CSTP-Post-Auth-XML, one line
  std::string cstp_content_encoding;  // "", "lzs", "oc-lz4" or "deflate"

  struct Dtls {
    std::uint16_t port = 0;
    std::string session_id_hex;      // legacy/resumption modes: 64 hex digits
    std::string app_id_hex;          // PSK-NEGOTIATE: 2..64 hex digits
    std::string ciphersuite;         // X-DTLS-CipherSuite value (one name or PSK-NEGOTIATE)
    std::string dtls12_ciphersuite;  // X-DTLS12-CipherSuite value
    std::uint32_t mtu = 0;           // X-DTLS-MTU; 0 = not sent
    std::uint32_t dpd_s = 0;
    std::uint32_t keepalive_s = 0;
    std::uint32_t rekey_time_s = 0;
    std::string rekey_method;      // empty = not sent (means none)
    std::string content_encoding;  // "", "lzs" or "oc-lz4"
  };
  // Present when the gateway offers DTLS (a session id or an app id was sent).
  std::optional<Dtls> dtls;

  // Every other header (X-CSTP-Keep, X-CSTP-License, vendor flags, custom headers), in order.
  // The builder emits them after the known ones, verbatim.
  std::vector<http::Header> extra;
};

// Emits the response headers in ocserv's order with the exact spellings openconnect expects.
// Every value is non-empty: unlimited timeouts are "none", an empty rekey_method is "none".
// Split-Include/Exclude values are passed through (callers use "net/dotted-mask"). The banner
// is %-escaped ('%' and control characters). Values never contain CR/LF (replaced by spaces).
// REQUIRES: mtu > 0 and at least one of address/address_ip6 (openconnect aborts otherwise).
http::HeaderList BuildConnectResponseHeaders(const ConnectResponse& response);

// Reads a CONNECT response with openconnect 9.01's rules (§6.2), names case-insensitive:
//   - DNS/NBNS keep the first 3, split lists keep all, the last Address/Netmask wins;
//   - "none", "0", absence and an unparsable number mean "not set" for the numeric fields;
//   - the banner is %-decoded (kept raw if the escapes are broken).
// Errors (all Errc::kProtocol; the caller must abandon this CONNECT, like openconnect):
//   - neither X-CSTP-MTU nor X-DTLS-MTU ("no MTU received");
//   - neither an IPv4 nor an IPv6 address ("no IP address received");
//   - X-DTLS-Session-ID not exactly 64 hex digits, or X-DTLS-App-ID not 2..64 hex digits;
//   - an unknown X-CSTP-Content-Encoding / X-DTLS-Content-Encoding.
// DTLS is offered (dtls set) only when a Session-ID or App-ID and a valid non-zero port came.
Result<ConnectResponse> ParseConnectResponse(const http::HeaderList& headers);

}  // namespace sekisho::proto::tunnel

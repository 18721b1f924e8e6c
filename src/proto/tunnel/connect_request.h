#pragma once
// The client's side of `CONNECT /CSCOSSLC/tunnel` (anyconnect.md §5): what it asks for in
// X-CSTP-*/X-DTLS-* request headers. The gateway parses it with ParseConnectRequest; our client
// builds it with BuildConnectRequestHeaders. Header reference: docs/protocol/headers.md.

#include "base/redacted.h"
#include "base/result.h"
#include "proto/http/message.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho::proto::tunnel {

// Length of X-DTLS-Master-Secret once hex-decoded (96 hex digits on the wire).
inline constexpr std::size_t kDtlsMasterSecretSize = 48;

struct ConnectRequest {
  std::string hostname;                   // X-CSTP-Hostname; empty if absent or not a host name
  std::optional<std::uint32_t> base_mtu;  // X-CSTP-Base-MTU
  std::optional<std::uint32_t> mtu;       // X-CSTP-MTU
  // X-CSTP-Address-Type, parsed as a set; an absent header means both (as in ocserv).
  bool want_ipv4 = true;
  bool want_ipv6 = true;
  bool full_ipv6 = false;  // X-CSTP-Full-IPv6-Capability: true
  // X-CSTP-Address lines (addresses the client had before a reconnect), in order. Values
  // containing ':' are IPv6.
  std::vector<std::string> previous_addresses;
  // X-DTLS-Master-Secret: exactly kDtlsMasterSecretSize bytes, or empty when absent/unusable.
  SecretBytes dtls_master_secret;
  std::vector<std::string> dtls_ciphersuites;     // X-DTLS-CipherSuite tokens, in client order
  std::vector<std::string> dtls12_ciphersuites;   // X-DTLS12-CipherSuite tokens
  std::vector<std::string> cstp_accept_encoding;  // X-CSTP-Accept-Encoding tokens
  std::vector<std::string> dtls_accept_encoding;  // X-DTLS-Accept-Encoding tokens
  std::string user_agent;
  // X-AnyConnect-Identifier-Platform, else the legacy X-AnyConnect-Platform.
  std::string platform;
  std::string strap_pubkey;  // X-AnyConnect-STRAP-Pubkey (base64), informational only

  // True when the client offered the whole token `PSK-NEGOTIATE` in X-DTLS-CipherSuite.
  bool OffersPskNegotiate() const;
};

// Reads the CONNECT request headers the way ocserv does: header names are matched
// case-insensitively, unknown headers are ignored, malformed values are dropped rather than
// rejected (a number that does not parse is treated as absent; a master secret shorter than
// 96 hex digits or not hex is ignored; only its first 96 digits are used). Lists are capped at
// 64 tokens. A hostname that is not a plausible DNS name (letters, digits, '-', '.', '_',
// at most 253 bytes) is dropped, because the gateway echoes it back in a header.
//
// Never fails today; the Result leaves room for stricter policies. On error the caller should
// answer 400 and close the connection.
Result<ConnectRequest> ParseConnectRequest(const http::HeaderList& headers);

// The headers our client sends, with the spelling and order of openconnect 9.01 (§5.1) minus
// the STRAP headers (X-AnyConnect-Platform is never sent: decision #32):
//   Host, User-Agent, Cookie: webvpn=<cookie>, X-CSTP-Version, X-CSTP-Hostname,
//   X-CSTP-Accept-Encoding, X-CSTP-Base-MTU, X-CSTP-MTU, X-CSTP-Address-Type,
//   X-CSTP-Address (IPv4), X-CSTP-Full-IPv6-Capability, X-CSTP-Address (IPv6),
//   X-DTLS-Master-Secret (uppercase hex), X-DTLS-CipherSuite, X-DTLS12-CipherSuite,
//   X-DTLS-Accept-Encoding.
// Optional headers are left out when their field is empty/nullopt. The DTLS headers are sent
// only when dtls_master_secret holds kDtlsMasterSecretSize bytes and at least one cipher list is
// non-empty. The returned list holds the cookie: do not log it.
http::HeaderList BuildConnectRequestHeaders(const ConnectRequest& request, std::string_view cookie,
                                            std::string_view host_header);

}  // namespace sekisho::proto::tunnel

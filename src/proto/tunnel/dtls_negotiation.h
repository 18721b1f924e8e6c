#pragma once
// Which DTLS mode a session uses (anyconnect.md §8.2, decisions #13-#16) and the table of
// cipher-suite names that appear in X-DTLS-CipherSuite / X-DTLS12-CipherSuite.
//
// The gateway calls ChooseDtlsSuite with the client's offer and its policy and puts the result
// in the CONNECT response; the client looks up the gateway's answer with LookupSuiteByName /
// LookupDtls12SuiteByName. A DtlsSuite also says what the TLS layer needs to set the DTLS
// session up (protocol version, GnuTLS key exchange / cipher / MAC names, suite code point)
// and how many bytes each record costs (for mtu.h).

#include "proto/tunnel/connect_request.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sekisho::proto::tunnel {

enum class DtlsMode {
  kNone,
  kPsk,           // PSK-NEGOTIATE (§8.6): full DTLS 1.2 PSK handshake, key from the TLS exporter
  kLegacy09,      // Cisco DTLS 0.9 resumption (§8.4), X-DTLS-CipherSuite legacy names
  kDtls12Resume,  // Cisco DTLS 1.2 resumption (§8.5), X-DTLS12-CipherSuite names
  kOcDtls12,      // OpenConnect DTLS 1.2 resumption: OC-DTLS1_2-AES*-GCM in X-DTLS-CipherSuite
};

std::string_view DtlsModeName(DtlsMode mode);

// What the gateway is willing to do. Defaults: everything on, like Debian's ocserv.
struct DtlsPolicy {
  bool enabled = true;
  bool allow_psk = true;
  bool allow_legacy = true;  // DTLS 0.9
  bool allow_dtls12 = true;  // Cisco DTLS 1.2 resumption and OC-DTLS1_2-*
};

// One row of the suite table. All string_views point at static storage.
struct DtlsSuite {
  std::string_view name;  // wire name: "AES128-SHA", "PSK-NEGOTIATE", ...
  // TLS cipher suite code point used by the resumed session; 0 for PSK-NEGOTIATE (the PSK suite
  // is negotiated in the handshake).
  std::uint16_t suite_id = 0;
  DtlsMode mode = DtlsMode::kNone;
  std::string_view protocol;  // "DTLS0.9" or "DTLS1.2"
  std::string_view kx;        // GnuTLS names: "RSA", "DHE-RSA", "ECDHE-RSA", "PSK"
  std::string_view cipher;    // "AES-256-GCM", "AES-128-CBC", "3DES-CBC", "CHACHA20-POLY1305"
  std::string_view mac;       // "AEAD" or "SHA1"
  // Worst-case bytes a DTLS record adds to its plaintext, including the 13-byte record header
  // (§8.8: AES-GCM 37, CHACHA20-POLY1305 29, AES-CBC-SHA1 65, 3DES-CBC-SHA1 49). For PSK this is
  // the expected PSK suite's (see ChooseDtlsSuite).
  std::uint32_t record_overhead = 0;
  // Gateway preference (higher wins, ocserv's values); 0 = never chosen by our gateway, but
  // understood when a gateway picks it.
  int priority = 0;

  friend bool operator==(const DtlsSuite&, const DtlsSuite&) = default;
};

// The gateway's choice for one CONNECT, in this order:
//   1. PSK-NEGOTIATE when offered as a whole token and policy.allow_psk (no master secret
//      needed);
//   2. the best X-DTLS12-CipherSuite name (ECDHE names accepted: only code points, decision
//      #14) when allow_dtls12;
//   3. the best X-DTLS-CipherSuite name: OC-DTLS1_2-* when allow_dtls12, DTLS 0.9 names when
//      allow_legacy.
// Within 2 and 3, a suite whose cipher equals `tls_cipher_name` (GnuTLS name of the CSTP TLS
// session's cipher, e.g. "AES-256-GCM") wins at once, as in ocserv; otherwise the highest
// priority, ties broken by the client's order. Steps 2-3 require a 48-byte master secret.
// For PSK the returned suite's cipher/record_overhead describe the PSK suite we expect to
// negotiate: the TLS session's cipher when it is an AEAD we support, else AES-256-GCM.
// nullopt: no DTLS for this session (send no X-DTLS-* headers).
std::optional<DtlsSuite> ChooseDtlsSuite(const ConnectRequest& request, const DtlsPolicy& policy,
                                         std::string_view tls_cipher_name);

// Client side: the suite named by a response's X-DTLS-CipherSuite (including PSK-NEGOTIATE,
// with AES-256-GCM as the expected PSK cipher) or X-DTLS12-CipherSuite. nullopt if unknown.
std::optional<DtlsSuite> LookupSuiteByName(std::string_view name);
std::optional<DtlsSuite> LookupDtls12SuiteByName(std::string_view name);

// The offers our client sends, like openconnect 9.01's (PSK-NEGOTIATE first) minus the
// openconnect-private OC2-DTLS1_2-CHACHA20-POLY1305, which no gateway picks.
std::string ClientDtlsCipherOffer();
std::string ClientDtls12CipherOffer();

}  // namespace sekisho::proto::tunnel

#include "proto/tunnel/dtls_negotiation.h"

#include <array>

namespace sekisho::proto::tunnel {
namespace {

// Record overheads from §8.8: 13-byte header plus cipher expansion (worst-case padding).
constexpr std::uint32_t kGcmOverhead = 13 + 8 + 16;
constexpr std::uint32_t kChachaOverhead = 13 + 16;
constexpr std::uint32_t kAesCbcSha1Overhead = 13 + 16 + 20 + 16;
constexpr std::uint32_t kDes3CbcSha1Overhead = 13 + 8 + 20 + 8;

constexpr std::string_view kPskNegotiate = "PSK-NEGOTIATE";

// X-DTLS-CipherSuite names (§8.4). Priorities are ocserv 1.1.6's; the DHE names are never
// chosen by ocserv and not by us either, but an ASA might pick them.
constexpr std::array kDtlsSuites = {
    DtlsSuite{"OC-DTLS1_2-AES256-GCM", 0x009D, DtlsMode::kOcDtls12, "DTLS1.2", "RSA", "AES-256-GCM",
              "AEAD", kGcmOverhead, 90},
    DtlsSuite{"OC-DTLS1_2-AES128-GCM", 0x009C, DtlsMode::kOcDtls12, "DTLS1.2", "RSA", "AES-128-GCM",
              "AEAD", kGcmOverhead, 80},
    DtlsSuite{"AES256-SHA", 0x0035, DtlsMode::kLegacy09, "DTLS0.9", "RSA", "AES-256-CBC", "SHA1",
              kAesCbcSha1Overhead, 60},
    DtlsSuite{"AES128-SHA", 0x002F, DtlsMode::kLegacy09, "DTLS0.9", "RSA", "AES-128-CBC", "SHA1",
              kAesCbcSha1Overhead, 50},
    DtlsSuite{"DES-CBC3-SHA", 0x000A, DtlsMode::kLegacy09, "DTLS0.9", "RSA", "3DES-CBC", "SHA1",
              kDes3CbcSha1Overhead, 1},
    DtlsSuite{"DHE-RSA-AES256-SHA", 0x0039, DtlsMode::kLegacy09, "DTLS0.9", "DHE-RSA",
              "AES-256-CBC", "SHA1", kAesCbcSha1Overhead, 0},
    DtlsSuite{"DHE-RSA-AES128-SHA", 0x0033, DtlsMode::kLegacy09, "DTLS0.9", "DHE-RSA",
              "AES-128-CBC", "SHA1", kAesCbcSha1Overhead, 0},
};

// X-DTLS12-CipherSuite names (§8.5). The key exchange never runs: ECDHE/DHE only select the
// code point, so we accept them (decision #14) at the priority of their cipher.
constexpr std::array kDtls12Suites = {
    DtlsSuite{"ECDHE-RSA-AES256-GCM-SHA384", 0xC030, DtlsMode::kDtls12Resume, "DTLS1.2",
              "ECDHE-RSA", "AES-256-GCM", "AEAD", kGcmOverhead, 90},
    DtlsSuite{"ECDHE-RSA-AES128-GCM-SHA256", 0xC02F, DtlsMode::kDtls12Resume, "DTLS1.2",
              "ECDHE-RSA", "AES-128-GCM", "AEAD", kGcmOverhead, 80},
    DtlsSuite{"AES256-GCM-SHA384", 0x009D, DtlsMode::kDtls12Resume, "DTLS1.2", "RSA", "AES-256-GCM",
              "AEAD", kGcmOverhead, 90},
    DtlsSuite{"AES128-GCM-SHA256", 0x009C, DtlsMode::kDtls12Resume, "DTLS1.2", "RSA", "AES-128-GCM",
              "AEAD", kGcmOverhead, 80},
    DtlsSuite{"DHE-RSA-AES256-SHA", 0x0039, DtlsMode::kDtls12Resume, "DTLS1.2", "DHE-RSA",
              "AES-256-CBC", "SHA1", kAesCbcSha1Overhead, 60},
    DtlsSuite{"DHE-RSA-AES128-SHA", 0x0033, DtlsMode::kDtls12Resume, "DTLS1.2", "DHE-RSA",
              "AES-128-CBC", "SHA1", kAesCbcSha1Overhead, 50},
    DtlsSuite{"AES256-SHA", 0x0035, DtlsMode::kDtls12Resume, "DTLS1.2", "RSA", "AES-256-CBC",
              "SHA1", kAesCbcSha1Overhead, 60},
    DtlsSuite{"AES128-SHA", 0x002F, DtlsMode::kDtls12Resume, "DTLS1.2", "RSA", "AES-128-CBC",
              "SHA1", kAesCbcSha1Overhead, 50},
};

// PSK suites we expect GnuTLS to negotiate, keyed by the TLS session's cipher (ocserv's
// match-tls-dtls-ciphers idea); the first is the default (openconnect's first offer, §8.6).
constexpr std::array kPskCiphers = {
    DtlsSuite{kPskNegotiate, 0, DtlsMode::kPsk, "DTLS1.2", "PSK", "AES-256-GCM", "AEAD",
              kGcmOverhead, 100},
    DtlsSuite{kPskNegotiate, 0, DtlsMode::kPsk, "DTLS1.2", "PSK", "AES-128-GCM", "AEAD",
              kGcmOverhead, 100},
    DtlsSuite{kPskNegotiate, 0, DtlsMode::kPsk, "DTLS1.2", "PSK", "CHACHA20-POLY1305", "AEAD",
              kChachaOverhead, 100},
};

DtlsSuite PskSuiteFor(std::string_view tls_cipher_name) {
  for (const auto& suite : kPskCiphers) {
    if (suite.cipher == tls_cipher_name) {
      return suite;
    }
  }
  return kPskCiphers[0];
}

template <std::size_t N>
const DtlsSuite* FindIn(const std::array<DtlsSuite, N>& table, std::string_view name) {
  for (const auto& suite : table) {
    if (suite.name == name) {
      return &suite;
    }
  }
  return nullptr;
}

bool ModeAllowed(DtlsMode mode, const DtlsPolicy& policy) {
  switch (mode) {
    case DtlsMode::kLegacy09: return policy.allow_legacy;
    case DtlsMode::kDtls12Resume:
    case DtlsMode::kOcDtls12: return policy.allow_dtls12;
    case DtlsMode::kPsk: return policy.allow_psk;
    case DtlsMode::kNone: return false;
  }
  return false;
}

// ocserv's loop: an exact cipher match with the TLS session ends the search; otherwise the
// highest priority wins and the client's order breaks ties.
template <std::size_t N>
const DtlsSuite* PickFrom(const std::array<DtlsSuite, N>& table,
                          const std::vector<std::string>& offer, const DtlsPolicy& policy,
                          std::string_view tls_cipher_name) {
  const DtlsSuite* best = nullptr;
  for (const auto& token : offer) {
    const DtlsSuite* suite = FindIn(table, token);
    if (suite == nullptr || suite->priority <= 0 || !ModeAllowed(suite->mode, policy)) {
      continue;
    }
    if (!tls_cipher_name.empty() && suite->cipher == tls_cipher_name) {
      return suite;
    }
    if (best == nullptr || suite->priority > best->priority) {
      best = suite;
    }
  }
  return best;
}

std::string JoinNames(std::initializer_list<std::string_view> names) {
  std::string out;
  for (auto name : names) {
    if (!out.empty()) {
      out.push_back(':');
    }
    out += name;
  }
  return out;
}

}  // namespace

std::string_view DtlsModeName(DtlsMode mode) {
  switch (mode) {
    case DtlsMode::kNone: return "none";
    case DtlsMode::kPsk: return "psk-negotiate";
    case DtlsMode::kLegacy09: return "dtls0.9";
    case DtlsMode::kDtls12Resume: return "dtls1.2-resume";
    case DtlsMode::kOcDtls12: return "oc-dtls1.2";
  }
  return "unknown";
}

std::optional<DtlsSuite> ChooseDtlsSuite(const ConnectRequest& request, const DtlsPolicy& policy,
                                         std::string_view tls_cipher_name) {
  if (!policy.enabled) {
    return std::nullopt;
  }
  // ocserv waives the master secret for PSK: the key comes from the TLS exporter (§8.6).
  if (policy.allow_psk && request.OffersPskNegotiate()) {
    return PskSuiteFor(tls_cipher_name);
  }
  if (request.dtls_master_secret.reveal().size() != kDtlsMasterSecretSize) {
    return std::nullopt;
  }
  // A usable X-DTLS12-CipherSuite choice overrides X-DTLS-CipherSuite (ocserv, ASA).
  if (const DtlsSuite* s =
          PickFrom(kDtls12Suites, request.dtls12_ciphersuites, policy, tls_cipher_name)) {
    return *s;
  }
  if (const DtlsSuite* s =
          PickFrom(kDtlsSuites, request.dtls_ciphersuites, policy, tls_cipher_name)) {
    return *s;
  }
  return std::nullopt;
}

std::optional<DtlsSuite> LookupSuiteByName(std::string_view name) {
  if (name == kPskNegotiate) {
    return kPskCiphers[0];
  }
  if (const DtlsSuite* s = FindIn(kDtlsSuites, name)) {
    return *s;
  }
  return std::nullopt;
}

std::optional<DtlsSuite> LookupDtls12SuiteByName(std::string_view name) {
  if (const DtlsSuite* s = FindIn(kDtls12Suites, name)) {
    return *s;
  }
  return std::nullopt;
}

std::string ClientDtlsCipherOffer() {
  return JoinNames({kPskNegotiate, "OC-DTLS1_2-AES256-GCM", "OC-DTLS1_2-AES128-GCM",
                    "DHE-RSA-AES256-SHA", "DHE-RSA-AES128-SHA", "AES256-SHA", "AES128-SHA"});
}

std::string ClientDtls12CipherOffer() {
  return JoinNames({"ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256",
                    "AES256-GCM-SHA384", "AES128-GCM-SHA256", "DHE-RSA-AES256-SHA",
                    "DHE-RSA-AES128-SHA", "AES256-SHA", "AES128-SHA"});
}

}  // namespace sekisho::proto::tunnel

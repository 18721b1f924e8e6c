#include "proto/tunnel/connect_request.h"

#include "base/encoding.h"
#include "base/strings.h"
#include "proto/tunnel/header_util.h"

#include <algorithm>

namespace sekisho::proto::tunnel {
namespace {

using internal::AddHeader;
using internal::JoinList;
using internal::ParseNumber;
using internal::SplitList;

constexpr std::uint32_t kMaxMtuValue = 65535;
constexpr std::size_t kMasterSecretHexDigits = kDtlsMasterSecretSize * 2;
constexpr std::size_t kMaxHostnameSize = 253;

bool IsPlausibleHostname(std::string_view name) {
  if (name.empty() || name.size() > kMaxHostnameSize) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
  });
}

// ocserv reads only the first 96 hex digits and ignores a shorter value; it does not care
// about case (openconnect sends uppercase).
SecretBytes ParseMasterSecret(std::string_view value) {
  value = TrimWhitespace(value);
  if (value.size() < kMasterSecretHexDigits) {
    return {};
  }
  auto bytes = HexDecode(value.substr(0, kMasterSecretHexDigits));
  if (!bytes) {
    return {};
  }
  return SecretBytes(std::move(*bytes));
}

}  // namespace

bool ConnectRequest::OffersPskNegotiate() const {
  // Whole-token match: ocserv would not accept "XPSK-NEGOTIATE" either (§8.2).
  return std::find(dtls_ciphersuites.begin(), dtls_ciphersuites.end(), "PSK-NEGOTIATE") !=
         dtls_ciphersuites.end();
}

Result<ConnectRequest> ParseConnectRequest(const http::HeaderList& headers) {
  ConnectRequest req;
  std::string legacy_platform;
  for (const auto& [name, value] : headers) {
    if (EqualsIgnoreCase(name, "X-CSTP-Hostname")) {
      std::string_view host = TrimWhitespace(value);
      req.hostname = IsPlausibleHostname(host) ? std::string(host) : std::string();
    } else if (EqualsIgnoreCase(name, "X-CSTP-Base-MTU")) {
      req.base_mtu = ParseNumber(value, kMaxMtuValue);
    } else if (EqualsIgnoreCase(name, "X-CSTP-MTU")) {
      req.mtu = ParseNumber(value, kMaxMtuValue);
    } else if (EqualsIgnoreCase(name, "X-CSTP-Address-Type")) {
      // A set, whatever the order or separator: ocserv looks for the substrings (decision #27).
      req.want_ipv4 = value.find("IPv4") != std::string::npos;
      req.want_ipv6 = value.find("IPv6") != std::string::npos;
    } else if (EqualsIgnoreCase(name, "X-CSTP-Full-IPv6-Capability")) {
      req.full_ipv6 = EqualsIgnoreCase(TrimWhitespace(value), "true");
    } else if (EqualsIgnoreCase(name, "X-CSTP-Address")) {
      std::string_view addr = TrimWhitespace(value);
      if (!addr.empty() && req.previous_addresses.size() < 2) {
        req.previous_addresses.emplace_back(addr);
      }
    } else if (EqualsIgnoreCase(name, "X-DTLS-Master-Secret")) {
      req.dtls_master_secret = ParseMasterSecret(value);
    } else if (EqualsIgnoreCase(name, "X-DTLS-CipherSuite")) {
      req.dtls_ciphersuites = SplitList(value, ':');
    } else if (EqualsIgnoreCase(name, "X-DTLS12-CipherSuite")) {
      req.dtls12_ciphersuites = SplitList(value, ':');
    } else if (EqualsIgnoreCase(name, "X-CSTP-Accept-Encoding")) {
      req.cstp_accept_encoding = SplitList(value, ',');
    } else if (EqualsIgnoreCase(name, "X-DTLS-Accept-Encoding")) {
      req.dtls_accept_encoding = SplitList(value, ',');
    } else if (EqualsIgnoreCase(name, "User-Agent")) {
      req.user_agent = TrimWhitespace(value);
    } else if (EqualsIgnoreCase(name, "X-AnyConnect-Identifier-Platform")) {
      req.platform = TrimWhitespace(value);
    } else if (EqualsIgnoreCase(name, "X-AnyConnect-Platform")) {
      legacy_platform = TrimWhitespace(value);
    } else if (EqualsIgnoreCase(name, "X-AnyConnect-STRAP-Pubkey")) {
      req.strap_pubkey = TrimWhitespace(value);
    }
  }
  if (req.platform.empty()) {
    req.platform = std::move(legacy_platform);
  }
  return req;
}

http::HeaderList BuildConnectRequestHeaders(const ConnectRequest& request, std::string_view cookie,
                                            std::string_view host_header) {
  http::HeaderList h;
  AddHeader(h, "Host", host_header);
  if (!request.user_agent.empty()) {
    AddHeader(h, "User-Agent", request.user_agent);
  }
  std::string cookie_value = "webvpn=";
  cookie_value += cookie;
  AddHeader(h, "Cookie", cookie_value);
  AddHeader(h, "X-CSTP-Version", "1");
  if (!request.hostname.empty()) {
    AddHeader(h, "X-CSTP-Hostname", request.hostname);
  }
  if (!request.cstp_accept_encoding.empty()) {
    AddHeader(h, "X-CSTP-Accept-Encoding", JoinList(request.cstp_accept_encoding, ','));
  }
  if (request.base_mtu) {
    AddHeader(h, "X-CSTP-Base-MTU", std::to_string(*request.base_mtu));
  }
  if (request.mtu) {
    AddHeader(h, "X-CSTP-MTU", std::to_string(*request.mtu));
  }
  const char* address_type = "IPv6,IPv4";
  if (!request.want_ipv6) {
    address_type = "IPv4";
  } else if (!request.want_ipv4) {
    address_type = "IPv6";
  }
  AddHeader(h, "X-CSTP-Address-Type", address_type);
  // openconnect sends the old IPv4 address before Full-IPv6-Capability and the old IPv6
  // address after it (cstp.c start_cstp_connection).
  for (const auto& addr : request.previous_addresses) {
    if (addr.find(':') == std::string::npos) {
      AddHeader(h, "X-CSTP-Address", addr);
    }
  }
  if (request.full_ipv6) {
    AddHeader(h, "X-CSTP-Full-IPv6-Capability", "true");
    for (const auto& addr : request.previous_addresses) {
      if (addr.find(':') != std::string::npos) {
        AddHeader(h, "X-CSTP-Address", addr);
      }
    }
  }
  const bool dtls = request.dtls_master_secret.reveal().size() == kDtlsMasterSecretSize &&
                    (!request.dtls_ciphersuites.empty() || !request.dtls12_ciphersuites.empty());
  if (dtls) {
    AddHeader(h, "X-DTLS-Master-Secret",
              HexEncode(request.dtls_master_secret.reveal(), HexCase::kUpper));
    if (!request.dtls_ciphersuites.empty()) {
      AddHeader(h, "X-DTLS-CipherSuite", JoinList(request.dtls_ciphersuites, ':'));
    }
    if (!request.dtls12_ciphersuites.empty()) {
      AddHeader(h, "X-DTLS12-CipherSuite", JoinList(request.dtls12_ciphersuites, ':'));
    }
    if (!request.dtls_accept_encoding.empty()) {
      AddHeader(h, "X-DTLS-Accept-Encoding", JoinList(request.dtls_accept_encoding, ','));
    }
  }
  return h;
}

}  // namespace sekisho::proto::tunnel

#pragma once
// Checks and decisions for the openconnect-compatible service options of `sekisho connect`
// (docs/client.md "Running as a service"): --os, --mtu/--base-mtu, --reconnect-timeout,
// --useragent, --local-hostname. Pure functions; main.cc turns their errors into messages.

#include "base/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sekisho::client {

// openconnect's allowed --os values; the value goes into <device-id> as it is.
// Errors: kInvalidArgument naming the allowed values.
Result<std::string> CheckReportedOs(std::string_view os);

// openconnect never asks for less than 576 (the IPv4 minimum datagram); sekisho refuses such
// values instead of silently raising them, and anything above 65535.
inline constexpr std::uint32_t kMinRequestMtu = 576;
Result<void> CheckMtuOption(std::string_view option, std::uint32_t value);

// The X-CSTP-Base-MTU and X-CSTP-MTU a CONNECT sends: the options when given, else 1500 and
// the MTU derived from the base (proto/tunnel/mtu.h), never above the base.
struct MtuRequest {
  std::uint32_t base_mtu = 1500;
  std::uint32_t mtu = 0;
};
MtuRequest PlanMtuRequest(std::optional<std::uint32_t> base_option,
                          std::optional<std::uint32_t> mtu_option, bool ipv6_transport);

// How long the reconnect loop keeps trying: --reconnect-timeout when given (openconnect's
// meaning), else the gateway's X-CSTP-Disconnected-Timeout, else 300 s.
std::uint32_t ReconnectBudgetSeconds(std::optional<std::uint32_t> option,
                                     std::optional<std::uint32_t> gateway_value);

// A header value given on the command line (--useragent, --local-hostname): printable ASCII
// and not empty, so that it cannot split the request head. Errors: kInvalidArgument.
Result<void> CheckHeaderValueOption(std::string_view option, std::string_view value);

}  // namespace sekisho::client

#include "client/service_options.h"

#include "proto/tunnel/mtu.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace sekisho::client {
namespace {

constexpr std::array<std::string_view, 6> kReportedOses = {"linux",     "linux-64", "win",
                                                           "mac-intel", "android",  "apple-ios"};
constexpr std::uint32_t kMaxMtu = 65535;
constexpr std::uint32_t kDefaultBaseMtu = 1500;
constexpr std::uint32_t kDefaultReconnectSeconds = 300;

}  // namespace

Result<std::string> CheckReportedOs(std::string_view os) {
  if (std::find(kReportedOses.begin(), kReportedOses.end(), os) == kReportedOses.end()) {
    return Fail(Errc::kInvalidArgument,
                "--os: unknown OS type; use linux, linux-64, win, mac-intel, android or apple-ios");
  }
  return std::string(os);
}

Result<void> CheckMtuOption(std::string_view option, std::uint32_t value) {
  if (value < kMinRequestMtu || value > kMaxMtu) {
    return Fail(Errc::kInvalidArgument,
                fmt::format("{}: {} is outside {}..{}", option, value, kMinRequestMtu, kMaxMtu));
  }
  return Ok();
}

MtuRequest PlanMtuRequest(std::optional<std::uint32_t> base_option,
                          std::optional<std::uint32_t> mtu_option, bool ipv6_transport) {
  MtuRequest plan;
  plan.base_mtu = base_option.value_or(kDefaultBaseMtu);
  plan.mtu =
      mtu_option ? *mtu_option : proto::tunnel::ClientRequestedMtu(plan.base_mtu, ipv6_transport);
  return plan;
}

std::uint32_t ReconnectBudgetSeconds(std::optional<std::uint32_t> option,
                                     std::optional<std::uint32_t> gateway_value) {
  if (option) {
    return *option;
  }
  return gateway_value.value_or(kDefaultReconnectSeconds);
}

Result<void> CheckHeaderValueOption(std::string_view option, std::string_view value) {
  bool printable = std::all_of(value.begin(), value.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
  });
  if (value.empty() || !printable) {
    return Fail(Errc::kInvalidArgument,
                fmt::format("{}: must be non-empty printable ASCII", option));
  }
  return Ok();
}

}  // namespace sekisho::client

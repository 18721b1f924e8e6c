#include "client/tun_configurator.h"

#include "client/progress.h"
#include "client/terminal_text.h"
#include "net/ipv4.h"
#include "proto/tunnel/mtu.h"

#include <fmt/format.h>

#include <algorithm>
#include <unistd.h>
#include <vector>

namespace sekisho::client {

namespace tunnel = proto::tunnel;

Result<void> TunConfigurator::SetUp(const ConnectedTunnel& connected, ScriptReason reason,
                                    const std::string& gateway_ip) {
  const tunnel::ConnectResponse& response = connected.response;
  if (!tun_) {
    std::string name = options_.interface_name.empty() ? "sekisho%d" : options_.interface_name;
    SEKISHO_ASSIGN_OR_RETURN(tun_, TunSetup::Open(name, log_));
  }
  auto address = net::ParseIpv4(response.address);
  if (!address) {
    return Fail(Errc::kProtocol, "the gateway assigned no usable IPv4 address");
  }
  TunAddressing addressing;
  addressing.address = *address;
  addressing.prefix = 32;
  if (auto mask = net::ParseIpv4(response.netmask)) {
    addressing.prefix = net::MaskToPrefix(*mask).value_or(32);
  }
  // Cisco's rule (decision #1): the DTLS MTU from the start when DTLS is offered (the Tunnel
  // lowers it to X-CSTP-MTU if DTLS gives up), else X-CSTP-MTU.
  addressing.mtu = static_cast<int>(
      connected.dtls_plan ? tunnel::ClientTunnelMtu(connected.dtls_plan->cstp_mtu,
                                                    connected.dtls_plan->dtls_mtu, true)
                          : tunnel::ClientTunnelMtu(response.mtu, 0, false));
  for (const auto& route : response.split_include) {
    if (auto network = net::ParseIpv4Network(route)) {
      addressing.routes.push_back(*network);
    } else {
      log_.Warn("ignoring unusable split-include route {}", TerminalSafe(route));
    }
  }
  addressing.gateway_ip = net::ParseIpv4(gateway_ip);
  bool changed = addressing_ && addressing_->address != addressing.address;
  if (changed) {
    Say("Tunnel: the gateway assigned a new address ({} instead of {})",
        net::FormatIpv4(addressing.address), net::FormatIpv4(addressing_->address));
  }
  if (!options_.script.empty()) {
    ScriptContext context;
    context.reason =
        changed && reason == ScriptReason::kReconnect ? ScriptReason::kConnect : reason;
    context.tundev = tun_->name();
    context.gateway_ip = gateway_ip;
    context.pid = static_cast<long>(::getpid());
    context.log_level = std::min(options_.verbosity + 1, 3);
    context.connect_headers = connected.headers;
    context.mtu = static_cast<std::uint32_t>(addressing.mtu);
    if (reason == ScriptReason::kConnect || changed) {
      auto env = BuildScriptEnvironment(context, &response);
      SEKISHO_ASSIGN_OR_RETURN(int status, RunScript(options_.script, env));
      if (status != 0) {
        return Fail(Errc::kConfig,
                    fmt::format("script {} failed with status {}", options_.script, status));
      }
    } else {
      auto env = BuildScriptEnvironment(context, &response);
      if (auto ran = RunScript(options_.script, env); !ran || *ran != 0) {
        log_.Warn("script (reason=reconnect) failed");
      }
    }
  } else {
    SEKISHO_TRY(tun_->Apply(addressing));
    host_changes_.Apply(response, tun_->name(), tun_->device().ifindex(), !options_.no_dns);
  }
  addressing_ = addressing;
  last_response_ = response;
  last_headers_ = connected.headers;
  std::vector<std::string> routes;
  for (const auto& route : addressing.routes) {
    routes.push_back(net::FormatIpv4Network(route));
  }
  Say("Tunnel: {} up with {}/{} MTU {}, routes: {}", tun_->name(),
      net::FormatIpv4(addressing.address), addressing.prefix, addressing.mtu,
      routes.empty() ? std::string("default") : Join(routes, " "));
  return Ok();
}

void TunConfigurator::TearDown(const std::string& gateway_ip) {
  if (!tun_) {
    return;
  }
  if (!options_.script.empty() && last_response_) {
    ScriptContext context;
    context.reason = ScriptReason::kDisconnect;
    context.tundev = tun_->name();
    context.gateway_ip = gateway_ip;
    context.pid = static_cast<long>(::getpid());
    context.connect_headers = last_headers_;
    auto env = BuildScriptEnvironment(context, &*last_response_);
    if (auto ran = RunScript(options_.script, env); !ran || *ran != 0) {
      log_.Warn("script (reason=disconnect) failed");
    }
  }
  host_changes_.Undo();  // while the link exists: resolved's RevertLink needs it
  tun_.reset();          // removes our routes, then the device
}

}  // namespace sekisho::client

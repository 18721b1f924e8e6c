#include "client/tun_setup.h"

#include "base/strings.h"
#include "net/netlink_linux.h"
#include "net/tun_config.h"

#include <endian.h>

#include <fstream>
#include <net/if.h>
#include <sstream>
#include <utility>

namespace sekisho::client {
namespace {

constexpr unsigned kRtfUp = 0x0001;  // RTF_UP in /proc/net/route's Flags column

std::optional<std::uint32_t> ParseHex32(std::string_view text) {
  if (text.empty() || text.size() > 8) {
    return std::nullopt;
  }
  std::uint32_t value = 0;
  for (char c : text) {
    std::uint32_t digit;
    if (c >= '0' && c <= '9') {
      digit = static_cast<std::uint32_t>(c - '0');
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<std::uint32_t>(c - 'A' + 10);
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<std::uint32_t>(c - 'a' + 10);
    } else {
      return std::nullopt;
    }
    value = (value << 4) | digit;
  }
  return value;
}

// The two halves that together override a default route without replacing it.
constexpr net::Ipv4Network kLowHalf{0x00000000u, 1};
constexpr net::Ipv4Network kHighHalf{0x80000000u, 1};

}  // namespace

std::optional<KernelRoute> FindRouteIpv4(std::string_view proc_net_route,
                                         std::uint32_t destination) {
  std::optional<KernelRoute> best;
  bool first = true;
  for (std::string_view line : Split(proc_net_route, '\n')) {
    if (first) {  // header line
      first = false;
      continue;
    }
    std::vector<std::string_view> cols;
    for (std::string_view col : Split(line, '\t')) {
      std::string_view trimmed = TrimWhitespace(col);
      if (!trimmed.empty()) {
        cols.push_back(trimmed);
      }
    }
    // Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT
    if (cols.size() < 8) {
      continue;
    }
    auto dst = ParseHex32(cols[1]);
    auto gw = ParseHex32(cols[2]);
    auto flags = ParseHex32(cols[3]);
    auto metric = ParseUint(cols[6]);
    auto mask = ParseHex32(cols[7]);
    if (!dst || !gw || !flags || !metric || !mask || (*flags & kRtfUp) == 0) {
      continue;
    }
    // The kernel prints the raw network-order words with %08X.
    std::uint32_t dst_host = be32toh(*dst);
    std::uint32_t mask_host = be32toh(*mask);
    auto prefix = net::MaskToPrefix(mask_host);
    if (!prefix || (destination & mask_host) != (dst_host & mask_host)) {
      continue;
    }
    KernelRoute route{std::string(cols[0]), dst_host, *prefix, be32toh(*gw),
                      static_cast<std::uint32_t>(*metric)};
    if (!best || route.prefix > best->prefix ||
        (route.prefix == best->prefix && route.metric < best->metric)) {
      best = std::move(route);
    }
  }
  return best;
}

Result<std::unique_ptr<TunSetup>> TunSetup::Open(const std::string& name, Logger log) {
  net::TunOptions options;
  options.name = name;
  SEKISHO_ASSIGN_OR_RETURN(net::TunDevice tun, net::TunDevice::Open(options));
  return std::unique_ptr<TunSetup>(new TunSetup(std::move(tun), std::move(log)));
}

TunSetup::~TunSetup() { Remove(); }

Result<void> TunSetup::Apply(const TunAddressing& addressing) {
  if (applied_ && *applied_ == addressing) {
    return Ok();
  }
  if (applied_) {
    TunAddressing same_but_mtu = addressing;
    same_but_mtu.mtu = applied_->mtu;
    if (same_but_mtu == *applied_) {
      // A reconnect that only changes the MTU (DTLS offered again): keep address and routes.
      return SetMtu(addressing.mtu);
    }
  }
  Remove();
  const int ifindex = tun_.ifindex();
  SEKISHO_TRY(net::ConfigureClientTun(tun_, addressing.address, addressing.prefix, addressing.mtu));
  applied_ = addressing;

  std::vector<net::Ipv4Network> routes = addressing.routes;
  bool default_route = routes.empty();
  if (default_route) {
    routes = {kLowHalf, kHighHalf};
  }
  // Host route to the gateway first, through the route it is reachable by now, whenever one
  // of the tunnel routes would capture it.
  if (addressing.gateway_ip) {
    std::uint32_t gw = *addressing.gateway_ip;
    bool captured = false;
    for (const auto& route : routes) {
      std::uint32_t mask = net::PrefixToMask(route.prefix);
      captured = captured || (gw & mask) == (route.address & mask);
    }
    if (captured) {
      std::ifstream file("/proc/net/route");
      std::stringstream text;
      text << file.rdbuf();
      std::optional<KernelRoute> via = FindRouteIpv4(text.str(), gw);
      if (!via || via->interface == tun_.name()) {
        log_.Warn("no route to the gateway {} outside the tunnel; not adding a host route",
                  net::FormatIpv4(gw));
      } else {
        int out_index = static_cast<int>(::if_nametoindex(via->interface.c_str()));
        std::optional<std::uint32_t> next_hop =
            via->gateway != 0 ? std::optional<std::uint32_t>(via->gateway) : std::nullopt;
        auto added = net::AddRouteIpv4(gw, 32, out_index, next_hop, via->metric);
        if (added) {
          host_route_ = via;
          host_route_ifindex_ = out_index;
          log_.Debug("host route {}/32 via {} dev {}", net::FormatIpv4(gw),
                     next_hop ? net::FormatIpv4(*next_hop) : std::string("(on-link)"),
                     via->interface);
        } else {
          // EEXIST: someone (a previous run, the admin) already pinned it; leave it alone.
          log_.Debug("host route to the gateway not added: {}", added.error().ToString());
        }
      }
    }
  }
  for (const auto& route : routes) {
    std::uint32_t network = route.address & net::PrefixToMask(route.prefix);
    if (auto added = net::AddRouteIpv4(network, route.prefix, ifindex, std::nullopt, 0); !added) {
      log_.Warn("cannot add route {} via {}: {}", net::FormatIpv4Network({network, route.prefix}),
                tun_.name(), added.error().ToString());
      continue;
    }
    tunnel_routes_.push_back({network, route.prefix});
  }
  return Ok();
}

Result<void> TunSetup::SetMtu(int mtu) {
  SEKISHO_TRY(net::SetMtu(tun_, mtu));
  if (applied_) {
    applied_->mtu = mtu;
  }
  return Ok();
}

void TunSetup::Remove() {
  const int ifindex = tun_.ifindex();
  for (const auto& route : tunnel_routes_) {
    (void)net::DelRouteIpv4(route.address, route.prefix, ifindex, std::nullopt, 0);
  }
  tunnel_routes_.clear();
  if (host_route_ && applied_ && applied_->gateway_ip) {
    std::optional<std::uint32_t> next_hop = host_route_->gateway != 0
                                                ? std::optional<std::uint32_t>(host_route_->gateway)
                                                : std::nullopt;
    if (auto removed = net::DelRouteIpv4(*applied_->gateway_ip, 32, host_route_ifindex_, next_hop,
                                         host_route_->metric);
        !removed) {
      log_.Warn("cannot remove the host route to the gateway: {}", removed.error().ToString());
    }
  }
  host_route_.reset();
  if (applied_) {
    (void)net::DelAddressIpv4(ifindex, applied_->address, applied_->prefix);
  }
  applied_.reset();
}

}  // namespace sekisho::client

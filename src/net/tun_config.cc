#include "net/tun_config.h"

#include "net/netlink_linux.h"

#include <fstream>
#include <string>

namespace sekisho::net {
namespace {

// The gateway's tunnels carry IPv4 only: without IPv6 on the device the kernel sends no router
// solicitations or other link-local chatter to the client. Best effort: a kernel without
// IPv6 has no such file, and nothing else depends on it.
void DisableIpv6(const TunDevice& tun) {
  std::ofstream("/proc/sys/net/ipv6/conf/" + tun.name() + "/disable_ipv6") << "1\n";
}

}  // namespace

Result<void> ConfigurePointToPoint(const TunDevice& tun, std::uint32_t local, std::uint32_t peer,
                                   int mtu) {
  // MTU first: bringing the link up announces it (and starts IPv6 autoconfiguration) with
  // whatever MTU it has at that moment.
  DisableIpv6(tun);
  SEKISHO_TRY(SetLinkMtu(tun.ifindex(), mtu));
  SEKISHO_TRY(AddAddressIpv4(tun.ifindex(), local, 32, peer));
  return SetLinkUp(tun.ifindex());
}

Result<void> ConfigureClientTun(const TunDevice& tun, std::uint32_t address, std::uint8_t prefix,
                                int mtu) {
  SEKISHO_TRY(SetLinkMtu(tun.ifindex(), mtu));
  SEKISHO_TRY(AddAddressIpv4(tun.ifindex(), address, prefix));
  return SetLinkUp(tun.ifindex());
}

Result<void> SetMtu(const TunDevice& tun, int mtu) { return SetLinkMtu(tun.ifindex(), mtu); }

}  // namespace sekisho::net

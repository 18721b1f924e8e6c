#include "net/tun_config.h"

#include "net/netlink_linux.h"

namespace sekisho::net {

Result<void> ConfigurePointToPoint(const TunDevice& tun, std::uint32_t local, std::uint32_t peer,
                                   int mtu) {
  // MTU first: bringing the link up announces it (and starts IPv6 autoconfiguration) with
  // whatever MTU it has at that moment.
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

#pragma once
// The systemd-resolved backend of the client's DNS setup: per-link DNS servers and domains on
// the TUN interface through resolved's D-Bus API (org.freedesktop.resolve1.Manager, see
// org.freedesktop.resolve1(5)), the calls `resolvectl dns/domain/default-route/revert` make:
//   SetLinkDNS(ifindex, [(family, address bytes)])
//   SetLinkDomains(ifindex, [(name, routing_only)])   "~." for full DNS
//   SetLinkDefaultRoute(ifindex, full)
//   RevertLink(ifindex)                                 on teardown
// resolved also forgets a link's settings when the link disappears, so a crashed client leaves
// nothing behind; the teardown still reverts explicitly.
//
// Detection (ResolvedIsRunning): the well-known name org.freedesktop.resolve1 has an owner on
// the system bus, i.e. resolved is running now, and that process is in our network namespace
// (interface indexes mean nothing across namespaces: a bus socket shared into a container or
// `ip netns exec` reaches the host's resolved, which must not be configured). Neither the existence
// of /run/systemd/resolve (left behind after resolved is stopped) nor D-Bus activation (an
// installed but stopped resolved is not what the host resolves through) is taken as a sign.
//
// sd-bus (libsystemd) honours $DBUS_SYSTEM_BUS_ADDRESS, else /run/dbus/system_bus_socket.
// Root (CAP_NET_ADMIN) needs no polkit authorisation for these calls.

#include "base/result.h"
#include "client/dns_plan.h"

namespace sekisho::client {

// False when there is no system bus, nobody owns the name, or the owner serves another
// network namespace.
bool ResolvedIsRunning();

// Errors: kIo (no system bus), kProtocol (resolved refused a call; the D-Bus error name and
// message in the context), kInvalidArgument (a server that is not an IP address).
Result<void> ConfigureResolvedLink(int ifindex, const DnsPlan& plan);
// Errors: as above; kNotFound when the link is gone (nothing left to revert).
Result<void> RevertResolvedLink(int ifindex);

}  // namespace sekisho::client

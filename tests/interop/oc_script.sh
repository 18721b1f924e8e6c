#!/bin/sh
# A minimal vpnc-script for interop tests: configures the TUN device openconnect created with
# the addresses, MTU and split routes it was given, and records the environment to
# $SK_SCRIPT_LOG. Unlike Debian's vpnc-script it never touches /etc/resolv.conf, which the
# namespaces share with the host.
log=${SK_SCRIPT_LOG:-/dev/null}
{
  echo "reason=$reason"
  env | grep -E '^(TUNDEV|INTERNAL_IP4_|CISCO_|VPNGATEWAY|INTERNAL_IP4_MTU)' | sort
  echo "--"
} >>"$log"
case "$reason" in
  pre-init) ;;
  connect)
    ip link set dev "$TUNDEV" up mtu "${INTERNAL_IP4_MTU:-1400}"
    ip addr add "$INTERNAL_IP4_ADDRESS/32" peer "$INTERNAL_IP4_ADDRESS" dev "$TUNDEV"
    # The VPN network itself, then the split-include routes (none = default route).
    if [ -n "$INTERNAL_IP4_NETADDR" ] && [ -n "$INTERNAL_IP4_NETMASKLEN" ]; then
      ip route replace "$INTERNAL_IP4_NETADDR/$INTERNAL_IP4_NETMASKLEN" dev "$TUNDEV"
    fi
    i=0
    while [ "$i" -lt "${CISCO_SPLIT_INC:-0}" ]; do
      eval addr=\$CISCO_SPLIT_INC_${i}_ADDR
      eval len=\$CISCO_SPLIT_INC_${i}_MASKLEN
      ip route replace "$addr/$len" dev "$TUNDEV"
      i=$((i + 1))
    done
    ;;
  disconnect) ;;
  reconnect) ;;
esac
exit 0

#!/usr/bin/env bash
# The client's DNS set-up and IPv6 guard fed by ocserv 1.1.6's CONNECT answer (issue 10, points 1
# and 2; the sekishod side is client_dns_resolv_conf.sh and client_ipv6_leak.sh). ocserv pushes
# a DNS server and a default domain and no route (a full tunnel) and no IPv6:
#   1. while the tunnel is up, the client's resolv.conf (SEKISHO_RESOLV_CONF, a file of this
#      test) names only ocserv's server and domain, the unreachable ::/1 and 8000::/1 routes are
#      in place and ping -6 to an address beyond the client's own link fails;
#   2. after SIGINT (logout) the file is back byte for byte, the routes are gone and the same
#      ping -6 works.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ocserv_common.sh"
. "$(dirname "$0")/client_common.sh"
interop_require_root
command -v certtool >/dev/null || interop_skip "certtool missing"
command -v ping >/dev/null || interop_skip "ping missing"

interop_setup_two_hosts
sk_ipv6_setup

OCS_DIR=$(interop_tmpdir)
CL_DIR=$(interop_tmpdir)
CL_URL=$OCS_URL
ocs_setup "$OCS_DIR"
# A full tunnel with DNS: no split route; a resolver and a search domain for everyone.
sed -i '/^route = /d' "$OCS_DIR/ocserv.conf"
printf 'dns = 198.18.110.53\ndefault-domain = ocs.example\n' >>"$OCS_DIR/ocserv.conf"
grep -q '^route' "$OCS_DIR/ocserv.conf" && interop_fail "config edit (route)"
ocs_start "$OCS_DIR"
CA=$OCS_DIR/pki/ca.pem

RESOLV=$CL_DIR/resolv.conf  # what sk_env points the client at
printf '# the host'"'"'s own file\nnameserver 198.18.0.1\nsearch home.lan\n' >"$CL_DIR/original"
cp "$CL_DIR/original" "$RESOLV"

# --- 1. tunnel up: ocserv's DNS only, IPv6 blocked ---------------------------------------------
sk_connect bob $'bobpw\n' --cafile "$CA" --user bob --passwd-on-stdin --authgroup sales
sk_wait_tunnel bob
interop_wait_for_log "$SK_LOG" 'DNS: .*resolv.conf rewritten' 10 ||
  interop_fail "no DNS line: $(grep -i dns "$SK_LOG" | tail -3)"
grep -qx 'nameserver 198.18.110.53' "$RESOLV" || interop_fail "no ocserv server: $(cat "$RESOLV")"
grep -q '198.18.0.1' "$RESOLV" && interop_fail "full tunnel kept the host's server"
grep -qx 'search ocs.example' "$RESOLV" || interop_fail "search line: $(cat "$RESOLV")"
[ "$(sk_guard_routes)" -eq 2 ] || interop_fail "guard routes: $(ip -n "$SK_NS_CL" -6 route)"
sk_ping6_ok "$V6_REMOTE" && interop_fail "IPv6 went around the full tunnel"
echo "1. ocserv's resolver and domain in place, IPv6 blocked"

# --- 2. logout: everything undone ----------------------------------------------------------------
sk_stop "$SK_PID"
cmp -s "$CL_DIR/original" "$RESOLV" || interop_fail "resolv.conf not restored: $(cat "$RESOLV")"
[ "$(sk_guard_routes)" -eq 0 ] || interop_fail "guard routes left: $(ip -n "$SK_NS_CL" -6 route)"
_sk_poll 10 sk_ping6_ok "$V6_REMOTE" || interop_fail "IPv6 does not work after the tunnel"
echo "2. after logout: resolv.conf restored, IPv6 works"
echo "PASS"

#!/usr/bin/env bash
# IPv6 must not bypass a full tunnel (issue 10, point 2). The client namespace gets an IPv6
# address on its veth and a default route to the gateway namespace, which holds a "remote"
# address (documentation-only ULA space, inside our namespaces only):
#   1. before any tunnel, ping -6 to the remote address works;
#   2. full tunnel (sales, no split routes, no IPv6 offered): unreachable ::/1 and 8000::/1
#      are in place, the ping fails at once (no route to host), the on-link neighbour is
#      still reachable; after SIGINT the routes are gone and the ping works;
#   3. split tunnel (engineering): no guard, the ping works during the tunnel;
#   4. SIGKILL of a full-tunnel client leaves the guard (the ping fails); the next start
#      removes it (the ping works during its split tunnel);
#   5. --script: the script owns routing, no guard.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
. "$(dirname "$0")/client_common.sh"
interop_require_root
command -v certtool >/dev/null || interop_skip "certtool missing"
command -v ping >/dev/null || interop_skip "ping missing"

interop_setup_two_hosts
sk_ipv6_setup

GW_DIR=$(interop_tmpdir)
CL_DIR=$(interop_tmpdir)
CL_URL=$GW_URL
gw_setup "$GW_DIR"
sed -i 's/^routes = \["198.18.201.0\/24"\]$/routes = []/' "$GW_DIR/sekishod.toml"  # sales: full
gw_start "$GW_DIR"
CA=$GW_DIR/pki/ca.pem

wait_gone() {  # PID
  _sk_poll 10 eval '! interop_pid_running '"$1" || interop_fail "pid $1 did not exit"
}
expect_open() {  # WHEN
  [ "$(sk_guard_routes)" -eq 0 ] ||
    interop_fail "$1: guard routes left: $(ip -n "$SK_NS_CL" -6 route)"
  sk_ping6_ok "$V6_REMOTE" || interop_fail "$1: IPv6 does not work"
}

# --- 1. IPv6 works without a tunnel (sk_ipv6_setup waited for the ping) ------------------------
echo "1. ping -6 $V6_REMOTE works before the tunnel"

# --- 2. full tunnel: blocked; SIGINT: open again ------------------------------------------------
sk_connect full1 $'bobpw\n' --cafile "$CA" --user bob --passwd-on-stdin --authgroup Sales
sk_wait_tunnel full1
interop_wait_for_log "$SK_LOG" 'Tunnel: IPv6 blocked outside the tunnel' 10 ||
  interop_fail "no IPv6 guard line"
[ "$(sk_guard_routes)" -eq 2 ] || interop_fail "guard routes: $(ip -n "$SK_NS_CL" -6 route)"
if out=$(ip netns exec "$SK_NS_CL" ping -6 -c 1 -W 2 "$V6_REMOTE" 2>&1); then
  interop_fail "IPv6 leaked around the full tunnel"
fi
echo "$out" | grep -Eqi 'unreachable|no route to host' || interop_fail "ping did not fail at once: $out"
sk_ping6_ok "$V6_GW" || interop_fail "the on-link neighbour became unreachable"
sk_stop "$SK_PID"
wait_gone "$SK_PID"
expect_open "after SIGINT"
echo "2. full tunnel: IPv6 blocked (no route to host), open again after exit"

# --- 3. split tunnel: IPv6 untouched ----------------------------------------------------------
sk_connect split1 $'alicepw\n' --cafile "$CA" --user alice --passwd-on-stdin
sk_wait_tunnel split1
interop_wait_for_log "$SK_LOG" 'Tunnel: sk-split1 up' 10 || interop_fail "no tunnel line"
grep -q 'IPv6 blocked' "$SK_LOG" && interop_fail "split tunnel: IPv6 blocked"
expect_open "split tunnel"
sk_stop "$SK_PID"
wait_gone "$SK_PID"
echo "3. split tunnel: IPv6 keeps working"

# --- 4. SIGKILL, then the next start ------------------------------------------------------------
sk_connect kill1 $'bobpw\n' --cafile "$CA" --user bob --passwd-on-stdin --authgroup Sales
sk_wait_tunnel kill1
interop_wait_for_log "$SK_LOG" 'Tunnel: IPv6 blocked outside the tunnel' 10 ||
  interop_fail "no IPv6 guard line"
kill -KILL "$SK_PID"
wait_gone "$SK_PID"
[ "$(sk_guard_routes)" -eq 2 ] || interop_fail "SIGKILL: guard already gone?"
sk_ping6_ok "$V6_REMOTE" && interop_fail "SIGKILL: IPv6 works although the guard is left"
sk_connect next1 $'alicepw\n' --cafile "$CA" --user alice --passwd-on-stdin
sk_wait_tunnel next1
grep -q 'undoing what a dead client' "$SK_LOG" || interop_fail "the next start did not recover"
expect_open "after SIGKILL + next start"
sk_stop "$SK_PID"
wait_gone "$SK_PID"
echo "4. SIGKILL: the guard outlived the client; the next start removed it"

# --- 5. --script owns routing --------------------------------------------------------------------
SCRIPT=$CL_DIR/noop-script.sh
printf '#!/bin/sh\n# stands in for vpnc-script: configures the address only\n[ "$reason" = connect ] && ip addr add "$INTERNAL_IP4_ADDRESS/32" dev "$TUNDEV" && ip link set "$TUNDEV" up\nexit 0\n' >"$SCRIPT"
chmod +x "$SCRIPT"
sk_connect script $'bobpw\n' --cafile "$CA" --user bob --passwd-on-stdin --authgroup Sales \
  --script "$SCRIPT"
sk_wait_tunnel script
interop_wait_for_log "$SK_LOG" 'Tunnel: sk-script up' 10 || interop_fail "no tunnel line"
[ "$(sk_guard_routes)" -eq 0 ] || interop_fail "--script: guard routes added"
sk_stop "$SK_PID"
wait_gone "$SK_PID"
echo "5. --script: no guard (the script owns routing)"
echo "PASS"

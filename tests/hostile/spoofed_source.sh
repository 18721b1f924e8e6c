#!/usr/bin/env bash
# Hostile case: spoofed-source packets through a tunnel (issue 11, item 3). An attacker with a
# tunnel of its own (bob, sales pool 198.18.102.0/24) writes UDP packets into it whose source
# is not its leased address, next to genuine ones. The gateway must drop the spoofed ones
# before its TUN (a listener behind the gateway sees only genuine sources), count them for
# the session (`sekishoctl show sessions`: dropped_spoofed) and log the session and the bad
# source, while the victim tunnel is untouched.
#
#   client ns: oc-atk (198.18.102.x) --raw UDP, src 198.18.102.200 / 198.18.101.77--> gateway
#   gateway ns: listener on 198.18.102.1:9999 (the sales TUN's local address)
set -euo pipefail
. "$(dirname "$0")/../interop/lib.sh"
. "$(dirname "$0")/../interop/gateway_common.sh"
. "$(dirname "$0")/hostile_lib.sh"
interop_require_root
command -v python3 >/dev/null || interop_skip "python3 missing"
TOOL=$SEKISHO_SOURCE_DIR/tests/hostile/datapath_tool.py

hostile_setup
# Without the gateway's check nothing else may stop a spoofed packet (this is what the test
# shows): no reverse-path filter in the test's gateway namespace.
ip netns exec "$SK_NS_GW" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0

OC_URL=${GW_URL}sales oc_connect atk $'bobpw\n' --user bob --passwd-on-stdin --no-dtls --non-inter
ATK_PID=$OC_PID
interop_wait_link "$SK_NS_CL" oc-atk 20 || interop_fail "attacker tunnel did not come up"
ATK_IP=
for _ in $(seq 1 100); do
  ATK_IP=$(ip -n "$SK_NS_CL" -4 -o addr show dev oc-atk 2>/dev/null | grep -Eo 'inet [0-9.]+' |
    cut -d' ' -f2 || true)
  [ -n "$ATK_IP" ] && break
  sleep 0.1
done
[ -n "$ATK_IP" ] || interop_fail "attacker tunnel has no address"
ip netns exec "$SK_NS_CL" ping -c 1 -W 2 198.18.102.1 >/dev/null || interop_fail "no ping via oc-atk"
hostile_mark

LISTEN_LOG=$GW_DIR/listener.log
interop_bg "$SK_NS_GW" "$GW_DIR/listener.out" python3 "$TOOL" listen 198.18.102.1 9999 15 \
  "$LISTEN_LOG"
for _ in $(seq 1 50); do
  ip netns exec "$SK_NS_GW" ss -unlH "sport = :9999" | grep -q 9999 && break
  sleep 0.1
done

send() {  # SOURCE TAG COUNT
  ip netns exec "$SK_NS_CL" timeout 20 python3 "$TOOL" spoof oc-atk "$1" 198.18.102.1 9999 "$3" \
    "$2" || interop_fail "could not send the $2 packets"
}
send "$ATK_IP" genuine 50
send 198.18.102.200 spoofed 200           # an address of the pool the attacker was not given
send 198.18.101.77 impersonated 200      # an address of the victim's pool
send "$ATK_IP" genuine 50

# The genuine packets arrive (the tunnel works and the listener listens) ...
for _ in $(seq 1 50); do
  [ "$(grep -c ' genuine' "$LISTEN_LOG" || true)" -ge 100 ] && break
  sleep 0.1
done
genuine=$(grep -c " genuine" "$LISTEN_LOG" || true)
[ "$genuine" -ge 95 ] || interop_fail "only $genuine of 100 genuine packets reached the gateway"
# ... the spoofed ones do not.
forged=$(grep -vc "^$ATK_IP " "$LISTEN_LOG" || true)
[ "$forged" -eq 0 ] ||
  interop_fail "$forged spoofed packet(s) reached the gateway's network: $(grep -v "^$ATK_IP " "$LISTEN_LOG" | sort | uniq -c)"

# The session's counter rose (traffic reports reach main about once a second).
dropped=0
for _ in $(seq 1 50); do
  dropped=$(gw_ctl show sessions --json | python3 -c '
import json, sys
print(sum(s.get("dropped_spoofed", 0) for s in json.load(sys.stdin)["sessions"] if s["user"] == "bob"))')
  [ "$dropped" -ge 400 ] && break
  sleep 0.1
done
[ "$dropped" -ge 400 ] || interop_fail "sekishoctl shows $dropped spoofed packets for bob, not 400"
gw_ctl show sessions | grep -q SPOOFED || interop_fail "sessions table has no SPOOFED column"
# One log line (the first refusal) naming the bad source; the rest wait a minute.
refusals=$(grep -c 'failed source validation' "$GW_LOG" || true)
[ "$refusals" -eq 1 ] || interop_fail "expected 1 refusal log line, got $refusals"
grep 'failed source validation' "$GW_LOG" | grep -q 'IPv4 source 198.18.102.200' ||
  interop_fail "the refusal log line does not name the bad source"
echo "genuine $genuine/100 delivered, spoofed 0/400 delivered, $dropped counted: $(grep 'failed source validation' "$GW_LOG")"

interop_pid_running "$ATK_PID" || interop_fail "the attacker's tunnel was closed (drops must not close it)"
hostile_assert_survived 4096
echo "PASS hostile spoofed_source"

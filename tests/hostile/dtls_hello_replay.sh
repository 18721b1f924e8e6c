#!/usr/bin/env bash
# Hostile case: a replayed DTLS ClientHello from another address (issue 11, item 4). bob's
# openconnect runs DTLS (PSK-NEGOTIATE); its first ClientHello is captured on the client's
# veth and replayed every 0.2 s for 10 s from 198.18.0.77, an address added in the client
# namespace. The session id in it is valid, but the sender cannot complete the handshake, so:
#   - bob's DTLS channel keeps carrying traffic (a ping through it loses nothing, the gateway
#     logs no DTLS teardown and no fall back to TLS),
#   - the forged address gets at most one handshake flight per 3 s (counted where it lands),
#   - hostile_assert_survived holds for the victim tunnel (alice, TLS only).
set -euo pipefail
. "$(dirname "$0")/../interop/lib.sh"
. "$(dirname "$0")/../interop/gateway_common.sh"
. "$(dirname "$0")/hostile_lib.sh"
interop_require_root
command -v python3 >/dev/null || interop_skip "python3 missing"
TOOL=$SEKISHO_SOURCE_DIR/tests/hostile/datapath_tool.py
FORGED_IP=198.18.0.77
REPLAY_SECONDS=10

# DTLS on: gateway_common.sh writes `[dtls] enabled = false`, which HOSTILE_TOML cannot
# override (a second [dtls] table is invalid TOML), so this case edits the file after gw_setup.
eval "_plain_gw_setup() $(declare -f gw_setup | tail -n +2)"
gw_setup() {
  _plain_gw_setup "$@"
  sed -i 's/^enabled = false/enabled = true/' "$1/sekishod.toml"
}
hostile_setup

# Capture bob's first ClientHello as it leaves the client namespace, then connect bob. (The
# capture exits once it has one, or after 30 s.)
HELLO=$GW_DIR/client-hello.bin
interop_bg "$SK_NS_CL" "$GW_DIR/capture.out" python3 "$TOOL" capture "$SK_IF_CL" 30 "$HELLO"
interop_wait_for_log "$GW_DIR/capture.out" capturing 10 || interop_fail "the capture did not start"
OC_URL=${GW_URL}sales oc_connect dtls $'bobpw\n' --user bob --passwd-on-stdin --non-inter
BOB_PID=$OC_PID
BOB_LOG=$OC_LOG
interop_wait_for_log "$BOB_LOG" 'Established DTLS connection' 20 ||
  interop_fail "bob's DTLS was not established"
for _ in $(seq 1 100); do
  [ -s "$HELLO" ] && break
  sleep 0.1
done
[ -s "$HELLO" ] || interop_fail "no DTLS ClientHello captured"
for _ in $(seq 1 100); do
  ip -n "$SK_NS_CL" -4 addr show dev oc-dtls 2>/dev/null | grep -q inet && break
  sleep 0.1
done
ip netns exec "$SK_NS_CL" ping -c 1 -W 2 198.18.102.1 >/dev/null || interop_fail "no ping via bob"
interop_wait_for_log "$GW_LOG" 'data moves to DTLS' 10 || interop_fail "bob's data never moved to DTLS"
hostile_mark
teardowns_before=$(grep -c 'DTLS channel down\|data falls back to TLS' "$GW_LOG" || true)

# bob's tunnel pings throughout the replay (one echo every 0.2 s, bounded by -w).
BOB_PING=$GW_DIR/bob-ping.log
interop_bg "$SK_NS_CL" "$BOB_PING" ping -O -D -i 0.2 -W 1 -w $((REPLAY_SECONDS + 2)) 198.18.102.1
BOB_PING_PID=$SK_LAST_PID

ip -n "$SK_NS_CL" addr add "$FORGED_IP/24" dev "$SK_IF_CL"
RESULT=$(ip netns exec "$SK_NS_CL" timeout $((REPLAY_SECONDS + 10)) python3 "$TOOL" replay \
  "$FORGED_IP" "$SK_GW_IP" 443 "$HELLO" "$REPLAY_SECONDS" 0.2) ||
  interop_fail "the replay tool failed"
echo "replay from $FORGED_IP: $RESULT"
for _ in $(seq 1 50); do
  interop_pid_running "$BOB_PING_PID" || break
  sleep 0.2
done

# At most one flight per 3 s (and at least one: the replay reached the session).
python3 - "$RESULT" "$REPLAY_SECONDS" <<'PY' || interop_fail "too many handshake flights to $FORGED_IP"
import json, sys
r = json.loads(sys.argv[1])
seconds = float(sys.argv[2])
flights = r["flights"]
allowed = int(seconds // 3) + 1
gaps = [b - a for a, b in zip(flights, flights[1:])]
print(f"{len(flights)} flight(s) at {flights} for {r['sent']} replays; allowed {allowed}")
ok = 1 <= len(flights) <= allowed and all(g >= 2.9 for g in gaps)
sys.exit(0 if ok else 1)
PY

# bob's DTLS channel was never torn down and its pings all came back.
teardowns_after=$(grep -c 'DTLS channel down\|data falls back to TLS' "$GW_LOG" || true)
[ "$teardowns_after" -eq "$teardowns_before" ] ||
  interop_fail "the replay disturbed bob's DTLS: $(grep 'DTLS channel down\|data falls back to TLS' "$GW_LOG" | tail -3)"
grep -q 'handshake on probation' "$GW_LOG" || interop_fail "the gateway never saw the replay"
lost=$(grep -c 'no answer yet' "$BOB_PING" || true)
answered=$(grep -c 'icmp_seq=' "$BOB_PING" || true)
if [ "$lost" -ne 0 ] || [ "$answered" -lt $((REPLAY_SECONDS * 4)) ]; then
  interop_fail "bob's DTLS tunnel lost $lost ping(s), $answered answered"
fi
echo "bob's DTLS tunnel: $answered echo(s) during the replay, all answered"
interop_pid_running "$BOB_PID" || interop_fail "bob's openconnect exited"
grep -c 'Established DTLS connection' "$BOB_LOG" | grep -qx 1 ||
  interop_fail "bob's openconnect had to redo its DTLS handshake"

hostile_assert_survived 4096
echo "PASS hostile dtls_hello_replay"

#!/usr/bin/env bash
# `sekisho status` (issue 10, point 6) against sekishod, in two namespaces this test creates:
#   A. DTLS up: status shows data path DTLS, the DTLS and TLS ciphers, the MTU in use and the
#      DTLS counters moving with a ping; `--json` parses (python3) with the expected fields; the
#      socket is mode 0600; a bad request closes that connection with a log line and the client
#      keeps serving.
#   B. UDP dropped while DTLS carries the data: DPD timeout (gateway DPD 2 s), status shows TLS
#      and the DPD timeout as the reason, then the new attempt's ClientHello retries.
#   C. UDP blocked from the start: status shows TLS and "no answer ... retry N of 5 (blocked
#      UDP?)" once the second retry has left (t+3 s; the 47 s give-up is covered by
#      client_udp_blocked.sh and the unit tests).
#   D. UDP refused (ICMP port unreachable): status shows the failure text as the reason and
#      the next attempt's time (--dtls-retry-period 30), in the words of the log.
#   E. --no-dtls: status says so.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
. "$(dirname "$0")/client_common.sh"
interop_require_root
command -v nft >/dev/null || interop_skip "nft missing"
command -v python3 >/dev/null || interop_skip "python3 missing"
[ -x "$SEKISHO" ] || interop_fail "sekisho not built at $SEKISHO"

interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
CL_DIR=$(interop_tmpdir)
gw_setup "$GW_DIR"
sed -i 's/^enabled = false/enabled = true/; s/^dpd = 30$/dpd = 2/' "$GW_DIR/sekishod.toml"
grep -q '^dpd = 2$' "$GW_DIR/sekishod.toml" || interop_fail "could not set the gateway DPD"
gw_start "$GW_DIR"
CL_URL=${GW_URL}eng
PEER=198.18.101.1
SKD=(--cafile "$GW_DIR/pki/ca.pem" --user alice --passwd-on-stdin)

status() { sk_run status "$@"; }
tun_mtu() { ip -n "$SK_NS_CL" -o link show dev "sk-$1" | grep -Eo 'mtu [0-9]+' | cut -d' ' -f2; }
# json_field NAME JSON_FILE: prints one top-level field (or a.b for one level down)
json_field() {
  python3 -c 'import json,sys
v = json.load(open(sys.argv[2]))
for k in sys.argv[1].split("."): v = v[k]
print(v)' "$1" "$2"
}
# wait_status REGEX [TIMEOUT_S]: polls `sekisho status` until its text matches
wait_status() {
  local regex=$1 tries=$((${2:-10} * 5))
  for _ in $(seq 1 "$tries"); do
    status >"$CL_DIR/status.txt" 2>&1 && grep -Eq -- "$regex" "$CL_DIR/status.txt" && return 0
    sleep 0.2
  done
  cat "$CL_DIR/status.txt"
  return 1
}

# --- A. DTLS up ------------------------------------------------------------------------------------
sk_connect status $'alicepw\n' "${SKD[@]}"
sk_wait_tunnel status
interop_wait_for_log "$SK_LOG" 'data path: DTLS' 15 || interop_fail "data never moved to DTLS"
ip netns exec "$SK_NS_CL" ping -c 3 -i 0.2 -W 2 "$PEER" >/dev/null || interop_fail "no ping over DTLS"
# The first path-MTU search has ended once the status no longer shows a probe in flight.
wait_status 'Data path: +DTLS' 5 || interop_fail "status does not show DTLS"
status >"$CL_DIR/status-a.txt" || interop_fail "sekisho status failed"
cat "$CL_DIR/status-a.txt"
grep -Eq '^Status: +connected$' "$CL_DIR/status-a.txt" || interop_fail "status: not connected"
grep -Eq '^User: +alice$' "$CL_DIR/status-a.txt" || interop_fail "status: no user"
grep -Eq "^Tunnel: +sk-status $(sk_addr status)\$" "$CL_DIR/status-a.txt" || interop_fail "status: tunnel"
grep -Eq '^DTLS cipher: +PSK-NEGOTIATE, \(DTLS1.2\)-\(PSK\)-\(AES-256-GCM\)$' "$CL_DIR/status-a.txt" ||
  interop_fail "status: no DTLS cipher"
grep -Eq '^TLS cipher: +\(TLS1\.[23]\)' "$CL_DIR/status-a.txt" || interop_fail "status: no TLS cipher"
mtu=$(tun_mtu status)
grep -Eq "^MTU: +$mtu \(TLS [0-9]+, X-DTLS-MTU [0-9]+" "$CL_DIR/status-a.txt" ||
  interop_fail "status: MTU is not the TUN's ($mtu)"
grep -Eq '^DTLS data: +in [1-9][0-9]* bytes / [1-9][0-9]* packets, out [1-9][0-9]* bytes' \
  "$CL_DIR/status-a.txt" || interop_fail "status: DTLS counters did not move"

status --json >"$CL_DIR/status-a.json" || interop_fail "sekisho status --json failed"
cat "$CL_DIR/status-a.json"
[ "$(json_field data_path "$CL_DIR/status-a.json")" = DTLS ] || interop_fail "json: data_path"
[ "$(json_field state "$CL_DIR/status-a.json")" = connected ] || interop_fail "json: state"
[ "$(json_field dtls_state "$CL_DIR/status-a.json")" = up ] || interop_fail "json: dtls_state"
[ "$(json_field mtu "$CL_DIR/status-a.json")" = "$mtu" ] || interop_fail "json: mtu"
[ "$(json_field interface "$CL_DIR/status-a.json")" = sk-status ] || interop_fail "json: interface"
[ "$(json_field pid "$CL_DIR/status-a.json")" = "$SK_PID" ] || interop_fail "json: pid"
[ "$(json_field dtls.packets_out "$CL_DIR/status-a.json")" -ge 3 ] || interop_fail "json: dtls counters"
json_field dtls_cipher "$CL_DIR/status-a.json" | grep -q 'AES-256-GCM' || interop_fail "json: dtls_cipher"

sock=$CL_DIR/run/sekisho/sk-status.sock
[ "$(stat -c %a "$sock")" = 600 ] || interop_fail "status socket mode $(stat -c %a "$sock"), expected 600"
# A bad request and an oversized one: each connection is closed, the client lives on.
for request in 'reboot\n' "$(head -c 200 /dev/zero | tr '\0' x)"; do
  ip netns exec "$SK_NS_CL" timeout 5 python3 -c 'import socket,sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.argv[2].encode().decode("unicode_escape").encode())
s.settimeout(4)
try: print("answer:", s.recv(100))
except ConnectionResetError: print("answer: reset")' "$sock" "$request" || interop_fail "bad request: connection not closed"
done
interop_wait_for_log "$SK_LOG" 'status socket: unknown request' 3 || interop_fail "no log line for the bad request"
interop_wait_for_log "$SK_LOG" 'status socket: bad request \(too long\)' 3 || interop_fail "no log line for the long request"
interop_pid_running "$SK_PID" || interop_fail "the client died on a bad status request"
status >/dev/null || interop_fail "status no longer answers after bad requests"

# --- B. DTLS dies: DPD timeout -----------------------------------------------------------------
interop_drop_udp "$SK_NS_GW"
wait_status '^DTLS: +DTLS DPD timeout: no answer on UDP, fell back to TLS' 10 ||
  interop_fail "status does not show the DPD timeout"
grep -Eq '^Data path: +TLS$' "$CL_DIR/status.txt" || interop_fail "status: data path not TLS after DPD"
grep -q 'data path: TLS (DTLS DPD timeout: no answer on UDP, fell back to TLS)' "$SK_LOG" ||
  interop_fail "the log's path line does not give the same reason"
wait_status 'DPD timeout.*; no answer on UDP after ClientHello retry [1-5] of 5 \(blocked UDP\?\)' 8 ||
  interop_fail "status does not show the new attempt's retries"
cat "$CL_DIR/status.txt"
interop_allow_udp "$SK_NS_GW"
sk_stop "$SK_PID"

# --- C. UDP blocked from the start ---------------------------------------------------------------
interop_drop_udp "$SK_NS_GW"
sk_connect blocked $'alicepw\n' "${SKD[@]}"
sk_wait_tunnel blocked
interop_wait_for_log "$SK_LOG" 'ClientHello retry 2 of 5' 10 || interop_fail "no second retry"
status >"$CL_DIR/status-c.txt" || interop_fail "sekisho status failed (blocked)"
cat "$CL_DIR/status-c.txt"
grep -Eq '^Data path: +TLS$' "$CL_DIR/status-c.txt" || interop_fail "blocked: data path not TLS"
grep -Eq '^DTLS: +no answer on UDP after ClientHello retry [23] of 5 \(blocked UDP\?\)$' \
  "$CL_DIR/status-c.txt" || interop_fail "blocked: no blocked-UDP reason with the retry count"
status --json >"$CL_DIR/status-c.json" || interop_fail "status --json failed (blocked)"
[ "$(json_field data_path "$CL_DIR/status-c.json")" = TLS ] || interop_fail "json blocked: data_path"
[ "$(json_field dtls_state "$CL_DIR/status-c.json")" = handshaking ] || interop_fail "json blocked: state"
[ "$(json_field dtls_retry "$CL_DIR/status-c.json")" -ge 2 ] || interop_fail "json blocked: dtls_retry"
[ "$(json_field dtls_max_retries "$CL_DIR/status-c.json")" = 5 ] || interop_fail "json blocked: max"
json_field dtls_why_not "$CL_DIR/status-c.json" | grep -q 'blocked UDP' || interop_fail "json blocked: why"
grep -q 'data path: DTLS' "$SK_LOG" && interop_fail "data moved to DTLS although UDP is blocked"
sk_stop "$SK_PID"
interop_allow_udp "$SK_NS_GW"

# --- D. UDP refused: the attempt fails at once, the next one is scheduled ------------------------
# An ICMP port unreachable for every datagram to the gateway's UDP port (a table of this test's
# own, in the gateway namespace it created).
ip netns exec "$SK_NS_GW" nft -f - <<'NFT' || interop_fail "nft reject rule"
table inet sekisho_status_reject {
  chain input { type filter hook input priority 0; policy accept; udp dport 443 reject; }
}
NFT
sk_connect refused $'alicepw\n' "${SKD[@]}" --dtls-retry-period 30
sk_wait_tunnel refused
wait_status '^DTLS: +DTLS attempt failed: .*refused; next DTLS attempt in [0-9]+ s$' 10 ||
  interop_fail "refused: no failure reason"
cat "$CL_DIR/status.txt"
grep -Eq '^Data path: +TLS$' "$CL_DIR/status.txt" || interop_fail "refused: data path not TLS"
status --json >"$CL_DIR/status-e.json" || interop_fail "status --json failed (refused)"
[ "$(json_field dtls_reason "$CL_DIR/status-e.json")" = handshake_failed ] || interop_fail "json refused: reason"
[ "$(json_field dtls_state "$CL_DIR/status-e.json")" = waiting ] || interop_fail "json refused: state"
next=$(json_field dtls_next_attempt_s "$CL_DIR/status-e.json")
[ "$next" -ge 20 ] && [ "$next" -le 30 ] || interop_fail "json refused: next attempt in $next s, expected <= 30"
[ -n "$(json_field dtls_detail "$CL_DIR/status-e.json")" ] || interop_fail "json refused: no detail"
grep -q "DTLS: $(json_field dtls_detail "$CL_DIR/status-e.json"); data stays on TLS" "$SK_LOG" ||
  interop_fail "the log does not give the same failure text"
sk_stop "$SK_PID"
ip netns exec "$SK_NS_GW" nft delete table inet sekisho_status_reject

# --- E. --no-dtls --------------------------------------------------------------------------------------
sk_connect nodtls $'alicepw\n' "${SKD[@]}" --no-dtls
sk_wait_tunnel nodtls
status >"$CL_DIR/status-d.txt" || interop_fail "sekisho status failed (--no-dtls)"
cat "$CL_DIR/status-d.txt"
grep -Eq '^Data path: +TLS$' "$CL_DIR/status-d.txt" || interop_fail "--no-dtls: data path"
grep -Eq '^DTLS: +DTLS disabled \(--no-dtls\)$' "$CL_DIR/status-d.txt" || interop_fail "--no-dtls: reason"
status --json >"$CL_DIR/status-d.json" || interop_fail "status --json failed (--no-dtls)"
[ "$(json_field dtls_reason "$CL_DIR/status-d.json")" = disabled ] || interop_fail "json --no-dtls: reason"
[ "$(json_field dtls_state "$CL_DIR/status-d.json")" = off ] || interop_fail "json --no-dtls: state"
sk_stop "$SK_PID"
[ ! -e "$CL_DIR/run/sekisho/sk-nodtls.sock" ] || interop_fail "status socket left behind after exit"
echo "PASS: sekisho status against sekishod"

#!/usr/bin/env bash
# Rekey (issue 4 behaviour): sekishod announces X-CSTP-Rekey-Method: new-tunnel; with a 6 s
# rekey time openconnect reconnects with its cookie every 6 s, keeps its address, and a ping
# running across several rekeys loses at most what was in flight.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
interop_require_root
command -v openconnect >/dev/null || interop_skip "openconnect missing"

interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
gw_setup "$GW_DIR"
sed -i 's/^dpd = 30/dpd = 30\nrekey_time = 6/' "$GW_DIR/sekishod.toml"
gw_start "$GW_DIR"
OC_URL=${GW_URL}eng oc_connect alice $'alicepw\n' --user alice --passwd-on-stdin --non-inter \
  --no-dtls -v
interop_wait_for_log "$OC_LOG" 'CSTP connected' 15 || interop_fail "no tunnel"
grep -q 'X-CSTP-Rekey-Method: new-tunnel' "$OC_LOG" || interop_fail "rekey method not announced"
sleep 1
ip netns exec "$SK_NS_CL" ping -c 64 -i 0.25 -W 1 198.18.101.1 >"$GW_DIR/ping.log" 2>&1 || true
tail -n 2 "$GW_DIR/ping.log"
received=$(grep -Eo '[0-9]+ received' "$GW_DIR/ping.log" | grep -Eo '^[0-9]+')
[ "${received:-0}" -ge 60 ] || interop_fail "too many pings lost across rekeys ($received/64)"
tunnels=$(grep -c 'tunnel up: user alice' "$GW_LOG")
[ "$tunnels" -ge 3 ] || interop_fail "expected at least 2 rekeys in 16 s, saw $((tunnels - 1))"
[ "$(grep -o 'tunnel up: user alice group engineering address [0-9.]*' "$GW_LOG" | sort -u | wc -l)" -eq 1 ] ||
  interop_fail "the address changed across rekeys"
oc_stop "$OC_PID"
echo "PASS: $((tunnels - 1)) rekeys by new tunnel, same address, $received/64 pings"

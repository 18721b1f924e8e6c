#!/usr/bin/env bash
# DTLS dies later (issue 4, point 3), openconnect -> sekishod: UDP is dropped inside the gateway
# namespace after DTLS is up; traffic continues over TLS within the DPD interval; after UDP is
# allowed again the data returns to DTLS (openconnect retries DTLS every 60 s).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
interop_require_root
command -v openconnect >/dev/null || interop_skip "openconnect missing"
command -v nft >/dev/null || interop_skip "nft missing"

interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
gw_setup "$GW_DIR"
sed -i 's/^enabled = false/enabled = true/; s/^dpd = 30/dpd = 5/' "$GW_DIR/sekishod.toml"
gw_start "$GW_DIR"

OC_URL=${GW_URL}eng oc_connect alice $'alicepw\n' --user alice --passwd-on-stdin --non-inter
interop_wait_for_log "$OC_LOG" 'Established DTLS connection' 20 || interop_fail "no DTLS"
interop_wait_for_log "$GW_LOG" 'data moves to DTLS' 5 || interop_fail "gateway not on DTLS"
for i in $(seq 1 100); do
  ip -n "$SK_NS_CL" -4 addr show dev oc-alice 2>/dev/null | grep -q inet && break
  sleep 0.1
done
ip netns exec "$SK_NS_CL" ping -c 2 -i 0.2 -W 2 198.18.101.1 >/dev/null || interop_fail "no ping"

echo "dropping UDP in the gateway namespace"
interop_drop_udp "$SK_NS_GW"
drop_time=$(date +%s)
# Within 2 x DPD openconnect declares DTLS dead and sends on TLS; pings then come back.
ok=0
for i in $(seq 1 40); do
  if ip netns exec "$SK_NS_CL" ping -c 1 -W 1 198.18.101.1 >/dev/null 2>&1; then
    if grep -q 'data falls back to TLS\|client sends on TLS again' "$GW_LOG" ||
      grep -q 'DTLS Dead Peer Detection' "$OC_LOG"; then
      ok=1
      break
    fi
  fi
  sleep 0.5
done
[ $ok -eq 1 ] || interop_fail "traffic did not fall back to TLS"
echo "traffic over TLS after $(($(date +%s) - drop_time)) s (DPD 5 s)"
grep -q 'Dead Peer Detection' "$OC_LOG" || interop_fail "openconnect did not report DTLS DPD death"

# Counted before UDP is allowed: openconnect's retransmitted ClientHello may complete the
# handshake the moment UDP passes again.
dtls_before=$(grep -c 'Established DTLS connection' "$OC_LOG")
echo "allowing UDP again"
interop_allow_udp "$SK_NS_GW"
for i in $(seq 1 90); do
  [ "$(grep -c 'Established DTLS connection' "$OC_LOG")" -gt "$dtls_before" ] && break
  ip netns exec "$SK_NS_CL" ping -c 1 -W 1 198.18.101.1 >/dev/null 2>&1 || true
  sleep 1
done
[ "$(grep -c 'Established DTLS connection' "$OC_LOG")" -gt "$dtls_before" ] ||
  interop_fail "DTLS did not come back after UDP was allowed"
sleep 1
ip netns exec "$SK_NS_CL" ping -c 3 -i 0.2 -W 2 198.18.101.1 >/dev/null || interop_fail "no ping on DTLS"
[ "$(grep -c 'data moves to DTLS' "$GW_LOG")" -ge 2 ] || interop_fail "gateway did not return to DTLS"
oc_stop "$OC_PID"
echo "PASS: DTLS dies, TLS carries on, DTLS returns"

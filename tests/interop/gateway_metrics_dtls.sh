#!/usr/bin/env bash
# Metrics of the DTLS channel: openconnect -> sekishod with DTLS; the session gauge shows it on
# channel "dtls"; once UDP is dropped in the gateway namespace and the data falls back to TLS,
# sekishod_dtls_fallbacks_total counts 1 and the gauge moves to channel "tls".
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
interop_require_root
command -v openconnect >/dev/null || interop_skip "openconnect missing"
command -v nft >/dev/null || interop_skip "nft missing"
command -v python3 >/dev/null || interop_skip "python3 missing"

interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
gw_setup "$GW_DIR"
sed -i 's/^enabled = false/enabled = true/; s/^dpd = 30/dpd = 5/' "$GW_DIR/sekishod.toml"
printf '\n[metrics]\nlisten = "%s:9480"\n' "$SK_GW_IP" >>"$GW_DIR/sekishod.toml"
gw_start "$GW_DIR"
interop_wait_port "$SK_NS_GW" 9480 10 || interop_fail "no metrics listener"

# metric SERIES: its value in a fresh scrape with curl-like python, 0 when absent.
metric() {
  ip netns exec "$SK_NS_GW" python3 -c '
import sys, urllib.request
body = urllib.request.urlopen("http://'"$SK_GW_IP"':9480/metrics", timeout=5).read().decode()
values = [l.split(" ")[1] for l in body.splitlines() if l.split(" ")[0] == sys.argv[1]]
print(values[0] if values else 0)' "$1"
}
# wait_value SERIES VALUE SECONDS [PING]: until the series equals VALUE, pinging meanwhile.
wait_value() {
  local i v
  for i in $(seq 1 $(($3 * 2))); do
    v=$(metric "$1")
    [ "$v" = "$2" ] && return 0
    if [ -n "${4:-}" ]; then
      ip netns exec "$SK_NS_CL" ping -c 1 -W 1 198.18.101.1 >/dev/null 2>&1 || true
    fi
    sleep 0.5
  done
  interop_fail "$1 = $v, wanted $2 within $3 s"
}

OC_URL=${GW_URL}eng oc_connect alice $'alicepw\n' --user alice --passwd-on-stdin --non-inter
interop_wait_for_log "$GW_LOG" 'data moves to DTLS' 20 || interop_fail "gateway not on DTLS"
ip netns exec "$SK_NS_CL" ping -c 2 -i 0.2 -W 2 198.18.101.1 >/dev/null || interop_fail "no ping"
wait_value 'sekishod_sessions{group="engineering",channel="dtls"}' 1 5
[ "$(metric sekishod_dtls_fallbacks_total)" = 0 ] || interop_fail "a fallback before any"

interop_drop_udp "$SK_NS_GW"
wait_value sekishod_dtls_fallbacks_total 1 30 ping
wait_value 'sekishod_sessions{group="engineering",channel="tls"}' 1 5
[ "$(metric 'sekishod_sessions{group="engineering",channel="dtls"}')" = 0 ] ||
  interop_fail "the session still counts on DTLS"
interop_allow_udp "$SK_NS_GW"
oc_stop "$OC_PID"
echo "PASS: DTLS fallback counted"

#!/usr/bin/env bash
# openconnect 9.01 -> sekishod over DTLS in every mode the pair supports (issue 4, point 1):
# PSK-NEGOTIATE (openconnect's default), legacy Cisco DTLS 0.9 (--dtls-ciphers AES128-SHA and
# AES256-SHA), OpenConnect's DTLS 1.2 resumption (OC-DTLS1_2-AES256-GCM) and Cisco DTLS 1.2
# resumption (--dtls12-ciphers). For each: the gateway logs the DTLS handshake, a bounded
# iperf3 run passes, and the gateway's DTLS counters prove the data went over UDP.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
interop_require_root
command -v openconnect >/dev/null || interop_skip "openconnect missing"
command -v iperf3 >/dev/null || interop_skip "iperf3 missing"

interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
gw_setup "$GW_DIR"
sed -i 's/^enabled = false/enabled = true/' "$GW_DIR/sekishod.toml"
gw_start "$GW_DIR"

udp_packets() {  # packets the gateway namespace received over UDP so far
  ip netns exec "$SK_NS_GW" awk '/^Udp:/ { if (++n == 2) print $2 }' /proc/net/snmp
}

run_mode() {  # NAME EXPECTED_SUITE_REGEX OPENCONNECT_ARGS...
  local name=$1 expect=$2
  shift 2
  OC_URL=${GW_URL}eng oc_connect "$name" $'alicepw\n' --user alice --passwd-on-stdin --non-inter "$@"
  local i
  for i in $(seq 1 200); do
    grep -q 'Established DTLS connection' "$OC_LOG" 2>/dev/null && break
    interop_pid_running "$OC_PID" || interop_fail "$name: openconnect exited"
    sleep 0.1
  done
  grep -q 'Established DTLS connection' "$OC_LOG" || interop_fail "$name: DTLS not established"
  grep -Eq "$expect" "$OC_LOG" || interop_fail "$name: unexpected DTLS suite: $(grep 'Established DTLS' "$OC_LOG")"
  for i in $(seq 1 100); do
    ip -n "$SK_NS_CL" -4 addr show dev "oc-$name" 2>/dev/null | grep -q inet && break
    sleep 0.1
  done
  local before after
  before=$(udp_packets)
  interop_bg "$SK_NS_GW" "$GW_DIR/iperf3-$name-server.log" iperf3 -s -B 198.18.101.1 -1
  interop_wait_port "$SK_NS_GW" 5201 5 || interop_fail "iperf3 server"
  ip netns exec "$SK_NS_CL" timeout 20 iperf3 -c 198.18.101.1 -t 2 -f m >"$GW_DIR/iperf3-$name.log" 2>&1 ||
    interop_fail "$name: iperf3 over DTLS failed: $(tail -3 "$GW_DIR/iperf3-$name.log")"
  after=$(udp_packets)
  # A 2-second TCP run is tens of thousands of packets; over TLS the UDP count would not move.
  [ $((after - before)) -gt 1000 ] ||
    interop_fail "$name: traffic did not use UDP ($before -> $after packets)"
  printf '%-12s %s; %s UDP packets; %s\n' "$name" "$(grep -o 'Established DTLS connection.*' "$OC_LOG" | head -1)" \
    $((after - before)) "$(grep receiver "$GW_DIR/iperf3-$name.log" | grep -Eo '[0-9.]+ Mbits/sec')"
  oc_stop "$OC_PID"
  sleep 0.3
}

run_mode psk 'DTLS1.2\)-\(PSK' 
run_mode dtls09a 'DTLS0.9\)-\(RSA\)-\(AES-128-CBC' --dtls-ciphers AES128-SHA
run_mode dtls09b 'DTLS0.9\)-\(RSA\)-\(AES-256-CBC' --dtls-ciphers AES256-SHA
run_mode ocgcm 'DTLS1.2\)-\(RSA\)-\(AES-256-GCM' --dtls-ciphers OC-DTLS1_2-AES256-GCM
run_mode cisco12 'DTLS1.2\)-\(RSA\)-\(AES-256-GCM' --dtls-ciphers AES128-SHA \
  --dtls12-ciphers AES256-GCM-SHA384
grep -q 'data moves to DTLS' "$GW_LOG" || interop_fail "gateway never moved data to DTLS"

# Datagrams the gateway cannot map (garbage, a ClientHello with an unknown session id) are
# dropped without disturbing the established DTLS tunnel.
OC_URL=${GW_URL}eng oc_connect junk $'alicepw\n' --user alice --passwd-on-stdin --non-inter
interop_wait_for_log "$OC_LOG" 'Established DTLS connection' 20 || interop_fail "junk: no DTLS"
sleep 0.5
ip netns exec "$SK_NS_CL" python3 "$SEKISHO_SOURCE_DIR/tests/interop/bad_client.py" "$SK_GW_IP" \
  443 udp-junk || interop_fail "could not send the junk datagrams"
ip netns exec "$SK_NS_CL" ping -c 5 -i 0.2 -W 2 198.18.101.1 >/dev/null ||
  interop_fail "the DTLS tunnel was disturbed by unmappable datagrams"
grep -q 'no live tunnel for its session id' "$GW_LOG" || interop_fail "unknown ClientHello not logged"
oc_stop "$OC_PID"

# An operator turns PSK-NEGOTIATE off: openconnect's default offer then gets Cisco DTLS 1.2
# resumption from its X-DTLS12-CipherSuite list, with the ECDHE code point (decision #14).
kill -TERM "$GW_PID"
for i in $(seq 1 50); do interop_pid_running "$GW_PID" || break; sleep 0.1; done
sed -i 's/^psk = true/psk = false/; s/^\[dtls\]/[dtls]\npsk = false/' "$GW_DIR/sekishod.toml"
gw_start "$GW_DIR"
run_mode nopsk 'DTLS1.2\)-\(ECDHE-RSA\)-\(AES-256-GCM'
grep -q 'DTLS: ECDHE-RSA-AES256-GCM-SHA384' "$GW_LOG" || interop_fail "psk = false was not honoured"
echo "PASS: openconnect DTLS modes with sekishod"

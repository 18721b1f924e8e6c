#!/usr/bin/env bash
# Our client `sekisho` over DTLS (issue 4, client side), in two namespaces this test creates:
# sekisho -> sekishod and sekisho -> ocserv in every DTLS mode each pair supports:
#   PSK-NEGOTIATE (the default offer), Cisco DTLS 0.9 (--dtls-ciphers AES128-SHA / AES256-SHA),
#   OpenConnect DTLS 1.2 resumption (--dtls-ciphers OC-DTLS1_2-AES256-GCM) and Cisco DTLS 1.2
#   resumption (--dtls12-ciphers AES256-GCM-SHA384).
# For each: the client reports DTLS established and data on DTLS, a bounded iperf3 (-t 2)
# passes, and the gateway namespace's UDP InDatagrams grow by more than 1000 during it (over
# TLS they would not move).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
. "$(dirname "$0")/ocserv_common.sh"
. "$(dirname "$0")/client_common.sh"
interop_require_root
command -v iperf3 >/dev/null || interop_skip "iperf3 missing"
[ -x "$SEKISHO" ] || interop_fail "sekisho not built at $SEKISHO"

interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
OCS_DIR=$(interop_tmpdir)
CL_DIR=$(interop_tmpdir)

udp_packets() {  # UDP datagrams the gateway namespace received so far
  ip netns exec "$SK_NS_GW" awk '/^Udp:/ { if (++n == 2) print $2 }' /proc/net/snmp
}

# run_mode GATEWAY NAME PEER SUITE_REGEX SEKISHO_ARGS...
run_mode() {
  local gw=$1 name=$2 peer=$3 expect=$4
  shift 4
  sk_connect "$name" $'alicepw\n' --user alice --passwd-on-stdin "$@"
  sk_wait_tunnel "$name"
  interop_wait_for_log "$SK_LOG" 'data path: DTLS' 15 ||
    interop_fail "$gw/$name: data never moved to DTLS: $(grep DTLS "$SK_LOG" | tail -3)"
  grep -Eq "DTLS: established \\($expect" "$SK_LOG" ||
    interop_fail "$gw/$name: unexpected DTLS suite: $(grep 'DTLS: established' "$SK_LOG")"
  [ -n "$peer" ] || peer=$(ocs_peer_of "$(sk_addr "$name")")
  ip netns exec "$SK_NS_CL" ping -c 2 -i 0.2 -W 2 "$peer" >/dev/null ||
    interop_fail "$gw/$name: ping over DTLS failed"
  local before after
  before=$(udp_packets)
  interop_bg "$SK_NS_GW" "$CL_DIR/iperf3-$gw-$name-server.log" iperf3 -s -B "$peer" -1
  interop_wait_port "$SK_NS_GW" 5201 5 || interop_fail "iperf3 server"
  ip netns exec "$SK_NS_CL" timeout 20 iperf3 -c "$peer" -t 2 -f m \
    >"$CL_DIR/iperf3-$gw-$name.log" 2>&1 ||
    interop_fail "$gw/$name: iperf3 failed: $(tail -3 "$CL_DIR/iperf3-$gw-$name.log")"
  after=$(udp_packets)
  [ $((after - before)) -gt 1000 ] ||
    interop_fail "$gw/$name: traffic did not use UDP ($before -> $after datagrams)"
  grep -q 'data path: TLS (' "$SK_LOG" && interop_fail "$gw/$name: fell back to TLS"
  printf '%-8s %-8s %s; %s UDP datagrams; %s\n' "$gw" "$name" \
    "$(grep -o 'DTLS: established.*' "$SK_LOG" | head -1)" $((after - before)) \
    "$(grep receiver "$CL_DIR/iperf3-$gw-$name.log" | grep -Eo '[0-9.]+ Mbits/sec')"
  sk_stop "$SK_PID"
  sleep 0.3
}

ocs_peer_of() {
  ip -n "$SK_NS_GW" -4 -o addr show | awk -v peer="$1/32" '$6 == peer { split($4, a, "/"); print a[1] }'
}

# --- sekishod -----------------------------------------------------------------------------------
gw_setup "$GW_DIR"
sed -i 's/^enabled = false/enabled = true/' "$GW_DIR/sekishod.toml"
gw_start "$GW_DIR"
CL_URL=${GW_URL}eng
SKD=(--cafile "$GW_DIR/pki/ca.pem")
run_mode sekishod psk 198.18.101.1 'PSK-NEGOTIATE, \(DTLS1.2\)-\(PSK' "${SKD[@]}"
run_mode sekishod dtls09a 198.18.101.1 'AES128-SHA, \(DTLS0.9\)-\(RSA\)-\(AES-128-CBC' "${SKD[@]}" \
  --dtls-ciphers AES128-SHA
run_mode sekishod dtls09b 198.18.101.1 'AES256-SHA, \(DTLS0.9\)-\(RSA\)-\(AES-256-CBC' "${SKD[@]}" \
  --dtls-ciphers AES256-SHA
run_mode sekishod ocgcm 198.18.101.1 'OC-DTLS1_2-AES256-GCM, \(DTLS1.2\)-\(RSA\)-\(AES-256-GCM' \
  "${SKD[@]}" --dtls-ciphers OC-DTLS1_2-AES256-GCM
run_mode sekishod cisco12 198.18.101.1 'AES256-GCM-SHA384, \(DTLS1.2\)-\(RSA\)-\(AES-256-GCM' \
  "${SKD[@]}" --dtls-ciphers AES128-SHA --dtls12-ciphers AES256-GCM-SHA384
grep -q 'data moves to DTLS' "$GW_LOG" || interop_fail "sekishod never moved data to DTLS"
kill -TERM "$GW_PID" 2>/dev/null || true
for _ in $(seq 1 50); do interop_pid_running "$GW_PID" || break; sleep 0.1; done
for _ in $(seq 1 50); do _sk_port_listening "$SK_NS_GW" 443 tcp || break; sleep 0.1; done

# --- ocserv ---------------------------------------------------------------------------------------
ocs_setup "$OCS_DIR" password
printf 'dtls-legacy = true\ndtls-psk = true\n' >>"$OCS_DIR/ocserv.conf"
ocs_start "$OCS_DIR"
CL_URL=$OCS_URL
OCS=(--cafile "$OCS_DIR/pki/ca.pem" --authgroup engineering)
run_mode ocserv psk '' 'PSK-NEGOTIATE, \(DTLS1.2\)-\(PSK' "${OCS[@]}"
run_mode ocserv dtls09a '' 'AES128-SHA, \(DTLS0.9\)-\(RSA\)-\(AES-128-CBC' "${OCS[@]}" \
  --dtls-ciphers AES128-SHA
run_mode ocserv dtls09b '' 'AES256-SHA, \(DTLS0.9\)-\(RSA\)-\(AES-256-CBC' "${OCS[@]}" \
  --dtls-ciphers AES256-SHA
run_mode ocserv ocgcm '' 'OC-DTLS1_2-AES256-GCM, \(DTLS1.2\)-\(RSA\)-\(AES-256-GCM' "${OCS[@]}" \
  --dtls-ciphers OC-DTLS1_2-AES256-GCM
run_mode ocserv cisco12 '' 'AES256-GCM-SHA384, \(DTLS1.2\)-\(RSA\)-\(AES-256-GCM' "${OCS[@]}" \
  --dtls-ciphers AES128-SHA --dtls12-ciphers AES256-GCM-SHA384
ocs_stop
echo "PASS: sekisho DTLS modes with sekishod and ocserv"

#!/usr/bin/env bash
# Side-by-side tunnel throughput: the same openconnect client through ocserv and through
# sekishod, in the same run, same namespaces and veth, reported as ratios (never asserted).
#
#   bench/tunnel_throughput.sh [SECONDS]      (default 5 s per iperf3 run; root required)
#
# Topology: lib.sh's two namespaces joined by a veth (198.18.0.1 gateway, 198.18.0.2 client).
# Runs: raw veth (no VPN), openconnect->ocserv over TLS (--no-dtls), openconnect->ocserv with
# DTLS, openconnect->sekishod over TLS and DTLS, sekisho->sekishod over TLS and DTLS, then
# openconnect->sekishod --single-process (the data path before the process split) over TLS and
# DTLS, and two simultaneous openconnect tunnels through sekishod with 1 and with 2 workers.
# Each iperf3 client in the client namespace sends TCP to an iperf3 server in the gateway
# namespace bound to the gateway's tunnel address.
set -euo pipefail
secs=${1:-5}
here=$(cd "$(dirname "$0")" && pwd)
export SEKISHO_SOURCE_DIR=${SEKISHO_SOURCE_DIR:-$(cd "$here/.." && pwd)}
export SEKISHO_BUILD_DIR=${SEKISHO_BUILD_DIR:-$SEKISHO_SOURCE_DIR/build/release}
. "$SEKISHO_SOURCE_DIR/tests/interop/lib.sh"
. "$SEKISHO_SOURCE_DIR/tests/interop/gateway_common.sh"
. "$SEKISHO_SOURCE_DIR/tests/interop/client_common.sh"
interop_require_root
for tool in ocserv openconnect iperf3; do
  command -v "$tool" >/dev/null || interop_skip "$tool missing"
done
[ -x "$SEKISHOD" ] || interop_fail "build sekishod first (cmake --preset release; ninja -C build/release)"

interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
gw_setup "$GW_DIR"
sed -i 's/^level = "debug"/level = "info"/' "$GW_DIR/sekishod.toml"

results=()

iperf_run() {  # LABEL SERVER_ADDRESS: prints and records Mbit/s of a bounded TCP run
  local label=$1 addr=$2 out mbps
  interop_bg "$SK_NS_GW" "$GW_DIR/iperf-$label-server.log" iperf3 -s -B "$addr" -1
  interop_wait_port "$SK_NS_GW" 5201 5 || interop_fail "iperf3 server ($label)"
  out=$(ip netns exec "$SK_NS_CL" timeout $((secs + 15)) iperf3 -c "$addr" -t "$secs" -J) ||
    interop_fail "iperf3 $label"
  mbps=$(printf '%s' "$out" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e6))')
  printf '%-36s %8s Mbit/s\n' "$label" "$mbps"
  results+=("$label=$mbps")
  sleep 0.5
}

wait_tun() {  # IFNAME PID
  local i
  for i in $(seq 1 200); do
    ip -n "$SK_NS_CL" -4 addr show dev "$1" 2>/dev/null | grep -q inet && return 0
    interop_pid_running "$2" || interop_fail "client exited"
    sleep 0.1
  done
  interop_fail "no tunnel on $1"
}

# --- raw veth
iperf_run "veth (no VPN)" "$SK_GW_IP"

# --- ocserv
OCS_DIR=$GW_DIR/ocserv
mkdir -p "$OCS_DIR"
cat >"$OCS_DIR/ocserv.conf" <<CONF
auth = "plain[passwd=$GW_DIR/passwd]"
listen-host = $SK_GW_IP
tcp-port = 443
udp-port = 443
run-as-user = root
run-as-group = root
socket-file = $OCS_DIR/ocserv.sock
pid-file = $OCS_DIR/ocserv.pid
server-cert = $GW_DIR/pki/server.pem
server-key = $GW_DIR/pki/server-key.pem
isolate-workers = false
max-clients = 16
keepalive = 32400
dpd = 90
mobile-dpd = 1800
switch-to-tcp-timeout = 25
try-mtu-discovery = false
tls-priorities = "NORMAL:%SERVER_PRECEDENCE:%COMPAT:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1:-VERS-TLS1.3"
auth-timeout = 240
cookie-timeout = 300
deny-roaming = false
rekey-time = 172800
rekey-method = ssl
use-occtl = false
device = ocb
predictable-ips = true
ipv4-network = 198.18.110.0/24
ping-leases = false
cisco-client-compat = true
dtls-legacy = true
select-group = engineering
select-group = sales
default-select-group = engineering
auto-select-group = false
CONF
interop_bg "$SK_NS_GW" "$OCS_DIR/ocserv.log" ocserv -f -d 1 -c "$OCS_DIR/ocserv.conf"
OCS_PID=$SK_LAST_PID
interop_wait_port "$SK_NS_GW" 443 15 || interop_fail "ocserv did not listen"
GW_PIN=$(grep -Eo 'pin-sha256:[A-Za-z0-9+/=]+' "$GW_DIR/pki/gen_test_certs.log" | head -1)

for mode in tls dtls; do
  extra=(--no-dtls)
  [ $mode = dtls ] && extra=()
  oc_connect "ocs$mode" $'alicepw\n' --user alice --passwd-on-stdin --non-inter \
    --authgroup engineering "${extra[@]}"
  wait_tun "oc-ocs$mode" "$OC_PID"
  [ $mode = dtls ] && sleep 2  # let DTLS come up
  iperf_run "openconnect->ocserv ($mode)" 198.18.110.1
  oc_stop "$OC_PID"
  sleep 0.5
done
kill -TERM "$OCS_PID"
for i in $(seq 1 100); do  # ocserv and its workers must release port 443 first
  interop_pid_running "$OCS_PID" || _sk_port_listening "$SK_NS_GW" 443 tcp || break
  sleep 0.1
done

# --- sekishod
sed -i 's/^enabled = false/enabled = true/' "$GW_DIR/sekishod.toml"
gw_start "$GW_DIR"
for mode in tls dtls; do
  extra=(--no-dtls)
  [ $mode = dtls ] && extra=()
  OC_URL=${GW_URL}eng oc_connect "sk$mode" $'alicepw\n' --user alice --passwd-on-stdin \
    --non-inter "${extra[@]}"
  wait_tun "oc-sk$mode" "$OC_PID"
  [ $mode = dtls ] && sleep 2
  iperf_run "openconnect->sekishod ($mode)" 198.18.101.1
  oc_stop "$OC_PID"
  sleep 0.5
done

# --- sekisho -> sekishod (our client; TLS, and DTLS when the client offers it)
if [ -x "$SEKISHO" ]; then
  CL_DIR=$GW_DIR/client
  mkdir -p "$CL_DIR"
  CL_URL=$GW_URL
  for mode in tls dtls; do
    extra=(--no-dtls)
    [ $mode = dtls ] && extra=()
    sk_connect "b$mode" $'alicepw\n' --user alice --passwd-on-stdin --authgroup Engineering \
      --cafile "$GW_DIR/pki/ca.pem" "${extra[@]}"
    sk_wait_tunnel "b$mode"
    [ $mode = dtls ] && sleep 2
    iperf_run "sekisho->sekishod ($mode)" 198.18.101.1
    sk_stop "$SK_PID"
    sleep 0.5
  done
fi

# --- the process split: openconnect->sekishod in --single-process form (the pre-split data
# path, all in one process) beside the default separated form measured above.
stop_gateway() {
  kill -TERM "$GW_PID"
  for _ in $(seq 1 100); do
    interop_pid_running "$GW_PID" || _sk_port_listening "$SK_NS_GW" 443 tcp || break
    sleep 0.1
  done
}
start_gateway() {  # EXTRA_ARGS...: like gw_start, with extra sekishod arguments
  : >"$GW_LOG"
  interop_bg "$SK_NS_GW" "$GW_LOG" "$SEKISHOD" --config "$GW_DIR/sekishod.toml" "$@"
  GW_PID=$SK_LAST_PID
  interop_wait_port "$SK_NS_GW" 443 15 || interop_fail "sekishod did not listen"
  interop_wait_for_log "$GW_LOG" 'pin-sha256:' 5 || interop_fail "no pin in the gateway log"
}
stop_gateway
start_gateway --single-process
for mode in tls dtls; do
  extra=(--no-dtls)
  [ $mode = dtls ] && extra=()
  OC_URL=${GW_URL}eng oc_connect "ss$mode" $'alicepw\n' --user alice --passwd-on-stdin \
    --non-inter "${extra[@]}"
  wait_tun "oc-ss$mode" "$OC_PID"
  [ $mode = dtls ] && sleep 2
  iperf_run "openconnect->sekishod 1-proc ($mode)" 198.18.101.1
  oc_stop "$OC_PID"
  sleep 0.5
done

# --- two simultaneous tunnels (openconnect over TLS), total throughput with 1 and 2 workers.
two_tunnels() {  # LABEL
  local label=$1 a_pid b_pid total
  OC_URL=${GW_URL}eng oc_connect "w$label-a" $'alicepw\n' --user alice --passwd-on-stdin \
    --non-inter --no-dtls
  a_pid=$OC_PID
  wait_tun "oc-w$label-a" "$a_pid"
  oc_connect "w$label-b" $'bobpw\n' --user bob --passwd-on-stdin --non-inter --no-dtls \
    --authgroup Sales
  b_pid=$OC_PID
  wait_tun "oc-w$label-b" "$b_pid"
  if [ "$label" = 2 ]; then  # place the tunnels on different workers (reconnects alternate)
    for _ in 1 2 3 4; do
      [ "$(gw_worker_of "$a_pid")" != "$(gw_worker_of "$b_pid")" ] && break
      kill -USR2 "$a_pid"
      sleep 2
    done
  fi
  echo "tunnels on worker pids $(gw_worker_of "$a_pid") and $(gw_worker_of "$b_pid")"
  interop_bg "$SK_NS_GW" "$GW_DIR/iperf-w$label-a.log" iperf3 -s -B 198.18.101.1 -p 5201 -1
  interop_bg "$SK_NS_GW" "$GW_DIR/iperf-w$label-b.log" iperf3 -s -B 198.18.102.1 -p 5202 -1
  interop_wait_port "$SK_NS_GW" 5201 5 && interop_wait_port "$SK_NS_GW" 5202 5 ||
    interop_fail "iperf3 servers ($label workers)"
  ip netns exec "$SK_NS_CL" timeout $((secs + 15)) iperf3 -c 198.18.101.1 -p 5201 -t "$secs" -J \
    >"$GW_DIR/two-$label-a.json" &
  local ca=$!
  ip netns exec "$SK_NS_CL" timeout $((secs + 15)) iperf3 -c 198.18.102.1 -p 5202 -t "$secs" -J \
    >"$GW_DIR/two-$label-b.json" &
  local cb=$!
  wait "$ca" "$cb" || interop_fail "iperf3 with $label worker(s)"
  total=$(python3 -c 'import json,sys; print(round(sum(json.load(open(f))["end"]["sum_received"]["bits_per_second"] for f in sys.argv[1:])/1e6))' \
    "$GW_DIR/two-$label-a.json" "$GW_DIR/two-$label-b.json")
  printf '%-36s %8s Mbit/s\n' "2 tunnels, $label worker(s)" "$total"
  results+=("2 tunnels, $label worker(s)=$total")
  oc_stop "$a_pid"
  oc_stop "$b_pid"
  sleep 0.5
}
for workers in 1 2; do
  stop_gateway
  sed -i '/^\[process\]$/,$d' "$GW_DIR/sekishod.toml"
  printf '[process]\nworkers = %s\n' "$workers" >>"$GW_DIR/sekishod.toml"
  start_gateway
  two_tunnels "$workers"
done

echo
python3 - "${results[@]}" <<'PY'
import sys
r = dict(a.split("=") for a in sys.argv[1:])
r = {k: float(v) for k, v in r.items()}
base = r.get("openconnect->ocserv (tls)")
for k, v in r.items():
    if base:
        print(f"{k:36s} {v/base:6.2f}x of openconnect->ocserv (tls)")
PY

#!/usr/bin/env bash
# sekishod's process split with real clients, inside two namespaces this test creates (issue 7,
# points 4 and 5):
#   1. privilege facts: every worker runs as a non-root user with CapEff 0, NoNewPrivs and a
#      seccomp filter (Seccomp: 2); the private key is readable by root only, logins still work,
#      and no process but the security module has the key file open;
#   2. openconnect and sekisho hold tunnels on different workers; SIGKILL of openconnect's
#      worker: main starts a new worker, openconnect reconnects with its cookie (same session,
#      same address, no new login) within 3 s, and a ping through sekisho's tunnel on the other
#      worker loses nothing;
#   3. the same with the roles swapped: sekisho's worker is killed, sekisho reconnects within
#      3 s, openconnect's ping loses nothing;
#   4. SIGKILL of the security module: main restarts it, both tunnels keep carrying traffic
#      without loss, and a new login (TLS signature + password check) works afterwards.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
. "$(dirname "$0")/client_common.sh"
interop_require_root
command -v openconnect >/dev/null || interop_skip "openconnect missing"
command -v ss >/dev/null || interop_skip "ss (iproute2) missing"

interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
CL_DIR=$(interop_tmpdir)
CL_URL=$GW_URL
gw_setup "$GW_DIR"
printf '\n[process]\nworkers = 2\n' >>"$GW_DIR/sekishod.toml"
KEY=$GW_DIR/pki/server-key.pem
chmod 600 "$KEY"
chown root:root "$KEY"
gw_start "$GW_DIR"
# A worker drops its privileges before it logs "serving": check them only after that (a
# sanitizer build starts slowly enough for main to listen first).
for index in 0 1; do
  interop_wait_for_log "$GW_LOG" "worker $index serving" 15 || interop_fail "worker $index not serving"
done
echo "gateway up, pin $GW_PIN"

# Worker PIDs as main logged them; the last start of each index wins.
worker_pid() {  # INDEX
  grep -Eo "worker $1 started \(pid [0-9]+\)" "$GW_LOG" | tail -1 | grep -Eo '[0-9]+\)' | tr -d ')'
}
secmod_pid() {
  grep -Eo 'security module started \(pid [0-9]+\)' "$GW_LOG" | tail -1 | grep -Eo '[0-9]+\)' |
    tr -d ')'
}
status_field() {  # PID FIELD
  awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"
}
session_field() {  # USER FIELD
  gw_ctl show sessions --json | python3 -c '
import json, sys
user, field = sys.argv[1], sys.argv[2]
for s in json.load(sys.stdin)["sessions"]:
    if s["user"] == user:
        print(s[field]); break' "$1" "$2"
}
wait_oc_tunnel() {  # IFNAME
  for _ in $(seq 1 150); do
    ip -n "$SK_NS_CL" -4 addr show dev "$1" 2>/dev/null | grep -q inet && return 0
    interop_pid_running "$OC_PID" || interop_fail "openconnect exited before the tunnel came up"
    sleep 0.1
  done
  interop_fail "tunnel $1 did not come up"
}
# Milliseconds from START_NS until one ping through the tunnel answers again (gives up at 10 s).
ms_until_ping() {  # ADDRESS START_NS
  for _ in $(seq 1 100); do
    if ip netns exec "$SK_NS_CL" ping -c 1 -W 0.2 "$1" >/dev/null 2>&1; then
      echo $((($(date +%s%N) - $2) / 1000000))
      return 0
    fi
    sleep 0.1
  done
  echo 99999
}
# A steady ping in the background (4 s at 20 per second) whose loss must be zero.
start_ping() {  # NAME ADDRESS
  interop_bg "$SK_NS_CL" "$GW_DIR/ping-$1.log" ping -c 80 -i 0.05 -W 1 "$2"
  PING_PID=$SK_LAST_PID
}
expect_no_loss() {  # NAME PID
  for _ in $(seq 1 100); do interop_pid_running "$2" || break; sleep 0.1; done
  grep -q ' 0% packet loss' "$GW_DIR/ping-$1.log" ||
    interop_fail "ping through the $1 tunnel lost packets: $(grep 'packet loss' "$GW_DIR/ping-$1.log")"
  grep 'packet loss' "$GW_DIR/ping-$1.log"
}

# --- 1. privilege facts ------------------------------------------------------------------
w0=$(worker_pid 0)
w1=$(worker_pid 1)
sm=$(secmod_pid)
[ -n "$w0" ] && [ -n "$w1" ] && [ -n "$sm" ] || interop_fail "main did not log its children"
for pid in "$w0" "$w1"; do
  uid=$(status_field "$pid" Uid)
  read -r ruid euid suid fsuid <<<"$uid"
  for u in $ruid $euid $suid $fsuid; do
    [ "$u" != 0 ] || interop_fail "worker $pid runs with uid 0 ($uid)"
  done
  [ "$(status_field "$pid" CapEff)" = 0000000000000000 ] ||
    interop_fail "worker $pid has capabilities: $(status_field "$pid" CapEff)"
  [ "$(status_field "$pid" CapPrm)" = 0000000000000000 ] || interop_fail "worker $pid CapPrm"
  [ "$(status_field "$pid" Seccomp)" = 2 ] || interop_fail "worker $pid has no seccomp filter"
  [ "$(status_field "$pid" NoNewPrivs)" = 1 ] || interop_fail "worker $pid lacks no_new_privs"
  echo "worker $pid: Uid $uid, CapEff 0, Seccomp 2"
done
[ "$(stat -c %a "$KEY")" = 600 ] || interop_fail "the key file is not root-only"

# --- 2. openconnect and sekisho on different workers --------------------------------------
oc_connect alice $'alicepw\n' --user alice --passwd-on-stdin --no-dtls --non-inter --authgroup eng
wait_oc_tunnel oc-alice
oc_pid=$OC_PID
sk_connect bob $'bobpw\n' --cafile "$GW_DIR/pki/ca.pem" --user bob --passwd-on-stdin \
  --authgroup Sales --no-dtls
sk_wait_tunnel bob
sk_pid=$SK_PID
sk_log=$SK_LOG
OC_ADDR=198.18.101.1  # the gateway's side of alice's (engineering) tunnel
SK_ADDR=198.18.102.1  # the gateway's side of bob's (sales) tunnel
ip netns exec "$SK_NS_CL" ping -c 2 -i 0.2 -W 2 "$OC_ADDR" >/dev/null || interop_fail "alice's ping"
ip netns exec "$SK_NS_CL" ping -c 2 -i 0.2 -W 2 "$SK_ADDR" >/dev/null || interop_fail "bob's ping"

# After the logins, the key file is open in the security module only.
for pid in $(ip netns pids "$SK_NS_GW"); do
  [ "$pid" = "$sm" ] && continue
  if ls -l "/proc/$pid/fd" 2>/dev/null | grep -q "$KEY"; then
    interop_fail "process $pid ($(cat "/proc/$pid/comm")) has the key file open"
  fi
done
echo "the key file is open nowhere but in the security module (logins worked)"

# Round robin may have put both tunnels on one worker: reconnect openconnect (SIGUSR2) until
# they are apart (each reconnect is one new connection, so this alternates).
for _ in 1 2 3 4; do
  [ "$(gw_worker_of "$oc_pid")" != "$(gw_worker_of "$sk_pid")" ] && break
  kill -USR2 "$oc_pid"
  sleep 1
  ms_until_ping "$OC_ADDR" "$(date +%s%N)" >/dev/null
done
oc_worker=$(gw_worker_of "$oc_pid")
sk_worker=$(gw_worker_of "$sk_pid")
[ -n "$oc_worker" ] && [ -n "$sk_worker" ] && [ "$oc_worker" != "$sk_worker" ] ||
  interop_fail "could not place the tunnels on different workers ($oc_worker, $sk_worker)"
echo "openconnect on worker pid $oc_worker, sekisho on worker pid $sk_worker"

# kill_and_check VICTIM_WORKER RECONNECTING_USER ADDRESS SURVIVOR_NAME SURVIVOR_ADDRESS
kill_and_check() {
  local victim=$1 user=$2 address=$3 survivor=$4 survivor_address=$5
  local session_before ip_before logins_before t0 elapsed
  session_before=$(session_field "$user" id)
  ip_before=$(session_field "$user" vpn_ipv4)
  logins_before=$(grep -c "user $user logged in" "$GW_LOG" || true)
  start_ping "$survivor" "$survivor_address"
  local ping_pid=$PING_PID
  sleep 1
  t0=$(date +%s%N)
  kill -KILL "$victim"
  elapsed=$(ms_until_ping "$address" "$t0")
  echo "$user's tunnel carries traffic again $elapsed ms after its worker was killed"
  [ "$elapsed" -le 3000 ] || interop_fail "$user took $elapsed ms to come back (> 3 s)"
  [ "$(session_field "$user" id)" = "$session_before" ] || interop_fail "$user got a new session"
  [ "$(session_field "$user" vpn_ipv4)" = "$ip_before" ] || interop_fail "$user's address changed"
  [ "$(grep -c "user $user logged in" "$GW_LOG")" = "$logins_before" ] ||
    interop_fail "$user logged in again"
  expect_no_loss "$survivor" "$ping_pid"
  interop_wait_for_log "$GW_LOG" "worker [01] started \\(pid" 5 || interop_fail "no worker restart"
}

# --- 2. kill openconnect's worker --------------------------------------------------------------
kill_and_check "$oc_worker" alice "$OC_ADDR" sekisho "$SK_ADDR"
[ "$(grep -c 'worker [01] started' "$GW_LOG")" = 3 ] || interop_fail "the worker was not restarted"
interop_pid_running "$oc_pid" || interop_fail "openconnect gave up"

# --- 3. kill sekisho's worker ------------------------------------------------------------------
for _ in 1 2 3 4; do
  [ "$(gw_worker_of "$oc_pid")" != "$(gw_worker_of "$sk_pid")" ] && break
  kill -USR2 "$oc_pid"
  sleep 1
  ms_until_ping "$OC_ADDR" "$(date +%s%N)" >/dev/null
done
sk_worker=$(gw_worker_of "$sk_pid")
[ "$(gw_worker_of "$oc_pid")" != "$sk_worker" ] || interop_fail "tunnels share a worker"
kill_and_check "$sk_worker" bob "$SK_ADDR" openconnect "$OC_ADDR"
grep -q 'Reconnect: tunnel resumed' "$sk_log" || interop_fail "sekisho did not report a reconnect"
interop_pid_running "$sk_pid" || interop_fail "sekisho gave up"

# --- 4. kill the security module ---------------------------------------------------------------
start_ping openconnect "$OC_ADDR"
oc_ping=$PING_PID
start_ping sekisho "$SK_ADDR"
sk_ping=$PING_PID
sleep 1
kill -KILL "$sm"
interop_wait_for_log "$GW_LOG" 'security module killed by signal 9; restarting it' 5 ||
  interop_fail "main did not notice the security module's death"
interop_wait_for_log "$GW_LOG" "security module started \\(pid [0-9]+\\)" 5 || interop_fail "restart"
expect_no_loss openconnect "$oc_ping"
expect_no_loss sekisho "$sk_ping"
[ "$(secmod_pid)" != "$sm" ] || interop_fail "the security module was not restarted"
for _ in $(seq 1 30); do grep -q 'security module serving' <(tail -n 50 "$GW_LOG") && break; sleep 0.1; done
cookie=$(printf 'carolpw\n' | ip netns exec "$SK_NS_CL" timeout 20 openconnect --cookieonly \
  --user carol --passwd-on-stdin --non-inter --authgroup eng --servercert "$GW_PIN" "$GW_URL" \
  2>/dev/null)
[ -n "$cookie" ] || interop_fail "no login after the security module restarted"
echo "a new login works after the security module restarted"

oc_stop "$oc_pid"
sk_stop "$sk_pid"
echo "PASS"

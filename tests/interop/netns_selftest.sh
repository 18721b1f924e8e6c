#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2031  # the scenario subshells re-source lib.sh on purpose
# Self-test of tests/interop/lib.sh. Each scenario runs in a subshell that sources the library
# (and so gets its own registry and EXIT trap); this outer script then checks from outside that
# the subshell's cleanup killed its background process and removed its namespaces and
# temporary directory, after a clean exit and after a failing one.
#
#   skgw-PID (198.18.0.1/24) ===veth=== skcl-PID (198.18.0.2/24)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
interop_require_root

state=$(interop_tmpdir)
py=/usr/bin/python3

# UDP probe: a receiver in the gateway namespace prints "got" if one datagram arrives in 2 s.
udp_probe() {
  local port=$1 log=$2
  interop_bg "$SK_NS_GW" "$log" "$py" -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('$SK_GW_IP', $port))
print('bound', flush=True)
s.settimeout(2)
try:
    s.recv(64)
    print('got', flush=True)
except socket.timeout:
    print('timeout', flush=True)
"
  local receiver=$SK_LAST_PID
  interop_wait_for_log "$log" '^bound' 5 || interop_fail "udp receiver did not start"
  ip netns exec "$SK_NS_CL" "$py" -c "
import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('$SK_GW_IP', $port))
" || true
  interop_wait_for_log "$log" '^(got|timeout)' 5 || interop_fail "udp receiver hung"
  wait "$receiver" || true
  grep -q '^got' "$log"
}

# --- scenario 1: everything works, clean exit -------------------------------------------------
(
  . "$here/lib.sh"
  echo "$SK_TMPROOT" >"$state/tmproot1"
  interop_setup_two_hosts
  echo "$SK_NS_GW $SK_NS_CL" >"$state/ns1"

  ip netns exec "$SK_NS_CL" ping -c 1 -W 2 "$SK_GW_IP" >/dev/null || interop_fail "ping cl->gw"
  ip netns exec "$SK_NS_GW" ping -c 1 -W 2 "$SK_CL_IP" >/dev/null || interop_fail "ping gw->cl"
  if ip -o addr show | grep -q '198\.18\.0\.'; then
    interop_fail "test address leaked into the root namespace"
  fi

  dir=$(interop_tmpdir)
  interop_bg "$SK_NS_GW" "$dir/sleep.log" sleep 60
  echo "$SK_LAST_PID" >"$state/pid1"

  # wait_for_log, and its timeout.
  interop_bg "$SK_NS_CL" "$dir/ready.log" sh -c 'sleep 0.3; echo service ready'
  interop_wait_for_log "$dir/ready.log" 'service (ready|up)' 5 || interop_fail "wait_for_log"
  if interop_wait_for_log "$dir/ready.log" 'never printed' 1 2>/dev/null; then
    interop_fail "wait_for_log matched a missing line"
  fi

  # wait_port on a TCP listener bound to the gateway address.
  interop_bg "$SK_NS_GW" "$dir/listen.log" "$py" -c "
import socket, time
s = socket.socket()
s.bind(('$SK_GW_IP', 8443))
s.listen()
time.sleep(60)
"
  interop_wait_port "$SK_NS_GW" 8443 5 || interop_fail "wait_port"
  if interop_wait_port "$SK_NS_CL" 8443 1 2>/dev/null; then
    interop_fail "wait_port saw a port in the wrong namespace"
  fi

  # wait_link on a TUN created later, then link down/up on the veth.
  (sleep 0.3 && ip -n "$SK_NS_GW" tuntap add dev sktest7 mode tun) &
  tun=$(interop_wait_link "$SK_NS_GW" 'sktest[0-9]+' 5) || interop_fail "wait_link"
  [ "$tun" = sktest7 ] || interop_fail "wait_link printed '$tun'"
  interop_link_down "$SK_NS_CL" "$SK_IF_CL"
  if ip netns exec "$SK_NS_CL" ping -c 1 -W 1 "$SK_GW_IP" >/dev/null 2>&1; then
    interop_fail "ping worked with the link down"
  fi
  interop_link_up "$SK_NS_CL" "$SK_IF_CL"
  ip netns exec "$SK_NS_CL" ping -c 1 -W 3 "$SK_GW_IP" >/dev/null || interop_fail "ping after up"

  # drop_udp / allow_udp, checked with real datagrams.
  udp_probe 4433 "$dir/udp1.log" || interop_fail "UDP blocked before drop_udp"
  interop_drop_udp "$SK_NS_GW"
  if udp_probe 4434 "$dir/udp2.log"; then
    interop_fail "UDP passed after drop_udp"
  fi
  interop_allow_udp "$SK_NS_GW"
  udp_probe 4435 "$dir/udp3.log" || interop_fail "UDP blocked after allow_udp"
  interop_drop_udp "$SK_NS_GW" 4436
  if udp_probe 4436 "$dir/udp4.log"; then
    interop_fail "UDP to the dropped port passed"
  fi
  udp_probe 4437 "$dir/udp5.log" || interop_fail "UDP to another port was dropped"

  # Library guards: no acting on namespaces we did not create.
  if (interop_link_down "not-ours-$$" eth0) 2>/dev/null; then
    interop_fail "link_down accepted a foreign namespace"
  fi

  # interop_fail prints the recorded logs and exits 1.
  set +e
  out=$( (interop_fail "expected failure") 2>&1)
  rc=$?
  set -e
  [ "$rc" -eq 1 ] || interop_fail "interop_fail exited $rc"
  grep -q 'service ready' <<<"$out" || interop_fail "interop_fail did not print the logs"

  # Cleanup is idempotent: an explicit call, then the EXIT trap again.
  interop_cleanup
  interop_cleanup
  exit 0
)

# --- scenario 2: the test fails half-way under set -e ------------------------------------------
set +e
(
  set -e  # the outer `set +e` (needed to collect the status) is inherited
  . "$here/lib.sh"
  echo "$SK_TMPROOT" >"$state/tmproot2"
  interop_setup_two_hosts
  interop_bg "$SK_NS_CL" "$SK_TMPROOT/sleep.log" sleep 60
  echo "$SK_LAST_PID" >"$state/pid2"
  # A process that ignores SIGTERM (KILLed after 5 s) and leaves a grandchild in the namespace
  # (found through `ip netns pids`).
  interop_bg "$SK_NS_GW" "$SK_TMPROOT/stubborn.log" \
    sh -c "trap '' TERM; sleep 60 & echo \$! >'$state/pid3'; wait"
  for ((i = 0; i < 50; i++)); do
    [ -s "$state/pid3" ] && break
    sleep 0.1
  done
  false
  echo "not reached" >"$state/reached2"
)
rc2=$?
set -e

# --- checks from outside ---------------------------------------------------------------------
check_gone() {
  local label=$1 pid tmproot ns
  pid=$(cat "$state/pid$label")
  tmproot=$(cat "$state/tmproot$label")
  if interop_pid_running "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    interop_fail "scenario $label: background pid $pid survived cleanup"
  fi
  [ ! -e "$tmproot" ] || interop_fail "scenario $label: $tmproot not removed"
  for ns in $SK_NS_GW $SK_NS_CL; do
    if ip netns list | grep -qw -- "$ns"; then
      interop_fail "scenario $label: namespace $ns not deleted"
    fi
  done
}

check_gone 1
[ "$(cat "$state/ns1")" = "$SK_NS_GW $SK_NS_CL" ] || interop_fail "unexpected namespace names"
[ "$rc2" -ne 0 ] || interop_fail "scenario 2 should have failed"
[ ! -e "$state/reached2" ] || interop_fail "scenario 2 ran past its failure"
check_gone 2
[ -s "$state/pid3" ] || interop_fail "scenario 2: stubborn process did not start"
if interop_pid_running "$(cat "$state/pid3")"; then
  kill -KILL "$(cat "$state/pid3")" 2>/dev/null || true
  interop_fail "scenario 2: grandchild in the namespace survived cleanup"
fi
if ip -o link show | grep -q 'skveth'; then
  interop_fail "veth leaked into the root namespace"
fi
# Scenario 3: a test whose own checks passed still fails when a process it started left a
# sanitizer report in its log (what the sanitizer build relies on), and only then.
for report in "==1==ERROR: AddressSanitizer: heap-use-after-free" "x.cc:3:5: runtime error: " ""; do
  rc3=0
  REPORT=$report bash -c '
    . "$SEKISHO_SOURCE_DIR/tests/interop/lib.sh"
    log=$(interop_tmpdir)/process.log
    printf "starting\n%s\n" "$REPORT" >"$log"
    interop_add_log "$log"
    exit 0' >/dev/null 2>&1 || rc3=$?
  if [ -n "$report" ]; then
    [ "$rc3" -eq 1 ] || interop_fail "scenario 3: a sanitizer report did not fail the test ($report)"
  else
    [ "$rc3" -eq 0 ] || interop_fail "scenario 3: a clean log failed the test"
  fi
done
echo "PASS: netns_selftest"

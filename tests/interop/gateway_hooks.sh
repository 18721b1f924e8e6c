#!/usr/bin/env bash
# [hooks] connect/disconnect programs (like ocserv's connect-script/disconnect-script), with
# Debian's openconnect against sekishod in namespaces this test creates:
#   1. alice's tunnel comes up after the connect hook ran with her session in its environment
#      (REASON, ID, USERNAME, GROUPNAME, IP_REAL, IP_REAL_LOCAL, IP_REMOTE, IP_LOCAL, DEVICE),
#      its output in the gateway's log;
#   2. when she logs off, the disconnect hook runs with the byte counts of the pings sent
#      through the tunnel and the duration;
#   3. a connect hook that exits 1 (for bob) refuses his tunnel with a clear log line, ends
#      the session, and no disconnect hook runs for it;
#   4. a connect hook that outlives hooks.timeout (for carol) is killed and refuses the tunnel;
#   5. on SIGTERM, main waits for the disconnect hook of a session it ends.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
pid_gone() { ! interop_pid_running "$1"; }
stop_client() { if interop_pid_running "$1"; then oc_stop "$1"; fi; }  # may have exited already
interop_require_root
command -v openconnect >/dev/null || interop_skip "openconnect missing"

interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
gw_setup "$GW_DIR"
HOOKS=$GW_DIR/hooks
mkdir -p "$HOOKS"
# The hooks get only the session's environment (and PATH), so the output directory is written
# into the scripts themselves. Each writes its environment, sorted, to a file per user.
cat >"$GW_DIR/connect.sh" <<SH
#!/bin/sh
env | sort >"$HOOKS/connect-\$USERNAME.env.tmp"
mv "$HOOKS/connect-\$USERNAME.env.tmp" "$HOOKS/connect-\$USERNAME.env"
echo "connect hook sees \$USERNAME on \$DEVICE"
case "\$USERNAME" in
  bob) echo "bob is not welcome today" >&2; exit 1 ;;
  carol) exec sleep 60 ;;
esac
exit 0
SH
# At shutdown it takes a second (longer than main's 200 ms for the last DISCONNECTs): main must
# wait for it.
cat >"$GW_DIR/disconnect.sh" <<SH
#!/bin/sh
[ "\$SEKISHO_END_REASON" != "gateway shutting down" ] || sleep 1
env | sort >"$HOOKS/disconnect-\$USERNAME.env.tmp"
mv "$HOOKS/disconnect-\$USERNAME.env.tmp" "$HOOKS/disconnect-\$USERNAME.env"
SH
chmod 700 "$GW_DIR/connect.sh" "$GW_DIR/disconnect.sh"
cat >>"$GW_DIR/sekishod.toml" <<TOML

[hooks]
connect = "connect.sh"
disconnect = "disconnect.sh"
timeout = 3
TOML
gw_start "$GW_DIR"

env_value() {  # FILE NAME
  sed -n "s/^$2=//p" "$1"
}
expect_env() {  # FILE NAME VALUE
  local got
  got=$(env_value "$1" "$2")
  [ "$got" = "$3" ] || interop_fail "$(basename "$1"): $2 is '$got', expected '$3'"
  echo "ok: $(basename "$1") $2=$got"
}
sessions_of() {  # USER: the user's session ids, from sekishoctl
  gw_ctl show sessions --json | python3 -c '
import json, sys
for s in json.load(sys.stdin)["sessions"]:
    if s["user"] == sys.argv[1]:
        print(s["id"])' "$1"
}

# --- 1. connect hook with the session's environment ---------------------------------------------
OC_URL=${GW_URL}eng oc_connect alice $'alicepw\n' --user alice --passwd-on-stdin --no-dtls --non-inter
wait_tunnel oc-alice
ENV=$HOOKS/connect-alice.env
[ -f "$ENV" ] || interop_fail "the tunnel came up without the connect hook's file"
client_ip=$(ip -n "$SK_NS_CL" -4 -o addr show dev oc-alice | awk '{ print $4 }' | cut -d/ -f1)
session_id=$(sessions_of alice)
expect_env "$ENV" REASON connect
expect_env "$ENV" USERNAME alice
expect_env "$ENV" GROUPNAME engineering
expect_env "$ENV" ID "$session_id"
expect_env "$ENV" IP_REAL "$SK_CL_IP"
expect_env "$ENV" IP_REAL_LOCAL "$SK_GW_IP"
expect_env "$ENV" IP_REMOTE "$client_ip"
expect_env "$ENV" IP_LOCAL 198.18.101.1
device=$(env_value "$ENV" DEVICE)
ip -n "$SK_NS_GW" -4 addr show dev "$device" | grep -q "inet 198.18.101.1 peer $client_ip" ||
  interop_fail "DEVICE=$device is not alice's TUN device"
echo "ok: DEVICE=$device carries alice's tunnel"
grep -q 'COOKIE\|PASSWORD\|webvpn' "$ENV" && interop_fail "a secret reached the hook's environment"
grep -Eq "connect hook, session $session_id: connect hook sees alice on $device" "$GW_LOG" ||
  interop_fail "the hook's output is not in the log"

# --- 2. disconnect hook with the byte counts -----------------------------------------------------
# 5 pings of 1000 bytes of payload: 1028-byte IP packets each way.
ip netns exec "$SK_NS_CL" ping -c 5 -i 0.2 -W 2 -s 1000 198.18.101.1 >/dev/null ||
  interop_fail "ping through alice's tunnel"
stop_client "$OC_PID"
interop_wait_for_log "$GW_LOG" "disconnect hook, session $session_id: exited with 0" 15 ||
  interop_fail "the disconnect hook did not run"
ENV=$HOOKS/disconnect-alice.env
expect_env "$ENV" REASON disconnect
expect_env "$ENV" ID "$session_id"
expect_env "$ENV" USERNAME alice
expect_env "$ENV" DEVICE "$device"
expect_env "$ENV" IP_REMOTE "$client_ip"
for field in STATS_BYTES_IN STATS_BYTES_OUT; do
  value=$(env_value "$ENV" $field)
  # At least the pings (5 x 1028), at most the pings plus a little other traffic.
  [ "$value" -ge 5140 ] && [ "$value" -lt 20000 ] ||
    interop_fail "$field=$value does not match 5 pings of 1028 bytes"
  echo "ok: $field=$value"
done
duration=$(env_value "$ENV" STATS_DURATION)
[[ "$duration" =~ ^[0-9]+$ ]] && [ "$duration" -lt 120 ] || interop_fail "STATS_DURATION=$duration"
echo "ok: STATS_DURATION=$duration"

# --- 3. a failing connect hook refuses the tunnel ------------------------------------------------
OC_URL=${GW_URL}sales oc_connect bob $'bobpw\n' --user bob --passwd-on-stdin --no-dtls --non-inter
interop_wait_for_log "$GW_LOG" 'connect hook refused the tunnel of session [0-9]+ \(user bob\): exited with 1' 20 ||
  interop_fail "no refusal line for bob"
grep -q 'bob is not welcome today' "$GW_LOG" || interop_fail "the hook's stderr is not in the log"
_sk_poll 10 sh -c "! ip -n $SK_NS_CL -4 addr show dev oc-bob 2>/dev/null | grep -q inet" ||
  interop_fail "bob's tunnel came up"
[ -z "$(sessions_of bob)" ] || interop_fail "bob's session outlived the refusal"
stop_client "$OC_PID"
[ ! -e "$HOOKS/disconnect-bob.env" ] || interop_fail "a disconnect hook ran for a refused session"
grep 'refused the tunnel' "$GW_LOG"

# --- 4. a connect hook over hooks.timeout is killed ----------------------------------------------
OC_URL=${GW_URL}eng oc_connect carol $'carolpw\n' --user carol --passwd-on-stdin --no-dtls --non-inter
interop_wait_for_log "$GW_LOG" 'connect hook refused the tunnel of session [0-9]+ \(user carol\): did not finish within 3 s' 20 ||
  interop_fail "carol's hanging hook was not cut off"
[ -z "$(sessions_of carol)" ] || interop_fail "carol's session outlived the timeout"
stop_client "$OC_PID"
# The hook's `sleep` was in its process group: gone too.
hook_sleep_gone() {
  local pid
  for pid in $(ip netns pids "$SK_NS_GW"); do
    [ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" = "sleep 60 " ] && return 1
  done
  return 0
}
_sk_poll 5 hook_sleep_gone || interop_fail "the timed-out hook's process survived"
# --- 5. shutdown: the disconnect hook of a live session runs before main exits ----------------------
rm -f "$HOOKS/disconnect-alice.env"
OC_URL=${GW_URL}eng oc_connect alice $'alicepw\n' --user alice --passwd-on-stdin --no-dtls --non-inter
wait_tunnel oc-alice
kill -TERM "$GW_PID"
_sk_poll 15 pid_gone "$GW_PID" || interop_fail "sekishod did not exit"
[ -f "$HOOKS/disconnect-alice.env" ] || interop_fail "no disconnect hook at shutdown"
expect_env "$HOOKS/disconnect-alice.env" SEKISHO_END_REASON "gateway shutting down"
stop_client "$OC_PID"
echo "PASS: connect/disconnect hooks with the session's environment; failing or hanging connect hooks refuse the tunnel"

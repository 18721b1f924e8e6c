#!/usr/bin/env bash
# sekishod under systemd's notify protocol (sd_notify(3)), without systemd: a Python datagram
# socket stands in for $NOTIFY_SOCKET and records what main sends, with times.
#   1. READY=1 (with a STATUS= line) once main listens;
#   2. WATCHDOG=1 every half WATCHDOG_USEC while the loop runs, none when WATCHDOG_PID names
#      another process (systemd's rule: the watchdog is meant for the main PID only);
#   3. STATUS= follows the sessions (an openconnect tunnel comes and goes);
#   4. STOPPING=1 on SIGTERM, and no watchdog ping after it.
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
LISTENER=$SEKISHO_SOURCE_DIR/tests/interop/datagram_listener.py
WATCHDOG_USEC=400000  # pings expected every 200 ms

# start_gateway NAME WATCHDOG_PID_MODE: sekishod with NOTIFY_SOCKET=$GW_DIR/NAME.sock, messages
# in $GW_DIR/NAME.notify. Mode "self" sets WATCHDOG_PID to sekishod's own PID ($$ survives the
# exec), "other" to PID 1.
start_gateway() {
  local name=$1 mode=$2
  NOTIFY_LOG=$GW_DIR/$name.notify
  interop_bg "$SK_NS_GW" "$GW_DIR/$name.listener.log" python3 "$LISTENER" \
    "$GW_DIR/$name.sock" "$NOTIFY_LOG"
  interop_wait_for_log "$NOTIFY_LOG" LISTENING 10 || interop_fail "notify listener did not start"
  GW_LOG=$GW_DIR/$name.log
  # shellcheck disable=SC2016
  interop_bg "$SK_NS_GW" "$GW_LOG" env NOTIFY_SOCKET="$GW_DIR/$name.sock" \
    WATCHDOG_USEC="$WATCHDOG_USEC" MODE="$mode" \
    sh -c 'if [ "$MODE" = self ]; then export WATCHDOG_PID=$$; else export WATCHDOG_PID=1; fi
           exec "$@"' sh "$SEKISHOD" --config "$GW_DIR/sekishod.toml"
  GW_PID=$SK_LAST_PID
  interop_wait_for_log "$GW_LOG" 'pin-sha256:' 15 || interop_fail "no pin in the gateway log"
  GW_PIN=$(grep -Eo 'pin-sha256:[A-Za-z0-9+/=]+' "$GW_LOG" | head -1)
}

pings() { grep -c ' WATCHDOG=1$' "$NOTIFY_LOG" || true; }

# flush_notify NAME: sends our own datagram to the listener and waits until it is logged, so
# that everything sekishod sent before is in the log too (one socket, read in order).
flush_notify() {
  local marker="MARKER-$RANDOM$RANDOM"
  python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(sys.argv[2].encode(), sys.argv[1])' "$GW_DIR/$1.sock" "$marker"
  interop_wait_for_log "$NOTIFY_LOG" "$marker" 5 || interop_fail "notify listener stalled"
}

# --- 1. READY=1 once listening ------------------------------------------------------------------
start_gateway main self
interop_wait_for_log "$NOTIFY_LOG" ' READY=1\|STATUS=' 15 || interop_fail "no READY=1"
# READY comes after listen(2): the port must already be open when it arrives.
ip netns exec "$SK_NS_GW" ss -Hltn 'sport = :443' | grep -q . ||
  interop_fail "READY=1 arrived before sekishod listened"
grep ' READY=1' "$NOTIFY_LOG"
grep -q 'READY=1|STATUS=0 session(s)' "$NOTIFY_LOG" || interop_fail "READY=1 without a STATUS"

# --- 2. watchdog pings at half WATCHDOG_USEC ----------------------------------------------------
_sk_poll 10 sh -c "[ \$(grep -c ' WATCHDOG=1\$' '$NOTIFY_LOG') -ge 11 ]" ||
  interop_fail "fewer than 11 watchdog pings in 10 s"
# The ten intervals after the first ping: each near 200 ms (a loaded 2-core machine may be late,
# never early; systemd only minds a ping later than WATCHDOG_USEC itself).
awk '/ WATCHDOG=1$/ { if (n++ > 0) printf "%.0f\n", ($1 - last) * 1000; last = $1 }' \
  "$NOTIFY_LOG" | head -10 >"$GW_DIR/intervals"
echo "watchdog intervals (ms): $(tr '\n' ' ' <"$GW_DIR/intervals")"
awk -v limit=$((WATCHDOG_USEC / 1000)) '$1 < 150 || $1 >= limit { bad = 1 } END { exit bad }' \
  "$GW_DIR/intervals" || interop_fail "a watchdog interval is outside [150, 400) ms"

# --- 3. STATUS follows the sessions --------------------------------------------------------------
interop_wait_for_log "$GW_LOG" 'worker [0-9]+ serving' 10 || interop_fail "no worker serving"
OC_URL=${GW_URL}eng oc_connect alice $'alicepw\n' --user alice --passwd-on-stdin --no-dtls --non-inter
interop_wait_for_log "$NOTIFY_LOG" 'STATUS=1 session\(s\), 1 with a tunnel' 20 ||
  interop_fail "STATUS did not count the tunnel"
stop_client "$OC_PID"
interop_wait_for_log "$GW_LOG" 'session [0-9]+ .*logged off' 10 || interop_fail "session did not end"
_sk_poll 5 sh -c "tail -n 20 '$NOTIFY_LOG' | grep -q 'STATUS=0 session(s), 0 with a tunnel'" ||
  interop_fail "STATUS did not drop back to 0 sessions"

# --- 4. STOPPING=1 on SIGTERM ---------------------------------------------------------------------
kill -TERM "$GW_PID"
interop_wait_for_log "$NOTIFY_LOG" ' STOPPING=1\|STATUS=shutting down: terminated' 10 ||
  interop_fail "no STOPPING=1"
_sk_poll 10 pid_gone "$GW_PID" || interop_fail "sekishod did not exit"
flush_notify main
awk '/STOPPING=1/ { stopped = 1; next } stopped && / WATCHDOG=1$/ { bad = 1 } END { exit bad }' \
  "$NOTIFY_LOG" || interop_fail "a watchdog ping after STOPPING=1"

# --- 2b. WATCHDOG_PID for another process: no pings ---------------------------------------------
# With the watchdog on, the first ping follows READY=1 at once (same call); so after READY, a
# control request answered by the loop and our marker, a ping would be in the log.
start_gateway other other
interop_wait_for_log "$NOTIFY_LOG" ' READY=1' 15 || interop_fail "no READY=1 (second run)"
gw_ctl show status >/dev/null || interop_fail "sekishoctl status"
flush_notify other
[ "$(pings)" -eq 0 ] || interop_fail "watchdog pings although WATCHDOG_PID is another process"
grep -q 'watchdog: pinging' "$GW_LOG" && interop_fail "sekishod enabled the watchdog for PID 1"
grep -q 'watchdog: pinging every 200 ms' "$GW_DIR/main.log" ||
  interop_fail "the first run did not log its watchdog period"
echo "PASS: READY=1 after listen, watchdog every ~$((WATCHDOG_USEC / 2000)) ms, STATUS counts sessions, STOPPING=1 on SIGTERM"

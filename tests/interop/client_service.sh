#!/usr/bin/env bash
# `sekisho connect` as a service (issue 10, point 4), against sekishod in two namespaces:
#   1. --background --pid-file: the command returns 0 once the tunnel is up, the pid file names
#      a live process, the tunnel pings; SIGTERM via the pid file logs off (the gateway sees the
#      session end), removes the pid files and the interface;
#   2. --setuid nobody: once up, the tunnel runs in a child with uid/gid 65534 (its root parent
#      waits); ping, a link-down reconnect with the same address works unprivileged; on exit
#      the routes, address and interface the client added are gone;
#   3. --syslog: in a private mount namespace whose /dev/log is a socket read by this test,
#      the lines after the tunnel is up (down to the logoff) arrive there and not on stderr;
#   4. --reconnect-timeout 4: with the gateway unreachable the client gives up after about 4 s
#      of trying (bounded: between 3 and 12 s after the link loss);
#   5. --local-hostname, --base-mtu, --mtu, --useragent, --os with --dump-http-traffic: the
#      dump shows sekishod echoing the hostname and base MTU, the TUN takes its X-CSTP-MTU,
#      every request carries the agent and the device-id, and no password or cookie shows.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
. "$(dirname "$0")/client_common.sh"
interop_require_root
command -v certtool >/dev/null || interop_skip "certtool missing"
command -v python3 >/dev/null || interop_skip "python3 missing"
command -v unshare >/dev/null || interop_skip "unshare missing"
getent passwd nobody >/dev/null || interop_skip "no user nobody"

interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
CL_DIR=$(interop_tmpdir)
CL_URL=$GW_URL
gw_setup "$GW_DIR"
sed -i 's/^dpd = 30$/dpd = 4/' "$GW_DIR/sekishod.toml"
gw_start "$GW_DIR"
CA=$GW_DIR/pki/ca.pem
LOGIN=(--cafile "$CA" --user alice --passwd-on-stdin)

wait_gone() {  # PID SECONDS
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# --- 1. --background --pid-file -------------------------------------------------------------
printf 'alicepw\n' >"$CL_DIR/bg.in"
interop_add_log "$CL_DIR/bg.log"
# shellcheck disable=SC2046
ip netns exec "$SK_NS_CL" env $(sk_env) timeout 60 "$SEKISHO" connect --interface sk-bg \
  --non-inter "${LOGIN[@]}" --background --pid-file "$CL_DIR/bg.pid" "$GW_URL" \
  <"$CL_DIR/bg.in" >"$CL_DIR/bg.log" 2>&1 || interop_fail "--background did not return 0"
grep -q 'Continuing in background' "$CL_DIR/bg.log" || interop_fail "no background line"
[ -s "$CL_DIR/bg.pid" ] || interop_fail "--pid-file not written when the command returned"
bg_pid=$(cat "$CL_DIR/bg.pid")
kill -0 "$bg_pid" 2>/dev/null || interop_fail "the pid file names no live process"
ip netns identify "$bg_pid" | grep -qx "$SK_NS_CL" || interop_fail "pid $bg_pid not in our namespace"
[ "$(awk '{ print $6 }' "/proc/$bg_pid/stat")" = "$bg_pid" ] || interop_fail "not a session leader"
[ "$(readlink "/proc/$bg_pid/fd/2")" = /dev/null ] || interop_fail "stderr not on /dev/null"
[ -f "$CL_DIR/run/sekisho/sk-bg.pid" ] || interop_fail "run-dir pid file missing"
ip -n "$SK_NS_CL" -4 addr show dev sk-bg | grep -q inet || interop_fail "sk-bg has no address"
ip netns exec "$SK_NS_CL" ping -c 3 -i 0.2 -W 2 198.18.101.1 >/dev/null ||
  interop_fail "ping through the backgrounded tunnel failed"
kill -TERM "$bg_pid"
wait_gone "$bg_pid" 10 || interop_fail "the backgrounded client ignored SIGTERM"
[ -e "$CL_DIR/bg.pid" ] && interop_fail "--pid-file left behind"
[ -e "$CL_DIR/run/sekisho/sk-bg.pid" ] && interop_fail "run-dir pid file left behind"
ip -n "$SK_NS_CL" link show sk-bg >/dev/null 2>&1 && interop_fail "sk-bg left behind"
interop_wait_for_log "$GW_LOG" 'client logged off' 10 ||
  interop_fail "the gateway did not see the logoff"
echo "background: returned, pid $bg_pid served the tunnel, SIGTERM cleaned up"

# --- 2. --setuid nobody ----------------------------------------------------------------------
nobody_uid=$(id -u nobody)
sk_connect su $'alicepw\n' "${LOGIN[@]}" --setuid nobody
sk_wait_tunnel su
su_pid=$SK_PID
interop_wait_for_log "$SK_LOG" 'Privileges dropped' 10 || interop_fail "no privilege drop"
child=$(pgrep -P "$su_pid" | head -1)
[ -n "$child" ] || interop_fail "no unprivileged child under $su_pid"
grep -Eq "^Uid:\s+$nobody_uid\s+$nobody_uid\s+$nobody_uid\s+$nobody_uid$" "/proc/$child/status" ||
  interop_fail "child $child: $(grep Uid "/proc/$child/status")"
grep -Eq "^Groups:\s+$(id -g nobody)\s*$" "/proc/$child/status" ||
  interop_fail "child $child: $(grep Groups "/proc/$child/status")"
grep -Eq '^Uid:\s+0\s' "/proc/$su_pid/status" || interop_fail "the parent is not root"
# Only the child holds the TLS connection to the gateway (the parent closed its copy).
ip netns exec "$SK_NS_CL" ss -tnpH state established "dst $SK_GW_IP:443" | grep -q "pid=$child," ||
  interop_fail "the child has no connection to the gateway"
ip netns exec "$SK_NS_CL" ss -tnpH state established "dst $SK_GW_IP:443" | grep -q "pid=$su_pid," &&
  interop_fail "the root parent still holds the gateway connection"
ip netns exec "$SK_NS_CL" ping -c 3 -i 0.2 -W 2 198.18.101.1 >/dev/null || interop_fail "su: ping"
sk_reconnect_check su 198.18.101.1
grep -Eq "^Uid:\s+$nobody_uid\s" "/proc/$child/status" || interop_fail "the child changed"
ip -n "$SK_NS_CL" route show | grep -q '198.18.200.0/24 dev sk-su' || interop_fail "su: no route"
sk_stop "$su_pid"
interop_pid_running "$su_pid" && interop_fail "the setuid client did not stop"
grep -q 'Disconnected: logged off' "$SK_LOG" || interop_fail "su: no logoff"
ip -n "$SK_NS_CL" link show sk-su >/dev/null 2>&1 && interop_fail "sk-su left behind"
ip -n "$SK_NS_CL" route show | grep -q '198.18.200.0' && interop_fail "su: route left behind"
[ -e "$CL_DIR/run/sekisho/sk-su.pid" ] && interop_fail "su: run-dir pid file left behind"
echo "setuid: child ran as uid $nobody_uid, reconnected, root parent tore down"

# --- 3. --syslog -----------------------------------------------------------------------------
SYSLOG_SOCK=$CL_DIR/log.sock
SYSLOG_TXT=$CL_DIR/syslog.txt
interop_add_log "$SYSLOG_TXT"
# shellcheck disable=SC2016
interop_bg "$SK_NS_CL" "$CL_DIR/syslogd.log" python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(65536).decode("utf-8", "replace") + "\n")
        out.flush()
' "$SYSLOG_SOCK" "$SYSLOG_TXT"
_sk_poll 5 test -S "$SYSLOG_SOCK" || interop_fail "test syslog socket missing"
# A private mount namespace whose /dev is a tmpfs with the nodes the client needs and /dev/log
# pointing at the test's socket: the host's /dev and syslog are never touched.
printf 'alicepw\n' >"$CL_DIR/sl.in"
SK_LOG=$CL_DIR/sk-sl.log
# shellcheck disable=SC2016,SC2046
interop_bg "$SK_NS_CL" "$SK_LOG" env $(sk_env) unshare -m --propagation private sh -c '
  d=$0
  mkdir -p "$d/olddev" && mount --rbind /dev "$d/olddev" && mount -t tmpfs tmpfs /dev &&
  for n in null zero random urandom tty; do
    touch "/dev/$n" && mount --bind "$d/olddev/$n" "/dev/$n" || exit 97
  done &&
  mkdir /dev/net && touch /dev/net/tun && mount --bind "$d/olddev/net/tun" /dev/net/tun &&
  ln -s "$d/log.sock" /dev/log || exit 97
  exec "$@" <"$d/sl.in"' "$CL_DIR" \
  "$SEKISHO" connect --interface sk-sl --non-inter "${LOGIN[@]}" --syslog -v "$GW_URL"
SK_PID=$SK_LAST_PID
sl_pid=$SK_PID
sk_wait_tunnel sl
grep -q 'Authentication: succeeded' "$SK_LOG" || interop_fail "login lines not on stderr"
ip netns exec "$SK_NS_CL" ping -c 2 -i 0.2 -W 2 198.18.101.1 >/dev/null || interop_fail "sl: ping"
# -v: the info log lines (tunnel counters at the end) go to syslog too.
sk_stop "$sl_pid"
interop_wait_for_log "$SYSLOG_TXT" 'sekisho\[[0-9]+\]: Received SIGINT; logging off' 5 ||
  interop_fail "the signal line is not in syslog"
interop_wait_for_log "$SYSLOG_TXT" 'sekisho\[[0-9]+\]: Disconnected: logged off' 5 ||
  interop_fail "the logoff line is not in syslog"
interop_wait_for_log "$SYSLOG_TXT" '^<30>.*sekisho\[[0-9]+\]: client: tunnel counters' 5 ||
  interop_fail "the info log line is not in syslog as daemon.info (<30>)"
grep -q '^<29>' "$SYSLOG_TXT" || interop_fail "progress lines are not daemon.notice (<29>)"
grep -Eq 'Disconnected: logged off|tunnel counters' "$SK_LOG" &&
  interop_fail "lines after the tunnel came up went to stderr too"
echo "syslog: $(grep -c . "$SYSLOG_TXT") lines on the test's /dev/log"

# --- 4. --reconnect-timeout ------------------------------------------------------------------
sk_connect rt $'alicepw\n' "${LOGIN[@]}" --reconnect-timeout 4
sk_wait_tunnel rt
rt_pid=$SK_PID
# The client's own link goes down: every attempt fails at once (no route), so only the
# budget decides when the client stops.
interop_link_down "$SK_NS_CL" "$SK_IF_CL"
interop_wait_for_log "$SK_LOG" 'Reconnect: link lost' 40 ||
  { interop_link_up "$SK_NS_CL" "$SK_IF_CL"; interop_fail "the client did not notice"; }
lost_at=$(date +%s%N)
wait_gone "$rt_pid" 20 || { interop_link_up "$SK_NS_CL" "$SK_IF_CL"; interop_fail "still trying"; }
gave_up_ms=$((($(date +%s%N) - lost_at) / 1000000))
interop_link_up "$SK_NS_CL" "$SK_IF_CL"
grep -q 'Reconnect: gave up after 4 s' "$SK_LOG" || interop_fail "no give-up line"
[ "$gave_up_ms" -ge 3000 ] && [ "$gave_up_ms" -le 12000 ] ||
  interop_fail "gave up after $gave_up_ms ms, expected about 4000"
echo "reconnect-timeout: gave up $gave_up_ms ms after the link loss"

# --- 5. identity, MTU and dump options as sekishod answers them ------------------------------
# sekishod does not log the agent or device-id, but it echoes X-CSTP-Hostname and the base MTU
# and answers X-CSTP-MTU from the client's values; --dump-http-traffic shows its answers.
sk_connect id $'alicepw\n' "${LOGIN[@]}" --dump-http-traffic --useragent 'TestAgent/2.0' \
  --os mac-intel --local-hostname sk-host-1 --base-mtu 1300 --mtu 1200
sk_wait_tunnel id
id_pid=$SK_PID
grep -q '^< X-CSTP-Hostname: sk-host-1$' "$SK_LOG" || interop_fail "sekishod did not echo the hostname"
grep -q '^< X-CSTP-Base-MTU: 1300$' "$SK_LOG" || interop_fail "sekishod did not echo the base MTU"
gw_mtu=$(grep -Eo '^< X-CSTP-MTU: [0-9]+' "$SK_LOG" | awk '{ print $3 }')
mtu=$(ip -n "$SK_NS_CL" -o link show sk-id | grep -Eo 'mtu [0-9]+' | cut -d' ' -f2)
# Like ocserv, sekishod derives its answer from the base MTU (1300 here; 1500 would give
# more than 1400), not from the X-CSTP-MTU asked for.
[ -n "$gw_mtu" ] && [ "$gw_mtu" -lt 1300 ] || interop_fail "sekishod answered X-CSTP-MTU $gw_mtu"
grep -q '^> X-CSTP-MTU: 1200$' "$SK_LOG" || interop_fail "--mtu not sent"
grep -q '^> X-CSTP-Base-MTU: 1300$' "$SK_LOG" || interop_fail "--base-mtu not sent"
[ "$mtu" = "$gw_mtu" ] || interop_fail "TUN MTU $mtu, sekishod's X-CSTP-MTU $gw_mtu"
[ "$(grep -c '^> User-Agent: ' "$SK_LOG")" = "$(grep -c '^> User-Agent: TestAgent/2.0$' "$SK_LOG")" ] ||
  interop_fail "a request did not carry --useragent"
grep -q '<device-id>mac-intel</device-id>' "$SK_LOG" || interop_fail "no device-id mac-intel"
grep -q '^> CONNECT /CSCOSSLC/tunnel' "$SK_LOG" || interop_fail "CONNECT not dumped"
grep -q '^> Cookie: webvpn=\[redacted\]$' "$SK_LOG" || interop_fail "CONNECT cookie not redacted"
grep -q 'alicepw' "$SK_LOG" && interop_fail "the password is in the dump"
grep -Eq '<session-token>[^[]' "$SK_LOG" && interop_fail "a session token is in the dump"
ip netns exec "$SK_NS_CL" ping -c 2 -i 0.2 -W 2 198.18.101.1 >/dev/null || interop_fail "id: ping"
sk_stop "$id_pid"
echo "identity: sekishod echoed hostname and base MTU, TUN MTU $mtu; dump redacted"
echo "PASS"

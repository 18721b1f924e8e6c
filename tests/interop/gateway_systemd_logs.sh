#!/usr/bin/env bash
# log.target = "syslog" and "journal" without touching the host's logging: sekishod runs in a
# mount namespace of its own (inside the test's network namespace) where /dev/log, or
# /run/systemd/journal/socket, is a Python datagram socket recording what arrives.
#   1. syslog: main's and the workers' lines arrive with facility daemon and their priority
#      (<30> info, <31> debug), identifier sekishod with the PID, the role in the text; a failed
#      login is there, its password is not;
#      nothing goes to stderr;
#   2. journal: native-protocol datagrams with MESSAGE, PRIORITY, SYSLOG_IDENTIFIER and the
#      SEKISHO_* fields; a session's lines carry SEKISHO_SESSION; a password never appears.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
pid_gone() { ! interop_pid_running "$1"; }
stop_client() { if interop_pid_running "$1"; then oc_stop "$1"; fi; }  # may have exited already
interop_require_root
command -v unshare >/dev/null || interop_skip "unshare (util-linux) missing"
command -v openconnect >/dev/null || interop_skip "openconnect missing"

interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
gw_setup "$GW_DIR"
LISTENER=$SEKISHO_SOURCE_DIR/tests/interop/datagram_listener.py

# start_in_private_mounts TARGET SOCKET_PATH RECORD: sekishod with log.target = TARGET, its
# logging socket SOCKET_PATH replaced in a private mount namespace by the listener, which
# appends to RECORD. /dev (or /run/systemd) there is a fresh tmpfs: the host's stays untouched.
start_in_private_mounts() {
  local target=$1 socket=$2 record=$3
  sed "s/^level = \"debug\"/level = \"debug\"\ntarget = \"$target\"/" "$GW_DIR/sekishod.toml" \
    >"$GW_DIR/sekishod-$target.toml"
  GW_LOG=$GW_DIR/sekishod-$target.stderr
  # shellcheck disable=SC2016
  interop_bg "$SK_NS_GW" "$GW_LOG" unshare --mount --propagation private sh -c '
    set -e
    socket=$1 record=$2 listener=$3 keep=$4
    shift 4
    dir=$(dirname "$socket")
    if [ "$dir" = /dev ]; then
      # A tmpfs /dev with the nodes sekishod uses, bound from the original before it is hidden.
      mkdir -p "$keep/dev"
      mount --bind /dev "$keep/dev"
      mount -t tmpfs -o mode=755 sekisho-test-dev /dev
      for node in null zero random urandom; do
        touch "/dev/$node"
        mount --bind "$keep/dev/$node" "/dev/$node"
      done
      mkdir /dev/net
      touch /dev/net/tun
      mount --bind "$keep/dev/net/tun" /dev/net/tun
    else
      mount -t tmpfs -o mode=755 sekisho-test-run "$(dirname "$dir")"
      mkdir -p "$dir"
    fi
    python3 "$listener" "$socket" "$record" &
    i=0
    until grep -q LISTENING "$record" 2>/dev/null; do
      i=$((i + 1))
      [ "$i" -lt 100 ] || { echo "listener did not start" >&2; exit 1; }
      sleep 0.1
    done
    exec "$@"' sh "$socket" "$record" "$LISTENER" "$GW_DIR/mnt-$target" \
    "$SEKISHOD" --config "$GW_DIR/sekishod-$target.toml"
  GW_PID=$SK_LAST_PID
  interop_wait_port "$SK_NS_GW" 443 20 || interop_fail "sekishod ($target) did not listen"
}

stop_gateway() {
  kill -TERM "$GW_PID"
  _sk_poll 10 pid_gone "$GW_PID" || interop_fail "sekishod did not stop"
}

# --- 1. syslog -----------------------------------------------------------------------------------
SYSLOG=$GW_DIR/syslog.record
start_in_private_mounts syslog /dev/log "$SYSLOG"
interop_wait_for_log "$SYSLOG" "<30>.* sekishod\\[$GW_PID\\]: gateway: listening on $SK_GW_IP:443" 10 ||
  interop_fail "main's start line did not reach syslog as daemon.info"
interop_wait_for_log "$SYSLOG" '<30>.* sekishod\[[0-9]+\]: worker 0: .*serving' 10 ||
  interop_fail "the worker's lines did not reach syslog"
GW_PIN=$(grep -Eo 'pin-sha256:[A-Za-z0-9+/=]+' "$SYSLOG" | head -1)
# A wrong password: main's login front logs the failure (never the password).
OC_URL=${GW_URL}eng oc_connect alice $'wrongpw\nwrongpw\nwrongpw\n' --user alice --passwd-on-stdin --no-dtls --non-inter
_sk_poll 20 pid_gone "$OC_PID" || stop_client "$OC_PID"
grep -q '<30>.* sekishod\[[0-9]*\]: auth: .*login failed for user alice' "$SYSLOG" ||
  interop_fail "the failed login is not in syslog"
grep -q '<31>.* sekishod\[[0-9]*\]: worker [01]: conn: .*TLS established' "$SYSLOG" ||
  interop_fail "the worker's debug lines are not in syslog as daemon.debug"
grep -q 'wrongpw' "$SYSLOG" && interop_fail "a password reached syslog"
stop_gateway
grep -q 'shutting down: terminated' "$SYSLOG" || interop_fail "no shutdown line in syslog"
[ ! -s "$GW_LOG" ] || { cat "$GW_LOG"; interop_fail "sekishod wrote to stderr with log.target = syslog"; }
echo "ok: syslog ($(grep -c . "$SYSLOG") datagrams)"

# --- 2. journal ----------------------------------------------------------------------------------
JOURNAL=$GW_DIR/journal.record
start_in_private_mounts journal /run/systemd/journal/socket "$JOURNAL"
# The datagram listener shows the fields of one entry joined by "|".
interop_wait_for_log "$JOURNAL" "MESSAGE=gateway: listening on $SK_GW_IP:443.*\\|PRIORITY=6\\|SYSLOG_IDENTIFIER=sekishod\\|SEKISHO_COMPONENT=gateway" 10 ||
  interop_fail "main's start line did not reach the journal with its fields"
GW_PIN=$(grep -Eo 'pin-sha256:[A-Za-z0-9+/=]+' "$JOURNAL" | head -1)
OC_URL=${GW_URL}eng oc_connect alice $'alicepw\n' --user alice --passwd-on-stdin --no-dtls --non-inter
interop_wait_for_log "$JOURNAL" 'tunnel up: user alice' 20 || interop_fail "no tunnel line in the journal"
grep 'tunnel up: user alice' "$JOURNAL" | grep -q 'SEKISHO_SESSION=[0-9]' ||
  interop_fail "the tunnel's line has no SEKISHO_SESSION field"
stop_client "$OC_PID"
stop_gateway
grep -q 'alicepw' "$JOURNAL" && interop_fail "a password reached the journal"
echo "PASS: log.target syslog and journal, with priorities and fields, nothing to stderr"

#!/usr/bin/env bash
# Secrets at rest and in memory (issue 11, item 5):
#   1. sekishod (and --check-config) refuses a private key or password file that group or
#      others can read, naming the file and the fix;
#   2. no role leaves a core dump or is dumpable: main (cookies), sec-mod (the key) and every
#      worker (session keys) run with "Max core file size 0" and Dumpable 0.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
interop_require_root

interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
gw_setup "$GW_DIR"
CONFIG=$GW_DIR/sekishod.toml

# expect_refusal FILE: sekishod must refuse to start while FILE is readable by others.
expect_refusal() {
  local file=$1 out
  chmod 644 "$file"
  out=$(ip netns exec "$SK_NS_GW" "$SEKISHOD" --check-config --config "$CONFIG" 2>&1) &&
    interop_fail "--check-config accepted $file with mode 644"
  echo "$out"
  grep -qF "$file is accessible by group or others (mode 0644)" <<<"$out" ||
    interop_fail "--check-config does not name $file"
  grep -qF "chmod 600 $file" <<<"$out" || interop_fail "--check-config does not give the fix"
  out=$(ip netns exec "$SK_NS_GW" timeout 10 "$SEKISHOD" --config "$CONFIG" 2>&1) &&
    interop_fail "sekishod started with $file readable by others"
  grep -qF "chmod 600 $file" <<<"$out" || interop_fail "sekishod's refusal does not name $file"
  chmod 600 "$file"
}

# --- 1. key and password file readable by others -------------------------------------------
expect_refusal "$GW_DIR/pki/server-key.pem"
expect_refusal "$GW_DIR/passwd"
ip netns exec "$SK_NS_GW" "$SEKISHOD" --check-config --config "$CONFIG" >/dev/null ||
  interop_fail "--check-config refuses the files at mode 600"

# --- 2. no core dumps in any role ----------------------------------------------------------------
# Start from an unlimited core size, as a shell with `ulimit -c unlimited` would: the limit must
# come down in sekishod itself, not from the environment the test happens to run in.
ulimit -c unlimited
gw_start "$GW_DIR"
interop_wait_for_log "$GW_LOG" 'worker [0-9]+ serving' 10 || interop_fail "no worker serving"
child_pid() {  # REGEX: the PID main logged for that child (last start)
  grep -Eo "$1 started \(pid [0-9]+\)" "$GW_LOG" | tail -1 | grep -Eo '[0-9]+\)$' | tr -d ')'
}
secmod=$(child_pid 'security module')
worker=$(child_pid 'worker 0')
[ -n "$secmod" ] && [ -n "$worker" ] || interop_fail "main did not log its children"
for pid in "$GW_PID" "$secmod" "$worker"; do
  interop_pid_running "$pid" || interop_fail "process $pid is not running"
  core=$(awk '/^Max core file size/ { print $5, $6 }' "/proc/$pid/limits")
  [ "$core" = "0 0" ] || interop_fail "pid $pid: core file size limit is '$core', not 0"
  echo "pid $pid: Max core file size $core"
done
# Dumpable 0 is visible from outside for a process that is not root: the kernel then gives its
# /proc files to root. (For main and sec-mod, which run as root, the unit test
# SandboxTest.ForbidCoreDumpsMakesTheProcessUndumpable covers the call every role makes.)
worker_uid=$(awk '/^Uid:/ { print $2 }' "/proc/$worker/status")
[ "$worker_uid" != 0 ] || interop_fail "worker runs as root"
[ "$(stat -c %u "/proc/$worker/environ")" = 0 ] ||
  interop_fail "worker $worker (uid $worker_uid) is dumpable: its /proc files are its own"
echo "worker $worker (uid $worker_uid): not dumpable"
echo "PASS: secret files refused when others can read them; no core dumps in any role"

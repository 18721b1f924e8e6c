#!/usr/bin/env bash
# Our client's DNS setup on a host without systemd-resolved: /etc/resolv.conf rewritten while
# the tunnel is up and restored after (issue 10, point 1). The client runs with the real path
# /etc/resolv.conf, which in its private mount namespace (the one `ip netns exec` creates) is a
# bind mount of a file of this test; the host's file is never touched.
#   1. full tunnel (sales): only the tunnel's server and search domain; restored byte for byte
#      after SIGINT; the host state file is gone;
#   2. split tunnel (engineering): the tunnel's server first, the host's after, both search
#      lists; restored after SIGTERM, and after SIGHUP;
#   3. SIGKILL leaves the rewritten file and the state file; the next `sekisho connect` undoes
#      them before its own rewrite (its exit then brings back the original, not the dead
#      client's version);
#   4. SIGKILL again, then `sekisho restore` alone restores the file;
#   5. --no-dns leaves the file alone; a symlinked resolv.conf is replaced by a file and
#      recreated as the same symlink.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
. "$(dirname "$0")/client_common.sh"
interop_require_root
command -v certtool >/dev/null || interop_skip "certtool missing"
command -v mount >/dev/null || interop_skip "mount missing"

interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
CL_DIR=$(interop_tmpdir)
CL_URL=$GW_URL
gw_setup "$GW_DIR"
sk_dns_gateway_config "$GW_DIR/sekishod.toml"
gw_start "$GW_DIR"
CA=$GW_DIR/pki/ca.pem

ETC_RESOLV=$CL_DIR/etc-resolv.conf    # what the client sees as /etc/resolv.conf
ORIGINAL=$CL_DIR/original-resolv.conf
printf '# the host'"'"'s own file\nnameserver 198.18.0.1\nsearch home.lan\noptions edns0\n' >"$ORIGINAL"
cp "$ORIGINAL" "$ETC_RESOLV"
STATE_DIR=$CL_DIR/host-state

# sk_dns_connect NAME STDIN_TEXT ARGS...: like sk_connect, but /etc/resolv.conf itself.
sk_dns_connect() {
  local name=$1 input=$2
  shift 2
  printf '%s' "$input" >"$CL_DIR/sk-$name.in"
  SK_LOG=$CL_DIR/sk-$name.log
  interop_bg "$SK_NS_CL" "$SK_LOG" env SEKISHO_CONFIG_DIR="$CL_DIR/cfg" \
    XDG_RUNTIME_DIR="$CL_DIR/run" SEKISHO_HOST_STATE_DIR="$STATE_DIR" \
    sh -c 'mount --bind "$1" /etc/resolv.conf || exit 97; shift; exec "$@" <"$0"' \
    "$CL_DIR/sk-$name.in" "$ETC_RESOLV" \
    "$SEKISHO" connect --interface "sk-$name" --non-inter --cafile "$CA" "$@" "$CL_URL"
  SK_PID=$SK_LAST_PID
}

state_files() { find "$STATE_DIR" -name '*.state' 2>/dev/null | wc -l; }
expect_original() {  # WHEN
  cmp -s "$ORIGINAL" "$ETC_RESOLV" ||
    interop_fail "$1: resolv.conf not restored: $(cat "$ETC_RESOLV")"
  [ "$(state_files)" -eq 0 ] || interop_fail "$1: host state file left behind"
}
wait_gone() {  # PID
  _sk_poll 10 eval '! interop_pid_running '"$1" || interop_fail "pid $1 did not exit"
}

# --- 1. full tunnel, SIGINT --------------------------------------------------------------------
sk_dns_connect full1 $'bobpw\n' --user bob --passwd-on-stdin --authgroup Sales
sk_wait_tunnel full1
interop_wait_for_log "$SK_LOG" 'DNS: /etc/resolv.conf rewritten' 10 || interop_fail "no DNS line"
grep -q 'all names' "$SK_LOG" || interop_fail "full tunnel: not full DNS"
grep -qx 'nameserver 198.18.100.53' "$ETC_RESOLV" || interop_fail "no tunnel server: $(cat "$ETC_RESOLV")"
grep -q '198.18.0.1' "$ETC_RESOLV" && interop_fail "full tunnel kept the host's server"
grep -qx 'search corp.example' "$ETC_RESOLV" || interop_fail "search line: $(cat "$ETC_RESOLV")"
grep -qx 'options edns0' "$ETC_RESOLV" || interop_fail "options line dropped"
[ "$(state_files)" -eq 1 ] || interop_fail "no host state file while the tunnel is up"
sk_stop "$SK_PID"
wait_gone "$SK_PID"
expect_original "after SIGINT"
echo "1. full tunnel: tunnel DNS only, restored after SIGINT"

# --- 2. split tunnel, SIGTERM and SIGHUP -------------------------------------------------------
for signal in TERM HUP; do
  sk_dns_connect "split$signal" $'alicepw\n' --user alice --passwd-on-stdin
  sk_wait_tunnel "split$signal"
  interop_wait_for_log "$SK_LOG" 'DNS: /etc/resolv.conf rewritten' 10 || interop_fail "no DNS line"
  grep -q 'split DNS' "$SK_LOG" || interop_fail "split tunnel: not split DNS"
  [ "$(grep '^nameserver' "$ETC_RESOLV" | tr '\n' ' ')" = \
    "nameserver 198.18.100.53 nameserver 198.18.0.1 " ] ||
    interop_fail "split servers: $(cat "$ETC_RESOLV")"
  grep -qx 'search corp.example home.lan' "$ETC_RESOLV" ||
    interop_fail "split search: $(cat "$ETC_RESOLV")"
  kill -"$signal" "$SK_PID"
  wait_gone "$SK_PID"
  expect_original "after SIG$signal"
done
echo "2. split tunnel: tunnel server first, restored after SIGTERM and SIGHUP"

# --- 3. SIGKILL, then the next start -------------------------------------------------------------
sk_dns_connect kill1 $'bobpw\n' --user bob --passwd-on-stdin --authgroup Sales
sk_wait_tunnel kill1
interop_wait_for_log "$SK_LOG" 'DNS: /etc/resolv.conf rewritten' 10 || interop_fail "no DNS line"
kill -KILL "$SK_PID"
wait_gone "$SK_PID"
grep -qx 'nameserver 198.18.100.53' "$ETC_RESOLV" || interop_fail "SIGKILL: file not rewritten?"
[ "$(state_files)" -eq 1 ] || interop_fail "SIGKILL: no state file to recover from"
sk_dns_connect next1 $'bobpw\n' --user bob --passwd-on-stdin --authgroup Sales
sk_wait_tunnel next1
grep -q 'undoing what a dead client' "$SK_LOG" || interop_fail "the next start did not recover"
interop_wait_for_log "$SK_LOG" 'DNS: /etc/resolv.conf rewritten' 10 || interop_fail "no DNS line"
sk_stop "$SK_PID"
wait_gone "$SK_PID"
expect_original "after SIGKILL + next start"
echo "3. SIGKILL: the next start restored resolv.conf before its own rewrite"

# --- 4. SIGKILL, then `sekisho restore` ---------------------------------------------------------
sk_dns_connect kill2 $'bobpw\n' --user bob --passwd-on-stdin --authgroup Sales
sk_wait_tunnel kill2
interop_wait_for_log "$SK_LOG" 'DNS: /etc/resolv.conf rewritten' 10 || interop_fail "no DNS line"
kill -KILL "$SK_PID"
wait_gone "$SK_PID"
cmp -s "$ORIGINAL" "$ETC_RESOLV" && interop_fail "SIGKILL: file already restored?"
ip netns exec "$SK_NS_CL" env SEKISHO_HOST_STATE_DIR="$STATE_DIR" \
  sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$ETC_RESOLV" \
  timeout 30 "$SEKISHO" restore >"$CL_DIR/restore.log" 2>&1 || interop_fail "sekisho restore failed"
grep -q '1 stale host state' "$CL_DIR/restore.log" || interop_fail "restore: $(cat "$CL_DIR/restore.log")"
expect_original "after sekisho restore"
echo "4. SIGKILL: sekisho restore restored resolv.conf"

# --- 5. --no-dns; a symlinked resolv.conf ---------------------------------------------------------
sk_dns_connect nodns $'bobpw\n' --user bob --passwd-on-stdin --authgroup Sales --no-dns
sk_wait_tunnel nodns
cmp -s "$ORIGINAL" "$ETC_RESOLV" || interop_fail "--no-dns changed resolv.conf"
sk_stop "$SK_PID"
wait_gone "$SK_PID"

# sk_connect points the client at $CL_DIR/resolv.conf (SEKISHO_RESOLV_CONF): make it a symlink
# into another program's directory, as resolvconf or NetworkManager do.
mkdir -p "$CL_DIR/managed"
cp "$ORIGINAL" "$CL_DIR/managed/resolv.conf"
ln -s managed/resolv.conf "$CL_DIR/resolv.conf"
sk_connect link $'bobpw\n' --cafile "$CA" --user bob --passwd-on-stdin --authgroup Sales
sk_wait_tunnel link
interop_wait_for_log "$SK_LOG" "DNS: $CL_DIR/resolv.conf rewritten" 10 || interop_fail "no DNS line"
[ -L "$CL_DIR/resolv.conf" ] && interop_fail "symlink: written through, not replaced"
grep -qx 'nameserver 198.18.100.53' "$CL_DIR/resolv.conf" || interop_fail "symlink: not rewritten"
cmp -s "$ORIGINAL" "$CL_DIR/managed/resolv.conf" || interop_fail "symlink: the target was changed"
sk_stop "$SK_PID"
wait_gone "$SK_PID"
[ "$(readlink "$CL_DIR/resolv.conf")" = managed/resolv.conf ] ||
  interop_fail "symlink not recreated: $(ls -l "$CL_DIR/resolv.conf")"
cmp -s "$ORIGINAL" "$CL_DIR/managed/resolv.conf" || interop_fail "symlink: target changed"
[ "$(state_files)" -eq 0 ] || interop_fail "symlink: state file left behind"
echo "5. --no-dns leaves resolv.conf alone; a symlink is replaced and recreated"
echo "PASS"

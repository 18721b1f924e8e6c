#!/usr/bin/env bash
# sekishoctl against a real sekishod with Debian's openconnect as the client:
#   1. alice holds two sessions (one from a --cookieonly cookie): `show user alice` and
#      `show sessions --user alice` list both, not bob's;
#   2. `terminate user alice` ends both (the openconnect processes exit) and invalidates the
#      cookies: reconnecting with the old cookie is refused; bob's session stays;
#   3. `terminate session ID` (and the `disconnect` alias) end one session;
#   4. `reload` reloads the unchanged configuration (ok, with the gateway's summary line), and a
#      broken configuration is refused with the reason while the gateway keeps serving;
#   5. every command's --json output validates against its schema in docs/protocol/ctl.md.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
interop_require_root
command -v openconnect >/dev/null || interop_skip "openconnect missing"
command -v python3 >/dev/null || interop_skip "python3 missing"

interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
gw_setup "$GW_DIR"
gw_start "$GW_DIR"
DOC=$SEKISHO_SOURCE_DIR/docs/protocol/ctl.md
CHECK=$SEKISHO_SOURCE_DIR/tests/interop/ctl_json_schema.py

# schema NAME ARGS...: runs `sekishoctl ARGS --json` and validates its stdout against schema
# NAME; prints the JSON; the command's exit code is ignored (some answers are not-found).
schema() {
  local name=$1 out
  shift
  out=$(gw_ctl "$@" --json) || true
  printf '%s' "$out" | python3 "$CHECK" "$DOC" "$name" >&2 ||
    interop_fail "sekishoctl $* --json does not match schema '$name'"
  printf '%s' "$out"
}
count_sessions() {  # JSON on stdin -> number of sessions
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)["sessions"]))'
}
wait_tunnel() {  # IFNAME PID
  local i
  for i in $(seq 1 150); do
    ip -n "$SK_NS_CL" -4 addr show dev "$1" 2>/dev/null | grep -q inet && return 0
    interop_pid_running "$2" || interop_fail "openconnect for $1 exited: $(tail -3 "$OC_LOG")"
    sleep 0.1
  done
  interop_fail "tunnel $1 did not come up"
}
wait_exit() {  # PID WHAT
  local i
  for i in $(seq 1 100); do
    interop_pid_running "$1" || return 0
    sleep 0.1
  done
  interop_fail "$2 still running"
}

# --- 1. two sessions of alice, one of bob ------------------------------------------------------
cookie=$(printf 'alicepw\n' | ip netns exec "$SK_NS_CL" timeout 20 openconnect --cookieonly \
  --user alice --passwd-on-stdin --non-inter --servercert "$GW_PIN" "${GW_URL}eng" 2>/dev/null)
[ -n "$cookie" ] || interop_fail "--cookieonly printed no cookie"
oc_connect alice1 "$cookie"$'\n' --cookie-on-stdin --no-dtls --non-inter
alice1=$OC_PID
wait_tunnel oc-alice1 "$alice1"
OC_URL=${GW_URL}eng oc_connect alice2 $'alicepw\n' --user alice --passwd-on-stdin --no-dtls --non-inter
alice2=$OC_PID
wait_tunnel oc-alice2 "$alice2"
oc_connect bob $'bobpw\n' --user bob --passwd-on-stdin --no-dtls --non-inter --authgroup Sales
bob=$OC_PID
wait_tunnel oc-bob "$bob"

schema "show status" show status >/dev/null
[ "$(schema "show sessions" show sessions | count_sessions)" = 3 ] || interop_fail "not 3 sessions"
[ "$(schema "show sessions" show user alice | count_sessions)" = 2 ] ||
  interop_fail "show user alice: not 2 sessions"
[ "$(schema "show sessions" show sessions --user alice | count_sessions)" = 2 ] ||
  interop_fail "show sessions --user alice: not 2 sessions"
schema "show sessions" show user alice | grep -q '"user":"bob"' && interop_fail "bob listed for alice"
[ "$(schema "show sessions" show user nobody | count_sessions)" = 0 ] ||
  interop_fail "sessions for a user without any"
gw_ctl show user alice | grep -q 'alice' || interop_fail "text output of show user"

# --- 2. terminate user ------------------------------------------------------------------------
out=$(schema "terminate user" terminate user alice)
[ "$out" = '{"result":"ok","user":"alice","sessions_ended":2}' ] || interop_fail "terminate: $out"
wait_exit "$alice1" "alice's cookie session"
wait_exit "$alice2" "alice's second session"
grep -q 'administrator terminated user alice: 2 session(s) ended' "$GW_LOG" ||
  interop_fail "no log line for terminate user"
[ "$(schema "show sessions" show user alice | count_sessions)" = 0 ] || interop_fail "alice left"
[ "$(gw_ctl show sessions --json | count_sessions)" = 1 ] || interop_fail "bob's session ended too"
interop_pid_running "$bob" || interop_fail "bob's openconnect exited"
# The old cookie is refused: openconnect gives up without a tunnel.
! printf '%s\n' "$cookie" | ip netns exec "$SK_NS_CL" timeout 20 openconnect --cookie-on-stdin \
  --no-dtls --non-inter --servercert "$GW_PIN" --script /bin/true --interface oc-stale "$GW_URL" \
  >"$GW_DIR/stale-cookie.log" 2>&1 || interop_fail "a terminated user's cookie still connects"
ip -n "$SK_NS_CL" link show oc-stale >/dev/null 2>&1 && interop_fail "tunnel with a stale cookie"
grep -q 'Cookie was rejected by server' "$GW_DIR/stale-cookie.log" ||
  interop_fail "the stale cookie failed for another reason: $(tail -3 "$GW_DIR/stale-cookie.log")"
grep -q 'CONNECT refused (401 Cookie is not acceptable)' "$GW_LOG" ||
  interop_fail "the gateway did not refuse the stale cookie"
[ "$(gw_ctl show sessions --json | count_sessions)" = 1 ] || interop_fail "stale cookie made a session"
out=$(schema "terminate user" terminate user alice)
[ "$out" = '{"result":"not-found","user":"alice","sessions_ended":0}' ] ||
  interop_fail "second terminate: $out"
! gw_ctl terminate user alice 2>/dev/null || interop_fail "terminate of no session exited 0"

# --- 3. terminate session / disconnect --------------------------------------------------------
bob_id=$(gw_ctl show user bob --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["sessions"][0]["id"])')
out=$(schema "terminate session" terminate session "$bob_id")
[ "$out" = "{\"result\":\"ok\",\"session_id\":$bob_id}" ] || interop_fail "terminate session: $out"
wait_exit "$bob" "bob's session"
out=$(schema "terminate session" disconnect "$bob_id")
[ "$out" = "{\"result\":\"not-found\",\"session_id\":$bob_id}" ] || interop_fail "disconnect: $out"

# --- 4. reload ----------------------------------------------------------------------------------
out=$(schema reload reload)
case "$out" in
  *'"result":"ok","message":"reload 1 applied'*) ;;
  *) interop_fail "reload: $out" ;;
esac
echo "reload: $out"
cp "$GW_DIR/sekishod.toml" "$GW_DIR/sekishod.toml.good"
printf '\n[tunnel]\nno_such_key = 1\n' >>"$GW_DIR/sekishod.toml"
out=$(gw_ctl reload --json) && interop_fail "a broken configuration was reloaded: $out"
case "$out" in
  *'"result":"internal"'*'reload refused'*) ;;
  *) interop_fail "broken reload: $out" ;;
esac
mv "$GW_DIR/sekishod.toml.good" "$GW_DIR/sekishod.toml"
gw_ctl show status >/dev/null || interop_fail "the gateway stopped answering after a refused reload"

# --- 5. the remaining commands' JSON ----------------------------------------------------------
schema bans bans >/dev/null
out=$(schema unban unban 198.18.0.77)
[ "$out" = '{"result":"not-found","scope":"address","key":"198.18.0.77"}' ] || interop_fail "unban: $out"
schema unban unban --user nobody >/dev/null
# The checker itself rejects output that breaks a schema (so the checks above can fail).
! printf '{"sessions":[{"id":"1"}]}' | python3 "$CHECK" "$DOC" "show sessions" 2>/dev/null ||
  interop_fail "the schema checker accepted a bad document"
! printf '{"result":"ok","user":"a","sessions_ended":1,"extra":1}' |
  python3 "$CHECK" "$DOC" "terminate user" 2>/dev/null || interop_fail "extra key accepted"
echo "PASS: sekishoctl commands and JSON schemas"

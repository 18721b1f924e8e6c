#!/usr/bin/env bash
# Login throttling that holds (issue 11, item 2) and log hygiene (item 5), with real openconnect:
#   1. wrong passwords for alice from the client namespace until the gateway blocks her;
#   2. `sekishoctl bans` (text and JSON) shows the block;
#   3. carol logs in successfully from the same address, and alice stays blocked (a success
#      clears only that user's record, never someone else's);
#   4. `sekishoctl unban --user alice` lifts it and alice logs in;
#   5. a user name carrying a newline and a forged log line is logged escaped, on one line.
# The thresholds are set so that alice's user record blocks before the address record does
# (user_max_failures 3, max_failures 20): the address stays usable for carol.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
interop_require_root
command -v openconnect >/dev/null || interop_skip "openconnect missing"
command -v python3 >/dev/null || interop_skip "python3 missing"

interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
gw_setup "$GW_DIR"
cat >>"$GW_DIR/sekishod.toml" <<'TOML'

[auth.throttle]
max_failures = 20
user_max_failures = 3
window = 300
backoff = 120
max_backoff = 120
TOML
gw_start "$GW_DIR"

# oc_auth USER PASSWORD: one login to the group URL (no group prompt); exit status of openconnect.
oc_auth() {
  printf '%s\n' "$2" | ip netns exec "$SK_NS_CL" timeout 20 openconnect --authenticate \
    --user "$1" --passwd-on-stdin --non-inter --servercert "$GW_PIN" "${GW_URL}eng" \
    >"$GW_DIR/auth-$1.out" 2>&1
}

# --- 1. guessing alice's password blocks her ------------------------------------------------
for attempt in 1 2 3 4 5; do
  ! oc_auth alice "guess$attempt" || interop_fail "a wrong password was accepted"
  grep -q 'user alice; user blocked' "$GW_LOG" && break
done
interop_wait_for_log "$GW_LOG" 'too many failed logins for user alice; user blocked for 120 s' 5 ||
  interop_fail "alice was not blocked after $attempt wrong passwords"
echo "alice blocked after $attempt wrong passwords"
! oc_auth alice alicepw || interop_fail "blocked alice logged in with the right password"
grep -q 'login for alice refused: too many failures' "$GW_LOG" ||
  interop_fail "no log line for the refused attempt"

# --- 2. sekishoctl bans -----------------------------------------------------------------------
bans=$(gw_ctl bans)
echo "$bans"
echo "$bans" | grep -Eq '^user +alice +[0-9]+ +[0-9]+m[0-9]+s' || interop_fail "bans lacks alice"
gw_ctl bans --json | python3 -c '
import json, sys
bans = json.load(sys.stdin)["bans"]
alice = [b for b in bans if b["scope"] == "user" and b["key"] == "alice"]
assert alice and alice[0]["failures"] >= 3 and 0 < alice[0]["seconds_left"] <= 120, bans
assert not [b for b in bans if b["scope"] == "address"], bans' ||
  interop_fail "bans --json does not show alice alone"

# --- 3. another user's success from the same address does not unblock alice --------------------
oc_auth carol carolpw || interop_fail "carol could not log in: $(cat "$GW_DIR/auth-carol.out")"
grep -q 'COOKIE=' "$GW_DIR/auth-carol.out" || interop_fail "no cookie for carol"
! oc_auth alice alicepw || interop_fail "carol's login lifted alice's block"
gw_ctl bans | grep -Eq '^user +alice ' || interop_fail "alice left the ban list"

# --- 4. sekishoctl unban lifts it -------------------------------------------------------------
gw_ctl unban --user alice | grep -q 'user alice unbanned' || interop_fail "unban failed"
! gw_ctl unban --user alice 2>/dev/null || interop_fail "a second unban found a record"
grep -q 'administrator lifts the login block on user alice' "$GW_LOG" ||
  interop_fail "no log line for the unban"
oc_auth alice alicepw || interop_fail "alice cannot log in after unban: $(cat "$GW_DIR/auth-alice.out")"
[ "$(gw_ctl bans)" = "no bans" ] || interop_fail "ban list not empty after unban"

# --- 5. a forged log line in the user name is logged escaped -----------------------------------
forged='mallory
2026-12-02 12:00:00.000 [info] [auth] 198.18.0.9: user root logged in to group engineering'
# One auth-reply POST, as openconnect would send it, but with a user name no client would type.
ip netns exec "$SK_NS_CL" timeout 10 python3 - "$SK_GW_IP" "$forged" <<'PY' || true
import http.client, ssl, sys
body = ('<?xml version="1.0" encoding="UTF-8"?>\n<config-auth client="vpn" type="auth-reply" '
        'aggregate-auth-version="2"><version who="vpn">test</version><auth><username>%s'
        '</username><password>p</password></auth></config-auth>' % sys.argv[2])
conn = http.client.HTTPSConnection(sys.argv[1], 443, timeout=5,
                                   context=ssl._create_unverified_context())
conn.request("POST", "/eng", body.encode(), {"X-Aggregate-Auth": "1", "X-Transcend-Version": "1"})
conn.getresponse().read()
PY
interop_wait_for_log "$GW_LOG" 'login failed for user mallory\\x0a2026-12-02' 5 ||
  interop_fail "the forged name was not logged escaped"
grep -F 'user mallory\x0a2026-12-02 12:00:00.000 [info] [auth] 198.18.0.9: user' "$GW_LOG" |
  head -1
! grep -q '^2026-12-02 12:00:00.000 \[info\] \[auth\] 198.18.0.9: user root' "$GW_LOG" ||
  interop_fail "the forged line reached the log as a line of its own"
! grep -q 'user root logged in to group engineering$' "$GW_LOG" ||
  interop_fail "the forged text ended a log line: it was not escaped"
interop_pid_running "$GW_PID" || interop_fail "sekishod died"
echo "PASS: per-user throttle holds against another user's success; bans/unban; escaped names"

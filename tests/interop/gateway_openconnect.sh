#!/usr/bin/env bash
# Debian's openconnect 9.01 against sekishod, inside two namespaces this test creates
# (issue 2, "what it must show" 2 and 3):
#   1. password login to the default group with --servercert pinning and --no-dtls;
#      ping and a bounded iperf3 run through the tunnel; the profile is announced;
#   2. --authgroup "Sales Team – EMEA" (the group's label, with spaces): the sales pool and its
#      split route;
#   3. a wrong password is refused and openconnect re-prompts (then logs in);
#   4. --cookieonly, then --cookie-on-stdin reuses the same session; after the client vanishes
#      (SIGKILL) the cookie reconnects to the same address without a new login;
#   5. sekishoctl disconnect ends a session and its address returns to the pool;
#   6. client-certificate login with --certificate/--sslkey;
#   7. a legacy (non-aggregate-auth) client: openconnect --no-xmlpost;
#   8. an RSA server certificate with TLS 1.2 (the others use ECDSA and TLS 1.3).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
interop_require_root
command -v openconnect >/dev/null || interop_skip "openconnect missing"
command -v iperf3 >/dev/null || interop_skip "iperf3 missing"

interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
gw_setup "$GW_DIR"
gw_start "$GW_DIR"
echo "gateway up, pin $GW_PIN"


session_field() {  # USER FIELD: a field of the user's session from `sekishoctl --json`
  gw_ctl show sessions --json | python3 -c '
import json, sys
user, field = sys.argv[1], sys.argv[2]
for s in json.load(sys.stdin)["sessions"]:
    if s["user"] == user:
        print(s[field]); break' "$1" "$2"
}

# --- 1. default group, password, ping + iperf3 ------------------------------------------------
# -x: openconnect downloads the announced profile when its local copy differs (§4.1).
echo '<AnyConnectProfile/>' >"$GW_DIR/alice-profile.xml"
# The group URL /eng selects the group, so no --authgroup is needed.
OC_URL=${GW_URL}eng oc_connect alice $'alicepw\n' --user alice --passwd-on-stdin --no-dtls --non-inter \
  --xmlconfig "$GW_DIR/alice-profile.xml"
wait_tunnel oc-alice
grep -q 'INTERNAL_IP4_ADDRESS=198.18.101.' "$GW_DIR/oc-alice.env" ||
  interop_fail "alice did not get an engineering address"
grep -q 'CISCO_SPLIT_INC_0_ADDR=198.18.200.0' "$GW_DIR/oc-alice.env" ||
  interop_fail "engineering split route missing"
grep -q 'CISCO_BANNER=sekisho interop test' "$GW_DIR/oc-alice.env" || interop_fail "banner missing"
ip netns exec "$SK_NS_CL" ping -c 3 -i 0.2 -W 2 198.18.101.1 ||
  interop_fail "ping through the tunnel failed"
interop_bg "$SK_NS_GW" "$GW_DIR/iperf3-server.log" iperf3 -s -B 198.18.101.1 -1
interop_wait_port "$SK_NS_GW" 5201 5 || interop_fail "iperf3 server did not start"
ip netns exec "$SK_NS_CL" timeout 20 iperf3 -c 198.18.101.1 -t 2 -f m >"$GW_DIR/iperf3.log" 2>&1 ||
  interop_fail "iperf3 through the tunnel failed: $(tail -3 "$GW_DIR/iperf3.log")"
grep -E 'receiver' "$GW_DIR/iperf3.log" | tail -1
[ "$(session_field alice group)" = engineering ] || interop_fail "sekishoctl: wrong group"
cmp -s "$GW_DIR/alice-profile.xml" "$GW_DIR/eng.xml" ||
  interop_fail "the engineering profile was not downloaded by openconnect -x"
alice_pid=$OC_PID

# --- 2. --authgroup by label ----------------------------------------------------------------
oc_connect bob $'bobpw\n' --user bob --passwd-on-stdin --no-dtls --non-inter \
  --authgroup "Sales Team – EMEA"
wait_tunnel oc-bob
grep -q 'INTERNAL_IP4_ADDRESS=198.18.102.' "$GW_DIR/oc-bob.env" ||
  interop_fail "bob did not get a sales address"
grep -q 'CISCO_SPLIT_INC_0_ADDR=198.18.201.0' "$GW_DIR/oc-bob.env" || interop_fail "sales route"
# Per-group DNS domain, split DNS and split-exclude reach openconnect's script.
grep -q 'CISCO_SPLIT_EXC_0_ADDR=198.18.201.128' "$GW_DIR/oc-bob.env" || interop_fail "sales exclusion"
grep -q 'CISCO_DEF_DOMAIN=sales.example' "$GW_DIR/oc-bob.env" || interop_fail "sales domain"
grep -q 'CISCO_SPLIT_DNS=sales.example' "$GW_DIR/oc-bob.env" || interop_fail "sales split DNS"
ip netns exec "$SK_NS_CL" ping -c 2 -i 0.2 -W 2 198.18.102.1 || interop_fail "bob's ping failed"
[ "$(session_field bob group)" = sales ] || interop_fail "sekishoctl: bob not in sales"
bob_pid=$OC_PID

# --- 3. wrong password, then the right one at the re-prompt --------------------------------
oc_connect carol $'wrongpw\ncarolpw\n' --user carol --passwd-on-stdin --no-dtls --authgroup eng
wait_tunnel oc-carol
grep -q 'Login failed' "$OC_LOG" || interop_fail "openconnect was not told the login failed"
grep -q 'login failed for user carol' "$GW_LOG" || interop_fail "gateway did not log the failure"
oc_stop "$OC_PID"

# --- 4. --cookieonly then --cookie-on-stdin ------------------------------------------------
cookie=$(printf 'carolpw\n' | ip netns exec "$SK_NS_CL" timeout 20 openconnect --cookieonly \
  --user carol --passwd-on-stdin --non-inter --authgroup eng --servercert "$GW_PIN" "$GW_URL" \
  2>/dev/null)
[ -n "$cookie" ] || interop_fail "--cookieonly printed no cookie"
sessions_before=$(gw_ctl show sessions --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["sessions"]))')
oc_connect cookie "$cookie"$'\n' --cookie-on-stdin --no-dtls --non-inter
wait_tunnel oc-cookie
sessions_after=$(gw_ctl show sessions --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["sessions"]))')
[ "$sessions_before" = "$sessions_after" ] || interop_fail "the cookie made a new session"
ip netns exec "$SK_NS_CL" ping -c 2 -i 0.2 -W 2 198.18.100.1 >/dev/null ||
  ip netns exec "$SK_NS_CL" ping -c 2 -i 0.2 -W 2 198.18.101.1 >/dev/null ||
  interop_fail "ping over the cookie session failed"
# A client that vanishes without DISCONNECT (SIGKILL) comes back with the same cookie within the
# disconnected timeout: same session, same address, no new login (§11.1).
cookie_address=$(grep -Eo 'INTERNAL_IP4_ADDRESS=[0-9.]+' "$GW_DIR/oc-cookie.env" | head -1)
kill -KILL "$OC_PID"
interop_wait_for_log "$GW_LOG" 'tunnel closed: peer closed' 10 ||
  interop_fail "gateway did not notice the vanished client"
oc_connect cookie2 "$cookie"$'\n' --cookie-on-stdin --no-dtls --non-inter
wait_tunnel oc-cookie2
grep -q "$cookie_address\$" "$GW_DIR/oc-cookie2.env" ||
  interop_fail "reconnect with the cookie got another address (wanted $cookie_address)"
cookie_pid=$OC_PID

# --- 5. sekishoctl disconnect ------------------------------------------------------------
used_before=$(gw_ctl show status --json | python3 -c 'import json,sys; print(sum(p["used"] for p in json.load(sys.stdin)["pools"]))')
bob_id=$(session_field bob id)
gw_ctl disconnect "$bob_id" || interop_fail "sekishoctl disconnect failed"
for i in $(seq 1 50); do interop_pid_running "$bob_pid" || break; sleep 0.1; done
interop_pid_running "$bob_pid" && interop_fail "openconnect did not exit after the disconnect"
used_after=$(gw_ctl show status --json | python3 -c 'import json,sys; print(sum(p["used"] for p in json.load(sys.stdin)["pools"]))')
[ "$used_after" -eq $((used_before - 1)) ] ||
  interop_fail "address not returned to the pool ($used_before -> $used_after)"
[ -z "$(session_field bob id)" ] || interop_fail "bob's session survived the disconnect"

# --- 6. client certificate -------------------------------------------------------------------
OC_URL=${GW_URL}eng oc_connect cert '' --certificate "$GW_DIR/pki/client.pem" --sslkey "$GW_DIR/pki/client-key.pem" \
  --no-dtls --non-inter
wait_tunnel oc-cert
grep -q 'by certificate' "$GW_LOG" || interop_fail "no certificate login in the gateway log"
ip netns exec "$SK_NS_CL" ping -c 2 -i 0.2 -W 2 198.18.101.1 >/dev/null ||
  interop_fail "ping over the certificate session failed"

oc_stop "$OC_PID"
oc_stop "$cookie_pid"
oc_stop "$alice_pid"
grep -q 'client logged off' "$GW_LOG" || interop_fail "gateway did not see the log-off"

# --- 7. a client without aggregate-auth version 2 (legacy form login, §3.11) ----------------
OC_URL=${GW_URL}eng oc_connect legacy $'alicepw\n' --user alice --passwd-on-stdin --no-dtls \
  --non-inter --no-xmlpost
wait_tunnel oc-legacy
grep -q 'XML POST enabled' "$OC_LOG" && interop_fail "openconnect used XML POST despite --no-xmlpost"
ip netns exec "$SK_NS_CL" ping -c 2 -i 0.2 -W 2 198.18.101.1 >/dev/null ||
  interop_fail "ping over the legacy-login session failed"
oc_stop "$OC_PID"

# --- 8. the same gateway with an RSA certificate and TLS 1.3 switched off --------------
kill -TERM "$GW_PID"
for i in $(seq 1 50); do interop_pid_running "$GW_PID" || break; sleep 0.1; done
sed -i 's#pki/server.pem#pki/server-rsa.pem#; s#pki/server-key.pem#pki/server-rsa-key.pem#;
        s#^\[tls\]#[tls]\nallow_tls13 = false#' "$GW_DIR/sekishod.toml"
gw_start "$GW_DIR"
OC_URL=${GW_URL}eng oc_connect rsa $'alicepw\n' --user alice --passwd-on-stdin --no-dtls \
  --non-inter
wait_tunnel oc-rsa
grep -Eq 'TLS1.2.*RSA' "$OC_LOG" || interop_fail "expected a TLS 1.2 RSA session"
ip netns exec "$SK_NS_CL" ping -c 2 -i 0.2 -W 2 198.18.101.1 >/dev/null ||
  interop_fail "ping with the RSA certificate failed"
oc_stop "$OC_PID"
echo "PASS: openconnect interop with sekishod"

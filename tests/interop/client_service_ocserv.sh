#!/usr/bin/env bash
# `sekisho connect`'s openconnect-compatible identity, MTU and dump options, as Debian's
# ocserv 1.1.6 sees them (issue 10, point 4). ocserv runs with -d 8, which logs every request
# header (at this level the cookie and master secret uncensored) and body, and a connect and
# host-update script that records its environment:
#   1. --useragent, --os win, --local-hostname, --mtu 1234, --base-mtu 1300 (--no-dtls): ocserv
#      logs the User-Agent, <device-id>win</device-id>, X-CSTP-Hostname, X-CSTP-Base-MTU and
#      X-CSTP-MTU; its script sees USER_AGENT and REMOTE_HOSTNAME; the TUN MTU is the one
#      ocserv derived from the base MTU;
#   2. --dump-http-traffic (with DTLS): the dump shows the login, the downloader and CONNECT
#      exchanges but neither the password, nor the webvpn cookie, nor the DTLS master secret
#      (their values taken from ocserv's own log), nor the session token.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ocserv_common.sh"
. "$(dirname "$0")/client_common.sh"
interop_require_root
command -v certtool >/dev/null || interop_skip "certtool missing"
[ -x "$SEKISHO" ] || interop_fail "sekisho not built at $SEKISHO"

interop_setup_two_hosts
OCS_DIR=$(interop_tmpdir)
CL_DIR=$(interop_tmpdir)
CL_URL=$OCS_URL
ocs_setup "$OCS_DIR" password
SCRIPT_ENV=$OCS_DIR/script.env
cat >"$OCS_DIR/record.sh" <<'SH'
#!/bin/sh
env | grep -E '^(REASON|USER_AGENT|REMOTE_HOSTNAME)=' >>"$SK_RECORD"
SH
chmod +x "$OCS_DIR/record.sh"
printf 'connect-script = %s\nhost-update-script = %s\n' "$OCS_DIR/record.sh" "$OCS_DIR/record.sh" \
  >>"$OCS_DIR/ocserv.conf"
OCS_LOG=$OCS_DIR/ocserv.log
interop_bg "$SK_NS_GW" "$OCS_LOG" env SK_RECORD="$SCRIPT_ENV" ocserv -f -d 8 -c "$OCS_DIR/ocserv.conf"
OCS_PID=$SK_LAST_PID
interop_wait_port "$SK_NS_GW" 443 15 || interop_fail "ocserv did not listen"
CA=$OCS_DIR/pki/ca.pem
LOGIN=(--cafile "$CA" --user alice --passwd-on-stdin --authgroup sales)

# --- 1. identity and MTU options -------------------------------------------------------------
sk_connect id $'alicepw\n' "${LOGIN[@]}" --no-dtls --useragent 'TestAgent/1.0 (sekisho)' \
  --os win --local-hostname myhost-x --mtu 1234 --base-mtu 1300
sk_wait_tunnel id
id_pid=$SK_PID
grep -q "User-agent: 'TestAgent/1.0 (sekisho)'" "$OCS_LOG" || interop_fail "ocserv saw no User-Agent"
grep -q 'User-agent: .Open AnyConnect' "$OCS_LOG" && interop_fail "a request kept the default agent"
grep -q '<device-id>win</device-id>' "$OCS_LOG" || interop_fail "ocserv saw no device-id win"
grep -q '<device-id>linux-64</device-id>' "$OCS_LOG" && interop_fail "a document kept linux-64"
grep -q 'HTTP processing: X-CSTP-Hostname: myhost-x' "$OCS_LOG" || interop_fail "no X-CSTP-Hostname"
grep -q 'HTTP processing: X-CSTP-Base-MTU: 1300' "$OCS_LOG" || interop_fail "no X-CSTP-Base-MTU 1300"
grep -q 'HTTP processing: X-CSTP-MTU: 1234' "$OCS_LOG" || interop_fail "no X-CSTP-MTU 1234"
grep -q 'X-AnyConnect-Platform' "$OCS_LOG" && interop_fail "X-AnyConnect-Platform sent"
interop_wait_for_log "$SCRIPT_ENV" '^REMOTE_HOSTNAME=myhost-x$' 5 || interop_fail "script: hostname"
grep -qx 'USER_AGENT=TestAgent/1.0 (sekisho)' "$SCRIPT_ENV" || interop_fail "script: agent"
# Without DTLS ocserv derives the data MTU from the base MTU (1300 minus its TLS overhead), not
# from X-CSTP-MTU; the TUN takes the gateway's answer, which the default base (1500) would put
# at 1434.
mtu=$(ip -n "$SK_NS_CL" -o link show sk-id | grep -Eo 'mtu [0-9]+' | cut -d' ' -f2)
gw_mtu=$(grep -Eo 'setting data MTU to [0-9]+' "$OCS_LOG" | tail -1 | awk '{ print $5 }')
[ -n "$gw_mtu" ] && [ "$mtu" = "$gw_mtu" ] || interop_fail "TUN MTU $mtu, ocserv's $gw_mtu"
[ "$mtu" -le 1300 ] || interop_fail "TUN MTU $mtu ignores --base-mtu 1300"
sk_stop "$id_pid"
echo "identity: agent, device-id, hostname, MTU headers seen by ocserv; TUN MTU $mtu"

# --- 2. --dump-http-traffic ------------------------------------------------------------------
log_lines_before=$(wc -l <"$OCS_LOG")
rm -rf "$CL_DIR/cfg/198.18.0.1/profiles"  # so that the downloader runs again
sk_connect dump $'alicepw\n' "${LOGIN[@]}" --dump-http-traffic
sk_wait_tunnel dump
dump_pid=$SK_PID
dump=$SK_LOG
interop_wait_for_log "$dump" '^DTLS: ' 10 || interop_fail "no DTLS line"
tail -n +"$((log_lines_before + 1))" "$OCS_LOG" >"$CL_DIR/ocserv-dump-part.log"
secret=$(grep -Eo 'X-DTLS-Master-Secret: [0-9A-Fa-f]+' "$CL_DIR/ocserv-dump-part.log" | head -1 | cut -d' ' -f2)
cookie=$(grep -Eo 'Cookie: webvpn=[^;[:space:]]+' "$CL_DIR/ocserv-dump-part.log" | head -1 | cut -d= -f2)
[ ${#secret} -eq 96 ] || interop_fail "could not read the master secret from ocserv's log"
[ ${#cookie} -ge 16 ] || interop_fail "could not read the cookie from ocserv's log"
grep -q '^> POST / HTTP/1.1' "$dump" || interop_fail "no login request in the dump"
grep -q '^< HTTP/1.1 200 OK' "$dump" || interop_fail "no response in the dump"
grep -q '^> GET /profiles/' "$dump" || interop_fail "no downloader request in the dump"
grep -q '^> CONNECT /CSCOSSLC/tunnel HTTP/1.1' "$dump" || interop_fail "no CONNECT in the dump"
grep -q '^> X-DTLS-Master-Secret: \[redacted\]' "$dump" || interop_fail "master secret not redacted"
grep -q '^> Cookie: webvpn=\[redacted\]' "$dump" || interop_fail "cookie not redacted"
grep -q '<password>\[redacted\]</password>' "$dump" || interop_fail "password element not redacted"
grep -q '<username>alice</username>' "$dump" || interop_fail "the username should stay visible"
grep -q 'alicepw' "$dump" && interop_fail "the password is in the dump"
grep -qiF "$secret" "$dump" && interop_fail "the master secret is in the dump"
grep -qF "$cookie" "$dump" && interop_fail "the cookie is in the dump"
grep -Eq '<session-token>[^[]' "$dump" && interop_fail "a session token is in the dump"
peer=$(ip -n "$SK_NS_GW" -4 -o addr show |
  awk -v peer="$(sk_addr dump)/32" '$6 == peer { split($4, a, "/"); print a[1] }')
[ -n "$peer" ] || interop_fail "no ocserv tunnel device for the dump client"
ip netns exec "$SK_NS_CL" ping -c 2 -i 0.2 -W 2 "$peer" >/dev/null || interop_fail "dump: ping"
sk_stop "$dump_pid"
echo "dump: $(grep -c '^[<>] ' "$dump") lines, no password, cookie or master secret"
echo "PASS"

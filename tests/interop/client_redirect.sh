#!/usr/bin/env bash
# Our client `sekisho` through an ASA-style load-balancing redirect (issue 10, point 5).
# cisco_redirect_server.py stands in for the cluster director on 198.18.0.3 (and :8443) and
# 198.18.0.4, all on the gateway's veth; sekishod on 198.18.0.1 is the member that logs in:
#   1. the director answers the init POST with 302 to https://198.18.0.1/eng: sekisho connects
#      there (certificate checked for 198.18.0.1), logs in, the tunnel comes up (ping), the
#      director's cookie is not sent to the member, preferences.xml records the member, and a
#      reconnect after a dead link goes to the member (no request reaches the director);
#   2. a redirect to a host whose certificate is not for its name (198.18.0.4 presents the
#      director's certificate for 198.18.0.3) is blocked; --servercert with its pin accepts it
#      with a warning;
#   3. a redirect to plain http is refused without connecting;
#   4. a redirect loop (198.18.0.3:443 <-> :8443) stops after 10 redirects, and no request on
#      the second port carries the first port's cookie;
#   5. --servercert pins the director only: the member is still validated by the CA;
#   6. the member is Debian's ocserv on 198.18.0.5 (its own certificate for that address):
#      login with --authgroup sales there, tunnel up, ping.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
. "$(dirname "$0")/client_common.sh"
. "$(dirname "$0")/ocserv_common.sh"
interop_require_root
command -v certtool >/dev/null || interop_skip "certtool missing"
command -v python3 >/dev/null || interop_skip "python3 missing"

DIRECTOR=198.18.0.3
WRONG=198.18.0.4
OCSERV=198.18.0.5
interop_setup_two_hosts
ip -n "$SK_NS_GW" addr add "$DIRECTOR/$SK_PREFIX" dev "$SK_IF_GW" || interop_fail "director addr"
ip -n "$SK_NS_GW" addr add "$WRONG/$SK_PREFIX" dev "$SK_IF_GW" || interop_fail "second addr"
ip -n "$SK_NS_GW" addr add "$OCSERV/$SK_PREFIX" dev "$SK_IF_GW" || interop_fail "ocserv addr"
GW_DIR=$(interop_tmpdir)
CL_DIR=$(interop_tmpdir)
gw_setup "$GW_DIR"
# Short DPD so that the reconnect check does not wait long for the client to give up the link.
sed -i 's/^dpd = 30$/dpd = 4/' "$GW_DIR/sekishod.toml"
gw_start "$GW_DIR"
CA=$GW_DIR/pki/ca.pem

# The director's certificate: the test CA, IP SAN 198.18.0.3 only.
pki=$GW_DIR/pki
certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --outfile "$pki/director-key.pem" \
  2>/dev/null
printf 'cn = "director"\nip_address = "%s"\ntls_www_server\nsigning_key\nexpiration_days = 30\n' \
  "$DIRECTOR" >"$pki/director.tmpl"
certtool --generate-certificate --load-privkey "$pki/director-key.pem" --load-ca-certificate \
  "$pki/ca.pem" --load-ca-privkey "$pki/ca-key.pem" --template "$pki/director.tmpl" \
  --outfile "$pki/director.pem" 2>/dev/null || interop_fail "director certificate"
DIRECTOR_PIN=$(certtool -i --infile "$pki/director.pem" |
  sed -n 's/^[[:space:]]*\(pin-sha256:.*\)$/\1/p' | head -1)

DIR_LOG=$GW_DIR/director.log
interop_bg "$SK_NS_GW" "$DIR_LOG" python3 "$SEKISHO_SOURCE_DIR/tests/interop/cisco_redirect_server.py" \
  --cert "$pki/director.pem" --key "$pki/director-key.pem" \
  --listen "$DIRECTOR:443" --listen "$DIRECTOR:8443" --listen "$WRONG:443" \
  --redirect "$DIRECTOR:443/ok=https://$SK_GW_IP/eng" \
  --redirect "$DIRECTOR:443/wrongcert=https://$WRONG/" \
  --redirect "$DIRECTOR:443/http=http://$SK_GW_IP/eng" \
  --redirect "$DIRECTOR:443/loop=https://$DIRECTOR:8443/loop" \
  --redirect "$DIRECTOR:443/ocserv=https://$OCSERV/" \
  --redirect "$DIRECTOR:8443/loop=https://$DIRECTOR/loop"
interop_wait_for_log "$DIR_LOG" "LISTEN $WRONG:443" 10 || interop_fail "director did not start"

# --- 1. redirect followed, tunnel up ---------------------------------------------------------
SK_URL=https://$DIRECTOR/ok sk_connect ok $'alicepw\n' --cafile "$CA" --user alice \
  --passwd-on-stdin
sk_wait_tunnel ok
grep -q "Authentication: the gateway redirects the login to https://$SK_GW_IP/eng" "$SK_LOG" ||
  interop_fail "no progress line for the redirect"
grep -q "TLS: connected to $SK_GW_IP" "$SK_LOG" || interop_fail "no TLS line for the member"
grep -q "REQ $DIRECTOR:443 POST /ok host=$DIRECTOR aggregate=1 init=1 cookies=-" "$DIR_LOG" ||
  interop_fail "the director did not see the init POST: $(cat "$DIR_LOG")"
case $(sk_addr ok) in 198.18.101.*) ;; *) interop_fail "not an engineering address" ;; esac
grep -q 'user alice logged in to group engineering' "$GW_LOG" ||
  interop_fail "the member did not log alice in"
ip netns exec "$SK_NS_CL" ping -c 3 -i 0.2 -W 2 198.18.101.1 >/dev/null ||
  interop_fail "ping through the tunnel failed"
director_requests=$(grep -c '^REQ ' "$DIR_LOG")
sk_reconnect_check ok 198.18.101.1
[ "$(grep -c '^REQ ' "$DIR_LOG")" = "$director_requests" ] ||
  interop_fail "the reconnect went to the director: $(tail -2 "$DIR_LOG")"
sk_stop "$SK_PID"
grep -q "<gateway key=\"$SK_GW_IP" "$CL_DIR/cfg/preferences.xml" ||
  interop_fail "preferences.xml does not record the member: $(cat "$CL_DIR/cfg/preferences.xml")"
grep -q "<gateway key=\"$DIRECTOR" "$CL_DIR/cfg/preferences.xml" &&
  interop_fail "preferences.xml records the director"
[ -f "$CL_DIR/cfg/$SK_GW_IP/profiles/eng.xml" ] || interop_fail "the member's profile not downloaded"

# --- 2. redirect to a host whose certificate does not name it --------------------------------
SK_STDIN=/dev/null sk_expect_fail "$CL_DIR/wrongcert.log" \
  "certificate for $WRONG is NOT trusted \\(hostname mismatch\\)" \
  connect --non-inter --cafile "$CA" --user alice --passwd-on-stdin "https://$DIRECTOR/wrongcert"
grep -q "redirects the login to https://$WRONG/" "$CL_DIR/wrongcert.log" ||
  interop_fail "the redirect was not followed to the wrong host"
grep -q "TLS $WRONG:443 handshake failed" "$DIR_LOG" || grep -q "REQ $WRONG:443" "$DIR_LOG" ||
  interop_fail "no connection to $WRONG was attempted"
grep -q "REQ $WRONG:443" "$DIR_LOG" && interop_fail "a request reached the wrongly certified host"
# As the message says, --servercert with that pin accepts it (strict for the director, whose
# certificate it is too), with a warning; the stand-in then answers 404.
SK_STDIN=/dev/null sk_expect_fail "$CL_DIR/wrongcert-pinned.log" "HTTP 404" \
  connect --non-inter --cafile "$CA" --servercert "$DIRECTOR_PIN" --user alice --passwd-on-stdin \
  "https://$DIRECTOR/wrongcert"
grep -q "WARNING: certificate for $WRONG is not trusted (hostname mismatch); accepted by pin" \
  "$CL_DIR/wrongcert-pinned.log" || interop_fail "no warning for the pinned member"
grep -q "REQ $WRONG:443 POST / " "$DIR_LOG" || interop_fail "the pinned member was not reached"

# --- 3. redirect to plain http ---------------------------------------------------------------
SK_STDIN=/dev/null sk_expect_fail "$CL_DIR/http.log" \
  "refusing to follow the gateway's redirect to a URL that is not https: http://$SK_GW_IP/eng" \
  connect --non-inter --cafile "$CA" --user alice --passwd-on-stdin "https://$DIRECTOR/http"

# --- 4. redirect loop --------------------------------------------------------------------------
SK_STDIN=/dev/null sk_expect_fail "$CL_DIR/loop.log" "redirected the login more than 10 times" \
  connect --non-inter --cafile "$CA" --user alice --passwd-on-stdin "https://$DIRECTOR/loop"
n443=$(grep -c "REQ $DIRECTOR:443 POST /loop" "$DIR_LOG" || true)
n8443=$(grep -c "REQ $DIRECTOR:8443 POST /loop" "$DIR_LOG" || true)
[ $((n443 + n8443)) -eq 11 ] || interop_fail "expected 11 requests in the loop, saw $n443 + $n8443"
grep "REQ $DIRECTOR:[0-9]* POST /loop" "$DIR_LOG" | grep -qv 'cookies=-' &&
  interop_fail "a cookie crossed to another host: $(grep '/loop' "$DIR_LOG" | grep -v 'cookies=-')"

# --- 5. --servercert pins the director only ----------------------------------------------------
SK_URL=https://$DIRECTOR/ok sk_connect pin $'alicepw\n' --cafile "$CA" --servercert "$DIRECTOR_PIN" \
  --user alice --passwd-on-stdin
sk_wait_tunnel pin
grep -q "WARNING" "$SK_LOG" && interop_fail "a warning although both hosts are trusted"
sk_stop "$SK_PID"

# --- 6. ocserv as the member -------------------------------------------------------------------
command -v ocserv >/dev/null || interop_skip "ocserv missing (steps 1-5 passed)"
OCS_DIR=$(interop_tmpdir)
mkdir -p "$OCS_DIR/pki"
cp "$pki/ca.pem" "$pki/ca-key.pem" "$pki/client-ca.pem" "$OCS_DIR/pki/"
certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 \
  --outfile "$OCS_DIR/pki/server-key.pem" 2>/dev/null
printf 'cn = "ocserv member"\nip_address = "%s"\ntls_www_server\nsigning_key\nexpiration_days = 30\n' \
  "$OCSERV" >"$OCS_DIR/pki/server.tmpl"
certtool --generate-certificate --load-privkey "$OCS_DIR/pki/server-key.pem" \
  --load-ca-certificate "$pki/ca.pem" --load-ca-privkey "$pki/ca-key.pem" \
  --template "$OCS_DIR/pki/server.tmpl" --outfile "$OCS_DIR/pki/server.pem" 2>/dev/null ||
  interop_fail "ocserv member certificate"
ocs_setup "$OCS_DIR" password
sed -i "s/^listen-host = .*/listen-host = $OCSERV/" "$OCS_DIR/ocserv.conf"
OCS_LOG=$OCS_DIR/ocserv.log
interop_bg "$SK_NS_GW" "$OCS_LOG" ocserv -f -d 1 -c "$OCS_DIR/ocserv.conf"
ocs_listening() { ip netns exec "$SK_NS_GW" ss -Hltn "src $OCSERV:443" 2>/dev/null | grep -q .; }
for _ in $(seq 1 150); do ocs_listening && break; sleep 0.1; done
ocs_listening || interop_fail "ocserv did not listen on $OCSERV:443"
SK_URL=https://$DIRECTOR/ocserv sk_connect ocs $'alicepw\n' --cafile "$CA" --user alice \
  --passwd-on-stdin --authgroup sales
sk_wait_tunnel ocs
grep -q "redirects the login to https://$OCSERV/" "$SK_LOG" || interop_fail "no redirect to ocserv"
grep -q 'Group selection: using sales' "$SK_LOG" || interop_fail "sales not used at the member"
addr=$(sk_addr ocs)
case $addr in 198.18.112.*) ;; *) interop_fail "$addr is not from ocserv's sales pool" ;; esac
peer=$(ip -n "$SK_NS_GW" -4 -o addr show |
  awk -v peer="$addr/32" '$6 == peer { split($4, a, "/"); print a[1] }')
[ -n "$peer" ] || interop_fail "no ocserv tunnel device for $addr"
ip netns exec "$SK_NS_CL" ping -c 3 -i 0.2 -W 2 "$peer" >/dev/null ||
  interop_fail "ping through the ocserv tunnel failed"
sk_stop "$SK_PID"
echo "PASS: sekisho follows a cluster redirect to sekishod and to ocserv"

#!/usr/bin/env bash
# Our client `sekisho` against our gateway `sekishod`, inside two namespaces this test creates
# (issue 3):
#   1. the gateway certificate (signed by the test CA) is blocked without --cafile, with the
#      pin that would accept it in the message;
#   2. --cafile: password login via the group URL /eng, the announced profile is downloaded,
#      ping and a bounded iperf3 through the tunnel;
#   3. reconnect: the gateway's veth goes down until the client's DPD gives up; the tunnel
#      resumes with the same address, without a new login, and traffic flows again;
#   4. --authgroup Sales gets the sales pool; without split routes the default route goes
#      through the tunnel (0/1 + 128/1) after a host route to the gateway via the original
#      route, all removed on exit; the profile is not downloaded again;
#   5. --servercert accepts the certificate without --cafile and warns; the next connection
#      (acceptance recorded in preferences.xml) warns again; a --servercert that does not match
#      refuses even a certificate the CA validates (a strict pin, as openconnect 9);
#   6. --cookieonly, then --cookie-on-stdin reuses the session;
#   7. client certificate chosen among two identities by the gateway's CA list;
#   8. `sekisho disconnect` logs off (DISCONNECT 0xB0: the gateway ends the session);
#   9. after the gateway's profile changes (and sekishod restarts) it is downloaded again.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
. "$(dirname "$0")/client_common.sh"
interop_require_root
command -v iperf3 >/dev/null || interop_skip "iperf3 missing"
command -v certtool >/dev/null || interop_skip "certtool missing"

interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
CL_DIR=$(interop_tmpdir)
CL_URL=$GW_URL
gw_setup "$GW_DIR"
# Short DPD so that the reconnect test does not wait long for the client to give up the link.
sed -i 's/^dpd = 30$/dpd = 4/' "$GW_DIR/sekishod.toml"
# No split routes for sales: its clients take the default route through the tunnel.
sed -i '/^routes = \["198.18.201.0\/24"\]$/d' "$GW_DIR/sekishod.toml"
grep -q '198.18.201.0' "$GW_DIR/sekishod.toml" && interop_fail "could not drop the sales route"
gw_start "$GW_DIR"
echo "gateway up, pin $GW_PIN"
CA=$GW_DIR/pki/ca.pem

# --- 1. untrusted certificate blocked ------------------------------------------------------
SK_STDIN=/dev/null sk_expect_fail "$CL_DIR/untrusted.log" "NOT trusted \\(signer not found\\)" \
  connect --non-inter --no-system-trust --user alice --passwd-on-stdin "$GW_URL"
grep -q -- "--servercert $GW_PIN" "$CL_DIR/untrusted.log" ||
  interop_fail "the message does not name the pin"

# --- 2. password login, profile, ping, iperf3 ------------------------------------------------
SK_URL=${GW_URL}eng sk_connect alice $'alicepw\n' --cafile "$CA" --user alice --passwd-on-stdin
sk_wait_tunnel alice
alice_pid=$SK_PID
alice_log=$SK_LOG
case $(sk_addr alice) in 198.18.101.*) ;; *) interop_fail "alice: not an engineering address" ;; esac
grep -q 'Downloader: fetched profile' "$alice_log" || interop_fail "profile not downloaded"
cmp -s "$CL_DIR/cfg/198.18.0.1/profiles/eng.xml" "$GW_DIR/eng.xml" ||
  interop_fail "downloaded profile differs from the gateway's"
# [downloads]: announced in vpn-core-manifest with its SHA-1, fetched and checked like profiles.
grep -q 'Downloader: fetched file /CACHE/stc/1/downloads/notice.txt' "$alice_log" ||
  interop_fail "the [downloads] file was not fetched"
cmp -s "$CL_DIR/cfg/198.18.0.1/downloads/notice.txt" "$GW_DIR/notice.txt" ||
  interop_fail "downloaded file differs from the gateway's"
grep -q 'Banner: sekisho interop test' "$alice_log" || interop_fail "banner not shown"
grep -q 'DTLS: not offered by the gateway; data path: TLS' "$alice_log" ||
  interop_fail "no DTLS progress line"
grep -q 'WARNING' "$alice_log" && interop_fail "warning although the certificate is trusted"
ip -n "$SK_NS_CL" route show | grep -q '198.18.200.0/24 dev sk-alice' || interop_fail "split route"
ip netns exec "$SK_NS_CL" ping -c 3 -i 0.2 -W 2 198.18.101.1 >/dev/null ||
  interop_fail "ping through the tunnel failed"
interop_bg "$SK_NS_GW" "$GW_DIR/iperf3-server.log" iperf3 -s -B 198.18.101.1 -1
interop_wait_port "$SK_NS_GW" 5201 5 || interop_fail "iperf3 server did not start"
ip netns exec "$SK_NS_CL" timeout 20 iperf3 -c 198.18.101.1 -t 2 -f m >"$CL_DIR/iperf3.log" 2>&1 ||
  interop_fail "iperf3 through the tunnel failed: $(tail -3 "$CL_DIR/iperf3.log")"
grep -E 'receiver' "$CL_DIR/iperf3.log" | tail -1

# --- 3. reconnect ----------------------------------------------------------------------------
sk_reconnect_check alice 198.18.101.1

# --- 4. --authgroup Sales, profile not fetched again -----------------------------------------
sk_connect bob $'bobpw\n' --cafile "$CA" --user bob --passwd-on-stdin --authgroup Sales
sk_wait_tunnel bob
bob_pid=$SK_PID
case $(sk_addr bob) in 198.18.102.*) ;; *) interop_fail "bob: not a sales address" ;; esac
grep -q 'using sales' "$SK_LOG" || interop_fail "the group used is not shown"
ip netns exec "$SK_NS_CL" ping -c 2 -i 0.2 -W 2 198.18.102.1 >/dev/null || interop_fail "bob's ping"
routes=$(ip -n "$SK_NS_CL" -4 route show)
echo "$routes" | grep -q '^0.0.0.0/1 dev sk-bob' || interop_fail "no 0/1 route via the tunnel"
echo "$routes" | grep -q '^128.0.0.0/1 dev sk-bob' || interop_fail "no 128/1 route via the tunnel"
echo "$routes" | grep -q "^198.18.0.1 dev $SK_IF_CL" || interop_fail "no host route to the gateway"
sk_stop "$bob_pid"
routes=$(ip -n "$SK_NS_CL" -4 route show)
echo "$routes" | grep -Eq '^(0.0.0.0/1|128.0.0.0/1|198.18.0.1 )' &&
  interop_fail "routes left behind: $routes"
SK_URL=${GW_URL}eng sk_connect alice2 $'alicepw\n' --cafile "$CA" --user alice --passwd-on-stdin
sk_wait_tunnel alice2
grep -q 'Downloader: 0 file(s) downloaded, 2 already up to date' "$SK_LOG" ||
  interop_fail "the unchanged profile was downloaded again"
sk_stop "$SK_PID"

# --- 5. --servercert, then the recorded acceptance -------------------------------------------
sk_connect pin1 $'carolpw\n' --no-system-trust --servercert "$GW_PIN" --user carol --passwd-on-stdin
sk_wait_tunnel pin1
grep -q "WARNING: certificate for 198.18.0.1 is not trusted.*accepted by pin $GW_PIN" "$SK_LOG" ||
  interop_fail "no warning for the pinned certificate"
sk_stop "$SK_PID"
grep -q "accepted-cert pin=\"$GW_PIN\"" "$CL_DIR/cfg/preferences.xml" ||
  interop_fail "acceptance not recorded in preferences.xml"
sk_connect pin2 $'carolpw\n' --no-system-trust --user carol --passwd-on-stdin
sk_wait_tunnel pin2
grep -q "WARNING: certificate for 198.18.0.1 is not trusted" "$SK_LOG" ||
  interop_fail "no warning on the next connection"
sk_stop "$SK_PID"

# A strict pin: the CA validates the certificate, but it is not the one pinned.
other_pin=pin-sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
SK_STDIN=/dev/null sk_expect_fail "$CL_DIR/pin-mismatch.log" \
  "does not match --servercert pin-sha256:A+=; it presents pin-sha256:" \
  connect --non-inter --cafile "$CA" --servercert "$other_pin" --user carol --passwd-on-stdin \
  "$GW_URL"
grep -qF "it presents $GW_PIN" "$CL_DIR/pin-mismatch.log" || interop_fail "the presented pin is not named"
sk_connect pin3 $'carolpw\n' --cafile "$CA" --servercert "$GW_PIN" --user carol --passwd-on-stdin
sk_wait_tunnel pin3
grep -q "WARNING" "$SK_LOG" && interop_fail "a warning for a trusted certificate matching the pin"
sk_stop "$SK_PID"

# --- 6. --cookieonly, then --cookie-on-stdin ---------------------------------------------------
printf 'carolpw\n' >"$CL_DIR/carol.in"
cookie=$(SK_STDIN=$CL_DIR/carol.in sk_run connect --cookieonly --non-inter --cafile "$CA" \
  --user carol --passwd-on-stdin --authgroup Engineering "$GW_URL" 2>"$CL_DIR/cookieonly.log") ||
  interop_fail "--cookieonly failed: $(cat "$CL_DIR/cookieonly.log")"
[ -n "$cookie" ] || interop_fail "--cookieonly printed no cookie"
sk_connect cookie "$cookie"$'\n' --cafile "$CA" --cookie-on-stdin
sk_wait_tunnel cookie
grep -q 'Authentication: skipped' "$SK_LOG" || interop_fail "the cookie run logged in"
ip netns exec "$SK_NS_CL" ping -c 2 -i 0.2 -W 2 198.18.101.1 >/dev/null ||
  interop_fail "ping over the cookie session failed"
sk_stop "$SK_PID"

# --- 7. client certificate chosen among two identities ---------------------------------------
other=$CL_DIR/other
mkdir -p "$other"
certtool --generate-privkey --outfile "$other/key.pem" 2>/dev/null
printf 'cn = "Other CA"\nca\ncert_signing_key\nexpiration_days = 30\n' >"$other/ca.tmpl"
certtool --generate-self-signed --load-privkey "$other/key.pem" --template "$other/ca.tmpl" \
  --outfile "$other/ca.pem" 2>/dev/null
printf 'cn = "Other User"\ntls_www_client\nexpiration_days = 30\n' >"$other/user.tmpl"
certtool --generate-certificate --load-privkey "$other/key.pem" --load-ca-certificate \
  "$other/ca.pem" --load-ca-privkey "$other/key.pem" --template "$other/user.tmpl" \
  --outfile "$other/user.pem" 2>/dev/null
SK_URL=${GW_URL}eng sk_connect cert '' --cafile "$CA" \
  --certificate "$other/user.pem" --sslkey "$other/key.pem" \
  --certificate "$GW_DIR/pki/client.pem" --sslkey "$GW_DIR/pki/client-key.pem"
sk_wait_tunnel cert
grep -q "sent $GW_DIR/pki/client.pem" "$SK_LOG" || interop_fail "the matching identity was not chosen"
grep -q 'by certificate' "$GW_LOG" || interop_fail "no certificate login in the gateway log"
sk_stop "$SK_PID"

# --- 8. sekisho disconnect -------------------------------------------------------------------
sk_run disconnect --interface sk-alice || interop_fail "sekisho disconnect failed"
for _ in $(seq 1 50); do interop_pid_running "$alice_pid" || break; sleep 0.1; done
interop_pid_running "$alice_pid" && interop_fail "the client did not exit after disconnect"
grep -q 'Disconnected: logged off' "$alice_log" || interop_fail "no logoff in the client log"
grep -q 'client logged off' "$GW_LOG" || interop_fail "gateway did not see the log-off"
[ -e "$CL_DIR/run/sekisho/sk-alice.pid" ] && interop_fail "pid file left behind"
ip -n "$SK_NS_CL" link show sk-alice >/dev/null 2>&1 && interop_fail "TUN left behind"

# --- 9. the gateway's profile changes --------------------------------------------------------
# sekishod hashes profiles at start-up; after a change and a restart the next connection
# sees a different SHA-1 in the manifest and downloads it again, overwriting the cached copy.
sed -i 's#<HostName>eng</HostName>#<HostName>eng-v2</HostName>#' "$GW_DIR/eng.xml"
kill -TERM "$GW_PID"
for _ in $(seq 1 50); do interop_pid_running "$GW_PID" || break; sleep 0.1; done
gw_start "$GW_DIR"
SK_URL=${GW_URL}eng sk_connect alice3 $'alicepw\n' --cafile "$CA" --user alice --passwd-on-stdin
sk_wait_tunnel alice3
grep -q 'Downloader: fetched profile' "$SK_LOG" || interop_fail "the changed profile was not fetched"
find "$CL_DIR/cfg" -name eng.xml -exec grep -l 'eng-v2' {} + | grep -q . ||
  interop_fail "the cached profile was not overwritten"
sk_stop "$SK_PID"
echo "PASS: sekisho client interop with sekishod"

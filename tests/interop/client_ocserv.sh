#!/usr/bin/env bash
# Our client `sekisho` against Debian's ocserv 1.1.6, inside two namespaces this test creates
# (issue 3):
#   1. password login (ocpasswd file) with --authgroup picking the non-default select-group;
#      the user profile is downloaded and cached; ping and a bounded iperf3 through the tunnel;
#   2. reconnect: the gateway's veth goes down until the client's DPD gives up; the tunnel
#      resumes with the same address, without a new login, and traffic flows again;
#   3. the next connection does NOT download the unchanged profile; after the profile changes
#      (ocserv restarted with new content) it is downloaded again;
#   4. --script with Debian's vpnc-script, run with a private /etc/resolv.conf (bind mount in
#      a private mount namespace); the host's /etc/resolv.conf is checked unchanged;
#   5. self-signed, expired and wrong-hostname gateway certificates are blocked by default;
#      --servercert accepts each, and the next connection (acceptance recorded) warns again;
#   6. certificate authentication: the identity issued by the CA ocserv asks for is chosen
#      among two.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ocserv_common.sh"
. "$(dirname "$0")/client_common.sh"
interop_require_root
command -v iperf3 >/dev/null || interop_skip "iperf3 missing"
command -v certtool >/dev/null || interop_skip "certtool missing"
[ -x "$SEKISHO" ] || interop_fail "sekisho not built at $SEKISHO"

interop_setup_two_hosts
OCS_DIR=$(interop_tmpdir)
CL_DIR=$(interop_tmpdir)
CL_URL=$OCS_URL
ocs_setup "$OCS_DIR" password
ocs_start "$OCS_DIR"
CA=$OCS_DIR/pki/ca.pem
PROFILE_CACHE=$CL_DIR/cfg/198.18.0.1/profiles/profile.xml

# The gateway-side address of the client's tunnel (ocserv's end of the point-to-point link).
ocs_peer_of() {
  ip -n "$SK_NS_GW" -4 -o addr show | awk -v peer="$1/32" '$6 == peer { split($4, a, "/"); print a[1] }'
}

# --- 1. password login, non-default group, profile, ping, iperf3 ----------------------------
sk_connect alice $'alicepw\n' --cafile "$CA" --user alice --passwd-on-stdin --authgroup sales
sk_wait_tunnel alice
alice_pid=$SK_PID
alice_log=$SK_LOG
addr=$(sk_addr alice)
case $addr in 198.18.112.*) ;; *) interop_fail "alice: $addr is not from the sales pool" ;; esac
grep -q 'Group selection: the gateway offers engineering.*sales' "$alice_log" ||
  interop_fail "the group list is not shown"
grep -q 'Group selection: using sales' "$alice_log" || interop_fail "the group used is not shown"
grep -q 'Downloader: fetched profile' "$alice_log" || interop_fail "profile not downloaded"
cmp -s "$PROFILE_CACHE" "$OCS_DIR/profile.xml" || interop_fail "cached profile differs"
ip -n "$SK_NS_CL" route show | grep -q '198.18.210.0/24 dev sk-alice' || interop_fail "split route"
peer=$(ocs_peer_of "$addr")
[ -n "$peer" ] || interop_fail "no ocserv tunnel device for $addr"
ip netns exec "$SK_NS_CL" ping -c 3 -i 0.2 -W 2 "$peer" >/dev/null || interop_fail "ping failed"
interop_bg "$SK_NS_GW" "$OCS_DIR/iperf3-server.log" iperf3 -s -B "$peer" -1
interop_wait_port "$SK_NS_GW" 5201 5 || interop_fail "iperf3 server did not start"
ip netns exec "$SK_NS_CL" timeout 20 iperf3 -c "$peer" -t 2 -f m >"$CL_DIR/iperf3.log" 2>&1 ||
  interop_fail "iperf3 through the tunnel failed: $(tail -3 "$CL_DIR/iperf3.log")"
grep -E 'receiver' "$CL_DIR/iperf3.log" | tail -1

# --- 2. reconnect ----------------------------------------------------------------------------
sk_reconnect_check alice "$peer"
sk_stop "$alice_pid"
grep -q 'Disconnected: logged off' "$alice_log" || interop_fail "alice did not log off"

# --- 3. profile cached, then changed ---------------------------------------------------------
sk_connect bob $'bobpw\n' --cafile "$CA" --user bob --passwd-on-stdin --authgroup sales
sk_wait_tunnel bob
grep -q 'Downloader: 0 file(s) downloaded, 1 already up to date' "$SK_LOG" ||
  interop_fail "the unchanged profile was downloaded again"
sk_stop "$SK_PID"
ocs_stop
sed -i 's/<HostName>v1</<HostName>v2</' "$OCS_DIR/profile.xml"
ocs_start "$OCS_DIR"
sk_connect bob2 $'bobpw\n' --cafile "$CA" --user bob --passwd-on-stdin --authgroup sales
sk_wait_tunnel bob2
grep -q 'Downloader: fetched profile' "$SK_LOG" || interop_fail "the changed profile was not fetched"
grep -q '<HostName>v2<' "$PROFILE_CACHE" || interop_fail "the cache still holds the old profile"
sk_stop "$SK_PID"

# --- 4. --script with Debian's vpnc-script, private resolv.conf -------------------------------
VPNC_SCRIPT=/usr/share/vpnc-scripts/vpnc-script
if [ -x "$VPNC_SCRIPT" ] && command -v unshare >/dev/null; then
  host_resolv=$(sha256sum /etc/resolv.conf)
  printf 'nameserver 198.18.0.53\n' >"$CL_DIR/resolv.conf"
  printf 'bobpw\n' >"$CL_DIR/script.in"
  interop_add_log "$CL_DIR/sk-script.log"
  # shellcheck disable=SC2046
  interop_bg "$SK_NS_CL" "$CL_DIR/sk-script.log" unshare -m --propagation private \
    sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@" <"$0"' \
    "$CL_DIR/script.in" "$CL_DIR/resolv.conf" \
    env $(sk_env) "$SEKISHO" connect --interface sk-script --non-inter --cafile "$CA" \
    --user bob --passwd-on-stdin --authgroup sales --script "$VPNC_SCRIPT" "$OCS_URL"
  SK_PID=$SK_LAST_PID
  SK_LOG=$CL_DIR/sk-script.log
  sk_wait_tunnel script
  addr=$(sk_addr script)
  # The script's contract: it sets the address (checked above) and the split-include routes
  # from CISCO_SPLIT_INC_* — here ocserv's 198.18.210.0/24.
  for _ in $(seq 1 30); do
    ip -n "$SK_NS_CL" route show | grep -q '198.18.210.0/24 dev sk-script' && break
    sleep 0.1
  done
  ip -n "$SK_NS_CL" route show | grep -q '198.18.210.0/24 dev sk-script' ||
    interop_fail "vpnc-script did not add the split route: $(ip -n "$SK_NS_CL" route show)"
  peer=$(ocs_peer_of "$addr")
  ip netns exec "$SK_NS_CL" ping -c 2 -i 0.2 -W 2 "$peer" >/dev/null ||
    interop_fail "ping through the vpnc-script tunnel failed"
  sk_stop "$SK_PID"
  grep -q 'Disconnected: logged off' "$SK_LOG" || interop_fail "the script client did not log off"
  [ "$(sha256sum /etc/resolv.conf)" = "$host_resolv" ] ||
    interop_fail "the host's /etc/resolv.conf changed"
  echo "vpnc-script: tunnel up and down, host resolv.conf unchanged"
else
  echo "vpnc-script or unshare missing: --script part skipped"
fi

# --- 5. bad gateway certificates -------------------------------------------------------------
bad=$CL_DIR/badcerts
mkdir -p "$bad"
# One key per certificate: the pins (SPKI hashes) must differ.
for name in self-signed expired wrong-hostname; do
  certtool --generate-privkey --outfile "$bad/$name-key.pem" 2>/dev/null
done
printf 'cn = "198.18.0.1"\nip_address = "198.18.0.1"\ntls_www_server\nencryption_key\nsigning_key\nexpiration_days = 30\n' \
  >"$bad/self.tmpl"
certtool --generate-self-signed --load-privkey "$bad/self-signed-key.pem" --template "$bad/self.tmpl" \
  --outfile "$bad/self-signed.pem" 2>/dev/null
printf 'cn = "198.18.0.1"\nip_address = "198.18.0.1"\ntls_www_server\nencryption_key\nsigning_key\nactivation_date = "2020-01-01 00:00:00"\nexpiration_date = "2021-01-01 00:00:00"\n' \
  >"$bad/expired.tmpl"
certtool --generate-certificate --load-privkey "$bad/expired-key.pem" --load-ca-certificate "$CA" \
  --load-ca-privkey "$OCS_DIR/pki/ca-key.pem" --template "$bad/expired.tmpl" \
  --outfile "$bad/expired.pem" 2>/dev/null
printf 'cn = "other.example"\ndns_name = "other.example"\ntls_www_server\nencryption_key\nsigning_key\nexpiration_days = 30\n' \
  >"$bad/wrong.tmpl"
certtool --generate-certificate --load-privkey "$bad/wrong-hostname-key.pem" --load-ca-certificate "$CA" \
  --load-ca-privkey "$OCS_DIR/pki/ca-key.pem" --template "$bad/wrong.tmpl" \
  --outfile "$bad/wrong-hostname.pem" 2>/dev/null
printf 'alicepw\n' >"$CL_DIR/alice.in"
for kind in self-signed:'signer not found' expired:'expired' wrong-hostname:'hostname'; do
  name=${kind%%:*}
  reason=${kind#*:}
  ocs_stop
  sed -i "s|^server-cert = .*|server-cert = $bad/$name.pem|; s|^server-key = .*|server-key = $bad/$name-key.pem|" \
    "$OCS_DIR/ocserv.conf"
  ocs_start "$OCS_DIR"
  SK_STDIN=$CL_DIR/alice.in sk_expect_fail "$CL_DIR/$name-blocked.log" "NOT trusted \\(.*$reason" \
    connect --non-inter --cafile "$CA" --user alice --passwd-on-stdin --cookieonly "$OCS_URL"
  pin=$(grep -Eo 'servercert pin-sha256:[A-Za-z0-9+/=]+' "$CL_DIR/$name-blocked.log" | cut -d' ' -f2)
  [ -n "$pin" ] || interop_fail "$name: no pin in the message"
  SK_STDIN=$CL_DIR/alice.in sk_run connect --non-inter --cafile "$CA" --servercert "$pin" \
    --user alice --passwd-on-stdin --cookieonly "$OCS_URL" >/dev/null 2>"$CL_DIR/$name-pin.log" ||
    interop_fail "$name: --servercert did not accept it: $(tail -2 "$CL_DIR/$name-pin.log")"
  grep -q "WARNING: certificate for 198.18.0.1 is not trusted (.*$reason.*); accepted by pin $pin" \
    "$CL_DIR/$name-pin.log" || interop_fail "$name: no warning with --servercert"
  SK_STDIN=$CL_DIR/alice.in sk_run connect --non-inter --cafile "$CA" \
    --user alice --passwd-on-stdin --cookieonly "$OCS_URL" >/dev/null 2>"$CL_DIR/$name-again.log" ||
    interop_fail "$name: the recorded acceptance was not used"
  grep -q "WARNING: certificate for 198.18.0.1 is not trusted" "$CL_DIR/$name-again.log" ||
    interop_fail "$name: no warning on the next connection"
  echo "certificate $name: blocked, accepted by pin, warned again"
done

# --- 6. certificate authentication, identity chosen by CA --------------------------------------
ocs_stop
ocs_setup "$OCS_DIR" certificate
ocs_start "$OCS_DIR"
other=$CL_DIR/other
mkdir -p "$other"
certtool --generate-privkey --outfile "$other/key.pem" 2>/dev/null
printf 'cn = "Other CA"\nca\ncert_signing_key\nexpiration_days = 30\n' >"$other/ca.tmpl"
certtool --generate-self-signed --load-privkey "$other/key.pem" --template "$other/ca.tmpl" \
  --outfile "$other/ca.pem" 2>/dev/null
printf 'cn = "Other User"\nuid = "other"\ntls_www_client\nexpiration_days = 30\n' >"$other/user.tmpl"
certtool --generate-certificate --load-privkey "$other/key.pem" --load-ca-certificate \
  "$other/ca.pem" --load-ca-privkey "$other/key.pem" --template "$other/user.tmpl" \
  --outfile "$other/user.pem" 2>/dev/null
sk_connect cert '' --cafile "$CA" \
  --certificate "$other/user.pem" --sslkey "$other/key.pem" \
  --certificate "$OCS_DIR/pki/client.pem" --sslkey "$OCS_DIR/pki/client-key.pem"
sk_wait_tunnel cert
grep -q "sent $OCS_DIR/pki/client.pem" "$SK_LOG" || interop_fail "the matching identity was not chosen"
addr=$(sk_addr cert)
peer=$(ocs_peer_of "$addr")
ip netns exec "$SK_NS_CL" ping -c 2 -i 0.2 -W 2 "$peer" >/dev/null ||
  interop_fail "ping over the certificate session failed"
sk_stop "$SK_PID"
echo "PASS: sekisho client interop with ocserv"

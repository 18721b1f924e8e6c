#!/usr/bin/env bash
# Configuration reload without dropping users (issue 9, operations), inside two namespaces this
# test creates. openconnect holds a tunnel with a 10/s ping running while sekishod reloads:
#   1. SIGHUP with a new route, DNS server, banner, group label, a new group, a new server
#      certificate (RSA instead of ECDSA, so the security module must sign with another key) and
#      a new listen port: one summary line names the changes, the port is "needs restart";
#      the running tunnel keeps its address and the ping loses nothing;
#   2. a new login sees the new values: the new certificate's pin (the old pin is refused), the
#      new route, DNS and banner in openconnect's script environment, the new group label;
#   3. invalid reloads are refused with a log line each (an unknown key with file:line, a key
#      that does not belong to the certificate) and the gateway keeps serving the last good
#      configuration: the tunnel and the ping go on, a new login still works;
#   4. the ping, stopped at the end, lost no packet; the workers were never restarted; a worker
#      that crashes afterwards is restarted and sent the reloaded configuration;
#   5. --single-process: a reload with a new certificate and banner reaches new logins while
#      the tunnel that was up keeps carrying traffic;
#   6. a tunnel whose data runs on DTLS keeps it there, without loss, across a reload.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
interop_require_root
command -v openconnect >/dev/null || interop_skip "openconnect missing"

interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
gw_setup "$GW_DIR"
sed -i 's/^level = "debug"/level = "info"/' "$GW_DIR/sekishod.toml"
gw_start "$GW_DIR"
OLD_PIN=$GW_PIN
workers_before=$(pgrep -P "$GW_PID" | sort | tr '\n' ' ')
echo "gateway up, pin $OLD_PIN, children: $workers_before"


reload() {  # EXPECTED_LOG_REGEX: SIGHUP, then wait for the outcome line
  kill -HUP "$GW_PID"
  interop_wait_for_log "$GW_LOG" "$1" 10 || interop_fail "no /$1/ after SIGHUP"
}

# --- the tunnel that must survive ------------------------------------------------------------
OC_URL=${GW_URL}eng oc_connect alice $'alicepw\n' --user alice --passwd-on-stdin --no-dtls \
  --non-inter
wait_tunnel oc-alice
alice_pid=$OC_PID
alice_address=$(ip -n "$SK_NS_CL" -4 -o addr show dev oc-alice | awk '{ print $4 }')
echo "alice's tunnel: $alice_address"
# 10 echo requests a second, each answered within 1 s, until SIGINT prints the totals, to a
# server behind the gateway on the group's split route (an address in the gateway namespace).
# Bound to alice's interface: the other clients this test starts share the client namespace,
# and their vpnc-script replaces the same split routes with their own interface (and takes
# them away when they end).
ip -n "$SK_NS_GW" addr add 198.18.200.1/32 dev lo
interop_bg "$SK_NS_CL" "$GW_DIR/ping.log" ping -D -I oc-alice -i 0.1 -W 1 198.18.200.1
ping_pid=$SK_LAST_PID
interop_wait_for_log "$GW_DIR/ping.log" 'icmp_seq=5 ' 5 || interop_fail "the ping does not flow"

# --- 1. a reload that changes a lot -----------------------------------------------------------
python3 - "$GW_DIR/sekishod.toml" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
text = text.replace('port = 443', 'port = 8443')                       # needs a restart
text = text.replace('pki/server.pem', 'pki/server-rsa.pem')           # new certificate ...
text = text.replace('pki/server-key.pem', 'pki/server-rsa-key.pem')   # ... and key
text = text.replace('dns = ["198.18.100.53"]', 'dns = ["198.18.100.54"]')
text = text.replace('banner = "sekisho interop test"', 'banner = "reloaded banner"')
text = text.replace('routes = ["198.18.200.0/24"]', 'routes = ["198.18.200.0/24", "198.18.210.0/24"]')
text = text.replace('label = "Sales Team – EMEA"', 'label = "Sales Team – Worldwide"')
text += '\n[[group]]\nname = "support"\nipv4_pool = "198.18.103.0/24"\n'
open(path, 'w').write(text)
PY
reload 'reload 1 applied'
summary=$(grep 'reload 1 applied' "$GW_LOG")
echo "$summary"
for key in 'tls.certificate' 'tls.private_key' 'network.dns' 'tunnel.banner' \
  'group engineering: routes' 'group sales: label' 'group support added' \
  'needs restart \(ignored\): listen.port' 'sent to [1-9][0-9]* worker'; do
  grep -Eq "$key" <<<"$summary" || interop_fail "summary lacks /$key/"
done
grep -q 'take(s) effect only after a restart' "$GW_LOG" || interop_fail "no needs-restart warning"
NEW_PIN=$(grep 'clients can pin the new certificate' "$GW_LOG" | grep -Eo 'pin-sha256:[A-Za-z0-9+/=]+' | tail -1)
[ -n "$NEW_PIN" ] && [ "$NEW_PIN" != "$OLD_PIN" ] || interop_fail "no new pin after the reload"
# Still on port 443 (the new port needs a restart), nothing on 8443.
interop_wait_port "$SK_NS_GW" 443 1 || interop_fail "port 443 closed by the reload"
ip netns exec "$SK_NS_GW" ss -tlnH "sport = :8443" | grep -q . && interop_fail "listening on 8443"

# The tunnel is untouched: same address, the ping keeps flowing.
interop_pid_running "$alice_pid" || interop_fail "alice's openconnect exited on the reload"
[ "$(ip -n "$SK_NS_CL" -4 -o addr show dev oc-alice | awk '{ print $4 }')" = "$alice_address" ] ||
  interop_fail "alice's tunnel address changed"
seq_now=$(grep -Eo 'icmp_seq=[0-9]+' "$GW_DIR/ping.log" | tail -1 | cut -d= -f2)
interop_wait_for_log "$GW_DIR/ping.log" "icmp_seq=$((seq_now + 5)) " 5 ||
  interop_fail "the ping stopped after the reload"

# --- 2. new logins see the new configuration --------------------------------------------------
# The old pin no longer matches the served certificate.
if printf 'alicepw\n' | ip netns exec "$SK_NS_CL" timeout 20 openconnect --cookieonly \
  --user alice --passwd-on-stdin --non-inter --authgroup eng --servercert "$OLD_PIN" "$GW_URL" \
  >/dev/null 2>"$GW_DIR/oldpin.log"; then
  interop_fail "a login with the old certificate's pin succeeded"
fi
GW_PIN=$NEW_PIN
OC_URL=${GW_URL}eng oc_connect carol $'carolpw\n' --user carol --passwd-on-stdin --no-dtls \
  --non-inter
wait_tunnel oc-carol
interop_add_log "$GW_DIR/oc-carol.env"
grep -Eq 'CISCO_SPLIT_INC_[0-9]+_ADDR=198.18.210.0' "$GW_DIR/oc-carol.env" ||
  interop_fail "the new route is not in the new session"
grep -q 'INTERNAL_IP4_DNS=198.18.100.54' "$GW_DIR/oc-carol.env" || interop_fail "new DNS missing"
grep -q 'CISCO_BANNER=reloaded banner' "$GW_DIR/oc-carol.env" || interop_fail "new banner missing"
grep -Eq 'TLS1.2.*RSA|RSA' "$OC_LOG" || echo "note: openconnect did not print the RSA suite"
ip netns exec "$SK_NS_CL" ping -c 2 -i 0.2 -W 2 198.18.101.1 >/dev/null ||
  interop_fail "ping over the new session failed"
oc_stop "$OC_PID"
# The new label selects the sales group.
oc_connect bob $'bobpw\n' --user bob --passwd-on-stdin --no-dtls --non-inter \
  --authgroup "Sales Team – Worldwide"
wait_tunnel oc-bob
grep -q 'INTERNAL_IP4_ADDRESS=198.18.102.' "$GW_DIR/oc-bob.env" ||
  interop_fail "the new label did not select the sales group"
oc_stop "$OC_PID"

# --- 3. invalid reloads are refused, the gateway keeps serving --------------------------------
cp "$GW_DIR/sekishod.toml" "$GW_DIR/good.toml"
sed -i 's/^banner = "reloaded banner"/banner = "never applied"\nbaner = "typo"/;
        s/^mtu = 1500/mtu = 1500\nmtuu = 1400/' "$GW_DIR/sekishod.toml"
reload 'reload 2 refused'
grep -Eq "reload 2 refused.*sekishod.toml:[0-9]+:[0-9]+: .*tunnel.baner" "$GW_LOG" ||
  interop_fail "the refusal does not name tunnel.baner with file:line"
[ "$(grep -c 'reload 2 refused' "$GW_LOG")" -ge 2 ] || interop_fail "not every error was logged"
# A key that does not belong to the certificate: the security module refuses it.
sed 's#pki/server-rsa-key.pem#pki/server-key.pem#' "$GW_DIR/good.toml" >"$GW_DIR/sekishod.toml"
reload 'reload 2 refused.*does not belong to the certificate'
cp "$GW_DIR/good.toml" "$GW_DIR/sekishod.toml"
interop_pid_running "$GW_PID" || interop_fail "sekishod died on an invalid reload"
# Still the last good configuration: a login with the new pin gets the reloaded banner.
OC_URL=${GW_URL}eng oc_connect dave $'carolpw\n' --user carol --passwd-on-stdin --no-dtls \
  --non-inter
wait_tunnel oc-dave
grep -q 'CISCO_BANNER=reloaded banner' "$GW_DIR/oc-dave.env" ||
  interop_fail "a refused reload changed the configuration"
oc_stop "$OC_PID"
# The same file again: a reload that changes nothing says so.
reload 'reload 2 applied: changed none'

# --- 4. the ping lost nothing; the tunnel and the processes are the same ------------------
interop_pid_running "$alice_pid" || interop_fail "alice's openconnect exited"
# The ping covered every reload: it runs on for half a second after the last one.
seq_now=$(grep -Eo 'icmp_seq=[0-9]+' "$GW_DIR/ping.log" | tail -1 | cut -d= -f2)
interop_wait_for_log "$GW_DIR/ping.log" "icmp_seq=$((seq_now + 5)) " 5 ||
  interop_fail "the ping stopped after the last reload"
kill -INT "$ping_pid"
interop_wait_for_log "$GW_DIR/ping.log" 'packets transmitted' 5 || interop_fail "ping gave no totals"
grep 'packets transmitted' "$GW_DIR/ping.log"
grep -Eq ' 0% packet loss' "$GW_DIR/ping.log" || interop_fail "the ping lost packets across reloads"
sent=$(grep -Eo '^[0-9]+ packets transmitted' "$GW_DIR/ping.log" | cut -d' ' -f1)
[ "$sent" -ge 20 ] || interop_fail "only $sent echo requests: the test did not cover the reloads"
[ "$(ip -n "$SK_NS_CL" -4 -o addr show dev oc-alice | awk '{ print $4 }')" = "$alice_address" ] ||
  interop_fail "alice's tunnel address changed"
workers_after=$(pgrep -P "$GW_PID" | sort | tr '\n' ' ')
[ "$workers_before" = "$workers_after" ] ||
  interop_fail "child processes changed across the reloads ($workers_before -> $workers_after)"
# A worker started after a reload (here: after a crash) is sent the reloaded configuration.
victim=$(pgrep -P "$GW_PID" | tail -1)
kill -KILL "$victim"
interop_wait_for_log "$GW_LOG" "killed by signal 9; .* restarting it" 10 ||
  interop_fail "the killed worker is not restarted"
interop_wait_for_log "$GW_LOG" "worker [0-9]+\]\[[0-9]+\] .*configuration reload 2 applied" 1 ||
  interop_fail "no worker applied reload 2"
for i in $(seq 1 100); do
  [ "$(grep -c 'configuration reload 2 applied' "$GW_LOG")" -ge 3 ] && break
  sleep 0.1
done
[ "$(grep -c 'configuration reload 2 applied' "$GW_LOG")" -ge 3 ] ||
  interop_fail "the restarted worker did not get the reloaded configuration"
oc_stop "$alice_pid"

# --- 5. --single-process: the same reload in one process --------------------------------------
kill -TERM "$GW_PID"
for i in $(seq 1 50); do interop_pid_running "$GW_PID" || break; sleep 0.1; done
GW_LOG=$GW_DIR/single.log
sed -i 's/^port = 8443/port = 443/' "$GW_DIR/sekishod.toml"  # the restart takes the port
interop_bg "$SK_NS_GW" "$GW_LOG" "$SEKISHOD" --config "$GW_DIR/sekishod.toml" --single-process
GW_PID=$SK_LAST_PID
interop_wait_port "$SK_NS_GW" 443 15 || interop_fail "sekishod --single-process did not listen"
OC_URL=${GW_URL}eng oc_connect single1 $'alicepw\n' --user alice --passwd-on-stdin --no-dtls \
  --non-inter
wait_tunnel oc-single1
single_pid=$OC_PID
sed -i 's#pki/server-rsa.pem#pki/server.pem#; s#pki/server-rsa-key.pem#pki/server-key.pem#;
        s/^banner = "reloaded banner"/banner = "single-process banner"/' "$GW_DIR/sekishod.toml"
reload 'reload 1 applied: changed tls.certificate, tls.private_key, tunnel.banner'
GW_PIN=$OLD_PIN  # back to the ECDSA certificate
OC_URL=${GW_URL}eng oc_connect single2 $'carolpw\n' --user carol --passwd-on-stdin --no-dtls \
  --non-inter
wait_tunnel oc-single2
grep -q 'CISCO_BANNER=single-process banner' "$GW_DIR/oc-single2.env" ||
  interop_fail "--single-process: the new banner is not served"
interop_pid_running "$single_pid" || interop_fail "--single-process: the first tunnel ended"
ip netns exec "$SK_NS_CL" ping -c 3 -i 0.2 -W 2 -I oc-single1 198.18.200.1 >/dev/null ||
  interop_fail "--single-process: the first tunnel does not carry traffic after the reload"
oc_stop "$OC_PID"
oc_stop "$single_pid"

# --- 6. a tunnel on DTLS keeps its data on UDP across a reload (workers, separated form) -------
kill -TERM "$GW_PID"
for i in $(seq 1 50); do interop_pid_running "$GW_PID" || break; sleep 0.1; done
sed -i 's/^enabled = false/enabled = true/' "$GW_DIR/sekishod.toml"
gw_start "$GW_DIR"
OC_URL=${GW_URL}eng oc_connect dtls $'alicepw\n' --user alice --passwd-on-stdin --non-inter
for i in $(seq 1 200); do
  grep -q 'Established DTLS connection' "$OC_LOG" 2>/dev/null && break
  interop_pid_running "$OC_PID" || interop_fail "DTLS: openconnect exited"
  sleep 0.1
done
grep -q 'Established DTLS connection' "$OC_LOG" || interop_fail "DTLS not established"
wait_tunnel oc-dtls
dtls_pid=$OC_PID
interop_bg "$SK_NS_CL" "$GW_DIR/ping-dtls.log" ping -D -I oc-dtls -i 0.1 -W 1 198.18.200.1
ping_pid=$SK_LAST_PID
interop_wait_for_log "$GW_DIR/ping-dtls.log" 'icmp_seq=5 ' 5 || interop_fail "no ping over DTLS"
sed -i 's/^banner = "single-process banner"/banner = "dtls banner"/' "$GW_DIR/sekishod.toml"
reload 'reload 1 applied: changed tunnel.banner'
seq_now=$(grep -Eo 'icmp_seq=[0-9]+' "$GW_DIR/ping-dtls.log" | tail -1 | cut -d= -f2)
interop_wait_for_log "$GW_DIR/ping-dtls.log" "icmp_seq=$((seq_now + 5)) " 5 ||
  interop_fail "the ping over DTLS stopped after the reload"
kill -INT "$ping_pid"
interop_wait_for_log "$GW_DIR/ping-dtls.log" 'packets transmitted' 5 || interop_fail "no ping totals"
grep -Eq ' 0% packet loss' "$GW_DIR/ping-dtls.log" ||
  interop_fail "the ping over DTLS lost packets: $(grep 'packets transmitted' "$GW_DIR/ping-dtls.log")"
[ "$(gw_ctl show sessions --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["sessions"][0]["channel"])')" = dtls ] ||
  interop_fail "the tunnel left DTLS across the reload"
oc_stop "$dtls_pid"
echo "PASS: sekishod reloads without dropping users"

#!/usr/bin/env bash
# The client against a malicious gateway (issue 11, item 6): tests/hostile/malicious_gateway.py
# answers the login and then CONNECT with one hostile value per mode. For each mode sekisho runs
# in the client namespace twice, once configuring the TUN itself and once with a --script that
# records its environment, and must:
#   - exit at once with an error naming the header and the value (or, for `banner`, come up and
#     print the banner and login texts without a single escape or control byte);
#   - leave the client namespace as it was: no TUN device, address or route for the bad value;
#   - never run the script with the value (for refused modes: never run it at all);
#   - for `reconnect` (a sane first CONNECT, then netmask 0.0.0.0 when the client reconnects):
#     stop instead of installing it, and take its tunnel down.
# Client side only: no sekishod, no hostile_setup. Root only (namespaces), 77 otherwise.
set -euo pipefail
. "$(dirname "$0")/../interop/lib.sh"
. "$(dirname "$0")/../interop/client_common.sh"
interop_require_root
# Debian's python3 when there is one: a version manager's shim costs a second per start.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3) || interop_skip "python3 missing"
command -v certtool >/dev/null || interop_skip "certtool missing"
[ -x "$SEKISHO" ] || interop_fail "sekisho not built at $SEKISHO"

EVIL=$SEKISHO_SOURCE_DIR/tests/hostile/malicious_gateway.py
interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
CL_DIR=$(interop_tmpdir)
interop_gen_certs "$GW_DIR/pki"
CA=$GW_DIR/pki/ca.pem
URL=https://$SK_GW_IP/
printf 'alicepw\n' >"$CL_DIR/password.in"
# Records the environment the client gives the script; configures nothing.
RECORDER=$CL_DIR/recorder.sh
printf '#!/bin/sh\n{ env; echo ---; } >>"$1"\nexit 0\n' >"$RECORDER"
chmod +x "$RECORDER"

# What the client namespace looks like without any tunnel.
# (IPv4 only: the veth's IPv6 link-local address changes state by itself after DAD.)
ns_state() {
  ip -n "$SK_NS_CL" -o link show | awk -F': ' '{ print $2 }'
  ip -n "$SK_NS_CL" -4 -o addr show
  ip -n "$SK_NS_CL" -4 route show table all
}
BASELINE=$(ns_state)

evil_start() {
  interop_bg "$SK_NS_GW" "$GW_DIR/evil-$1.log" "$PYTHON" "$EVIL" --mode "$1" \
    --cert "$GW_DIR/pki/server.pem" --key "$GW_DIR/pki/server-key.pem" --listen "$SK_GW_IP"
  EVIL_PID=$SK_LAST_PID
  interop_wait_port "$SK_NS_GW" 443 10 || interop_fail "malicious gateway ($1) did not listen"
}

evil_stop() {
  kill -TERM "$EVIL_PID" 2>/dev/null || true
  wait "$EVIL_PID" 2>/dev/null || true
}

# no_control_bytes FILE [ALLOWED]: FILE holds no C0 control (other than LF and tab), no DEL
# and no UTF-8 C1 control (C2 80..C2 9F).
no_control_bytes() {
  ! LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$1"
}

# sekisho_bounded LOG ARGS...: runs `sekisho connect` against the malicious gateway, at most
# 10 s (a client that accepted the value keeps its tunnel up and hits the bound); prints the
# exit status. Runs inside $(...): the caller records LOG.
sekisho_bounded() {
  local log=$1 status=0
  shift
  # shellcheck disable=SC2046
  ip netns exec "$SK_NS_CL" env $(sk_env) timeout 10 "$SEKISHO" connect --non-inter \
    --cafile "$CA" --user alice --passwd-on-stdin --interface sk-evil "$@" "$URL" \
    <"$CL_DIR/password.in" >"$log" 2>&1 || status=$?
  echo "$status"
}

# refused MODE REGEX: both runs must end with the error and leave nothing behind.
refused() {
  local mode=$1 regex=$2 log record status
  evil_start "$mode"
  log=$CL_DIR/$mode-tun.log
  interop_add_log "$log"
  status=$(sekisho_bounded "$log")
  [ "$status" != 124 ] || interop_fail "$mode: sekisho accepted the value and kept running"
  [ "$status" != 0 ] || interop_fail "$mode: sekisho exited 0"
  grep -Eq -- "$regex" "$log" || interop_fail "$mode: no /$regex/ in the output"
  no_control_bytes "$log" || interop_fail "$mode: control bytes reached the terminal"
  [ "$(ns_state)" = "$BASELINE" ] ||
    interop_fail "$mode: the client namespace changed: $(diff <(echo "$BASELINE") <(ns_state))"

  log=$CL_DIR/$mode-script.log
  record=$CL_DIR/$mode-env.txt
  interop_add_log "$log"
  status=$(sekisho_bounded "$log" --script "$RECORDER $record")
  [ "$status" != 124 ] || interop_fail "$mode (--script): sekisho kept running"
  grep -Eq -- "$regex" "$log" || interop_fail "$mode (--script): no /$regex/ in the output"
  if [ -e "$record" ]; then
    interop_fail "$mode: the script ran with the hostile configuration: $(head -c 400 "$record")"
  fi
  [ "$(ns_state)" = "$BASELINE" ] || interop_fail "$mode (--script): the namespace changed"
  evil_stop
  echo "refused $mode: $(grep -m1 -Eo 'refusing .*|Error: .*' "$log")"
}

refused netmask0 "Error: CONNECT: malformed: refusing X-CSTP-Netmask '0\.0\.0\.0'"
refused subnet-gateway "refusing X-CSTP-Address/X-CSTP-Netmask '198\.18\.50\.10/255\.0\.0\.0'.*gateway's own address 198\.18\.0\.1"
refused address "refusing X-CSTP-Address '224\.0\.0\.5'.*not a unicast"
refused route-gateway "refusing X-CSTP-Split-Include '198\.18\.0\.0/255\.255\.0\.0'.*covers the gateway's own address"
refused dns "refusing X-CSTP-DNS '198\.18\.0\.53;reboot'.*not an IP address"
# A raw ESC or LF inside a header line already breaks the HTTP head (CheckPushedConfig's own
# control-character rule is unit-tested): the answer is unusable.
refused domain-escape "Error: CONNECT: malformed: HTTP"
refused domain-newline "Error: CONNECT: malformed: HTTP"
refused domain-shell "refusing X-CSTP-Default-Domain 'example\.com;\\\$\(reboot\)'.*not a DNS name"
refused split-dns "refusing X-CSTP-Split-DNS '\\\$\(reboot\)\.example'.*not a DNS name"
refused mtu-huge "refusing X-CSTP-MTU '100000'.*not an MTU in 576\.\.16376"
refused mtu-tiny "refusing X-CSTP-MTU '100'.*not an MTU"

# --- banner: the tunnel comes up; nothing of the escape sequences reaches terminal or script
evil_start banner
record=$CL_DIR/banner-env.txt
SK_LOG=$CL_DIR/banner.log
interop_bg "$SK_NS_CL" "$SK_LOG" env $(sk_env) sh -c 'exec "$@" <"$0"' "$CL_DIR/password.in" \
  "$SEKISHO" connect --non-inter --cafile "$CA" --user alice --passwd-on-stdin \
  --interface sk-evil --script "$RECORDER $record" "$URL"
SK_PID=$SK_LAST_PID
interop_wait_for_log "$SK_LOG" 'Tunnel: sk-evil up' 15 || interop_fail "banner: no tunnel"
for expected in 'Banner: Welcome to the hostile gateway' 'Login here' 'Pre-login banner' \
  'Authorised use only\.'; do
  grep -q "^$expected\$" "$SK_LOG" || interop_fail "banner: no line '$expected'"
done
no_control_bytes "$SK_LOG" || interop_fail "banner: control bytes reached the terminal"
grep -q '^CISCO_BANNER=Welcome to the hostile gateway$' "$record" ||
  interop_fail "banner: CISCO_BANNER not cleaned: $(grep -a CISCO_BANNER "$record")"
no_control_bytes "$record" || interop_fail "banner: control bytes reached the script"
sk_stop "$SK_PID"
evil_stop
echo "banner: printed and passed to the script without escape sequences"

# --- reconnect: a sane tunnel, then the reconnect pushes netmask 0.0.0.0 -------------------
evil_start reconnect
SK_LOG=$CL_DIR/reconnect.log
interop_bg "$SK_NS_CL" "$SK_LOG" env $(sk_env) sh -c 'exec "$@" <"$0"' "$CL_DIR/password.in" \
  "$SEKISHO" connect --non-inter --cafile "$CA" --user alice --passwd-on-stdin \
  --interface sk-evil "$URL"
SK_PID=$SK_LAST_PID
interop_wait_for_log "$SK_LOG" "Error: reconnect: malformed: refusing X-CSTP-Netmask '0\.0\.0\.0'" \
  15 || interop_fail "reconnect: the bad value was not refused"
grep -q 'Tunnel: sk-evil up with 198.18.50.10/24' "$SK_LOG" || interop_fail "reconnect: no first tunnel"
for _ in $(seq 1 50); do
  interop_pid_running "$SK_PID" || break
  sleep 0.1
done
interop_pid_running "$SK_PID" && interop_fail "reconnect: sekisho still runs after refusing"
[ "$(ns_state)" = "$BASELINE" ] || interop_fail "reconnect: the namespace was not restored"
evil_stop
echo "reconnect: refused, tunnel taken down"

echo "PASS client_malicious_gateway"

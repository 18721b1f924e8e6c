#!/usr/bin/env bash
# Client rekeying (issue 10, point 3): our client `sekisho` follows X-CSTP-Rekey-Method and
# X-CSTP-Rekey-Time (6 s here) without a new login, keeping its address, and a ping at 0.2 s
# intervals running across several rekeys loses no packet:
#   1. sekishod, new-tunnel (what it announces), TLS only and with DTLS;
#   2. ocserv 1.1.6, rekey-method = new-tunnel, TLS only and with DTLS;
#   3. ocserv, rekey-method = ssl over TLS 1.3: a KeyUpdate in place (ocserv keeps the
#      connection: one worker, one TLS session throughout);
#   4. ocserv, rekey-method = ssl with TLS 1.2 only: a renegotiation in place, which ocserv
#      logs ("TLS rehandshake completed").
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
. "$(dirname "$0")/ocserv_common.sh"
. "$(dirname "$0")/client_common.sh"
interop_require_root
[ -x "$SEKISHO" ] || interop_fail "sekisho not built at $SEKISHO"

interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
OCS_DIR=$(interop_tmpdir)
CL_DIR=$(interop_tmpdir)
PINGS=80  # 16 s at 0.2 s: at least two rekeys every 6 s (5.4 s with the client's lead)

ocs_peer_of() {
  ip -n "$SK_NS_GW" -4 -o addr show | awk -v peer="$1/32" '$6 == peer { split($4, a, "/"); print a[1] }'
}

# rekey_case LABEL NAME PEER DONE_REGEX SEKISHO_ARGS...: connects, pings PEER across the rekeys
# and checks: no ping lost, >= 2 rekeys (lines matching DONE_REGEX), same address, one login.
rekey_case() {
  local label=$1 name=$2 peer=$3 done_regex=$4 addr before after rekeys
  shift 4
  sk_connect "$name" $'alicepw\n' --user alice --passwd-on-stdin "$@"
  sk_wait_tunnel "$name"
  addr=$(sk_addr "$name")
  [ -n "$peer" ] || peer=$(ocs_peer_of "$addr")
  [ -n "$peer" ] || interop_fail "$label: no gateway address for $addr"
  grep -q 'Rekey: every 6 s' "$SK_LOG" || interop_fail "$label: the rekey announcement is not shown"
  before=$(grep -Ec "$done_regex" "$SK_LOG" || true)
  ip netns exec "$SK_NS_CL" ping -c "$PINGS" -i 0.2 -W 2 "$peer" >"$CL_DIR/ping-$name.log" 2>&1 ||
    true
  after=$(grep -Ec "$done_regex" "$SK_LOG" || true)
  rekeys=$((after - before))
  grep -E 'packets transmitted' "$CL_DIR/ping-$name.log" |
    sed "s|^|$label: |"
  grep -Eq "^$PINGS packets transmitted, $PINGS received" "$CL_DIR/ping-$name.log" ||
    interop_fail "$label: pings lost across the rekeys: $(grep transmitted "$CL_DIR/ping-$name.log")"
  [ "$rekeys" -ge 2 ] || interop_fail "$label: expected >= 2 rekeys during the ping, saw $rekeys"
  [ "$(sk_addr "$name")" = "$addr" ] || interop_fail "$label: the address changed"
  [ "$(grep -c 'Authentication: succeeded' "$SK_LOG")" = 1 ] ||
    interop_fail "$label: logged in again"
  grep -q 'Reconnect:' "$SK_LOG" && interop_fail "$label: the tunnel was lost and reconnected"
  interop_pid_running "$SK_PID" || interop_fail "$label: sekisho exited"
  echo "$label: $rekeys rekeys during $PINGS pings, address $addr kept, one login"
  sk_stop "$SK_PID"
  grep -q 'Disconnected: logged off' "$SK_LOG" || interop_fail "$label: did not log off"
}

NEW_TUNNEL='Rekey: new tunnel up'

# --- 1. sekishod: new-tunnel, TLS only and with DTLS --------------------------------------------
gw_setup "$GW_DIR"
sed -i 's/^dpd = 30/dpd = 30\nrekey_time = 6/' "$GW_DIR/sekishod.toml"
gw_start "$GW_DIR"
CL_URL=${GW_URL}eng
SKD=(--cafile "$GW_DIR/pki/ca.pem")
rekey_case "sekishod/tls" sktls 198.18.101.1 "$NEW_TUNNEL" "${SKD[@]}"
[ "$(grep -c 'tunnel up: user alice' "$GW_LOG")" -ge 3 ] ||
  interop_fail "sekishod did not see the new tunnels"
kill -TERM "$GW_PID" 2>/dev/null || true
for _ in $(seq 1 50); do interop_pid_running "$GW_PID" || break; sleep 0.1; done
sed -i 's/^enabled = false/enabled = true/' "$GW_DIR/sekishod.toml"
gw_start "$GW_DIR"
rekey_case "sekishod/dtls" skdtls 198.18.101.1 "$NEW_TUNNEL" "${SKD[@]}"
[ "$(grep -c 'DTLS: established' "$SK_LOG")" -ge 3 ] ||
  interop_fail "sekishod/dtls: DTLS was not set up again after each rekey"
kill -TERM "$GW_PID" 2>/dev/null || true
for _ in $(seq 1 50); do interop_pid_running "$GW_PID" || break; sleep 0.1; done

# --- 2.-4. ocserv ----------------------------------------------------------------------------
ocs_setup "$OCS_DIR" password
sed -i 's/^rekey-time = .*/rekey-time = 6/' "$OCS_DIR/ocserv.conf"
CL_URL=$OCS_URL
OCS=(--cafile "$OCS_DIR/pki/ca.pem" --authgroup sales)

ocs_with_method() {  # METHOD [TLS-PRIORITIES]: restarts ocserv, logging at -d 3 (INFO lines)
  ocs_stop
  sed -i "s/^rekey-method = .*/rekey-method = $1/; /^tls-priorities/d" "$OCS_DIR/ocserv.conf"
  [ -z "${2:-}" ] || echo "tls-priorities = \"$2\"" >>"$OCS_DIR/ocserv.conf"
  OCS_LOG=$OCS_DIR/ocserv-$1${2:+-tls12}.log
  interop_bg "$SK_NS_GW" "$OCS_LOG" ocserv -f -d 3 -c "$OCS_DIR/ocserv.conf"
  OCS_PID=$SK_LAST_PID
  interop_wait_port "$SK_NS_GW" 443 15 || interop_fail "ocserv did not listen"
}

# In place: one CONNECT for the whole test, ocserv never saw the session re-used.
ocs_one_connection() {
  [ "$(grep -c 'user logged in' "$OCS_LOG")" = 1 ] ||
    interop_fail "$1: ocserv saw more than one CONNECT"
  grep -q 'session re-use' "$OCS_LOG" && interop_fail "$1: ocserv saw the session re-used"
  return 0
}

ocs_with_method new-tunnel
rekey_case "ocserv/new-tunnel/tls" ontls "" "$NEW_TUNNEL" "${OCS[@]}" --no-dtls
[ "$(grep -c 'authenticated (using cookie)' "$OCS_LOG")" -ge 3 ] ||
  interop_fail "ocserv did not see the new tunnels (CONNECT with the cookie)"
rekey_case "ocserv/new-tunnel/dtls" ondtls "" "$NEW_TUNNEL" "${OCS[@]}"
[ "$(grep -c 'DTLS: established' "$SK_LOG")" -ge 3 ] ||
  interop_fail "ocserv/new-tunnel/dtls: DTLS was not set up again after each rekey"

ocs_with_method ssl
rekey_case "ocserv/ssl/tls1.3" os13 "" 'Rekey: TLS 1.3 key update sent' "${OCS[@]}"
grep -q 'Rekey: every 6 s by ssl' "$SK_LOG" || interop_fail "ocserv did not announce ssl"
grep -q 'Rekey: new tunnel' "$SK_LOG" && interop_fail "ssl rekey opened a new tunnel"
ocs_one_connection "ocserv/ssl/tls1.3"

ocs_with_method ssl 'NORMAL:%SERVER_PRECEDENCE:-VERS-TLS1.3'
rekey_case "ocserv/ssl/tls1.2" os12 "" 'Rekey: TLS renegotiated' "${OCS[@]}" --no-dtls
grep -q 'Rekey: new tunnel' "$SK_LOG" && interop_fail "ssl rekey opened a new tunnel"
[ "$(grep -c 'TLS rehandshake completed' "$OCS_LOG")" -ge 2 ] ||
  interop_fail "ocserv did not log the renegotiations"
ocs_one_connection "ocserv/ssl/tls1.2"
ocs_stop
echo "PASS"

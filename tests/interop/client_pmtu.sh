#!/usr/bin/env bash
# Path-MTU probing over DTLS (issue 10, point 6): our client `sekisho` against sekishod and
# ocserv, in two namespaces this test creates. With DTLS up and the path carrying X-DTLS-MTU,
# the first probe is echoed and the TUN keeps X-DTLS-MTU. Then the gateway namespace's veth MTU
# drops to 1300: larger datagrams from the client vanish without an ICMP (a black hole, as
# behind a tunnel or a misconfigured router). The recheck (--pmtu-recheck 2) finds it: the TUN
# MTU goes down to what the path carries, `sekisho status` shows it, data stays on DTLS and a
# ping of the full new size with DF set passes. Back at 1500, the next recheck raises the TUN
# MTU to X-DTLS-MTU again.
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
PATH_MTU=1300

tun_mtu() { ip -n "$SK_NS_CL" -o link show dev "sk-$1" | grep -Eo 'mtu [0-9]+' | cut -d' ' -f2; }
gw_link_mtu() { ip -n "$SK_NS_GW" link set dev "$SK_IF_GW" mtu "$1" || interop_fail "set the veth MTU"; }
ocs_peer_of() {
  ip -n "$SK_NS_GW" -4 -o addr show | awk -v peer="$1/32" '$6 == peer { split($4, a, "/"); print a[1] }'
}

# run_pmtu GATEWAY NAME PEER ARGS...
run_pmtu() {
  local gw=$1 name=$2 peer=$3
  shift 3
  sk_connect "$name" $'alicepw\n' --user alice --passwd-on-stdin --pmtu-recheck 2 "$@"
  sk_wait_tunnel "$name"
  interop_wait_for_log "$SK_LOG" 'data path: DTLS' 15 || interop_fail "$gw: data never moved to DTLS"
  local offer dtls_mtu
  offer=$(grep -o 'DTLS: offered: .*' "$SK_LOG" | head -1)
  dtls_mtu=$(echo "$offer" | sed -E 's/.*, MTU ([0-9]+) \(TLS MTU [0-9]+\)/\1/')
  [ -n "$peer" ] || peer=$(ocs_peer_of "$(sk_addr "$name")")
  # The first search: the path carries X-DTLS-MTU, nothing changes.
  local ok=
  for _ in $(seq 1 50); do
    if sk_run status --interface "sk-$name" | grep -Eq "^MTU: +$dtls_mtu \(.*, path $dtls_mtu\)\$"; then
      ok=1
      break
    fi
    sleep 0.1
  done
  [ -n "$ok" ] || interop_fail "$gw: the first probe did not confirm X-DTLS-MTU $dtls_mtu: $(sk_run status)"
  [ "$(tun_mtu "$name")" = "$dtls_mtu" ] || interop_fail "$gw: TUN MTU $(tun_mtu "$name") != $dtls_mtu"
  grep -q 'path MTU probe' "$SK_LOG" && interop_fail "$gw: MTU changed although the path carries it"

  gw_link_mtu $PATH_MTU
  interop_wait_for_log "$SK_LOG" 'Tunnel: MTU [0-9]+ \(path MTU probe: larger DTLS packets are lost' 20 ||
    interop_fail "$gw: the TUN MTU did not follow the path: $(grep -E 'MTU|DTLS' "$SK_LOG" | tail -4)"
  local mtu
  mtu=$(grep -Eo 'Tunnel: MTU [0-9]+ \(path MTU probe' "$SK_LOG" | tail -1 | grep -Eo '[0-9]+')
  echo "$gw: X-DTLS-MTU $dtls_mtu, path $PATH_MTU -> TUN MTU $mtu ($(grep -Eo 'Tunnel: MTU.*' "$SK_LOG" | tail -1))"
  [ "$(tun_mtu "$name")" = "$mtu" ] || interop_fail "$gw: TUN MTU $(tun_mtu "$name"), log says $mtu"
  # What fits into one 1300-byte IP datagram (+ the veth's 18 bytes of slack) after the IP, UDP,
  # DTLS (>= 13 + 16) and AnyConnect (1) headers; a search that stopped early would be far below.
  [ "$mtu" -lt $((PATH_MTU + 18 - 20 - 8 - 13 - 16 - 1)) ] || interop_fail "$gw: TUN MTU $mtu too large for the path"
  [ "$mtu" -gt $((PATH_MTU - 120)) ] || interop_fail "$gw: TUN MTU $mtu far below the path's"
  sk_run status --interface "sk-$name" >"$CL_DIR/status-$name.txt"
  cat "$CL_DIR/status-$name.txt"
  grep -Eq "^MTU: +$mtu \(.*X-DTLS-MTU $dtls_mtu, path $mtu" "$CL_DIR/status-$name.txt" ||
    interop_fail "$gw: status does not show the probed MTU"
  grep -Eq '^Data path: +DTLS$' "$CL_DIR/status-$name.txt" || interop_fail "$gw: data left DTLS"
  # A full-size packet with DF set crosses the path, over DTLS.
  local before after
  before=$(sk_run status --json --interface "sk-$name" | python3 -c 'import json,sys; print(json.load(sys.stdin)["dtls"]["packets_out"])')
  ip netns exec "$SK_NS_CL" ping -M do -s $((mtu - 28)) -c 3 -i 0.2 -W 2 "$peer" >/dev/null ||
    interop_fail "$gw: a DF ping of $mtu bytes does not pass"
  after=$(sk_run status --json --interface "sk-$name" | python3 -c 'import json,sys; print(json.load(sys.stdin)["dtls"]["packets_out"])')
  [ $((after - before)) -ge 3 ] || interop_fail "$gw: the pings did not go over DTLS ($before -> $after)"

  gw_link_mtu 1500
  interop_wait_for_log "$SK_LOG" "Tunnel: MTU $dtls_mtu \\(path MTU probe: the path carries X-DTLS-MTU\\)" 10 ||
    interop_fail "$gw: the TUN MTU did not return to $dtls_mtu"
  [ "$(tun_mtu "$name")" = "$dtls_mtu" ] || interop_fail "$gw: TUN MTU $(tun_mtu "$name") after the path grew"
  sk_stop "$SK_PID"
}

# --- sekishod -----------------------------------------------------------------------------------
gw_setup "$GW_DIR"
sed -i 's/^enabled = false/enabled = true/' "$GW_DIR/sekishod.toml"
gw_start "$GW_DIR"
CL_URL=${GW_URL}eng
run_pmtu sekishod skd 198.18.101.1 --cafile "$GW_DIR/pki/ca.pem"
kill -TERM "$GW_PID" 2>/dev/null || true
for _ in $(seq 1 50); do interop_pid_running "$GW_PID" || break; sleep 0.1; done
for _ in $(seq 1 50); do _sk_port_listening "$SK_NS_GW" 443 tcp || break; sleep 0.1; done

# --- ocserv ---------------------------------------------------------------------------------------
ocs_setup "$OCS_DIR" password
printf 'dtls-psk = true\n' >>"$OCS_DIR/ocserv.conf"
ocs_start "$OCS_DIR"
CL_URL=$OCS_URL
run_pmtu ocserv ocs '' --cafile "$OCS_DIR/pki/ca.pem" --authgroup engineering
ocs_stop
echo "PASS: path-MTU probing over DTLS with sekishod and ocserv"

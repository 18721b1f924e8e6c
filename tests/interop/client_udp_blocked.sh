#!/usr/bin/env bash
# Blocked UDP and a DTLS channel that dies later, seen from our client `sekisho` against
# sekishod (issue 4, client side), in two namespaces this test creates.
#   A. UDP is dropped in the gateway namespace BEFORE the client connects; a ping (-i 0.2) runs
#      through the whole case. The client's log must show the five ClientHello retries at about
#      t+1, 3, 7, 15, 31 s (backoff 1, 2, 4, 8, 16 s), the give-up at t+47 s, and the TUN MTU
#      must change from the DTLS MTU to X-CSTP-MTU (ip link in the client namespace) while data
#      stays on TLS; the ping may lose at most 2 packets. With --dtls-retry-period 10 a new
#      attempt follows 10 s later without touching the MTU; UDP is allowed before it, so it
#      succeeds and the MTU goes back up.
#   B. UDP is dropped again while DTLS carries the data: within the DTLS DPD interval (2 x
#      X-DTLS-DPD, the gateway's tunnel.dpd is 2 s here) the client reports data on TLS and
#      pings work again; after UDP is allowed, data returns to DTLS.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
. "$(dirname "$0")/client_common.sh"
interop_require_root
command -v nft >/dev/null || interop_skip "nft missing"
[ -x "$SEKISHO" ] || interop_fail "sekisho not built at $SEKISHO"

interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
CL_DIR=$(interop_tmpdir)
gw_setup "$GW_DIR"
sed -i 's/^enabled = false/enabled = true/; s/^dpd = 30$/dpd = 2/' "$GW_DIR/sekishod.toml"
grep -q '^dpd = 2$' "$GW_DIR/sekishod.toml" || interop_fail "could not set the gateway DPD"
gw_start "$GW_DIR"
CL_URL=${GW_URL}eng
PEER=198.18.101.1

tun_mtu() { ip -n "$SK_NS_CL" -o link show dev sk-blocked | grep -Eo 'mtu [0-9]+' | cut -d' ' -f2; }
now_ms() { date +%s%3N; }

udp_out() {  # UDP datagrams the client namespace sent so far
  ip netns exec "$SK_NS_CL" awk '/^Udp:/ { if (++n == 2) print $5 }' /proc/net/snmp
}

# --- A. UDP blocked from the start -------------------------------------------------------------
interop_drop_udp "$SK_NS_GW"
udp_out_before=$(udp_out)
sk_connect blocked $'alicepw\n' --cafile "$GW_DIR/pki/ca.pem" --user alice --passwd-on-stdin \
  --dtls-retry-period 10
sk_wait_tunnel blocked
offer=$(grep -o 'DTLS: offered: .*' "$SK_LOG" | head -1)
dtls_mtu=$(echo "$offer" | sed -E 's/.*, MTU ([0-9]+) \(TLS MTU ([0-9]+)\)/\1/')
cstp_mtu=$(echo "$offer" | sed -E 's/.*, MTU ([0-9]+) \(TLS MTU ([0-9]+)\)/\2/')
echo "$offer"
[ "$(tun_mtu)" = "$dtls_mtu" ] || interop_fail "TUN MTU $(tun_mtu) at start, expected the DTLS MTU $dtls_mtu"
[ "$dtls_mtu" != "$cstp_mtu" ] || interop_fail "DTLS and CSTP MTU are equal; the test shows nothing"

PING_LOG=$CL_DIR/ping-a.log
interop_bg "$SK_NS_CL" "$PING_LOG" ping -n -i 0.2 -w 75 "$PEER"
ping_pid=$SK_LAST_PID
interop_wait_for_log "$SK_LOG" 'DTLS: no answer after 5 retries' 60 ||
  interop_fail "no give-up: $(grep DTLS "$SK_LOG" | tail -3)"
interop_wait_for_log "$SK_LOG" 'Tunnel: MTU' 3 || interop_fail "no MTU change after the give-up"
[ "$(tun_mtu)" = "$cstp_mtu" ] || interop_fail "TUN MTU $(tun_mtu) after the give-up, expected $cstp_mtu"
grep 'ClientHello retry\|no answer after\|Tunnel: MTU' "$SK_LOG"

# The five retries at t+1, 3, 7, 15, 31 s (backoff 1, 2, 4, 8, 16 s), give-up at t+47 s.
mapfile -t offsets < <(grep -o 'ClientHello retry [0-9] of 5 after [0-9]* s (t+[0-9.]* s)' "$SK_LOG" |
  head -5 | sed -E 's/.*\(t\+([0-9.]+) s\)/\1/')
[ "${#offsets[@]}" = 5 ] || interop_fail "expected 5 retries, saw ${#offsets[@]}"
expected=(1 3 7 15 31)
for i in 0 1 2 3 4; do
  awk -v got="${offsets[$i]}" -v want="${expected[$i]}" \
    'BEGIN { d = got - want; if (d < 0) d = -d; exit !(d <= 0.5) }' ||
    interop_fail "retry $((i + 1)) at t+${offsets[$i]} s, expected t+${expected[$i]} s"
done
giveup=$(grep -o 'no answer after 5 retries.*(t+[0-9.]* s)' "$SK_LOG" | sed -E 's/.*\(t\+([0-9.]+) s\)/\1/')
awk -v got="$giveup" 'BEGIN { d = got - 47; if (d < 0) d = -d; exit !(d <= 1) }' ||
  interop_fail "give-up at t+$giveup s, expected t+47 s"
grep -q 'data path: DTLS' "$SK_LOG" && interop_fail "data moved to DTLS although UDP is blocked"
# The retries really left: ClientHello #1 + 5 retransmissions, nothing more.
udp_sent=$(($(udp_out) - udp_out_before))
[ "$udp_sent" = 6 ] || interop_fail "the client sent $udp_sent UDP datagrams, expected 6 ClientHellos"

# UDP comes back before the next attempt (10 s after the give-up): that attempt succeeds.
sleep 2
[ "$(grep -c 'Tunnel: MTU' "$SK_LOG")" = 1 ] || interop_fail "the MTU changed again while waiting"
interop_allow_udp "$SK_NS_GW"
interop_wait_for_log "$SK_LOG" 'DTLS: new attempt' 15 || interop_fail "no new DTLS attempt"
interop_wait_for_log "$SK_LOG" 'data path: DTLS' 10 || interop_fail "the new attempt did not bring DTLS up"
interop_wait_for_log "$SK_LOG" "Tunnel: MTU $dtls_mtu" 3 || interop_fail "MTU not raised back"
[ "$(tun_mtu)" = "$dtls_mtu" ] || interop_fail "TUN MTU $(tun_mtu) once DTLS is up, expected $dtls_mtu"
sleep 2
kill -INT "$ping_pid" 2>/dev/null || true
for _ in $(seq 1 30); do interop_pid_running "$ping_pid" || break; sleep 0.1; done
summary=$(grep 'packets transmitted' "$PING_LOG") || interop_fail "no ping summary"
sent=$(echo "$summary" | awk '{ print $1 }')
got=$(echo "$summary" | awk '{ print $4 }')
echo "ping through case A: $summary"
[ "$sent" -gt 250 ] || interop_fail "the ping ran too briefly ($sent packets)"
[ $((sent - got)) -le 2 ] || interop_fail "ping lost $((sent - got)) packets across the fallback"

# --- B. DTLS dies later ----------------------------------------------------------------------------
ip netns exec "$SK_NS_CL" ping -c 3 -i 0.2 -W 2 "$PEER" >/dev/null || interop_fail "no ping on DTLS"
tls_before=$(grep -c 'data path: TLS (' "$SK_LOG" || true)
gw_down_before=$(grep -c 'DTLS channel down' "$GW_LOG" || true)
interop_drop_udp "$SK_NS_GW"
drop=$(now_ms)
fell_back=
for _ in $(seq 1 100); do
  if [ "$(grep -c 'data path: TLS (' "$SK_LOG" || true)" -gt "$tls_before" ]; then
    fell_back=$(now_ms)
    break
  fi
  sleep 0.1
done
[ -n "$fell_back" ] || interop_fail "the client did not fall back to TLS"
delay=$((fell_back - drop))
echo "DTLS dead -> data on TLS after ${delay} ms (X-DTLS-DPD 2 s): $(grep -o 'data path: TLS (.*' "$SK_LOG" | tail -1)"
[ "$delay" -le 6000 ] || interop_fail "fallback took ${delay} ms, more than 2 x DPD + 2 s"
ip netns exec "$SK_NS_CL" ping -c 3 -i 0.2 -W 2 "$PEER" >/dev/null || interop_fail "no ping over TLS"
dtls_before=$(grep -c 'data path: DTLS' "$SK_LOG")
# Let the gateway drop its side of the dead channel too (3 x DPD) before UDP returns. Otherwise
# its last DPD request hits the client's closed port, and the ICMP error that ends the old
# channel can race with the new ClientHello in sekishod (see the report on connection.cc).
for _ in $(seq 1 100); do
  [ "$(grep -c 'DTLS channel down' "$GW_LOG" || true)" -gt "$gw_down_before" ] && break
  sleep 0.1
done
interop_allow_udp "$SK_NS_GW"
# The new attempt started when DTLS died; its next ClientHello retry gets through.
for _ in $(seq 1 200); do
  [ "$(grep -c 'data path: DTLS' "$SK_LOG")" -gt "$dtls_before" ] && break
  sleep 0.1
done
[ "$(grep -c 'data path: DTLS' "$SK_LOG")" -gt "$dtls_before" ] || interop_fail "DTLS did not come back"
echo "DTLS back after UDP was allowed: $(grep -o 'data path: DTLS.*' "$SK_LOG" | tail -1)"
ip netns exec "$SK_NS_CL" ping -c 3 -i 0.2 -W 2 "$PEER" >/dev/null || interop_fail "no ping on DTLS again"
sk_stop "$SK_PID"
grep -q 'Disconnected: logged off' "$SK_LOG" || interop_fail "no clean logoff"
echo "PASS: blocked UDP and DTLS fallback with sekisho"

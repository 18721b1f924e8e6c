#!/usr/bin/env bash
# Prometheus metrics of sekishod ([metrics] listen, docs/config.md), scraped inside the
# gateway namespace while Debian's openconnect uses the gateway:
#   1. the endpoint answers GET /metrics in the exposition format, 404 for anything else;
#   2. alice connects (TLS only): sekishod_sessions{group="engineering",channel="tls"} = 1 and
#      the login counters and the login and handshake histograms count her; processes are up;
#   3. a ping through the tunnel makes the byte and packet counters grow;
#   4. a wrong password increments sekishod_logins_failed_total{reason="bad_password"};
#   5. garbage and an oversized request close only that connection, with a log line; the
#      daemon keeps serving scrapes and tunnels;
#   6. SIGKILL of a worker and of the security module: the restart counters count them and
#      the up gauges return to their values.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
interop_require_root
command -v openconnect >/dev/null || interop_skip "openconnect missing"
command -v python3 >/dev/null || interop_skip "python3 missing"

interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
gw_setup "$GW_DIR"
cat >>"$GW_DIR/sekishod.toml" <<'TOML'

[metrics]
listen = "127.0.0.1:9480"
TOML
gw_start "$GW_DIR"
interop_wait_port "$SK_NS_GW" 9480 10 || interop_fail "no metrics listener"

# http METHOD PATH: "STATUS\nBODY" from the metrics endpoint, inside the gateway namespace.
http() {
  ip netns exec "$SK_NS_GW" python3 - "$1" "$2" <<'PY'
import http.client, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head -1` may stop reading early
c = http.client.HTTPConnection("127.0.0.1", 9480, timeout=5)
c.request(sys.argv[1], sys.argv[2])
r = c.getresponse()
print(r.status)
print(r.getheader("Content-Type"))
sys.stdout.write(r.read().decode())
PY
}
scrape() { http GET /metrics | tail -n +3; }
# metric 'NAME{LABELS}': its value in a fresh scrape (0 when absent, as Prometheus would read
# a series not yet created). The series text must match exactly, labels in rendering order.
metric() {
  scrape | awk -v series="$1" '$1 == series { print $2; found = 1 } END { if (!found) print 0 }'
}
# wait_metric SERIES OP VALUE SECONDS: until the series compares true (python operator).
wait_metric() {
  local i v
  for i in $(seq 1 $(($4 * 10))); do
    v=$(metric "$1")
    python3 -c "import sys; sys.exit(0 if float('$v') $2 float('$3') else 1)" && return 0
    sleep 0.1
  done
  interop_fail "$1 = $v, wanted $2 $3 within $4 s"
}

# --- 1. routing and format ----------------------------------------------------------------
out=$(http GET /metrics)
[ "$(echo "$out" | head -1)" = 200 ] || interop_fail "GET /metrics: $(echo "$out" | head -2)"
echo "$out" | sed -n 2p | grep -q 'text/plain; version=0.0.4' || interop_fail "content type"
echo "$out" | grep -qx 'sekishod_up 1' || interop_fail "no sekishod_up"
echo "$out" | grep -qx '# TYPE sekishod_logins_failed_total counter' || interop_fail "no TYPE line"
[ "$(http GET /other | head -1)" = 404 ] || interop_fail "GET /other was not 404"
[ "$(http POST /metrics | head -1)" = 404 ] || interop_fail "POST /metrics was not 404"
grep -q 'POST /metrics answered 404' "$GW_LOG" || interop_fail "no log line for the 404"
[ "$(metric 'sekishod_processes_up{role="secmod"}')" = 1 ] || interop_fail "secmod not up"
[ "$(metric 'sekishod_processes_up{role="worker"}')" -ge 1 ] || interop_fail "no worker up"
[ "$(metric 'sekishod_logins_ok_total')" = 0 ] || interop_fail "logins before any login"

# --- 2. a session -----------------------------------------------------------------------------
OC_URL=${GW_URL}eng oc_connect alice $'alicepw\n' --user alice --passwd-on-stdin --no-dtls --non-inter
for i in $(seq 1 150); do
  ip -n "$SK_NS_CL" -4 addr show dev oc-alice 2>/dev/null | grep -q inet && break
  interop_pid_running "$OC_PID" || interop_fail "openconnect exited: $(tail -3 "$OC_LOG")"
  sleep 0.1
done
ip -n "$SK_NS_CL" -4 addr show dev oc-alice | grep -q inet || interop_fail "no tunnel"
wait_metric 'sekishod_sessions{group="engineering",channel="tls"}' == 1 5
[ "$(metric 'sekishod_logins_ok_total')" = 1 ] || interop_fail "login not counted"
[ "$(metric 'sekishod_login_duration_seconds_count')" -ge 1 ] ||
  interop_fail "password check not in the latency histogram"
scrape | grep -q '^sekishod_login_duration_seconds_bucket{le="+Inf"} [1-9]' ||
  interop_fail "no +Inf bucket"
[ "$(metric 'sekishod_handshake_duration_seconds_count')" -ge 1 ] ||
  interop_fail "alice's TLS handshake not in the handshake histogram"

# --- 3. traffic -------------------------------------------------------------------------------
bytes_in=$(metric 'sekishod_tunnel_bytes_total{direction="in"}')
bytes_out=$(metric 'sekishod_tunnel_bytes_total{direction="out"}')
packets_in=$(metric 'sekishod_tunnel_packets_total{direction="in"}')
ip netns exec "$SK_NS_CL" ping -c 5 -i 0.2 -W 2 198.18.101.1 >/dev/null ||
  interop_fail "ping through the tunnel failed"
# Workers report traffic to main every second.
wait_metric 'sekishod_tunnel_bytes_total{direction="in"}' '>=' $((bytes_in + 5 * 84)) 5
wait_metric 'sekishod_tunnel_bytes_total{direction="out"}' '>=' $((bytes_out + 5 * 84)) 5
wait_metric 'sekishod_tunnel_packets_total{direction="in"}' '>=' $((packets_in + 5)) 5
echo "bytes in $bytes_in -> $(metric 'sekishod_tunnel_bytes_total{direction="in"}')"

# --- 4. a failed login ------------------------------------------------------------------------
failed=$(metric 'sekishod_logins_failed_total{reason="bad_password"}')
! printf 'wrongpw\n' | ip netns exec "$SK_NS_CL" timeout 20 openconnect --authenticate \
  --user carol --passwd-on-stdin --non-inter --servercert "$GW_PIN" "${GW_URL}eng" \
  >"$GW_DIR/bad-login.log" 2>&1 || interop_fail "a wrong password was accepted"
wait_metric 'sekishod_logins_failed_total{reason="bad_password"}' '>=' $((failed + 1)) 5
[ "$(metric 'sekishod_logins_failed_total{reason="throttled"}')" = 0 ] ||
  interop_fail "a throttled login was counted"
[ "$(metric 'sekishod_logins_ok_total')" = 1 ] || interop_fail "the failed login counted as ok"

# --- 5. hostile requests ------------------------------------------------------------------------
ip netns exec "$SK_NS_GW" python3 - <<'PY' || interop_fail "bad requests were not closed"
import socket
def closed_after(data):
    s = socket.create_connection(("127.0.0.1", 9480), timeout=10)
    try:
        s.sendall(data)
    except OSError:
        return True  # reset while sending: closed
    try:
        while s.recv(4096):
            pass
    except ConnectionResetError:
        pass
    return True
closed_after(b"\x16\x03\x01\x02\x00garbage\r\n\r\n")          # a TLS hello, not HTTP
closed_after(b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 8000 + b"\r\n\r\n")  # over 4 KiB
closed_after(b"POST /metrics HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789")  # a body
PY
interop_wait_for_log "$GW_LOG" 'metrics connection from 127.0.0.1 closed: bad request' 5 ||
  interop_fail "no log line for the bad request"
[ "$(http GET /metrics | head -1)" = 200 ] || interop_fail "metrics gone after bad requests"
interop_pid_running "$GW_PID" || interop_fail "sekishod died"
ip netns exec "$SK_NS_CL" ping -c 1 -W 2 198.18.101.1 >/dev/null || interop_fail "tunnel died"

oc_stop "$OC_PID"
wait_metric 'sekishod_sessions{group="engineering",channel="tls"}' == 0 5

# --- 6. children die and are restarted ----------------------------------------------------------
# The PIDs are those of the children of the sekishod this test started, from its log.
child_pid() { grep -Eo "$1 \\(pid [0-9]+\\)" "$GW_LOG" | tail -1 | grep -Eo '[0-9]+\)' | tr -d ')'; }
workers_up=$(metric 'sekishod_processes_up{role="worker"}')
worker0=$(child_pid 'worker 0 serving')
secmod=$(child_pid 'security module started')
[ -n "$worker0" ] && [ -n "$secmod" ] || interop_fail "no child PIDs in the gateway log"
[ "$(metric 'sekishod_process_restarts_total{role="worker"}')" = 0 ] || interop_fail "early restart"
kill -KILL "$worker0" "$secmod"
wait_metric 'sekishod_process_restarts_total{role="worker"}' == 1 5
wait_metric 'sekishod_process_restarts_total{role="secmod"}' == 1 5
wait_metric 'sekishod_processes_up{role="worker"}' == "$workers_up" 5
wait_metric 'sekishod_processes_up{role="secmod"}' == 1 5
echo "PASS: gateway metrics"

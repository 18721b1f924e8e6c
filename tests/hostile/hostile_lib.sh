# shellcheck shell=bash
# Shared by the hostile suite (ctest label `hostile`, issue 11): each case attacks a real
# sekishod while a victim tunnel is up, then checks what docs/threat-model.md promises:
#   - the gateway is still up (its main process and as many workers as before),
#   - a real openconnect login still completes within 1 s,
#   - the victim tunnel lost no ping (every echo answered, none stalled beyond 1 s),
#   - the gateway's memory stayed bounded (RSS of main + children against a baseline).
# Sourced after tests/interop/lib.sh and tests/interop/gateway_common.sh.
#
#   hostile_setup              namespaces, gw_setup + gw_start in $GW_DIR, victim tunnel for
#                              alice (openconnect, TLS only) pinging 198.18.101.1 every 0.2 s.
#                              HOSTILE_TOML (optional) is appended to sekishod.toml first.
#   hostile_gateway_rss_kib    RSS in KiB of the gateway's main process plus its children
#   hostile_mark               remembers the RSS baseline (call after setup, before attacking)
#   hostile_assert_survived MAX_GROWTH_KIB
#                              the four checks above; fails the test with the reason
#
# Attack traffic goes only to $SK_GW_IP inside the test's own namespaces, and every attack
# loop the cases run is bounded in time.

# shellcheck source=/dev/null
HOSTILE_VICTIM_TARGET=198.18.101.1

_hostile_workers() {
  ps -o pid= --ppid "$GW_PID" 2>/dev/null | wc -l
}

hostile_gateway_rss_kib() {
  local total=0 pid rss
  for pid in "$GW_PID" $(ps -o pid= --ppid "$GW_PID" 2>/dev/null); do
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
    total=$((total + ${rss:-0}))
  done
  echo "$total"
}

hostile_setup() {
  command -v openconnect >/dev/null || interop_skip "openconnect missing"
  interop_setup_two_hosts
  GW_DIR=$(interop_tmpdir)
  gw_setup "$GW_DIR"
  if [ -n "${HOSTILE_TOML:-}" ]; then
    printf '\n%s\n' "$HOSTILE_TOML" >>"$GW_DIR/sekishod.toml"
  fi
  gw_start "$GW_DIR"
  OC_URL=${GW_URL}eng oc_connect victim $'alicepw\n' --user alice --passwd-on-stdin --no-dtls \
    --non-inter
  VICTIM_PID=$OC_PID
  interop_wait_link "$SK_NS_CL" oc-victim 20 || interop_fail "victim tunnel did not come up"
  local i
  for i in $(seq 1 100); do
    ip -n "$SK_NS_CL" -4 addr show dev oc-victim 2>/dev/null | grep -q inet && break
    sleep 0.1
  done
  ip netns exec "$SK_NS_CL" ping -c 1 -W 2 "$HOSTILE_VICTIM_TARGET" >/dev/null ||
    interop_fail "no ping through the victim tunnel"
  # One echo every 0.2 s for at most 10 minutes (-w bounds it); -O reports unanswered ones.
  VICTIM_PING_LOG=$GW_DIR/victim-ping.log
  interop_bg "$SK_NS_CL" "$VICTIM_PING_LOG" ping -O -D -i 0.2 -W 1 -w 600 \
    "$HOSTILE_VICTIM_TARGET"
  VICTIM_PING_PID=$SK_LAST_PID
  HOSTILE_WORKERS=$(_hostile_workers)
}

hostile_mark() {
  HOSTILE_RSS_BASE=$(hostile_gateway_rss_kib)
  echo "gateway RSS baseline: ${HOSTILE_RSS_BASE} KiB"
}

# A fresh openconnect login (authentication only, cookie printed) must finish within 1 s.
_hostile_login_ms() {
  local start end
  start=$(date +%s%N)
  printf 'carolpw\n' | ip netns exec "$SK_NS_CL" timeout 10 openconnect --authenticate \
    --user carol --passwd-on-stdin --non-inter --servercert "$GW_PIN" "${GW_URL}eng" \
    >"$GW_DIR/hostile-login.out" 2>&1 || return 1
  grep -q '^COOKIE=' "$GW_DIR/hostile-login.out" || return 1
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

# Every echo answered, in order, with no gap and no reply slower than 1 s.
_hostile_check_pings() {
  local lost slow seqs
  lost=$(grep -c 'no answer yet' "$VICTIM_PING_LOG" || true)
  [ "$lost" -eq 0 ] || interop_fail "victim tunnel lost $lost ping(s) (see $VICTIM_PING_LOG)"
  slow=$(grep -Eo 'time=[0-9.]+' "$VICTIM_PING_LOG" | cut -d= -f2 |
    awk '$1 >= 1000 { n++ } END { print n + 0 }')
  [ "$slow" -eq 0 ] || interop_fail "victim tunnel stalled: $slow echo(s) took over 1 s"
  seqs=$(grep -Eo 'icmp_seq=[0-9]+' "$VICTIM_PING_LOG" | cut -d= -f2 |
    awk 'NR == 1 { prev = $1; next } $1 != prev + 1 { gap++ } { prev = $1 } END { print gap + 0 }')
  [ "$seqs" -eq 0 ] || interop_fail "victim tunnel replies have $seqs gap(s)"
  local answered
  answered=$(grep -c 'icmp_seq=' "$VICTIM_PING_LOG" || true)
  echo "victim tunnel: $answered echo(s), all answered"
}

hostile_assert_survived() {
  local max_growth=$1 ms rss
  interop_pid_running "$GW_PID" || interop_fail "sekishod died"
  [ "$(_hostile_workers)" -ge "$HOSTILE_WORKERS" ] ||
    interop_fail "sekishod has fewer children than before the attack"
  interop_pid_running "$VICTIM_PID" || interop_fail "the victim's openconnect exited"
  interop_add_log "$GW_DIR/hostile-login.out"
  ms=$(_hostile_login_ms) || interop_fail "a new openconnect login failed after the attack"
  echo "new openconnect login took $ms ms"
  [ "$ms" -le 1000 ] || interop_fail "a new openconnect login took $ms ms (over 1 s)"
  _hostile_check_pings
  rss=$(hostile_gateway_rss_kib)
  echo "gateway RSS: $rss KiB (baseline ${HOSTILE_RSS_BASE:-?} KiB, allowed growth $max_growth)"
  [ $((rss - ${HOSTILE_RSS_BASE:-0})) -le "$max_growth" ] ||
    interop_fail "gateway memory grew by $((rss - HOSTILE_RSS_BASE)) KiB (limit $max_growth)"
}

# hostile_add_sources FIRST COUNT: adds 198.18.0.FIRST .. 198.18.0.(FIRST+COUNT-1) to the client
# namespace's end of the veth (inside the test's namespace only) and sets HOSTILE_SOURCES to them,
# comma-separated, for attacker.py. FIRST >= 10 keeps clear of the two hosts' own addresses.
hostile_add_sources() {
  local first=$1 count=$2 i list=""
  [ "$first" -ge 10 ] && [ $((first + count - 1)) -le 250 ] ||
    interop_fail "hostile_add_sources: 198.18.0.$first+$count is outside .10-.250"
  for i in $(seq "$first" $((first + count - 1))); do
    ip -n "$SK_NS_CL" addr add "198.18.0.$i/$SK_PREFIX" dev "$SK_IF_CL" ||
      interop_fail "cannot add 198.18.0.$i in $SK_NS_CL"
    list+="${list:+,}198.18.0.$i"
  done
  HOSTILE_SOURCES=$list
}

# hostile_attack NAME MODE SECONDS ARGS...: starts tests/hostile/attacker.py in the client
# namespace against $SK_GW_IP from $HOSTILE_SOURCES (default: the client's own address), in
# the background; its summary goes to $GW_DIR/attack-NAME.log. Sets ATTACK_PID and ATTACK_LOG.
hostile_attack() {
  local name=$1 mode=$2 seconds=$3
  shift 3
  ATTACK_LOG=$GW_DIR/attack-$name.log
  interop_bg "$SK_NS_CL" "$ATTACK_LOG" python3 "$SEKISHO_SOURCE_DIR/tests/hostile/attacker.py" \
    "$mode" "$SK_GW_IP" 443 "${HOSTILE_SOURCES:-$SK_CL_IP}" "$seconds" "$@"
  ATTACK_PID=$SK_LAST_PID
}

# hostile_attack_wait SECONDS: waits (bounded) for the attacker to finish and prints its log.
hostile_attack_wait() {
  local i
  for i in $(seq 1 $(($1 * 10))); do
    interop_pid_running "$ATTACK_PID" || break
    sleep 0.1
  done
  interop_pid_running "$ATTACK_PID" && interop_fail "the attacker did not finish in $1 s"
  cat "$ATTACK_LOG"
}

# hostile_value KEY: the value of KEY=... in the attacker's summary line.
hostile_value() {
  grep -Eo "(^| )$1=[^ ]+" "$ATTACK_LOG" | tail -1 | cut -d= -f2
}

# hostile_wait_connections COUNT SECONDS: waits (bounded) until the gateway namespace holds at
# least COUNT established TCP connections to port 443; fails the test otherwise.
hostile_wait_connections() {
  local want=$1 i n=0
  for i in $(seq 1 $(($2 * 10))); do
    n=$(ip netns exec "$SK_NS_GW" ss -tnH state established '( sport = :443 )' | wc -l)
    [ "$n" -ge "$want" ] && return 0
    sleep 0.1
  done
  interop_fail "only $n connections to the gateway after $2 s (wanted $want)"
}

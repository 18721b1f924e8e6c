# shellcheck shell=bash
# Shared helpers for the tests that run our client `sekisho` in the client namespace (sourced
# after lib.sh).
#
#   sk_connect NAME STDIN_TEXT ARGS...   starts `sekisho connect` in $SK_NS_CL in the background
#                                        (interface sk-NAME, log $CL_DIR/sk-NAME.log, stdin from
#                                        STDIN_TEXT); sets SK_PID and SK_LOG. SK_URL overrides
#                                        the URL (default $CL_URL).
#   sk_run ARGS...                       runs `sekisho` in the foreground (bounded, 30 s),
#                                        stdin from $SK_STDIN when set
#   sk_wait_tunnel NAME                  waits until sk-NAME carries an IPv4 address
#   sk_addr NAME                         prints sk-NAME's IPv4 address
#   sk_stop PID                          SIGINT (logout) and wait, bounded
#   sk_dns_gateway_config TOML           the DNS tests' sekishod: sales a full tunnel, global
#                                        domain corp.example and split DNS intra.example
#   sk_ipv6_setup                        IPv6 beyond the client's link (for the IPv6 guard):
#                                        V6_GW/V6_CL on the veth, V6_REMOTE behind the gateway,
#                                        a default route to it (documentation-only ULA space)
#   sk_ping6_ok ADDR                     one ping -6 from the client namespace
#   sk_guard_routes                      how many of the guard's unreachable ::/1, 8000::/1 exist
#
# Every client uses $CL_DIR/cfg as SEKISHO_CONFIG_DIR (preferences, profiles) and
# $CL_DIR/run as XDG_RUNTIME_DIR (pid files), so nothing is written outside the test's dir.
# Its DNS setup writes $CL_DIR/resolv.conf (SEKISHO_RESOLV_CONF) instead of /etc/resolv.conf
# and its host state files go to $CL_DIR/host-state (SEKISHO_HOST_STATE_DIR): `ip netns exec`
# shares the host's /etc, which no test may change.

SEKISHO=$SEKISHO_BUILD_DIR/src/client/sekisho

sk_env() {
  echo "SEKISHO_CONFIG_DIR=$CL_DIR/cfg" "XDG_RUNTIME_DIR=$CL_DIR/run" \
    "SEKISHO_RESOLV_CONF=$CL_DIR/resolv.conf" "SEKISHO_HOST_STATE_DIR=$CL_DIR/host-state"
}

sk_connect() {
  local name=$1 input=$2
  shift 2
  [ -x "$SEKISHO" ] || interop_fail "sekisho not built at $SEKISHO"
  printf '%s' "$input" >"$CL_DIR/sk-$name.in"
  SK_LOG=$CL_DIR/sk-$name.log
  # shellcheck disable=SC2046
  interop_bg "$SK_NS_CL" "$SK_LOG" env $(sk_env) \
    sh -c 'exec "$@" <"$0"' "$CL_DIR/sk-$name.in" \
    "$SEKISHO" connect --interface "sk-$name" --non-inter "$@" "${SK_URL:-$CL_URL}"
  SK_PID=$SK_LAST_PID
}

sk_run() {
  # shellcheck disable=SC2046
  ip netns exec "$SK_NS_CL" env $(sk_env) timeout 30 "$SEKISHO" "$@" <"${SK_STDIN:-/dev/null}"
}

sk_wait_tunnel() {

  for _ in $(seq 1 200); do
    if ip -n "$SK_NS_CL" -4 addr show dev "sk-$1" 2>/dev/null | grep -q inet; then
      return 0
    fi
    interop_pid_running "$SK_PID" || interop_fail "sekisho exited before the tunnel came up"
    sleep 0.1
  done
  interop_fail "tunnel sk-$1 did not come up"
}

sk_addr() {
  ip -n "$SK_NS_CL" -4 -o addr show dev "sk-$1" | awk '{ print $4 }' | cut -d/ -f1
}

sk_stop() {
  kill -INT "$1" 2>/dev/null

  for _ in $(seq 1 80); do
    interop_pid_running "$1" || return 0
    sleep 0.1
  done
  kill -KILL "$1" 2>/dev/null
  return 0
}

# sk_expect_fail LOGFILE REGEX ARGS...: runs sekisho, which must fail and print REGEX.
sk_expect_fail() {
  local log=$1 regex=$2
  shift 2
  interop_add_log "$log"
  if sk_run "$@" >"$log" 2>&1; then
    interop_fail "sekisho $* succeeded but should have failed"
  fi
  grep -Eq -- "$regex" "$log" || interop_fail "sekisho $*: no /$regex/ in its output"
}

# sk_reconnect_check NAME PING_ADDR: takes the gateway's veth down long enough for the client's
# DPD to declare the link dead, brings it back, and checks that the tunnel resumed with the
# same address without a new login and that traffic flows again.
sk_reconnect_check() {
  local name=$1 ping_addr=$2 addr_before logins_before
  addr_before=$(sk_addr "$name")
  logins_before=$(grep -c 'Authentication: succeeded' "$SK_LOG" || true)
  interop_link_down "$SK_NS_GW" "$SK_IF_GW"
  interop_wait_for_log "$SK_LOG" 'Reconnect: link lost' 30 ||
    { interop_link_up "$SK_NS_GW" "$SK_IF_GW"; interop_fail "the client did not notice the dead link"; }
  sleep 2
  interop_link_up "$SK_NS_GW" "$SK_IF_GW"
  interop_wait_for_log "$SK_LOG" 'Reconnect: tunnel resumed' 40 || interop_fail "no reconnect"
  [ "$(sk_addr "$name")" = "$addr_before" ] || interop_fail "the address changed on reconnect"
  [ "$(grep -c 'Authentication: succeeded' "$SK_LOG")" = "$logins_before" ] ||
    interop_fail "the reconnect logged in again"
  ip netns exec "$SK_NS_CL" ping -c 3 -i 0.2 -W 3 "$ping_addr" >/dev/null ||
    interop_fail "no traffic after the reconnect"
  echo "reconnect: same address $addr_before, traffic flows"
}

V6_GW=fd00:5e:1::1
V6_CL=fd00:5e:1::2
V6_REMOTE=fd00:5e:2::1

sk_ipv6_setup() {
  ip -n "$SK_NS_GW" -6 addr add "$V6_GW/64" dev "$SK_IF_GW" nodad || interop_fail "gw v6 addr"
  ip -n "$SK_NS_GW" -6 addr add "$V6_REMOTE/128" dev lo || interop_fail "gw remote addr"
  ip -n "$SK_NS_GW" link set lo up
  ip -n "$SK_NS_CL" -6 addr add "$V6_CL/64" dev "$SK_IF_CL" nodad || interop_fail "cl v6 addr"
  ip -n "$SK_NS_CL" -6 route add default via "$V6_GW" dev "$SK_IF_CL" ||
    interop_fail "cl v6 route"
  _sk_poll 10 sk_ping6_ok "$V6_REMOTE" || interop_fail "IPv6 set-up: no ping to $V6_REMOTE"
}

sk_ping6_ok() { ip netns exec "$SK_NS_CL" ping -6 -c 1 -W 2 "$1" >/dev/null 2>&1; }

sk_guard_routes() {
  ip -n "$SK_NS_CL" -6 route show | grep -Ec '^unreachable (::|8000::)/1 ' || true
}

sk_dns_gateway_config() {
  local toml=$1
  sed -i 's/^routes = \["198.18.201.0\/24"\]$/routes = []/' "$toml"  # sales: full
  sed -i 's/^dns = \["198.18.100.53"\]$/dns = ["198.18.100.53"]\ndefault_domain = "corp.example"\nsplit_dns = ["intra.example"]/' \
    "$toml"
  # sales inherits the global DNS domain and split DNS (gateway_common.sh gives it its own).
  sed -i '/^default_domain = "sales.example"$/d; /^split_dns = \["sales.example"\]$/d' "$toml"
  grep -q 'sales.example' "$toml" && interop_fail "config edit (sales DNS)"
  grep -q '^default_domain = "corp.example"' "$toml" || interop_fail "config edit"
}

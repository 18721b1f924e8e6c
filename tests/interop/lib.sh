# shellcheck shell=bash
# Shared plumbing for the interop tests (sourced, never executed).
#
# Topology built by interop_setup_two_hosts (ocserv tests/ns.sh, wireguard-go tests/netns.sh):
#
#   netns $SK_NS_GW                          netns $SK_NS_CL
#   +--------------------------+             +--------------------------+
#   | lo                       |             | lo                       |
#   | $SK_IF_GW 198.18.0.1/24  |=== veth ====| $SK_IF_CL 198.18.0.2/24  |
#   | (sekishod / ocserv)      |             | (openconnect / sekisho)  |
#   +--------------------------+             +--------------------------+
#
# Safety rules, enforced here so that single tests need not repeat them:
#  - Everything network-related happens inside namespaces this library created
#    (198.18.0.0/15 only). The veth pair is created directly inside $SK_NS_GW and its peer moved
#    to $SK_NS_CL, so the root namespace never sees it. Functions taking a namespace refuse any
#    namespace not created by this library.
#  - Processes are killed only by the PIDs recorded by interop_bg (checked against their start
#    time so a recycled PID is never hit) or listed by `ip netns pids` of our own namespaces.
#  - Every wait is bounded. Cleanup runs from an EXIT trap installed when this file is sourced,
#    also when the test fails or is interrupted, and is idempotent.
#
# Usage:
#   . "$(dirname "$0")/lib.sh"
#   interop_require_root
#   interop_setup_two_hosts
#   dir=$(interop_tmpdir)
#   interop_bg "$SK_NS_GW" "$dir/gw.log" "$SEKISHO_BUILD_DIR/src/gateway/sekishod" ...
#   interop_wait_port "$SK_NS_GW" 443 10 || interop_fail "gateway did not listen"
#
# interop_bg must run in the test's main shell (not inside $(...)), or the PID is not recorded;
# interop_fail inside $(...) only leaves that subshell. Timeouts are whole seconds.
# SEKISHO_INTEROP_KEEP=1 keeps the temporary directories (logs) for inspection.
# Sourcing this file again (e.g. in a subshell) starts a fresh registry for that shell.

SEKISHO_SOURCE_DIR=${SEKISHO_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SEKISHO_BUILD_DIR=${SEKISHO_BUILD_DIR:-$SEKISHO_SOURCE_DIR/build/debug}

SK_NS_GW=skgw-$$
SK_NS_CL=skcl-$$
SK_IF_GW=skveth-gw
SK_IF_CL=skveth-cl
SK_GW_IP=198.18.0.1
SK_CL_IP=198.18.0.2
SK_PREFIX=24
SK_LAST_PID=

# Registries of what this shell created: "pid:starttime" entries, log files, namespaces.
_SK_PIDS=()
_SK_LOGS=()
_SK_NAMESPACES=()
SK_TMPROOT=$(mktemp -d /tmp/sekisho-interop.XXXXXX)

# Skips the test (ctest SKIP_RETURN_CODE 77).
interop_skip() {
  echo "SKIP: $*" >&2
  exit 77
}

# Exits 77 unless root with a working `ip netns` (and the tools the library uses).
interop_require_root() {
  [ "$(id -u)" -eq 0 ] || interop_skip "interop tests need root (network namespaces)"
  local tool
  for tool in ip ss mktemp; do
    command -v "$tool" >/dev/null 2>&1 || interop_skip "missing tool: $tool"
  done
  ip netns list >/dev/null 2>&1 || interop_skip "ip netns not usable"
  [ -c /dev/net/tun ] || interop_skip "/dev/net/tun missing"
}

# Prints MESSAGE, the tail of every recorded log, and exits 1 (cleanup runs from the trap).
interop_fail() {
  echo "FAIL: $*" >&2
  local log
  for log in "${_SK_LOGS[@]}"; do
    [ -f "$log" ] || continue
    echo "----- tail of $log -----" >&2
    tail -n 40 "$log" >&2
  done
  exit 1
}

# Records LOGFILE so that interop_fail prints it.
interop_add_log() {
  _SK_LOGS+=("$1")
}

# Prints the path of a new temporary directory (removed by cleanup). Safe inside $(...).
interop_tmpdir() {
  mktemp -d "$SK_TMPROOT/tmp.XXXXXX"
}

_sk_is_our_ns() {
  local ns
  for ns in "${_SK_NAMESPACES[@]}"; do
    [ "$ns" = "$1" ] && return 0
  done
  return 1
}

_sk_require_our_ns() {
  _sk_is_our_ns "$1" || interop_fail "refusing to act on namespace '$1': not created by this test"
}

# Start time of PID in clock ticks since boot (field 22 of /proc/PID/stat), empty if gone.
_sk_starttime() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  # The command name (field 2) may contain spaces; fields after it follow the last ')'.
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  echo "${20}"
}

# interop_pid_running PID: true while PID exists and is not a zombie (a killed orphan stays a
# zombie until PID 1 reaps it, so `kill -0` alone is not proof of life).
interop_pid_running() {
  local state
  state=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# True while the recorded "pid:starttime" process still runs (and is not a recycled PID).
_sk_alive() {
  local pid=${1%%:*} start=${1#*:}
  [ "$(_sk_starttime "$pid")" = "$start" ] || return 1
  interop_pid_running "$pid"
}

_sk_create_ns() {
  ip netns add "$1" || interop_fail "ip netns add $1"
  _SK_NAMESPACES+=("$1")
  ip -n "$1" link set lo up || interop_fail "lo up in $1"
}

# Two namespaces joined by a veth pair (see the diagram at the top).
interop_setup_two_hosts() {
  _sk_create_ns "$SK_NS_GW"
  _sk_create_ns "$SK_NS_CL"
  ip -n "$SK_NS_GW" link add "$SK_IF_GW" type veth peer name "$SK_IF_CL" netns "$SK_NS_CL" \
    || interop_fail "veth pair"
  ip -n "$SK_NS_GW" addr add "$SK_GW_IP/$SK_PREFIX" dev "$SK_IF_GW" || interop_fail "gw addr"
  ip -n "$SK_NS_CL" addr add "$SK_CL_IP/$SK_PREFIX" dev "$SK_IF_CL" || interop_fail "cl addr"
  ip -n "$SK_NS_GW" link set "$SK_IF_GW" up || interop_fail "gw link up"
  ip -n "$SK_NS_CL" link set "$SK_IF_CL" up || interop_fail "cl link up"
}

# interop_bg NS LOGFILE CMD [ARGS...]: runs CMD inside NS in the background, stdout and stderr
# to LOGFILE. Sets SK_LAST_PID. `ip netns exec` execs CMD, so the PID is CMD's own.
interop_bg() {
  local ns=$1 log=$2
  shift 2
  _sk_require_our_ns "$ns"
  interop_add_log "$log"
  ip netns exec "$ns" "$@" >"$log" 2>&1 </dev/null &
  SK_LAST_PID=$!
  _SK_PIDS+=("$SK_LAST_PID:$(_sk_starttime "$SK_LAST_PID")")
}

# In a sanitizer build the processes a test started print ASan/UBSan reports to their logs
# (a sandboxed worker cannot open a report file); any report fails the test, even when the
# test's own checks passed (a worker that died of it may have been replaced in time).
_sk_sanitizer_reports() {
  local log found=1
  for log in "${_SK_LOGS[@]}"; do
    [ -f "$log" ] || continue
    if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error: |SUMMARY: UndefinedBehaviorSanitizer' \
      "$log"; then
      echo "FAIL: sanitizer report in $log:" >&2
      grep -E -A30 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error: ' "$log" | head -60 >&2
      found=0
    fi
  done
  return $found
}

# Kills the recorded processes (TERM, up to 5 s, then KILL), anything still running inside our
# namespaces, deletes the namespaces and the temporary directories. Idempotent. Turns the exit
# status into a failure when a process reported a sanitizer error.
interop_cleanup() {
  local status=$? entry ns pid i alive saved_opts sanitizer_failed=0
  # Runs from the EXIT trap of scripts using `set -e`: a failed kill or wait must not abort it.
  saved_opts=$(set +o)
  set +e
  for entry in "${_SK_PIDS[@]}"; do
    _sk_alive "$entry" && kill -TERM "${entry%%:*}" 2>/dev/null
  done
  for ((i = 0; i < 50; i++)); do
    alive=0
    for entry in "${_SK_PIDS[@]}"; do
      _sk_alive "$entry" && alive=1
    done
    [ "$alive" -eq 0 ] && break
    sleep 0.1
  done
  for entry in "${_SK_PIDS[@]}"; do
    if _sk_alive "$entry"; then
      echo "cleanup: pid ${entry%%:*} ignored SIGTERM, sending SIGKILL" >&2
      kill -KILL "${entry%%:*}" 2>/dev/null
    fi
    wait "${entry%%:*}" 2>/dev/null
  done
  _SK_PIDS=()
  for ns in "${_SK_NAMESPACES[@]}"; do
    # Stragglers forked by our processes still hold the namespace; they are ours by construction.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      kill -KILL "$pid" 2>/dev/null
    done
    ip netns del "$ns" 2>/dev/null
  done
  _SK_NAMESPACES=()
  _sk_sanitizer_reports && sanitizer_failed=1
  _SK_LOGS=()
  if [ -n "${SK_TMPROOT:-}" ] && [ -d "$SK_TMPROOT" ]; then
    if [ -n "${SEKISHO_INTEROP_KEEP:-}" ]; then
      echo "cleanup: keeping $SK_TMPROOT (SEKISHO_INTEROP_KEEP)" >&2
    else
      rm -rf -- "$SK_TMPROOT"
    fi
  fi
  eval "$saved_opts"
  if [ "$sanitizer_failed" -eq 1 ] && { [ "$status" -eq 0 ] || [ "$status" -eq 77 ]; }; then
    exit 1
  fi
  return 0
}

trap interop_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# _sk_poll TIMEOUT_SECONDS CMD...: runs CMD every 0.1 s until it succeeds; bounded.
_sk_poll() {
  local tries=$(($1 * 10)) i
  shift
  for ((i = 0; i <= tries; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}

_sk_port_listening() {
  local ns=$1 port=$2 proto=$3 flag=-ltn
  [ "$proto" = udp ] && flag=-lun
  ip netns exec "$ns" ss -H "$flag" "sport = :$port" 2>/dev/null | grep -q .
}

# interop_wait_port NS PORT TIMEOUT [tcp|udp]: waits until something listens on PORT in NS.
interop_wait_port() {
  _sk_require_our_ns "$1"
  _sk_poll "$3" _sk_port_listening "$1" "$2" "${4:-tcp}" && return 0
  echo "timeout: nothing listening on ${4:-tcp} port $2 in $1 after $3 s" >&2
  return 1
}

_sk_log_matches() {
  [ -f "$1" ] && grep -Eq -- "$2" "$1"
}

# interop_wait_for_log FILE REGEX TIMEOUT: waits until FILE has a line matching REGEX (ERE).
interop_wait_for_log() {
  _sk_poll "$3" _sk_log_matches "$1" "$2" && return 0
  echo "timeout: /$2/ not in $1 after $3 s" >&2
  return 1
}

_sk_find_link() {
  local name
  name=$(ip -n "$1" -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
    grep -E -m1 -x -- "$2") || return 1
  echo "$name"
}

# interop_wait_link NS IFNAME_REGEX TIMEOUT: waits for an interface whose whole name matches
# the ERE and prints its name (tun=$(interop_wait_link "$SK_NS_CL" 'tun[0-9]+' 10)).
interop_wait_link() {
  _sk_require_our_ns "$1"
  _sk_poll "$3" _sk_find_link "$1" "$2" && return 0
  echo "timeout: no link matching /$2/ in $1 after $3 s" >&2
  return 1
}

# interop_link_down NS IF / interop_link_up NS IF: cut or restore a link (reconnect tests).
interop_link_down() {
  _sk_require_our_ns "$1"
  ip -n "$1" link set "$2" down || interop_fail "link down $2 in $1"
}
interop_link_up() {
  _sk_require_our_ns "$1"
  ip -n "$1" link set "$2" up || interop_fail "link up $2 in $1"
}

# interop_drop_udp NS [PORT]: drops UDP (all, or to/from PORT) in and out of NS with an nft
# table local to NS (DTLS fallback tests). interop_allow_udp NS removes it again.
interop_drop_udp() {
  local ns=$1 match="meta l4proto udp"
  _sk_require_our_ns "$ns"
  command -v nft >/dev/null 2>&1 || interop_skip "nft missing"
  [ -n "${2:-}" ] && match="udp dport $2 drop; udp sport $2"
  ip netns exec "$ns" nft -f - <<EOF || interop_fail "nft rules in $ns"
table inet sekisho_interop {
  chain input { type filter hook input priority 0; policy accept; $match drop; }
  chain output { type filter hook output priority 0; policy accept; $match drop; }
}
EOF
}
interop_allow_udp() {
  _sk_require_our_ns "$1"
  ip netns exec "$1" nft delete table inet sekisho_interop 2>/dev/null
  return 0
}

# interop_gen_certs DIR: test CA, server and client certificates into DIR (certtool).
interop_gen_certs() {
  local script=$SEKISHO_SOURCE_DIR/tools/gen_test_certs.sh
  [ -f "$script" ] || interop_fail "missing $script"
  mkdir -p "$1"
  interop_add_log "$1/gen_test_certs.log"
  bash "$script" "$1" >"$1/gen_test_certs.log" 2>&1 || interop_fail "gen_test_certs.sh $1"
  # sekishod refuses a private key that group or others can read (docs/threat-model.md).
  chmod 600 "$1"/*-key.pem
}

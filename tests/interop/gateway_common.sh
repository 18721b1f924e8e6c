# shellcheck shell=bash
# Shared set-up for tests that run sekishod in the gateway namespace (sourced after lib.sh).
#
#   gw_setup DIR      certificates, ocpasswd password file, two profiles, sekishod.toml in DIR
#   gw_start DIR      starts sekishod in $SK_NS_GW, waits for it, sets GW_PIN and GW_LOG
#   gw_ctl ARGS...    runs sekishoctl against the test gateway
#   gw_worker_of PID  the sekishod worker serving a client process
#
# Users (password = name + "pw"): alice (engineering), bob (sales), carol (any group).
# Groups: engineering (default, aliases Engineering/eng, pool 198.18.101.0/24, route
# 198.18.200.0/24), sales (alias Sales, pool 198.18.102.0/24, route 198.18.201.0/24).

SEKISHOD=$SEKISHO_BUILD_DIR/src/gateway/sekishod
SEKISHOCTL=$SEKISHO_BUILD_DIR/src/ctl/sekishoctl
OC_SCRIPT=$SEKISHO_SOURCE_DIR/tests/interop/oc_script.sh
GW_URL=https://$SK_GW_IP/

gw_add_user() {  # DIR USER GROUP
  printf '%spw\n%spw\n' "$2" "$2" | ocpasswd -c "$1/passwd" -g "$3" "$2" ||
    interop_fail "ocpasswd $2"
}

gw_setup() {
  local dir=$1
  [ -x "$SEKISHOD" ] || interop_fail "sekishod not built at $SEKISHOD"
  command -v ocpasswd >/dev/null || interop_skip "ocpasswd (package ocserv) missing"
  interop_gen_certs "$dir/pki"
  : >"$dir/passwd"
  gw_add_user "$dir" alice engineering
  gw_add_user "$dir" bob sales
  gw_add_user "$dir" carol '*'
  chmod 600 "$dir/passwd"  # sekishod refuses a password file others can read
  printf '<?xml version="1.0" encoding="UTF-8"?>\n<AnyConnectProfile><ServerList><HostEntry><HostName>eng</HostName></HostEntry></ServerList></AnyConnectProfile>\n' >"$dir/eng.xml"
  printf 'Offered to every group by [downloads]\n' >"$dir/notice.txt"
  cat >"$dir/sekishod.toml" <<TOML
[listen]
address = "$SK_GW_IP"
port = 443

[tls]
certificate = "pki/server.pem"
private_key = "pki/server-key.pem"
ca_certificates = "pki/client-ca.pem"

[auth]
password_file = "passwd"
max_login_attempts = 3

[network]
ipv4_pool = "198.18.100.0/24"
dns = ["198.18.100.53"]
routes = []
mtu = 1500

[tunnel]
dpd = 30
keepalive = 20
banner = "sekisho interop test"

[dtls]
enabled = false

[control]
socket = "$dir/sekishod.sock"

[log]
level = "debug"

[downloads]
"notice.txt" = "notice.txt"

[[group]]
name = "engineering"
aliases = ["Engineering", "eng"]
default = true
ipv4_pool = "198.18.101.0/24"
routes = ["198.18.200.0/24"]
profile = "eng.xml"

[[group]]
name = "sales"
aliases = ["Sales"]
label = "Sales Team – EMEA"
exclude_routes = ["198.18.201.128/25"]
default_domain = "sales.example"
split_dns = ["sales.example"]
ipv4_pool = "198.18.102.0/24"
routes = ["198.18.201.0/24"]
banner = "Welcome, sales"
TOML
}

gw_start() {
  local dir=$1
  GW_LOG=$dir/sekishod.log
  interop_bg "$SK_NS_GW" "$GW_LOG" "$SEKISHOD" --config "$dir/sekishod.toml"
  GW_PID=$SK_LAST_PID
  interop_wait_port "$SK_NS_GW" 443 15 || interop_fail "sekishod did not listen"
  interop_wait_for_log "$GW_LOG" 'pin-sha256:' 5 || interop_fail "no pin in the gateway log"
  GW_PIN=$(grep -Eo 'pin-sha256:[A-Za-z0-9+/=]+' "$GW_LOG" | head -1)
}

# gw_worker_of CLIENT_PID: the PID of the sekishod worker holding the client's TCP connection
# (matched by the client's port, as `ss` shows it in both namespaces); empty if none.
gw_worker_of() {
  local port
  port=$(ip netns exec "$SK_NS_CL" ss -tnpH state established "dst $SK_GW_IP:443" |
    grep "pid=$1," | awk '{ print $3 }' | sed 's/.*://' | head -1)
  [ -n "$port" ] || return 0
  ip netns exec "$SK_NS_GW" ss -tnpH state established "dst $SK_CL_IP:$port" |
    grep -Eo 'pid=[0-9]+' | head -1 | cut -d= -f2
}

gw_ctl() {
  ip netns exec "$SK_NS_GW" "$SEKISHOCTL" --socket "$GW_DIR/sekishod.sock" "$@"
}

# oc_connect NAME STDIN_TEXT ARGS...: starts openconnect in the client namespace, password (or
# cookie) fed from a file; interface oc-NAME; log in $GW_DIR/oc-NAME.log. Sets OC_PID.
# OC_URL overrides the gateway URL (e.g. a group URL).
oc_connect() {
  local name=$1 input=$2
  shift 2
  printf '%s' "$input" >"$GW_DIR/oc-$name.in"
  OC_LOG=$GW_DIR/oc-$name.log
  interop_bg "$SK_NS_CL" "$OC_LOG" env SK_SCRIPT_LOG="$GW_DIR/oc-$name.env" \
    sh -c 'exec "$@" <"$0"' "$GW_DIR/oc-$name.in" \
    openconnect --servercert "$GW_PIN" --script "$OC_SCRIPT" --interface "oc-$name" "$@" \
    "${OC_URL:-$GW_URL}"
  OC_PID=$SK_LAST_PID
}

# oc_stop PID: SIGINT (openconnect logs off with DISCONNECT 0xB0) and wait, bounded.
oc_stop() {
  kill -INT "$1" 2>/dev/null
  local i
  for i in $(seq 1 50); do
    interop_pid_running "$1" || return 0
    sleep 0.1
  done
  kill -KILL "$1" 2>/dev/null
  return 0
}

# wait_tunnel IFNAME: waits (15 s at most) for openconnect's TUN (pid $OC_PID) to carry an address.
wait_tunnel() {  # IFNAME: waits for the client's TUN to carry an address
  local i
  for i in $(seq 1 150); do
    if ip -n "$SK_NS_CL" -4 addr show dev "$1" 2>/dev/null | grep -q inet; then
      return 0
    fi
    interop_pid_running "$OC_PID" || interop_fail "openconnect exited before the tunnel came up"
    sleep 0.1
  done
  interop_fail "tunnel $1 did not come up"
}

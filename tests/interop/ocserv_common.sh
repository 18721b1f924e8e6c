# shellcheck shell=bash
# Debian's ocserv 1.1.6 in the gateway namespace (sourced after lib.sh). Everything it writes
# stays in the test's directory: socket, pid and occtl files, no chroot, workers not isolated,
# occtl off.
#
#   ocs_setup DIR [password|certificate]   certificates, ocpasswd file, group configs, profile,
#                                          DIR/ocserv.conf for that authentication method
#   ocs_start DIR                          starts ocserv, waits for port 443; sets OCS_PID, OCS_LOG
#   ocs_stop                               stops it (TERM by PID, bounded)
#
# Users (password = name + "pw"): alice (engineering, sales), bob (sales).
# Groups (select-group): engineering (pool 198.18.111.0/24), sales (198.18.112.0/24); the
# split route 198.18.210.0/24 for everyone. DPD 4 s so that reconnect tests are quick.
# The user profile is DIR/profile.xml.

OCS_URL=https://$SK_GW_IP/

ocs_add_user() {  # DIR USER GROUPS
  printf '%spw\n%spw\n' "$2" "$2" | ocpasswd -c "$1/ocpasswd" -g "$3" "$2" ||
    interop_fail "ocpasswd $2"
}

ocs_setup() {
  local dir=$1 mode=${2:-password} auth
  command -v ocserv >/dev/null || interop_skip "ocserv missing"
  command -v ocpasswd >/dev/null || interop_skip "ocpasswd missing"
  [ -f "$dir/pki/ca.pem" ] || interop_gen_certs "$dir/pki"
  if [ ! -f "$dir/ocpasswd" ]; then
    : >"$dir/ocpasswd"
    ocs_add_user "$dir" alice engineering,sales
    ocs_add_user "$dir" bob sales
  fi
  mkdir -p "$dir/groups"
  printf 'ipv4-network = 198.18.111.0/24\n' >"$dir/groups/engineering"
  printf 'ipv4-network = 198.18.112.0/24\n' >"$dir/groups/sales"
  [ -f "$dir/profile.xml" ] ||
    printf '<?xml version="1.0" encoding="UTF-8"?>\n<AnyConnectProfile><ServerList><HostEntry><HostName>v1</HostName></HostEntry></ServerList></AnyConnectProfile>\n' >"$dir/profile.xml"
  case $mode in
    password) auth="plain[passwd=$dir/ocpasswd]" ;;
    certificate) auth="certificate" ;;
    *) interop_fail "ocs_setup: unknown mode $mode" ;;
  esac
  cat >"$dir/ocserv.conf" <<CONF
auth = "$auth"
listen-host = $SK_GW_IP
tcp-port = 443
udp-port = 443
run-as-user = root
run-as-group = root
socket-file = $dir/ocserv.sock
pid-file = $dir/ocserv.pid
occtl-socket-file = $dir/occtl.sock
use-occtl = false
isolate-workers = false
server-cert = $dir/pki/server.pem
server-key = $dir/pki/server-key.pem
ca-cert = $dir/pki/client-ca.pem
cert-user-oid = 0.9.2342.19200300.100.1.1
max-clients = 16
max-same-clients = 0
max-ban-score = 0
min-reauth-time = 1
auth-timeout = 240
cookie-timeout = 300
deny-roaming = false
keepalive = 32400
dpd = 4
mobile-dpd = 4
try-mtu-discovery = false
rekey-time = 172800
rekey-method = ssl
device = ocs
predictable-ips = true
ipv4-network = 198.18.110.0/24
route = 198.18.210.0/255.255.255.0
select-group = engineering
select-group = sales
auto-select-group = false
config-per-group = $dir/groups/
user-profile = $dir/profile.xml
banner = "ocserv interop test"
CONF
  if [ "$mode" = certificate ]; then
    # Certificate users carry no group; drop the group selection.
    sed -i '/^select-group/d; /^config-per-group/d' "$dir/ocserv.conf"
  fi
}

ocs_start() {
  local dir=$1
  OCS_LOG=$dir/ocserv.log
  interop_bg "$SK_NS_GW" "$OCS_LOG" ocserv -f -d 1 -c "$dir/ocserv.conf"
  OCS_PID=$SK_LAST_PID
  interop_wait_port "$SK_NS_GW" 443 15 || interop_fail "ocserv did not listen"
}

ocs_stop() {
  [ -n "${OCS_PID:-}" ] || return 0
  kill -TERM "$OCS_PID" 2>/dev/null

  for _ in $(seq 1 50); do
    interop_pid_running "$OCS_PID" || break
    sleep 0.1
  done
  interop_pid_running "$OCS_PID" && kill -KILL "$OCS_PID" 2>/dev/null
  # Its workers may linger a moment; wait until the port is free again.
  for _ in $(seq 1 50); do
    _sk_port_listening "$SK_NS_GW" 443 tcp || break
    sleep 0.1
  done
  OCS_PID=
}

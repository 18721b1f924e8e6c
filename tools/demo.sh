#!/usr/bin/env bash
# The main job: a sekishod gateway on generated defaults (throw-away CA and certificate, a demo
# user) and a client connected through it, inside two network namespaces this script creates
# (198.18.0.0/15, nothing in the host's namespace is touched). Shows each phase of the
# connection flow, pings and a short iperf3 run through the tunnel, the gateway's view via
# sekishoctl, then logs off and cleans up.
#
# Both ends are sekisho's: sekishod and the sekisho client.
# Usage: tools/demo.sh [--keep SECONDS]   keep the tunnel up that long before logging off
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0
[ "${1:-}" = "--keep" ] && keep=${2:-60}

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Installing dependencies and building (tools/install_deps.sh, CMake + Ninja)"
tools/install_deps.sh
cmake -S . -B build/debug -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSEKISHO_BUILD_CLIENT=ON >/dev/null
ninja -C build/debug sekishod sekishoctl sekisho

export SEKISHO_SOURCE_DIR=$PWD SEKISHO_BUILD_DIR=$PWD/build/debug
. tests/interop/lib.sh
. tests/interop/gateway_common.sh
. tests/interop/client_common.sh
interop_require_root

step "Creating two namespaces: gateway $SK_NS_GW ($SK_GW_IP) and client $SK_NS_CL ($SK_CL_IP)"
interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
step "Generating defaults: CA + server certificate, password file (ocpasswd), sekishod.toml"
gw_setup "$GW_DIR"
sed -i 's/^enabled = false/enabled = true/' "$GW_DIR/sekishod.toml"  # offer DTLS
echo "demo users: alice/alicepw (group engineering), bob/bobpw (group sales)"
ip netns exec "$SK_NS_GW" "$SEKISHOD" --check-config --config "$GW_DIR/sekishod.toml" | sed 's/^/  /'

step "Starting sekishod: main (listeners, sessions, TUN devices), security module (key, passwords), workers (clients, unprivileged)"
gw_start "$GW_DIR"
interop_wait_for_log "$GW_LOG" 'worker [0-9]+ serving' 5 || true
grep -E 'listening on|pin the certificate|security module started|worker [0-9]+ started' "$GW_LOG" |
  sed 's/^/  /'
echo "  processes (pid, user, command):"
ps -o pid=,user=,args= --ppid "$GW_PID" | sed 's/^/    /'

step "Connecting with the sekisho client: TLS -> group selection -> authentication -> downloader -> CONNECT -> DTLS"
CL_DIR=$GW_DIR/client
mkdir -p "$CL_DIR"
CL_URL=$GW_URL
sk_connect demo $'alicepw\n' --user alice --passwd-on-stdin --authgroup Engineering \
  --cafile "$GW_DIR/pki/ca.pem"
sk_wait_tunnel demo
sleep 2  # give DTLS its handshake
sed 's/^/  client: /' "$SK_LOG" | head -30
grep -E 'TLS established|logged in|tunnel up|DTLS established|data moves' "$GW_LOG" |
  sed 's/^.*\] /  gateway: /'

step "Traffic through the tunnel"
ip netns exec "$SK_NS_CL" ping -c 3 -i 0.3 198.18.101.1
interop_bg "$SK_NS_GW" "$GW_DIR/iperf3-server.log" iperf3 -s -B 198.18.101.1 -1
interop_wait_port "$SK_NS_GW" 5201 5
ip netns exec "$SK_NS_CL" timeout 20 iperf3 -c 198.18.101.1 -t 3 -f m | tail -4

step "The gateway's view (sekishoctl)"
gw_ctl show status
gw_ctl show sessions

if [ "$keep" -gt 0 ]; then
  step "Keeping the tunnel up for $keep s (try: ip netns exec $SK_NS_CL ping 198.18.101.1)"
  sleep "$keep"
fi

step "Logging off (SIGINT: the client sends DISCONNECT) and cleaning up"
sk_stop "$SK_PID"
sleep 0.3
grep -E 'logged off|tunnel closed' "$GW_LOG" | sed 's/^.*\] /  gateway: /'
echo
echo "demo finished: namespaces, processes and temporary files are removed on exit"

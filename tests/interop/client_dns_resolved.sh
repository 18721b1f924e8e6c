#!/usr/bin/env bash
# Our client's DNS setup through the real systemd-resolved (issue 10, point 1): per-link DNS
# servers and routing domains on the TUN, reverted on exit.
#
# systemd-resolved is never installed on the host (its postinst would take over the host's
# /etc/resolv.conf): the package of the installed systemd's exact version is fetched with
# `apt-get download` (cached in the build directory) and unpacked into the test's directory.
# In the client namespace a private system bus (dbus-daemon, permissive policy) listens on
# $BUS_DIR/system_bus_socket; every process of the test that talks D-Bus (dbus-daemon, resolved,
# the client, dbus-monitor, resolvectl) sees $BUS_DIR as /run/dbus through a bind mount in the
# mount namespace `ip netns exec` gives it, so the client finds resolved at the standard path.
# resolved gets a private /run/systemd (tmpfs) and an /etc/passwd with its systemd-resolve
# user, both in its own mount namespace only.
#   1. full tunnel (sales): the link has the pushed server, "~." + the search domain and
#      DefaultRoute; /etc/resolv.conf untouched; on SIGINT the client calls RevertLink;
#   2. split tunnel (engineering): the search domain and "~intra.example", no DefaultRoute;
#   3. SIGKILL: the link vanishes with the client and resolved forgets it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
. "$(dirname "$0")/client_common.sh"
interop_require_root
command -v certtool >/dev/null || interop_skip "certtool missing"
for tool in dbus-daemon dbus-monitor dpkg-deb apt-get mount; do
  command -v "$tool" >/dev/null || interop_skip "missing tool: $tool"
done
[ -d /run/dbus ] || interop_skip "/run/dbus missing (no mount point for the private bus)"
[ -d /run/systemd ] || interop_skip "/run/systemd missing (no mount point for resolved)"

# --- systemd-resolved of the installed systemd's version, unpacked privately ----------------
SYSTEMD_VERSION=$(dpkg-query -W -f='${Version}' systemd 2>/dev/null) ||
  interop_skip "systemd not installed (resolved needs its libsystemd-shared)"
CACHE=$SEKISHO_BUILD_DIR/test-cache/systemd-resolved
mkdir -p "$CACHE"
DEB=$(find "$CACHE" -name "systemd-resolved_$(echo "$SYSTEMD_VERSION" | sed 's/:/%3a/')_*.deb" | head -1)
if [ -z "$DEB" ]; then
  (cd "$CACHE" && timeout 120 apt-get download "systemd-resolved=$SYSTEMD_VERSION") \
    >"$CACHE/download.log" 2>&1 ||
    interop_skip "apt-get download systemd-resolved=$SYSTEMD_VERSION failed: $(tail -1 "$CACHE/download.log")"
  DEB=$(find "$CACHE" -name 'systemd-resolved_*.deb' | head -1)
fi
RESOLVED_ROOT=$(interop_tmpdir)/resolved
dpkg-deb -x "$DEB" "$RESOLVED_ROOT" || interop_fail "cannot unpack $DEB"
RESOLVED=$RESOLVED_ROOT/lib/systemd/systemd-resolved
RESOLVECTL=$RESOLVED_ROOT/usr/bin/resolvectl
[ -x "$RESOLVED" ] || interop_fail "no systemd-resolved in $DEB"

interop_setup_two_hosts
ip -n "$SK_NS_CL" link set lo up  # resolved's stub listens on 127.0.0.53
GW_DIR=$(interop_tmpdir)
CL_DIR=$(interop_tmpdir)
CL_URL=$GW_URL
gw_setup "$GW_DIR"
sk_dns_gateway_config "$GW_DIR/sekishod.toml"
gw_start "$GW_DIR"
CA=$GW_DIR/pki/ca.pem

# --- private system bus and resolved in the client namespace ----------------------------------
BUS_DIR=$CL_DIR/bus
mkdir -p "$BUS_DIR"
cat >"$CL_DIR/bus.conf" <<'XML'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*" eavesdrop="true"/>
  </policy>
</busconfig>
XML
cp /etc/passwd "$CL_DIR/passwd"
cp /etc/group "$CL_DIR/group"
getent passwd systemd-resolve >/dev/null ||
  echo 'systemd-resolve:x:991:991:systemd Resolver:/:/usr/sbin/nologin' >>"$CL_DIR/passwd"
getent group systemd-resolve >/dev/null || echo 'systemd-resolve:x:991:' >>"$CL_DIR/group"
# WITH_BUS: the prefix that shows $BUS_DIR as /run/dbus to the command that follows.
WITH_BUS=(sh -c 'mount --bind "$0" /run/dbus || exit 97; exec "$@"' "$BUS_DIR")

# WITH_USERS: also the copies of /etc/passwd and /etc/group that name resolved's user, and an
# empty /run/systemd (resolved's runtime directory; it also hides the host's userdb sockets,
# which glibc's nss-systemd would otherwise ask — and wait for — about resolved's uid). The bus
# daemon needs both as well: it maps the uid of each connection to a user and its groups.
WITH_USERS=("${WITH_BUS[@]}" sh -c '
  mount --bind "$0" /etc/passwd && mount --bind "$1" /etc/group &&
    mount -t tmpfs -o mode=0755 tmpfs /run/systemd || exit 97
  shift
  exec "$@"' "$CL_DIR/passwd" "$CL_DIR/group")

interop_bg "$SK_NS_CL" "$CL_DIR/dbus.log" "${WITH_USERS[@]}" \
  dbus-daemon --config-file="$CL_DIR/bus.conf" --nofork --nopidfile
_sk_poll 10 test -S "$BUS_DIR/system_bus_socket" || interop_fail "private bus did not start"
interop_bg "$SK_NS_CL" "$CL_DIR/resolved.log" "${WITH_USERS[@]}" "$RESOLVED"
in_bus() { ip netns exec "$SK_NS_CL" "${WITH_BUS[@]}" "$@"; }
resolved_up() {
  in_bus busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
    NameHasOwner s org.freedesktop.resolve1 >"$CL_DIR/busctl.err" 2>&1; grep -q '^b true$' "$CL_DIR/busctl.err"
}
_sk_poll 15 resolved_up ||
  interop_fail "systemd-resolved did not appear on the private bus: $(cat "$CL_DIR/busctl.err")"
interop_bg "$SK_NS_CL" "$CL_DIR/monitor.log" "${WITH_BUS[@]}" \
  dbus-monitor --system "type='method_call',interface='org.freedesktop.resolve1.Manager'"
interop_wait_for_log "$CL_DIR/monitor.log" 'NameAcquired|NameLost|signal' 10 ||
  interop_fail "dbus-monitor did not start"
echo "systemd-resolved $SYSTEMD_VERSION up on a private bus"

printf 'nameserver 127.0.0.53\nsearch home.lan\n' >"$CL_DIR/resolv.conf"  # SEKISHO_RESOLV_CONF
cp "$CL_DIR/resolv.conf" "$CL_DIR/resolv.conf.orig"

# sk_bus_connect NAME STDIN_TEXT ARGS...: sk_connect with the private bus at /run/dbus.
sk_bus_connect() {
  local name=$1 input=$2
  shift 2
  printf '%s' "$input" >"$CL_DIR/sk-$name.in"
  SK_LOG=$CL_DIR/sk-$name.log
  # shellcheck disable=SC2046
  interop_bg "$SK_NS_CL" "$SK_LOG" "${WITH_BUS[@]}" env $(sk_env) \
    sh -c 'exec "$@" <"$0"' "$CL_DIR/sk-$name.in" \
    "$SEKISHO" connect --interface "sk-$name" --non-inter --cafile "$CA" "$@" "$CL_URL"
  SK_PID=$SK_LAST_PID
}
link_status() { in_bus "$RESOLVECTL" status "$1" 2>&1; }
wait_gone() {  # PID
  _sk_poll 10 eval '! interop_pid_running '"$1" || interop_fail "pid $1 did not exit"
}

# --- 1. full tunnel ------------------------------------------------------------------------------
sk_bus_connect full1 $'bobpw\n' --user bob --passwd-on-stdin --authgroup Sales
sk_wait_tunnel full1
interop_wait_for_log "$SK_LOG" 'DNS: systemd-resolved on sk-full1' 10 ||
  interop_fail "the client did not use systemd-resolved"
status=$(link_status sk-full1)
echo "$status"
echo "$status" | grep -Eq 'DNS Servers?: 198\.18\.100\.53' || interop_fail "full: no DNS server"
echo "$status" | grep -Eq 'DNS Domain: ~\. corp\.example ~intra\.example$' || interop_fail "full: domains"
echo "$status" | grep -q '+DefaultRoute' || interop_fail "full: not the default route"
cmp -s "$CL_DIR/resolv.conf" "$CL_DIR/resolv.conf.orig" ||
  interop_fail "resolv.conf changed although resolved was used"
ifindex=$(cat "/sys/class/net/sk-full1/ifindex" 2>/dev/null ||
  ip -n "$SK_NS_CL" -o link show sk-full1 | cut -d: -f1)
sk_stop "$SK_PID"
wait_gone "$SK_PID"
interop_wait_for_log "$CL_DIR/monitor.log" 'member=RevertLink' 5 ||
  interop_fail "no RevertLink call on exit"
grep -A1 'member=RevertLink' "$CL_DIR/monitor.log" | grep -q "int32 $ifindex" ||
  interop_fail "RevertLink for another link than $ifindex"
link_status sk-full1 | grep -q '198.18.100.53' && interop_fail "full: settings left"
[ -z "$(find "$CL_DIR/host-state" -name '*.state' 2>/dev/null)" ] || interop_fail "state file left"
echo "1. full tunnel: ~. + DefaultRoute on the link, RevertLink on exit"

# --- 2. split tunnel ----------------------------------------------------------------------------
sk_bus_connect split1 $'alicepw\n' --user alice --passwd-on-stdin
sk_wait_tunnel split1
interop_wait_for_log "$SK_LOG" 'DNS: systemd-resolved on sk-split1' 10 ||
  interop_fail "the client did not use systemd-resolved"
status=$(link_status sk-split1)
echo "$status"
echo "$status" | grep -Eq 'DNS Servers?: 198\.18\.100\.53' || interop_fail "split: no DNS server"
echo "$status" | grep -Eq 'DNS Domain: corp\.example ~intra\.example$' || interop_fail "split: domains"
echo "$status" | grep -q -- '-DefaultRoute' || interop_fail "split: default route"
sk_stop "$SK_PID"
wait_gone "$SK_PID"
echo "2. split tunnel: search + routing domain, no DefaultRoute"

# --- 3. SIGKILL: resolved forgets the vanished link ---------------------------------------------
sk_bus_connect kill1 $'bobpw\n' --user bob --passwd-on-stdin --authgroup Sales
sk_wait_tunnel kill1
interop_wait_for_log "$SK_LOG" 'DNS: systemd-resolved on sk-kill1' 10 || interop_fail "no DNS line"
kill -KILL "$SK_PID"
wait_gone "$SK_PID"
_sk_poll 10 eval '! link_status sk-kill1 | grep -q 198.18.100.53' ||
  interop_fail "resolved kept the dead link's settings"
cmp -s "$CL_DIR/resolv.conf" "$CL_DIR/resolv.conf.orig" || interop_fail "resolv.conf changed"
echo "3. SIGKILL: the link and its DNS settings went with the client"
echo "PASS"

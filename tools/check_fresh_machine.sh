#!/usr/bin/env bash
# Checks the README's two commands on a fresh, minimal Debian 12: debootstraps bookworm
# (--variant=minbase, from the Debian mirror this machine's apt is configured with), clones the
# repository into it (with the working tree's uncommitted and untracked files, ignored files and
# build dirs left out), then runs ./tools/demo.sh and ./tools/test.sh there with chroot and
# prints how long each took. Run it before calling a change to the setup (install_deps.sh,
# CMake dependencies, tools the scripts call) done.
#
# Needs root. Everything happens in a private mount and PID namespace (unshare): /proc, /sys,
# /dev (with /dev/pts, /dev/net/tun) and a tmpfs /run (for `ip netns`) are mounted into the tree
# only there, so they vanish with the namespace, and so does every process started inside.
# The tests keep their own network-safety rules (namespaces they create, 198.18.0.0/15).
# A policy-rc.d in the tree stops package installs from starting daemons (ocserv) in the host's
# network namespace, as in any chroot or container image.
#
# Usage: tools/check_fresh_machine.sh [options]
#   --tree DIR    keep the debootstrapped base in DIR (made there on first use, never modified
#                 afterwards) and run on a fresh copy of it: skips debootstrap on later runs
#   --rev REV     check the committed REV (e.g. HEAD) instead of the working tree
#   --keep        keep the work tree afterwards (its mounts are gone with the namespace)
#   --only demo|test   run only one of the two commands
#   --quick       pass --quick to tools/test.sh (no sanitizer/fuzz build)
#   --mirror URI  Debian mirror (default: the one this machine's apt uses for bookworm)
#   --workdir DIR where the work tree is created (default /var/tmp)
# SEKISHO_* variables (e.g. SEKISHO_FUZZ_SECONDS) and proxy variables are passed through.
set -euo pipefail

script=$(readlink -f "$0")
src=$(cd "$(dirname "$script")/.." && pwd)
suite=bookworm

die() {
  echo "check_fresh_machine: $*" >&2
  exit 2
}
say() { printf '\n\033[1m[check_fresh_machine] %s\033[0m\n' "$*"; }

# ---------------------------------------------------------------------------------------------
# Inside the namespaces (started by the outer part below): mounts, then the two commands.
# ---------------------------------------------------------------------------------------------
if [ "${1:-}" = --inner ]; then
  t=$2 only=$3 quick=$4
  shift 4
  envs=("$@")
  # The root of a chroot must be a mount point (`ip netns exec` remounts / as a slave).
  mount --bind "$t" "$t"
  mount -t proc proc "$t/proc"  # a fresh one: this PID namespace's processes only
  mount --rbind /sys "$t/sys"
  mount --make-rslave "$t/sys"
  mount --rbind /dev "$t/dev"  # /dev/pts, /dev/net/tun, ...
  mount --make-rslave "$t/dev"
  mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$t/dev/shm"
  # /run (and /var/run, a link to it) empty as after a boot; `ip netns` keeps its mounts there.
  mount -t tmpfs -o nosuid,nodev,mode=755 tmpfs "$t/run"
  mkdir -p "$t/run/lock"
  chmod 1777 "$t/run/lock"

  run_in_tree() {  # NAME COMMAND...: runs as root in a login-like environment, timed
    local name=$1 start rc
    shift
    say "running $name inside the minimal tree"
    start=$(date +%s)
    rc=0
    chroot "$t" /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      TERM="${TERM:-dumb}" "${envs[@]}" \
      /bin/bash -c 'cd /root/sekisho && exec "$@"' bash "$@" </dev/null || rc=$?
    local secs=$(($(date +%s) - start))
    local verdict=passed
    [ $rc -eq 0 ] || verdict="FAILED (exit $rc)"
    results+=("$(printf '%-16s %-16s %4d min %02d s  (%d s)' "$name" "$verdict" \
      $((secs / 60)) $((secs % 60)) "$secs")")
    return $rc
  }

  results=()
  status=0
  if [ "$only" != test ]; then run_in_tree ./tools/demo.sh ./tools/demo.sh || status=1; fi
  if [ "$only" != demo ]; then
    test_args=()
    [ "$quick" = 1 ] && test_args=(--quick)
    run_in_tree ./tools/test.sh ./tools/test.sh "${test_args[@]}" || status=1
  fi
  say "results (minimal Debian 12 tree, $(nproc) cores)"
  printf '  %s\n' "${results[@]}"
  exit $status
fi

# ---------------------------------------------------------------------------------------------
# Outside: options, the tree, the source copy, then the namespaces.
# ---------------------------------------------------------------------------------------------
base='' rev='' keep=0 only=all quick=0 mirror='' workdir=/var/tmp
while [ $# -gt 0 ]; do
  case $1 in
    --tree) base=${2:?--tree needs a directory}; shift 2 ;;
    --rev) rev=${2:?--rev needs a revision}; shift 2 ;;
    --keep) keep=1; shift ;;
    --only)
      only=${2:-}
      case $only in demo | test) ;; *) die "--only takes demo or test" ;; esac
      shift 2
      ;;
    --quick) quick=1; shift ;;
    --mirror) mirror=${2:?--mirror needs a URI}; shift 2 ;;
    --workdir) workdir=${2:?--workdir needs a directory}; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$script"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, mounts)"
for tool in git unshare chroot mount tar; do
  command -v "$tool" >/dev/null || die "missing tool: $tool"
done

# Prints "URI SUITE" for every enabled `deb` entry of this machine's apt sources, one-line
# (sources.list, *.list) and deb822 (*.sources) formats.
host_apt_sources() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -E 's/#.*//; s/\[[^]]*\]//' "$f" | awk '$1 == "deb" && NF >= 3 { print $2, $3 }'
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk '
      function flush(  n, m, i, j, u, s) {
        if (enabled != "no" && (" " types " ") ~ / deb /) {
          n = split(uris, u, " "); m = split(suites, s, " ")
          for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) print u[i], s[j]
        }
        types = uris = suites = ""; enabled = "yes"
      }
      BEGIN { enabled = "yes" }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      /^[Tt]ypes:/ { sub(/^[^:]*:[ \t]*/, ""); types = $0; next }
      /^URIs:/ { sub(/^[^:]*:[ \t]*/, ""); uris = $0; next }
      /^[Ss]uites:/ { sub(/^[^:]*:[ \t]*/, ""); suites = $0; next }
      /^[Ee]nabled:/ { enabled = tolower($2); next }
      END { flush() }
    ' "$f"
  done
}

mapfile -t sources < <(host_apt_sources | awk -v s="$suite" \
  '$2 == s || $2 == s "-updates" || $2 == s "-security"' | awk '!seen[$0]++')
if [ -z "$mirror" ]; then
  for entry in "${sources[@]}"; do
    if [ "${entry#* }" = "$suite" ]; then
      mirror=${entry%% *}
      break
    fi
  done
  [ -n "$mirror" ] || die "no '$suite' entry in this machine's apt sources; give --mirror URI"
fi

if ! command -v debootstrap >/dev/null; then
  say "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap ||
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap; }
fi

bootstrap() {  # DIR
  say "debootstrap --variant=minbase $suite $1 $mirror"
  local start=$SECONDS
  debootstrap --variant=minbase "$suite" "$1" "$mirror"
  echo "debootstrap took $((SECONDS - start)) s"
}

mkdir -p "$workdir"
work=$(mktemp -d "$workdir/sekisho-fresh.XXXXXX")
chmod 755 "$work"  # the chroot's /: apt's _apt user must be able to traverse it
inner_pid=''

# shellcheck disable=SC2317  # cleanup and pgrep_root run from the EXIT trap
# Removes the work tree, after making sure nothing runs in it and nothing is mounted in it in
# this namespace (the tree's mounts only ever exist in the private one, gone with it).
cleanup() {
  local rc=$? i
  trap - EXIT INT TERM
  if [ -n "$inner_pid" ] && kill -0 "$inner_pid" 2>/dev/null; then
    kill -KILL "$inner_pid" 2>/dev/null  # unshare --kill-child takes its whole namespace along
    wait "$inner_pid" 2>/dev/null || true
  fi
  for ((i = 0; i < 100; i++)); do  # the PID namespace's processes exit asynchronously
    pgrep_root "$work" || break
    sleep 0.1
  done
  if [ "$keep" -eq 1 ]; then
    echo "check_fresh_machine: kept the tree $work (chroot $work bash)"
  elif awk -v w="$work" '$5 == w || index($5, w "/") == 1 { found = 1 } END { exit !found }' \
    /proc/self/mountinfo; then
    echo "check_fresh_machine: something is mounted under $work; not removing it" >&2
    rc=1
  else
    rm -rf --one-file-system -- "$work"
  fi
  exit "$rc"
}
# shellcheck disable=SC2317
# True while some process has its root inside DIR (the chroot's processes).
pgrep_root() {
  local p r
  for p in /proc/[0-9]*; do
    r=$(readlink "$p/root" 2>/dev/null) || continue
    case $r in "$1" | "$1"/*) return 0 ;; esac
  done
  return 1
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

total_start=$SECONDS
if [ -n "$base" ]; then
  base=$(readlink -m "$base")
  if [ ! -e "$base/.sekisho-minbase-complete" ]; then
    if [ -e "$base" ] && [ -n "$(ls -A "$base")" ]; then
      die "$base is neither empty nor a complete base made by this script (remove it)"
    fi
    mkdir -p "$base"
    bootstrap "$base"
    touch "$base/.sekisho-minbase-complete"
  fi
  say "copying the pristine base $base"
  tar -C "$base" --exclude=./.sekisho-minbase-complete -cf - . | tar -C "$work" -xpf -
else
  bootstrap "$work"
fi

# apt sources as a fresh Debian 12 install has them: the main suite, updates and security, from
# the same places as this machine's.
{
  echo "# written by tools/check_fresh_machine.sh from the host's apt sources"
  if [ ${#sources[@]} -gt 0 ]; then
    for entry in "${sources[@]}"; do echo "deb ${entry%% *} ${entry#* } main"; done
  else
    echo "deb $mirror $suite main"
  fi
} >"$work/etc/apt/sources.list"
cp -L /etc/resolv.conf "$work/etc/resolv.conf"
printf '#!/bin/sh\n# no daemons started by package installs inside this chroot\nexit 101\n' \
  >"$work/usr/sbin/policy-rc.d"
chmod 755 "$work/usr/sbin/policy-rc.d"

# The source: a clone (so that git-based checks see a repository), plus the working tree's
# changes unless --rev is given. No build directories, nothing ignored.
dest=$work/root/sekisho
git clone --quiet --no-hardlinks "$src" "$dest"
if [ -n "$rev" ]; then
  commit=$(git -C "$src" rev-parse --verify "$rev^{commit}")
  git -C "$dest" -c advice.detachedHead=false checkout --quiet --detach "$commit"
  say "source: commit $(git -C "$dest" log -1 --format='%h %s')"
else
  git -C "$dest" -c advice.detachedHead=false checkout --quiet --detach \
    "$(git -C "$src" rev-parse HEAD)"
  (cd "$src" && git ls-files -z -co --exclude-standard |
    while IFS= read -r -d '' f; do
      if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
    done | tar --null --no-recursion -T - -cf -) | tar -C "$dest" -xpf -
  (cd "$src" && git ls-files -z --deleted) | (cd "$dest" && xargs -0 -r rm -f --)
  say "source: working tree of $src ($(git -C "$src" status --porcelain | wc -l) changed files)"
fi

# Variables passed into the tree.
envs=()
while IFS= read -r name; do
  case $name in
    SEKISHO_SOURCE_DIR | SEKISHO_BUILD_DIR) ;;
    SEKISHO_* | http_proxy | https_proxy | no_proxy | HTTP_PROXY | HTTPS_PROXY | NO_PROXY)
      envs+=("$name=${!name}")
      ;;
  esac
done < <(compgen -e)

echo "setup took $((SECONDS - total_start)) s"
unshare --mount --pid --fork --kill-child --propagation private -- \
  "$BASH" "$script" --inner "$work" "$only" "$quick" "${envs[@]}" &
inner_pid=$!
status=0
wait "$inner_pid" || status=$?
inner_pid=''
echo "check_fresh_machine: total $((SECONDS - total_start)) s, exit $status"
exit $status

#!/usr/bin/env bash
# install_layout: `cmake --install` into a scratch prefix (and once more with DESTDIR) puts
# each file where an administrator looks for it, the unit points at the installed sekishod,
# and every man page renders without a groff warning. No root needed.
#   test_install.sh BUILD_DIR UNIT_DIR (UNIT_DIR relative to the prefix, as CMake computed it)
set -euo pipefail
build=$1
unit_dir=$2
scratch=$(mktemp -d /tmp/sekisho-install.XXXXXX)
trap 'rm -rf -- "$scratch"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

prefix=$scratch/prefix
cmake --install "$build" --prefix "$prefix" >"$scratch/install.log" ||
  { cat "$scratch/install.log"; fail "cmake --install"; }

expect_file() {  # PATH [x]
  [ -f "$1" ] || fail "missing $1"
  [ "${2:-}" != x ] || [ -x "$1" ] || fail "$1 is not executable"
  echo "ok: ${1#"$scratch"/}"
}
expect_file "$prefix/sbin/sekishod" x
expect_file "$prefix/bin/sekishoctl" x
if grep -q 'src/client/sekisho$' <(find "$build/src" -name sekisho -type f); then
  expect_file "$prefix/sbin/sekisho" x
fi
expect_file "$prefix/etc/sekisho/sekishod.toml.example"
expect_file "$prefix/share/doc/sekisho/examples/sekishod.toml"
unit=$prefix/$unit_dir/sekishod.service
expect_file "$unit"
grep -qx "ExecStart=$prefix/sbin/sekishod --config $prefix/etc/sekisho/sekishod.toml" "$unit" ||
  fail "the unit does not start the installed sekishod with the installed configuration"
grep -qx 'Type=notify' "$unit" || fail "the unit is not Type=notify"
grep -q '^WatchdogSec=' "$unit" || fail "the unit has no WatchdogSec"
grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit" || fail "the unit has no ExecReload"

# systemd's own checker, when it runs here (it needs no running systemd for a unit file).
if command -v systemd-analyze >/dev/null; then
  # Documentation= names man pages: look them up in the scratch prefix.
  if ! out=$(MANPATH=$prefix/share/man systemd-analyze verify "$unit" 2>&1); then
    echo "$out"
    fail "systemd-analyze verify rejects the unit"
  fi
  # Lines about other units on this machine are not ours; any about sekishod.service are.
  if grep -i 'sekishod.service' <<<"$out"; then
    fail "systemd-analyze verify warns about the unit"
  fi
  echo "ok: systemd-analyze verify"
fi

for page in sekishod sekishoctl sekisho; do
  file=$prefix/share/man/man8/$page.8
  if [ "$page" = sekisho ] && [ ! -f "$prefix/sbin/sekisho" ]; then
    continue
  fi
  expect_file "$file"
  warnings=$(groff -man -Tutf8 -ww -z "$file" 2>&1)
  [ -z "$warnings" ] || { echo "$warnings"; fail "$page.8 renders with warnings"; }
  text=$(MANWIDTH=80 man -l "$file" 2>&1 | col -b)
  grep -q "^NAME" <<<"$text" || fail "$page.8 has no NAME section"
  grep -q -- '--help' <<<"$text" || fail "$page.8 lacks the program's options"
  echo "ok: $page(8) renders"
done
# sekishod(8) documents the options sekishod really takes (generated from its --help), under
# the installed name, not the build tree's path.
grep -q "$build" "$prefix/share/man/man8/sekishod.8" && fail "sekishod(8) names the build tree"
# (The page is read whole first: grep -q stopping early would make col fail with SIGPIPE under
# pipefail.)
page_text=$(MANWIDTH=80 man -l "$prefix/share/man/man8/sekishod.8" | col -b)
grep -q -- "--check-config" <<<"$page_text" || fail "sekishod(8) lacks --check-config"

# DESTDIR: the same tree under a staging root, nothing outside it.
staging=$scratch/staging
DESTDIR=$staging cmake --install "$build" --prefix /usr >/dev/null
# Prefix /usr puts the configuration in /etc (as GNUInstallDirs does), nothing elsewhere.
[ "$(cd "$staging" && find . -mindepth 1 -maxdepth 1 | sort | tr '\n' ' ')" = "./etc ./usr " ] ||
  fail "DESTDIR: expected only etc/ and usr/ under the staging root"
expect_file "$staging/etc/sekisho/sekishod.toml.example"
expect_file "$staging/usr/sbin/sekishod" x
[ -f "$staging/usr/$unit_dir/sekishod.service" ] || fail "DESTDIR: no unit"
grep -q 'ExecStart=/usr/sbin/sekishod ' "$staging/usr/$unit_dir/sekishod.service" ||
  fail "DESTDIR: the unit does not name /usr/sbin/sekishod"
echo "PASS: install layout, unit and man pages"

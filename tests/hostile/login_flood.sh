#!/usr/bin/env bash
# Hostile case (issue 11): a login flood from 200 addresses. 16 threads post a login form and a
# wrong password again and again for 15 s, each from the next of 200 source addresses. Every
# form creates a login context; limits.max_login_contexts (100 here) caps them, evicting the
# oldest with a rate-limited log line. Afterwards a new openconnect login (from an address the
# flood did not use) succeeds within 1 s, the victim lost no ping and memory stayed bounded.
set -euo pipefail
. "$(dirname "$0")/../interop/lib.sh"
. "$(dirname "$0")/../interop/gateway_common.sh"
. "$(dirname "$0")/hostile_lib.sh"
interop_require_root

HOSTILE_TOML='[limits]
max_login_contexts = 100'
hostile_setup
hostile_add_sources 20 200
hostile_mark
hostile_attack logins loginflood 15 16
hostile_attack_wait 30
logins=$(hostile_value logins)
[ "$logins" -ge 200 ] || interop_fail "only $logins login attempts were answered"
evictions=$(grep -c 'logins in progress (limits.max_login_contexts); evicting' "$GW_LOG" || true)
echo "eviction log lines: $evictions"
[ "$evictions" -ge 1 ] && [ "$evictions" -le 4 ] ||
  interop_fail "$evictions eviction lines (want 1-4: capped, and rate-limited)"
hostile_assert_survived 32768
echo "PASS hostile login flood"

#!/usr/bin/env bash
# Hostile case (issue 11): slowloris. 200 TLS connections from 2 addresses send an HTTP head one
# byte per second. Beyond limits.max_per_address (64 per address) they are refused at once; the
# rest are cut off at listen.request_timeout (30 s). Meanwhile a new openconnect login succeeds
# within 1 s and the victim tunnel loses no ping.
set -euo pipefail
. "$(dirname "$0")/../interop/lib.sh"
. "$(dirname "$0")/../interop/gateway_common.sh"
. "$(dirname "$0")/hostile_lib.sh"
interop_require_root

hostile_setup
hostile_add_sources 10 2
hostile_mark
hostile_attack slowloris slowloris 40 200
# Once every slow connection is trickling or refused (2 x 64 admitted, plus the victim's
# connection), check the others during the slow phase.
interop_wait_for_log "$ATTACK_LOG" 'handshakes done' 20 || interop_fail "the handshakes did not settle"
hostile_wait_connections 129 20
hostile_assert_survived 32768
hostile_attack_wait 50
refused=$(hostile_value refused)
closed=$(hostile_value closed)
slowest=$(hostile_value max_close_s)
[ "$refused" -ge 60 ] || interop_fail "only $refused of 200 slow connections were refused"
[ $((refused + closed)) -eq 200 ] ||
  interop_fail "$((200 - refused - closed)) slow connection(s) never closed"
awk -v s="$slowest" 'BEGIN { exit !(s <= 35) }' ||
  interop_fail "a slow connection lived $slowest s (request_timeout is 30 s)"
echo "PASS hostile slowloris"

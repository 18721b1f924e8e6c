#!/usr/bin/env bash
# Hostile case (issue 11): pipelined requests with the reader stopped. 20 TLS connections send
# login requests back to back for 20 s and never read. The gateway answers at most 64 per
# connection, stops reading while its answers go unread, and closes each connection when its
# last answer has not left 10 s later; its memory stays bounded (no input buffered behind a
# closing response) and other users are unaffected.
set -euo pipefail
. "$(dirname "$0")/../interop/lib.sh"
. "$(dirname "$0")/../interop/gateway_common.sh"
. "$(dirname "$0")/hostile_lib.sh"
interop_require_root

hostile_setup
hostile_mark
hostile_attack pipeline pipeline 20 20
hostile_attack_wait 30
closed=$(hostile_value closed)
[ "$closed" -eq 20 ] || interop_fail "only $closed of 20 non-reading connections were closed"
grep -q 'last response not collected' "$GW_LOG" ||
  interop_fail "no 'last response not collected' line in the gateway log"
hostile_assert_survived 32768
echo "PASS hostile pipeline"

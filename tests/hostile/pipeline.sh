#!/usr/bin/env bash
# Hostile case (issue 11): pipelined requests with the reader stopped. 20 TLS connections send
# login requests back to back for 20 s and never read (with a 1 KiB receive window). The
# gateway stops reading (and answering) while its answers go unread, and closes each connection
# whose answers have not left 10 s later; its memory stays bounded (no input buffered behind
# unread answers or a closing response) and other users are unaffected.
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
grep -q 'answers not collected within 10 s' "$GW_LOG" ||
  interop_fail "no 'answers not collected' line in the gateway log"
hostile_assert_survived 32768
echo "PASS hostile pipeline"

#!/usr/bin/env bash
# Hostile case (issue 11): a DPD flood with the reader stopped. A logged-in client (bob's cookie
# from openconnect --authenticate) opens its tunnel with CONNECT, then sends DPD requests in a
# loop and never reads. Once more than limits.max_unsent_kib (1 MiB) of answers wait unsent, the
# gateway ends that tunnel (log line), never the worker: the victim tunnel loses no ping, a new
# login works within 1 s, and memory stays bounded.
set -euo pipefail
. "$(dirname "$0")/../interop/lib.sh"
. "$(dirname "$0")/../interop/gateway_common.sh"
. "$(dirname "$0")/hostile_lib.sh"
interop_require_root

hostile_setup
printf 'bobpw\n' | ip netns exec "$SK_NS_CL" timeout 10 openconnect --authenticate --user bob \
  --passwd-on-stdin --non-inter --servercert "$GW_PIN" "${GW_URL}sales" >"$GW_DIR/bob.auth" \
  2>&1 || interop_fail "bob could not authenticate"
cookie=$(grep -o "webvpn=[^;']*" "$GW_DIR/bob.auth" | head -1 | sed 's/^webvpn=//')
[ -n "$cookie" ] || interop_fail "no cookie for bob"
hostile_mark
hostile_attack dpd dpdflood 40 "$cookie"
hostile_attack_wait 50
[ "$(hostile_value closed)" = 1 ] || interop_fail "the non-reading tunnel was not ended"
grep -q 'the client does not read' "$GW_LOG" ||
  interop_fail "no 'the client does not read' line in the gateway log"
hostile_assert_survived 32768
echo "PASS hostile DPD flood"

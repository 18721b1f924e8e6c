#!/usr/bin/env bash
# The hostile suite's yardstick: no attack, only the survival checks. If this fails, the
# checks themselves (login time, ping continuity, memory) are too strict for the machine.
set -euo pipefail
. "$(dirname "$0")/../interop/lib.sh"
. "$(dirname "$0")/../interop/gateway_common.sh"
. "$(dirname "$0")/hostile_lib.sh"
interop_require_root

hostile_setup
hostile_mark
ip netns exec "$SK_NS_CL" ping -c 5 -i 0.2 -W 2 "$HOSTILE_VICTIM_TARGET" >/dev/null
hostile_assert_survived 4096
echo "PASS hostile baseline"

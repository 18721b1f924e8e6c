#!/usr/bin/env bash
# Bounded libFuzzer run used by ctest: FUZZER WORKDIR [SEED_CORPUS_DIR]
# Runs for SEKISHO_FUZZ_SECONDS (default 20) and fails on any finding.
set -euo pipefail
fuzzer=$1 work=$2 seeds=${3:-}
rm -rf "$work" && mkdir -p "$work/corpus"
if [ -n "$seeds" ] && [ -d "$seeds" ]; then
  cp -r "$seeds"/. "$work/corpus/" 2>/dev/null || true
fi
cd "$work"
exec "$fuzzer" -max_total_time="${SEKISHO_FUZZ_SECONDS:-20}" -rss_limit_mb=2048 \
  -timeout=10 -print_final_stats=1 corpus

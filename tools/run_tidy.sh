#!/usr/bin/env bash
# clang-tidy over the given files (default: C++ files changed against origin/main or HEAD~1),
# using build/debug/compile_commands.json.
set -euo pipefail
cd "$(dirname "$0")/.."
db=${SEKISHO_TIDY_BUILD:-build/debug}
[ -f "$db/compile_commands.json" ] || { echo "run_tidy: no $db/compile_commands.json"; exit 2; }
if [ $# -gt 0 ]; then
  files=("$@")
else
  base=$(git rev-parse --verify -q origin/main || git rev-parse HEAD~1)
  mapfile -t files < <(git diff --name-only "$base" -- 'src/*.cc')
fi
[ ${#files[@]} -eq 0 ] && { echo "run_tidy: nothing to check"; exit 0; }
clang-tidy -p "$db" --quiet "${files[@]}"

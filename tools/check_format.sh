#!/usr/bin/env bash
# Fails when any C++ file under src/, tests/ or bench/ differs from clang-format's output.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard -- 'src/*.h' 'src/*.cc' 'tests/*.h' \
  'tests/*.cc' 'bench/*.h' 'bench/*.cc')
[ ${#files[@]} -eq 0 ] && exit 0
clang-format --dry-run -Werror "${files[@]}"
echo "check_format: ${#files[@]} files clean"

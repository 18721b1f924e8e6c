#!/usr/bin/env bash
# The long fuzz run before a release (docs/fuzzing.md): every libFuzzer target for MINUTES
# minutes (default 10), on a working copy of its checked-in corpus; new inputs that add
# coverage are merged back into tests/fuzz/<name>/corpus (minimized with -merge=1), so the next
# smoke run in CI starts from them. Any crash, leak, timeout or sanitizer report stops the run
# and leaves the reproducer in build/asan-fuzz/fuzz-long/<target>/.
#
# Usage: tools/fuzz_long.sh [MINUTES] [TARGET...]   (run after `cmake --preset asan-ubsan`
#        and `ninja -C build/asan-fuzz`; TARGET names like http_request_fuzz, default all)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
minutes=${1:-10}
shift || true
build=$root/build/asan-fuzz
[ -d "$build" ] || { echo "fuzz_long: build $build first (cmake --preset asan-ubsan)" >&2; exit 1; }

mapfile -t targets < <(if [ $# -gt 0 ]; then printf '%s\n' "$@"; else
  find "$build/tests/fuzz" -maxdepth 2 -type f -name '*_fuzz' -perm -u+x -printf '%f\n' | sort; fi)
[ ${#targets[@]} -gt 0 ] || { echo "fuzz_long: no fuzz targets in $build" >&2; exit 1; }

for target in "${targets[@]}"; do
  binary=$(find "$build/tests/fuzz" -maxdepth 2 -type f -name "$target" | head -1)
  name=${target%_fuzz}
  corpus=$root/tests/fuzz/$name/corpus
  work=$build/fuzz-long/$target
  rm -rf "$work" && mkdir -p "$work/found" "$corpus"
  echo "== $target: $minutes min (corpus $(find "$corpus" -type f | wc -l) files)"
  (cd "$work" && "$binary" -max_total_time=$((minutes * 60)) -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 found "$corpus" >"$work/log" 2>&1) || {
    echo "fuzz_long: $target failed; see $work/log and the crash-* file in $work" >&2
    tail -30 "$work/log" >&2
    exit 1
  }
  before=$(find "$corpus" -type f | wc -l)
  (cd "$work" && "$binary" -merge=1 "$corpus" found >>"$work/log" 2>&1)
  echo "   $(grep -Eo 'stat::number_of_executed_units: [0-9]+' "$work/log" | head -1 | awk '{print $2}') runs," \
    "corpus $before -> $(find "$corpus" -type f | wc -l) files"
done
echo "fuzz_long: all ${#targets[@]} targets clean"

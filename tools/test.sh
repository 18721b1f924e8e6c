#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds and runs everything under ctest.
#   1. gcc debug build of everything, -Werror: unit tests and the lint tests (format check
#      with clang-format 14, dependency rule).
#   2. clang ASan+UBSan build of the whole tree with libFuzzer instrumentation: unit tests,
#      the interop and hostile tests (real openconnect/ocserv and the gateway's processes,
#      all under the sanitizers; a sanitizer report in any process's log fails the test;
#      they need root for network namespaces and skip with 77 otherwise), then a bounded run
#      of every fuzz target (SEKISHO_FUZZ_SECONDS each, default 15).
# The real-process tests run once, in the sanitizer build, to keep the suite inside the CI
# budget; `--quick` skips the sanitizer build and runs them in the gcc build instead.
# Usage: tools/test.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1

tools/install_deps.sh

jobs=$(nproc)
echo "== [1/2] gcc debug build (all targets) =="
cmake -S . -B build/debug -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSEKISHO_WERROR=ON \
  -DSEKISHO_BUILD_CLIENT=ON -DSEKISHO_CORE_ONLY=OFF >/dev/null
ninja -C build/debug -j"$jobs"
if [ $quick -eq 1 ]; then
  ctest --test-dir build/debug --output-on-failure -j1 --timeout 600
  echo "== quick: all gcc tests passed (sanitizer build skipped) =="
  exit 0
fi
ctest --test-dir build/debug --output-on-failure -j"$jobs" --timeout 600 -LE 'interop|hostile'

echo "== [2/2] clang ASan+UBSan build of the whole tree, with fuzz targets =="
cmake -S . -B build/asan-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_COMPILER=clang++ -DSEKISHO_WERROR=ON -DSEKISHO_CORE_ONLY=OFF \
  -DSEKISHO_BUILD_CLIENT=ON -DSEKISHO_SANITIZE=address,undefined -DSEKISHO_FUZZ=ON >/dev/null
ninja -C build/asan-fuzz -j"$jobs"
# Real processes one at a time (their timing checks assume an otherwise idle machine), then
# the unit tests and the fuzz targets in parallel.
ctest --test-dir build/asan-fuzz --output-on-failure -j1 --timeout 600 -L 'interop|hostile'
SEKISHO_FUZZ_SECONDS=${SEKISHO_FUZZ_SECONDS:-15} \
  ctest --test-dir build/asan-fuzz --output-on-failure -j"$jobs" --timeout 600 -LE 'interop|hostile'
echo "== all test stages passed =="

#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds and runs everything under ctest.
#   1. gcc debug build of everything, -Werror: unit tests, the lint tests (format check with
#      clang-format 14, dependency rule), then the hostile suite (attacks on a real gateway;
#      its memory and timing bounds are calibrated for an uninstrumented build).
#   2. clang ASan+UBSan build of the whole tree with libFuzzer instrumentation: the interop
#      tests (real openconnect/ocserv and the gateway's processes, all under the sanitizers; a
#      sanitizer report in any process's log fails the test) and the client's hostile case
#      (a malicious gateway), the unit tests, then a bounded
#      run of every fuzz target (SEKISHO_FUZZ_SECONDS each, default 15).
# Real-process tests need root for network namespaces and skip with 77 otherwise. They run one
# at a time (their timing checks assume an otherwise idle machine); the rest in parallel.
# `--quick` skips the sanitizer build and runs every test in the gcc build.
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
ctest --test-dir build/debug --output-on-failure -j1 --timeout 600 -L hostile

echo "== [2/2] clang ASan+UBSan build of the whole tree, with fuzz targets =="
cmake -S . -B build/asan-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_COMPILER=clang++ -DSEKISHO_WERROR=ON -DSEKISHO_CORE_ONLY=OFF \
  -DSEKISHO_BUILD_CLIENT=ON -DSEKISHO_SANITIZE=address,undefined -DSEKISHO_FUZZ=ON >/dev/null
ninja -C build/asan-fuzz -j"$jobs"
ctest --test-dir build/asan-fuzz --output-on-failure -j1 --timeout 600 -L 'interop|hostile'
SEKISHO_FUZZ_SECONDS=${SEKISHO_FUZZ_SECONDS:-15} \
  ctest --test-dir build/asan-fuzz --output-on-failure -j"$jobs" --timeout 600 -LE 'interop|hostile'
echo "== all test stages passed =="

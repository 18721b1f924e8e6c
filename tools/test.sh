#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds and runs everything under ctest.
#   1. gcc debug build of everything, -Werror: unit, integration and interop tests
#      (interop needs root for network namespaces; it skips with 77 otherwise).
#   2. clang ASan+UBSan build of the protocol core with libFuzzer instrumentation:
#      core unit tests under the sanitizers and a bounded run of every fuzz target.
#   3. format check (clang-format 14) as a ctest test of build 1.
# Usage: tools/test.sh [--quick]   (--quick: skip the sanitizer/fuzz build)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
quick=0
[ "${1:-}" = "--quick" ] && quick=1

tools/install_deps.sh

jobs=$(nproc)
echo "== [1/2] gcc debug build (all targets) =="
cmake -S . -B build/debug -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSEKISHO_WERROR=ON \
  -DSEKISHO_BUILD_CLIENT=ON -DSEKISHO_CORE_ONLY=OFF >/dev/null
ninja -C build/debug -j"$jobs"
ctest --test-dir build/debug --output-on-failure -j1 --timeout 600

if [ $quick -eq 0 ]; then
  echo "== [2/2] clang ASan+UBSan core build with fuzz targets =="
  cmake -S . -B build/asan-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_COMPILER=clang++ -DSEKISHO_WERROR=ON -DSEKISHO_CORE_ONLY=ON \
    -DSEKISHO_SANITIZE=address,undefined -DSEKISHO_FUZZ=ON >/dev/null
  ninja -C build/asan-fuzz -j"$jobs"
  SEKISHO_FUZZ_SECONDS=${SEKISHO_FUZZ_SECONDS:-15} \
    ctest --test-dir build/asan-fuzz --output-on-failure -j"$jobs" --timeout 600
fi
echo "== all test stages passed =="

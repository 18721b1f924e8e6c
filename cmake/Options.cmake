# Every build option of sekisho, in one place (ngtcp2 CMakeOptions.txt style).
option(SEKISHO_WERROR "Treat compiler warnings as errors" OFF)
set(SEKISHO_SANITIZE "" CACHE STRING "Sanitizers to build with: address,undefined | thread | empty")
option(SEKISHO_FUZZ "Build libFuzzer targets (clang only)" OFF)
option(SEKISHO_BUILD_BENCH "Build Google Benchmark micro-benchmarks" OFF)
option(SEKISHO_CORE_ONLY "Build only base/ and proto/ with their tests (sanitizer and fuzz builds)" OFF)
option(SEKISHO_CHECK_HEADERS "Compile every header of base/ and proto/ on its own" ON)
option(SEKISHO_BUILD_CLIENT "Build the sekisho client (src/client)" ON)

if(SEKISHO_SANITIZE)
  set(SEKISHO_SANITIZER_FLAGS -fsanitize=${SEKISHO_SANITIZE} -fno-omit-frame-pointer
      -fno-sanitize-recover=all)
  add_compile_options(${SEKISHO_SANITIZER_FLAGS})
  add_link_options(${SEKISHO_SANITIZER_FLAGS})
endif()
if(SEKISHO_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SEKISHO_FUZZ needs clang (libFuzzer)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
# Real processes started by interop and hostile tests: reports go to their logs, which the tests
# scan (tests/interop/lib.sh). No leak check there: the gateway's workers are not dumpable,
# and LeakSanitizer cannot suspend their threads.
set(SEKISHO_DAEMON_SANITIZER_ENV
    "ASAN_OPTIONS=detect_leaks=0:handle_abort=1;UBSAN_OPTIONS=print_stacktrace=1")

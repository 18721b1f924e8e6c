# Abseil-style helpers: every target of the project is declared through one of these.
#
# sekisho_cc_library(NAME n [HDRS ...] SRCS ... [DEPS ...])
#   Target `sekisho_<n>` with the alias `sekisho::<n>`; include root is src/.
# sekisho_cc_test(NAME n SRCS ... [DEPS ...] [LABELS ...])
#   A GoogleTest binary registered with ctest (gtest_discover_tests would cost a run per
#   build; one ctest entry per binary keeps the suite fast on 2 cores).
# sekisho_fuzz_test(NAME n SRCS ... [DEPS ...] [CORPUS dir])
#   A libFuzzer binary (only when SEKISHO_FUZZ) plus a bounded ctest smoke run.
# sekisho_cc_binary(NAME n SRCS ... [DEPS ...])

function(sekisho_cc_library)
  cmake_parse_arguments(ARG "" "NAME" "HDRS;SRCS;DEPS" ${ARGN})
  if(ARG_SRCS)
    add_library(sekisho_${ARG_NAME} STATIC ${ARG_SRCS} ${ARG_HDRS})
    target_include_directories(sekisho_${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(sekisho_${ARG_NAME} PUBLIC ${ARG_DEPS})
    target_compile_options(sekisho_${ARG_NAME} PRIVATE ${SEKISHO_WARNINGS})
  else()
    add_library(sekisho_${ARG_NAME} INTERFACE)
    target_include_directories(sekisho_${ARG_NAME} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(sekisho_${ARG_NAME} INTERFACE ${ARG_DEPS})
  endif()
  add_library(sekisho::${ARG_NAME} ALIAS sekisho_${ARG_NAME})
  if(SEKISHO_CHECK_HEADERS AND ARG_HDRS)
    set(_tus "")
    foreach(hdr IN LISTS ARG_HDRS)
      string(MAKE_C_IDENTIFIER "${ARG_NAME}_${hdr}" _id)
      set(_tu "${CMAKE_CURRENT_BINARY_DIR}/checkheaders/${_id}.cc")
      file(RELATIVE_PATH _rel "${PROJECT_SOURCE_DIR}/src" "${CMAKE_CURRENT_SOURCE_DIR}/${hdr}")
      file(CONFIGURE OUTPUT "${_tu}" CONTENT "#include \"${_rel}\"\n")
      list(APPEND _tus "${_tu}")
    endforeach()
    add_library(sekisho_${ARG_NAME}_checkheaders OBJECT EXCLUDE_FROM_ALL ${_tus})
    target_link_libraries(sekisho_${ARG_NAME}_checkheaders PRIVATE sekisho_${ARG_NAME})
    if(NOT TARGET sekisho_checkheaders)
      add_custom_target(sekisho_checkheaders)
    endif()
    add_dependencies(sekisho_checkheaders sekisho_${ARG_NAME}_checkheaders)
  endif()
endfunction()

function(sekisho_cc_test)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  target_compile_options(${ARG_NAME} PRIVATE ${SEKISHO_WARNINGS})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME})
  set(_labels unit ${ARG_LABELS})
  set_tests_properties(${ARG_NAME} PROPERTIES LABELS "${_labels}" TIMEOUT 300
    ENVIRONMENT "SEKISHO_TEST_DATA=${PROJECT_SOURCE_DIR}/tests/data")
endfunction()

function(sekisho_fuzz_test)
  cmake_parse_arguments(ARG "" "NAME;CORPUS" "SRCS;DEPS" ${ARGN})
  if(NOT SEKISHO_FUZZ)
    return()
  endif()
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
  # Shared fuzz helpers: "fuzz/header_lines.h".
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_link_options(${ARG_NAME} PRIVATE -fsanitize=fuzzer)
  target_compile_options(${ARG_NAME} PRIVATE ${SEKISHO_WARNINGS})
  set(_corpus_args "")
  if(ARG_CORPUS)
    set(_corpus_args ${ARG_CORPUS})
  endif()
  # Bounded smoke run: a fresh scratch corpus seeded from the checked-in one.
  add_test(NAME ${ARG_NAME}_smoke
    COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
      ${PROJECT_SOURCE_DIR}/tools/run_fuzz_smoke.sh $<TARGET_FILE:${ARG_NAME}>
      ${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}_work ${_corpus_args})
  set_tests_properties(${ARG_NAME}_smoke PROPERTIES LABELS "fuzz" TIMEOUT 120)
endfunction()

function(sekisho_cc_binary)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
  target_compile_options(${ARG_NAME} PRIVATE ${SEKISHO_WARNINGS})
endfunction()

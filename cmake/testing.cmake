# SPDX-License-Identifier: Apache-2.0 OR MIT
# sanstls_add_test(NAME <name> SOURCES <files...> [LIBS <targets...>] [LABELS <labels...>]
#                  [TIMEOUT <seconds>])
# One GoogleTest executable, registered with ctest test by test (gtest_discover_tests).
# LIBS defaults to sanstls_testing (the library plus the shared test support code).
#
# SANSTLS_TEST_SHARDS=N (on by default in sanitizer builds: 4) registers each executable as N
# ctest tests instead, GoogleTest's own shards (GTEST_TOTAL_SHARDS / GTEST_SHARD_INDEX) that
# together run every test once. Under ASan a process costs ~0.7 s to start and set up, so 3,100
# one-test processes took most of CI's ASan phase; a shard runs hundreds of tests in one.
# GoogleTest has no per-test timer, so a shard is bounded as a whole: 15 minutes (the largest,
# a quarter of the conformance suite, takes a few).
include(GoogleTest)
if(SANSTLS_SANITIZE)
  set(default_shards 4)
else()
  set(default_shards 0)
endif()
set(SANSTLS_TEST_SHARDS ${default_shards} CACHE STRING
    "Run each GoogleTest executable as this many shards (0: one ctest test per test)")
function(sanstls_add_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SOURCES;LABELS;LIBS" ${ARGN})
  if(NOT ARG_LIBS)
    set(ARG_LIBS sanstls_testing)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_LIBS} GTest::gtest_main GTest::gmock)
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  if(SANSTLS_TEST_SHARDS GREATER 0)
    math(EXPR last_shard "${SANSTLS_TEST_SHARDS} - 1")
    foreach(shard RANGE 0 ${last_shard})
      set(shard_test ${ARG_NAME}_shard${shard})
      add_test(NAME ${shard_test} COMMAND ${ARG_NAME})
      set_tests_properties(${shard_test} PROPERTIES TIMEOUT 900
        ENVIRONMENT "GTEST_TOTAL_SHARDS=${SANSTLS_TEST_SHARDS};GTEST_SHARD_INDEX=${shard}")
      if(ARG_LABELS)
        set_tests_properties(${shard_test} PROPERTIES LABELS "${ARG_LABELS}")
      endif()
    endforeach()
    return()
  endif()
  gtest_discover_tests(${ARG_NAME} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT ${ARG_TIMEOUT})
  # Labels are set by a script of our own that ctest reads after the discovered tests:
  # gtest_discover_tests flattens its PROPERTIES into one list, so only the first of several
  # labels would survive it (`ctest -L rfc8448` found nothing).
  if(ARG_LABELS)
    set(labels_script "${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}_labels.cmake")
    file(WRITE "${labels_script}"
         "if(${ARG_NAME}_TESTS)\n"
         "  set_tests_properties(\${${ARG_NAME}_TESTS} PROPERTIES LABELS \"${ARG_LABELS}\")\n"
         "endif()\n")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${labels_script}")
  endif()
endfunction()

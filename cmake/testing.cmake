# sanstls_add_test(NAME <name> SOURCES <files...> [LABELS <labels...>] [TIMEOUT <seconds>])
# One GoogleTest executable, registered with ctest test by test (gtest_discover_tests).
include(GoogleTest)
function(sanstls_add_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SOURCES;LABELS;LIBS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE sanstls_testing GTest::gtest_main GTest::gmock
                                            ${ARG_LIBS})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  gtest_discover_tests(${ARG_NAME} DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT})
endfunction()

# SPDX-License-Identifier: Apache-2.0 OR MIT
# The API reference (Doxygen): `cmake --build <dir> --target docs` writes
# <dir>/docs/api/html/index.html. With tests on, the same build is a test, so an undocumented
# public name (a Doxygen warning, WARN_AS_ERROR) fails `make test`.
find_package(Doxygen)
if(NOT DOXYGEN_FOUND)
  message(STATUS "doxygen not found: no `docs` target (Debian: apt-get install doxygen)")
  return()
endif()
configure_file(${PROJECT_SOURCE_DIR}/docs/api/Doxyfile.in ${PROJECT_BINARY_DIR}/docs/Doxyfile @ONLY)
add_custom_target(docs
  COMMAND Doxygen::doxygen ${PROJECT_BINARY_DIR}/docs/Doxyfile
  WORKING_DIRECTORY ${PROJECT_BINARY_DIR}
  COMMENT "API reference: ${PROJECT_BINARY_DIR}/docs/api/html/index.html"
  VERBATIM)
if(SANSTLS_BUILD_TESTS)
  add_test(NAME api_reference_documented
           COMMAND Doxygen::doxygen ${PROJECT_BINARY_DIR}/docs/Doxyfile
           WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
  set_tests_properties(api_reference_documented PROPERTIES LABELS "unit;docs" TIMEOUT 120)
endif()

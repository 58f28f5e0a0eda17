# SPDX-License-Identifier: Apache-2.0 OR MIT
# Sanitizer builds, chosen with -DSANSTLS_SANITIZE=address|thread (the presets in
# CMakePresets.json set it and include this file through CMAKE_PROJECT_INCLUDE, so it applies
# to every target of the build: the library, the tests and the tools).
#   address  ASan + UBSan (every UB report is fatal)
#   thread   TSan
set(SANSTLS_SANITIZE "" CACHE STRING "Sanitizers for the whole build: address (ASan+UBSan), thread (TSan)")
set_property(CACHE SANSTLS_SANITIZE PROPERTY STRINGS "" address thread)

if(SANSTLS_SANITIZE STREQUAL "address")
  # GCC's -Wmaybe-uninitialized depends on inlining, which ASan's instrumentation and -O1 change:
  # it reports moves of std::optional / std::vector members as "may be used uninitialized" (a
  # known class of GCC false positives); -Wmismatched-new-delete likewise reports Asio's
  # coroutine frames (allocated and freed by Asio's own operators) at -O1. Both stay errors in the
  # normal build, which is where they mean something, and warnings here.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer
                      $<$<CXX_COMPILER_ID:GNU>:-Wno-error=maybe-uninitialized>
                      $<$<CXX_COMPILER_ID:GNU>:-Wno-error=mismatched-new-delete>)
  add_link_options(-fsanitize=address,undefined)
elseif(SANSTLS_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT SANSTLS_SANITIZE STREQUAL "")
  message(FATAL_ERROR "SANSTLS_SANITIZE must be address, thread or empty, not '${SANSTLS_SANITIZE}'")
endif()

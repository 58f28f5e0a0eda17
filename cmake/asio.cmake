# SPDX-License-Identifier: Apache-2.0 OR MIT
# sanstls::asio: the header-only Asio adapter <sanstls/asio.hpp> over standalone Asio (Debian:
# libasio-dev). Optional: without Asio the target is simply absent. The installed package
# defines the same target in sanstls-config.cmake.
find_path(SANSTLS_ASIO_INCLUDE_DIR asio.hpp DOC "Standalone Asio's include directory")
find_package(Threads)
if(SANSTLS_ASIO_INCLUDE_DIR AND Threads_FOUND)
  add_library(sanstls_asio INTERFACE)
  add_library(sanstls::asio ALIAS sanstls_asio)
  target_include_directories(sanstls_asio SYSTEM INTERFACE ${SANSTLS_ASIO_INCLUDE_DIR})
  target_link_libraries(sanstls_asio INTERFACE sanstls Threads::Threads)
  # Asio 1.22 enables co_await under clang only through the Coroutines TS
  # (<experimental/coroutine>, which libstdc++ 12 lacks), though clang 14 has C++20's coroutines
  # and finds <coroutine> (ASIO_HAS_STD_COROUTINE). Our clang builds (the ASan preset) say so,
  # so that the coroutine examples build there too. Clang 14 cannot emit coroutines under
  # -fsanitize=function ("Cannot represent a difference across sections"), a check GCC's UBSan
  # does not have: Asio code goes without it.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    target_compile_definitions(sanstls_asio INTERFACE $<BUILD_INTERFACE:ASIO_HAS_CO_AWAIT=1>)
    target_compile_options(sanstls_asio INTERFACE $<BUILD_INTERFACE:-fno-sanitize=function>)
  endif()
endif()

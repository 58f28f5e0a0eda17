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
endif()

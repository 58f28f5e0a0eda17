# SPDX-License-Identifier: Apache-2.0 OR MIT
# The engine fuzz targets (fuzz/engines/<name>.cpp, corpus in fuzz/engines/corpus/<name>),
# shared by fuzz/engines/CMakeLists.txt (libFuzzer) and tests/hardening/CMakeLists.txt (gcc
# corpus replays, ctest label fuzz-regression).
set(SANSTLS_ENGINE_FUZZ_TARGETS credentials openssl_client openssl_server)
if(SANSTLS_WITH_GNUTLS)
  list(APPEND SANSTLS_ENGINE_FUZZ_TARGETS gnutls_client gnutls_server)
endif()

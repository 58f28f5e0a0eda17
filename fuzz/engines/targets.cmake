# SPDX-License-Identifier: Apache-2.0 OR MIT
# The engine fuzz targets (fuzz/engines/<name>.cpp, corpus in fuzz/engines/corpus/<name>), and
# sanstls's own X.509 parser and path builder (x509_certificate, x509_path: internal headers),
# shared by fuzz/engines/CMakeLists.txt (libFuzzer) and tests/hardening/CMakeLists.txt (gcc
# corpus replays, ctest label fuzz-regression).
set(SANSTLS_ENGINE_FUZZ_TARGETS credentials openssl_client openssl_server x509_certificate
                                x509_path)
if(SANSTLS_WITH_GNUTLS)
  list(APPEND SANSTLS_ENGINE_FUZZ_TARGETS gnutls_client gnutls_server)
endif()

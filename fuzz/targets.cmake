# SPDX-License-Identifier: Apache-2.0 OR MIT
# The fuzz targets, shared by fuzz/CMakeLists.txt (libFuzzer builds) and
# tests/native/CMakeLists.txt (corpus regression runs in the normal build).
set(SANSTLS_FUZZ_TARGETS
  reader
  record
  handshake_message
  client_hello
  server_hello
  encrypted_extensions
  certificate
  certificate_request
  certificate_verify
  finished
  new_session_ticket
  session_ticket
  key_update
  messages12
  native_client_handshake
  native_server_handshake
  native_server_handshake12
  native_client_handshake12
  native_early_data
  mlkem768
)

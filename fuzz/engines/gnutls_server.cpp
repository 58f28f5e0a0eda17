// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: the fuzzer is the peer of a fresh gnutls server session (see session_fuzz.hpp).
#include "session_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const sanstls::fuzz::Fixture fixture(sanstls::Backend::gnutls);
  return sanstls::fuzz::run_session(fixture, sanstls::fuzz::Role::server, data, size);
}

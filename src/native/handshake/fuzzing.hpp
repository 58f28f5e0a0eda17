// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// UNSAFE fuzzing build mode. The fuzz build (fuzz/CMakeLists.txt, its sanstls_native_fuzz copy of
// the native sources only) defines SANSTLS_FUZZING_UNSAFE_NO_PEER_AUTH so that the client and
// server state machines accept a peer's CertificateVerify signature and Finished without checking
// them: a fuzzer playing the peer can then forge whole flights and reach the post-handshake
// states. Every other check stays. No other target may define it: tests/native proves the flag
// is off in normal builds, and scripts/check-fuzzing-flag.sh that only fuzz/ sets it.
//
// Deterministic randomness, the other half of the fuzzing mode, needs no flag: the fuzz targets
// give the drivers a LibcryptoProvider::hazmat_create_deterministic provider.

#include "wire/error.hpp"

namespace sanstls::native::handshake {

#ifdef SANSTLS_FUZZING_UNSAFE_NO_PEER_AUTH
inline constexpr bool kFuzzingSkipsPeerAuthentication = true;
#else
inline constexpr bool kFuzzingSkipsPeerAuthentication = false;
#endif

/// The peer's CertificateVerify signature check as the states act on it: `verdict` itself in
/// every normal build; success in a fuzzing build (the signature is still computed over).
[[nodiscard]] inline wire::Status fuzzing_signature_verdict(wire::Status verdict) {
  if constexpr (kFuzzingSkipsPeerAuthentication) {
    return {};
  } else {
    return verdict;
  }
}

/// The peer's Finished comparison as the states act on it: `matches` itself in every normal
/// build; true in a fuzzing build.
[[nodiscard]] constexpr bool fuzzing_finished_verdict(bool matches) noexcept {
  return matches || kFuzzingSkipsPeerAuthentication;
}

}  // namespace sanstls::native::handshake

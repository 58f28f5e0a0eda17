// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: ML-KEM-768 decapsulation and key parsing (src/native/crypto/mlkem768.cpp).
// The first byte picks the mode, the rest is split as the mode says:
//   0: seed (64 bytes) || ciphertext: key generation from the seed, then decapsulation of any
//      ciphertext. A ciphertext of exactly 1088 bytes must decapsulate (implicit rejection
//      never fails) and give the same key twice; any other length must be refused.
//   1: m (32 bytes) || encapsulation key: encapsulation succeeds exactly when the key is 1184
//      bytes and passes the modulus check; a success must decapsulate to the same key only
//      under the matching decapsulation key, so it is only checked for well-formedness here.
//   2: decapsulation key (2400 bytes) || ciphertext: any key bytes; must not crash.
#include "native/crypto/mlkem768.hpp"

#include <openssl/crypto.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>

namespace {

namespace mlkem = sanstls::native::crypto::mlkem768;

struct Context {
  OSSL_LIB_CTX* libctx = OSSL_LIB_CTX_new();
  std::optional<mlkem::Sha3> sha3;
  Context() {
    auto fetched = mlkem::Sha3::fetch(libctx);
    if (!fetched) std::abort();
    sha3.emplace(std::move(*fetched));
  }
};

// The harness (not the library) keeps one library context for the process: fetching SHA-3 per
// input would dominate the run.
const Context& context() {
  static const Context ctx;
  return ctx;
}

bool coefficients_reduced(std::span<const std::uint8_t> ek) {
  for (std::size_t i = 0; i + 3 <= 1152; i += 3) {
    const unsigned d1 = ek[i] | ((ek[i + 1] & 0x0fU) << 8U);
    const unsigned d2 = (ek[i + 1] >> 4U) | (unsigned{ek[i + 2]} << 4U);
    if (d1 >= 3329 || d2 >= 3329) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const mlkem::Sha3& sha3 = *context().sha3;
  const std::span<const std::uint8_t> input(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      if (input.size() < mlkem::seed_length) return 0;
      auto kp = mlkem::generate_from_seed(sha3, input.first(mlkem::seed_length));
      if (!kp) std::abort();
      const auto ciphertext = input.subspan(mlkem::seed_length);
      auto first = mlkem::decapsulate(sha3, kp->decapsulation_key.span(), ciphertext);
      if (first.has_value() != (ciphertext.size() == mlkem::ciphertext_length)) std::abort();
      if (first) {
        auto again = mlkem::decapsulate(sha3, kp->decapsulation_key.span(), ciphertext);
        if (!again || first->size() != mlkem::shared_secret_length ||
            !std::equal(first->span().begin(), first->span().end(), again->span().begin())) {
          std::abort();
        }
      }
      break;
    }
    case 1: {
      if (input.size() < mlkem::randomness_length) return 0;
      const auto ek = input.subspan(mlkem::randomness_length);
      auto enc = mlkem::encapsulate(sha3, ek, input.first(mlkem::randomness_length));
      const bool expected =
          ek.size() == mlkem::encapsulation_key_length && coefficients_reduced(ek);
      if (enc.has_value() != expected) std::abort();
      if (enc && (enc->ciphertext.size() != mlkem::ciphertext_length ||
                  enc->shared_secret.size() != mlkem::shared_secret_length)) {
        std::abort();
      }
      break;
    }
    default: {
      const std::size_t dk_len = std::min(input.size(), mlkem::decapsulation_key_length);
      (void)mlkem::decapsulate(sha3, input.first(dk_len), input.subspan(dk_len));
      break;
    }
  }
  return 0;
}

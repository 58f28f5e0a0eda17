// SPDX-License-Identifier: Apache-2.0 OR MIT
// Constant-time check of ML-KEM-768 (the "ctgrind" method): run under valgrind memcheck with the
// secret inputs marked undefined, every conditional jump or memory address that depends on a
// secret is an error ("Conditional jump or move depends on uninitialised value(s)", "Use of
// uninitialised value"). Key generation (seed d || z secret), encapsulation (m secret) and
// decapsulation (the decryption key dk_PKE and z secret; a valid and a tampered ciphertext, so
// both outcomes of the implicit rejection run) must produce none. ctest runs it with
// `valgrind --error-exitcode=1` (native_mlkem768_constant_time).
#include "native/crypto/mlkem768.hpp"

#include <openssl/crypto.h>

#include <cstdio>
#include <valgrind/memcheck.h>
#include <vector>

namespace mlkem = sanstls::native::crypto::mlkem768;

namespace {
void secret(const void* p, std::size_t n) { VALGRIND_MAKE_MEM_UNDEFINED(p, n); }
void declassify(const void* p, std::size_t n) { VALGRIND_MAKE_MEM_DEFINED(p, n); }
}  // namespace

int run(OSSL_LIB_CTX* libctx);

int run(OSSL_LIB_CTX* libctx) {
  auto sha3 = mlkem::Sha3::fetch(libctx);
  if (!sha3) return 2;
  int failures = 0;
  for (int round = 0; round < 2; ++round) {
    std::vector<std::uint8_t> seed(mlkem::seed_length, static_cast<std::uint8_t>(0x11 + round));
    std::vector<std::uint8_t> m(mlkem::randomness_length, static_cast<std::uint8_t>(0x77 + round));
    secret(seed.data(), seed.size());
    auto keys = mlkem::generate_from_seed(*sha3, seed);
    if (!keys) return 2;
    // ek is public.
    declassify(keys->encapsulation_key.data(), keys->encapsulation_key.size());
    secret(m.data(), m.size());
    auto enc = mlkem::encapsulate(*sha3, keys->encapsulation_key, m);
    if (!enc) return 2;
    declassify(enc->ciphertext.data(), enc->ciphertext.size());  // c is public
    // dk = dk_PKE || ek || H(ek) || z: only dk_PKE and z are secret.
    auto dk = keys->decapsulation_key.mutable_span();
    declassify(dk.data(), dk.size());
    secret(dk.data(), 1152);
    secret(dk.data() + 2368, 32);
    std::vector<std::uint8_t> ciphertext = enc->ciphertext;
    if (round == 1) ciphertext[3] ^= 0x10;  // implicit rejection
    auto key = mlkem::decapsulate(*sha3, keys->decapsulation_key.span(), ciphertext);
    if (!key) return 2;
    // Only now, for the functional check, are the results declassified.
    declassify(key->data(), key->size());
    declassify(enc->shared_secret.data(), enc->shared_secret.size());
    const bool same = CRYPTO_memcmp(key->data(), enc->shared_secret.data(), key->size()) == 0;
    if (same != (round == 0)) {
      std::fprintf(stderr, "round %d: decapsulation gave the wrong key\n", round);
      ++failures;
    }
  }
  std::printf("ML-KEM-768 constant-time check: %s\n", failures == 0 ? "ran" : "FAILED");
  return failures == 0 ? 0 : 1;
}

int main() {
  OSSL_LIB_CTX* libctx = OSSL_LIB_CTX_new();
  const int status = run(libctx);
  OSSL_LIB_CTX_free(libctx);
  return status;
}

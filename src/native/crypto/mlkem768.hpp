// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// ML-KEM-768 (FIPS 203): key generation from a seed, encapsulation with given randomness and
// decapsulation with implicit rejection, for the hybrid TLS group X25519MLKEM768.
//
// The SHA-3 functions come from libcrypto, fetched from the caller's library context; the lattice
// arithmetic is ours (OpenSSL 3.0 has no ML-KEM). Everything that touches a secret runs in
// constant time: no branch and no table index depends on a secret, reductions are Barrett
// reductions by multiplication, the final ciphertext comparison and key selection use masks. Every
// buffer that held a secret is wiped before it is released.

#include "base/secret_bytes.hpp"
#include "native/types.hpp"

#include <openssl/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace sanstls::native::crypto::mlkem768 {

using base::SecretBytes;

/// FIPS 203 §8, Table 3 (ML-KEM-768): k = 3, eta1 = eta2 = 2, du = 10, dv = 4.
inline constexpr std::size_t encapsulation_key_length = 1184;  // 384k + 32
inline constexpr std::size_t decapsulation_key_length = 2400;  // 768k + 96
inline constexpr std::size_t ciphertext_length = 1088;         // 32(du k + dv)
inline constexpr std::size_t shared_secret_length = 32;
/// The key generation seed d || z (FIPS 203 Algorithm 16).
inline constexpr std::size_t seed_length = 64;
/// The encapsulation randomness m (FIPS 203 Algorithm 17).
inline constexpr std::size_t randomness_length = 32;

/// SHA3-256 (H), SHA3-512 (G), SHAKE128 (XOF) and SHAKE256 (PRF, J), fetched once from a library
/// context.
class Sha3 {
 public:
  static Result<Sha3> fetch(OSSL_LIB_CTX* libctx);
  Sha3(Sha3&&) noexcept;
  Sha3& operator=(Sha3&&) noexcept;
  ~Sha3();

  /// The digest (or, for the SHAKEs, out.size() bytes of output) of the concatenated `parts`.
  Status sha3_256(std::span<const Bytes> parts, std::span<std::uint8_t, 32> out) const;
  Status sha3_512(std::span<const Bytes> parts, std::span<std::uint8_t, 64> out) const;
  Status shake128(std::span<const Bytes> parts, std::span<std::uint8_t> out) const;
  Status shake256(std::span<const Bytes> parts, std::span<std::uint8_t> out) const;

 private:
  struct Mds;
  explicit Sha3(std::unique_ptr<Mds> mds);
  std::unique_ptr<Mds> mds_;
};

struct KeyPair {
  std::vector<std::uint8_t> encapsulation_key;  // public, 1184 bytes
  SecretBytes decapsulation_key;                // 2400 bytes
};

struct Encapsulation {
  std::vector<std::uint8_t> ciphertext;  // 1088 bytes
  SecretBytes shared_secret;             // 32 bytes
};

/// FIPS 203 Algorithm 16 ML-KEM.KeyGen_internal(d, z), `seed` = d || z (64 bytes).
Result<KeyPair> generate_from_seed(const Sha3& sha3, Bytes seed);

/// FIPS 203 Algorithm 17 ML-KEM.Encaps_internal(ek, m) after the input checks of §7.2 (length and
/// modulus check); a failed check is illegal_parameter.
Result<Encapsulation> encapsulate(const Sha3& sha3, Bytes encapsulation_key, Bytes m);

/// FIPS 203 Algorithm 18 ML-KEM.Decaps_internal(dk, c) after the input checks of §7.3 (lengths and
/// the hash check of dk). A ciphertext of the right length always decapsulates: an invalid one
/// yields the implicit-rejection key J(z || c). A wrong-length ciphertext is illegal_parameter; a
/// malformed decapsulation key is internal_error (it is always our own).
Result<SecretBytes> decapsulate(const Sha3& sha3, Bytes decapsulation_key, Bytes ciphertext);

/// Internals exposed for exhaustive tests of the constant-time arithmetic.
namespace detail {
/// FIPS 203 §4.2.1 Compress_d(x) for x in [0, q), without division.
std::uint16_t compress(std::uint16_t x, unsigned d);
/// FIPS 203 §4.2.1 Decompress_d(y).
std::uint16_t decompress(std::uint16_t y, unsigned d);
/// x mod q for any 32-bit x, without division.
std::uint16_t reduce(std::uint32_t x);
}  // namespace detail

}  // namespace sanstls::native::crypto::mlkem768

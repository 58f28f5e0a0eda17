// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// CryptoProvider over libcrypto (OpenSSL 3) EVP. Every algorithm is fetched from an OSSL_LIB_CTX
// that the provider owns (or borrows), never from the process-wide default context or its
// configuration file.

#include "native/crypto/provider.hpp"

#include <openssl/types.h>

#include <memory>

namespace sanstls::native::crypto {

/// The DER SubjectPublicKeyInfo of a DER X.509 certificate, parsed by libcrypto every time
/// (bad_certificate unless the input is exactly one certificate with a public key).
Result<std::vector<std::uint8_t>> parse_certificate_spki(Bytes cert_der);

/// A hash over an EVP digest context with `md`. The provider uses it only when libcrypto lacks
/// the SHA-2 block functions (sha2_hmac.hpp); tests check both implementations against each other.
std::unique_ptr<HashContext> evp_hash(const EVP_MD* md);

/// An HmacKey over EVP digest contexts with `md` (SHA-256 or SHA-384, matching `alg`). The
/// provider uses it only when libcrypto lacks the SHA-2 block functions (sha2_hmac.hpp); tests
/// check both implementations against libcrypto's own HMAC.
Result<std::unique_ptr<HmacKey>> evp_hmac_key(HashAlgorithm alg, const EVP_MD* md, Bytes key);

/// An X25519 key share over EVP_PKEY (the provider's way when its library context offers no
/// X25519 functions to call directly, x25519_dispatch.hpp); tests check both ways against each
/// other.
Result<std::unique_ptr<KeyShare>> evp_x25519_key_share(OSSL_LIB_CTX* libctx, Bytes private_key);

/// `message` verified with EVP_DigestVerify, as the provider does for the schemes its
/// per-key contexts do not take (signature_contexts.hpp); tests check both ways against each
/// other. decrypt_error when the signature does not verify.
Status evp_digest_verify(OSSL_LIB_CTX* libctx, EVP_PKEY* key, SignatureScheme scheme, Bytes message,
                         Bytes signature);
/// `message` signed with EVP_DigestSign under the DER PKCS#8 key, as the provider does for the
/// schemes its per-key contexts do not take; for tests.
Result<std::vector<std::uint8_t>> evp_sign_pkcs8(OSSL_LIB_CTX* libctx, Bytes pkcs8_der,
                                                 SignatureScheme scheme, Bytes message);

class LibcryptoProvider final : public CryptoProvider {
 public:
  /// A provider with its own fresh library context, the operating system's randomness and the
  /// system clock.
  static Result<std::unique_ptr<LibcryptoProvider>> create();
  /// A provider that fetches from `libctx`, which the caller owns and keeps alive longer.
  static Result<std::unique_ptr<LibcryptoProvider>> create_borrowing(OSSL_LIB_CTX* libctx);
  /// HAZMAT, for tests only: randomness and time come from the given sources, so every key share
  /// and random field is reproducible. Never use outside known-answer tests.
  static Result<std::unique_ptr<LibcryptoProvider>> hazmat_create_deterministic(
      std::unique_ptr<RandomSource> random, std::unique_ptr<Clock> clock);

  ~LibcryptoProvider() override;
  LibcryptoProvider(const LibcryptoProvider&) = delete;
  LibcryptoProvider& operator=(const LibcryptoProvider&) = delete;

  [[nodiscard]] std::unique_ptr<HashContext> hash(HashAlgorithm alg) const override;
  Result<SecretBytes> hmac(HashAlgorithm alg, Bytes key, Bytes data) const override;
  Result<std::unique_ptr<HmacKey>> hmac_key(HashAlgorithm alg, Bytes key) const override;
  Result<SecretBytes> hkdf_extract(HashAlgorithm alg, Bytes salt, Bytes ikm) const override;
  Result<SecretBytes> hkdf_expand(HashAlgorithm alg, Bytes prk, Bytes info,
                                  std::size_t length) const override;
  Result<std::unique_ptr<Aead>> aead(AeadAlgorithm alg, Bytes key) const override;
  Result<std::unique_ptr<KeyShare>> generate_key_share(NamedGroup group) const override;
  /// X25519MLKEM768: `private_key` is the ML-KEM-768 seed d || z (64 bytes) || the X25519 private
  /// key (32 bytes).
  Result<std::unique_ptr<KeyShare>> key_share_from_private(NamedGroup group,
                                                           Bytes private_key) const override;
  /// X25519MLKEM768: ML-KEM-768 encapsulation (randomness from random()) and X25519.
  Result<KeyShareResponse> respond_to_key_share(NamedGroup group,
                                                Bytes client_public) const override;
  Status verify(SignatureScheme scheme, Bytes spki, Bytes message, Bytes signature) const override;
  Result<std::vector<std::uint8_t>> certificate_spki(Bytes cert_der) const override;
  Result<std::unique_ptr<SigningKey>> load_signing_key(Bytes pkcs8_der) const override;
  void random(std::span<std::uint8_t> out) const override;
  [[nodiscard]] std::chrono::system_clock::time_point now() const override;

  /// The library context algorithms are fetched from.
  [[nodiscard]] OSSL_LIB_CTX* libctx() const noexcept { return libctx_; }

 private:
  struct Fetched;
  LibcryptoProvider(OSSL_LIB_CTX* libctx, bool owned, std::unique_ptr<RandomSource> random,
                    std::unique_ptr<Clock> clock);
  Status fetch_all();

  OSSL_LIB_CTX* libctx_;
  bool owns_libctx_;
  std::unique_ptr<Fetched> fetched_;
  std::unique_ptr<RandomSource> random_;
  std::unique_ptr<Clock> clock_;
};

}  // namespace sanstls::native::crypto

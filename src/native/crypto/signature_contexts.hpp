// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Signing and verifying with one key through public-key contexts made once per signature
// scheme. Why: EVP_DigestSignInit_ex / EVP_DigestVerifyInit_ex build a new EVP_PKEY_CTX from the
// key (OpenSSL 3.0 looks up the key type's legacy NID by name every time), fetch the signature
// and digest methods by name and negotiate their parameters: ~30 k instructions per signature
// or verification (callgrind), before any arithmetic. Here a context is initialised once per
// scheme (EVP_PKEY_sign_init / EVP_PKEY_verify_init, digest, padding, salt length) and each
// operation works on a copy of it (EVP_PKEY_CTX_dup, ~1 k), over the message's digest made with
// a digest fetched once. The provider computes exactly what EVP_DigestSign/EVP_DigestVerify
// compute (the same signature functions over the same digest); no check is left out.
//
// Ed25519 (PureEdDSA signs the message, not a digest) and rsa_pss_pss_* (keys that carry their
// own PSS restrictions) are not handled here: handles() says so and callers keep EVP_DigestSign.

#include "native/crypto/provider.hpp"

#include <openssl/types.h>

#include <memory>

namespace sanstls::native::crypto {

class SignatureContexts {
 public:
  /// Contexts for `key` (which it up-references), for signing or for verifying. Fails only when
  /// libctx lacks SHA-256, SHA-384 or SHA-512.
  static Result<std::unique_ptr<SignatureContexts>> create(OSSL_LIB_CTX* libctx, EVP_PKEY* key,
                                                           bool signing);
  ~SignatureContexts();
  SignatureContexts(const SignatureContexts&) = delete;
  SignatureContexts& operator=(const SignatureContexts&) = delete;

  /// Whether sign()/verify() take this scheme (ECDSA, rsa_pkcs1_*, rsa_pss_rsae_*). The caller
  /// has checked that the scheme fits the key.
  [[nodiscard]] static bool handles(SignatureScheme scheme);
  /// The signature of `message` (internal_error on failure). Only for a signing object.
  Result<std::vector<std::uint8_t>> sign(SignatureScheme scheme, Bytes message) const;
  /// RFC 8446 §4.4.3: decrypt_error when `signature` does not verify. Only for a verifying
  /// object.
  Status verify(SignatureScheme scheme, Bytes message, Bytes signature) const;

  struct State;

 private:
  explicit SignatureContexts(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace sanstls::native::crypto

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Signature-verification contexts prepared once per issuer key, for one configuration's
// certificate path validations.
//
// Why: EVP_DigestVerifyInit_ex looks the digest and the signature algorithm up by name and
// builds a key context through OpenSSL 3.0's method stores: ~50 read locks of the library
// context (which two threads validating at once contend for) and 3 % of a native full
// handshake in perf, paid on every handshake for the same issuer keys (the trust store's roots;
// a peer's intermediates, which the configuration's PeerCertificateCache hands out again).
// Here a context is set up once per (issuer key, scheme) and each verification works on a
// duplicate of it, over a digest made with a digest method fetched once. No check is skipped:
// the provider verifies the same signature over the same digest as EVP_DigestVerify, on every
// call; only the set-up is kept.

#include "base/ossl_ptr.hpp"
#include "wire/reader.hpp"
#include "x509/path/signature.hpp"

#include <cstddef>
#include <cstring>
#include <mutex>
#include <optional>
#include <vector>

namespace sanstls::x509::path {

class VerifierCache {
 public:
  /// The most (key, scheme) pairs kept, and the most accepted keys; the oldest goes first. Each
  /// entry holds a reference to its key (so that a key's address is never that of another key while
  /// the entry exists).
  static constexpr std::size_t default_capacity = 32;

  explicit VerifierCache(std::size_t capacity = default_capacity) : capacity_(capacity) {}
  VerifierCache(const VerifierCache&) = delete;
  VerifierCache& operator=(const VerifierCache&) = delete;
  ~VerifierCache();

  /// Whether `signature` over `message` verifies with `key` under `scheme`, in `libctx`.
  /// nullopt when this cache does not do the check (Ed25519 signs the message itself, not a
  /// digest; a context libcrypto will not set up): the caller verifies through EVP_DigestVerify.
  /// Thread-safe.
  std::optional<bool> verify(OSSL_LIB_CTX* libctx, EVP_PKEY* key, const SignatureScheme& scheme,
                             wire::Bytes message, wire::Bytes signature) const;

  /// The type import_public_key() gave `key` when it accepted it before: a key object does not
  /// change, and neither does the policy's answer for it. nullopt for a key not seen (or
  /// refused: refusals are never kept). Spares the by-name type queries (EVP_PKEY_is_a takes a
  /// lock of the library context per call). Thread-safe.
  [[nodiscard]] std::optional<PublicKey::Type> accepted_key(const EVP_PKEY* key) const;
  /// Keeps import_public_key()'s answer for an accepted `key` (up-referenced), within the bound.
  void remember_accepted_key(EVP_PKEY* key, PublicKey::Type type) const;

  /// Entries kept (tests): prepared contexts, accepted keys.
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::size_t accepted_keys() const;

 private:
  struct Entry {
    ossl::EvpPkeyPtr key;  // a reference: the address stays this key's
    OSSL_LIB_CTX* libctx = nullptr;
    const char* digest = nullptr;  // SignatureScheme::digest (a string literal)
    bool pss = false;
    int salt_length = 0;
    ossl::EvpMdPtr md;
    /// EVP_PKEY_verify_init'ed with the digest (and PSS parameters); only ever duplicated.
    ossl::EvpPkeyCtxPtr prepared;

    [[nodiscard]] bool serves(OSSL_LIB_CTX* ctx, const EVP_PKEY* k,
                              const SignatureScheme& s) const {
      return key.get() == k && libctx == ctx && pss == s.pss && salt_length == s.salt_length &&
             std::strcmp(digest, s.digest) == 0;
    }
  };
  struct AcceptedKey {
    ossl::EvpPkeyPtr key;  // a reference, as Entry::key
    PublicKey::Type type = PublicKey::Type::rsa;
  };
  std::size_t capacity_;
  mutable std::mutex mutex_;
  mutable std::vector<Entry> entries_;         // oldest first
  mutable std::vector<AcceptedKey> accepted_;  // oldest first
};

}  // namespace sanstls::x509::path

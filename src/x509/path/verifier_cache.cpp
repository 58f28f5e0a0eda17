// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "x509/path/verifier_cache.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace sanstls::x509::path {

namespace {

/// A verification context for `key` and `scheme`, or nullptr.
ossl::EvpPkeyCtxPtr prepare(OSSL_LIB_CTX* libctx, EVP_PKEY* key, const SignatureScheme& scheme,
                            const EVP_MD* md) {
  ossl::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(libctx, key, nullptr));
  bool ok = ctx != nullptr && EVP_PKEY_verify_init(ctx.get()) == 1 &&
            EVP_PKEY_CTX_set_signature_md(ctx.get(), md) == 1;
  if (ok && scheme.pss) {
    // As verify_signature() sets them for EVP_DigestVerify: MGF1 with the same hash.
    ok = EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), scheme.salt_length) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) == 1;
  }
  if (!ok) {
    ERR_clear_error();
    return nullptr;
  }
  return ctx;
}

}  // namespace

VerifierCache::~VerifierCache() = default;

std::size_t VerifierCache::size() const {
  const std::lock_guard lock(mutex_);
  return entries_.size();
}

std::size_t VerifierCache::accepted_keys() const {
  const std::lock_guard lock(mutex_);
  return accepted_.size();
}

std::optional<PublicKey::Type> VerifierCache::accepted_key(const EVP_PKEY* key) const {
  const std::lock_guard lock(mutex_);
  for (const AcceptedKey& accepted : accepted_) {
    if (accepted.key.get() == key) {
      return accepted.type;
    }
  }
  return std::nullopt;
}

void VerifierCache::remember_accepted_key(EVP_PKEY* key, PublicKey::Type type) const {
  if (key == nullptr || capacity_ == 0 || accepted_key(key) || EVP_PKEY_up_ref(key) != 1) {
    return;
  }
  AcceptedKey accepted{ossl::EvpPkeyPtr(key), type};
  const std::lock_guard lock(mutex_);
  if (accepted_.size() >= capacity_) {
    accepted_.erase(accepted_.begin());
  }
  accepted_.push_back(std::move(accepted));
}

std::optional<bool> VerifierCache::verify(OSSL_LIB_CTX* libctx, EVP_PKEY* key,
                                          const SignatureScheme& scheme, wire::Bytes message,
                                          wire::Bytes signature) const {
  if (scheme.digest == nullptr || key == nullptr || capacity_ == 0) {
    return std::nullopt;  // Ed25519 (PureEdDSA): no digest to verify
  }
  ossl::EvpPkeyCtxPtr ctx;
  ossl::EvpMdPtr md;  // our own reference: another thread may drop the entry meanwhile
  {
    const std::lock_guard lock(mutex_);
    const auto found = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& entry) {
      return entry.serves(libctx, key, scheme);
    });
    if (found != entries_.end() && EVP_MD_up_ref(found->md.get()) == 1) {
      md.reset(found->md.get());
      ctx.reset(EVP_PKEY_CTX_dup(found->prepared.get()));
    }
  }
  if (!ctx) {
    // First use of this key and scheme: set up outside the lock, then keep it.
    Entry entry;
    entry.md.reset(EVP_MD_fetch(libctx, scheme.digest, nullptr));
    if (!entry.md || EVP_PKEY_up_ref(key) != 1) {
      ERR_clear_error();
      return std::nullopt;
    }
    entry.key.reset(key);
    entry.prepared = prepare(libctx, key, scheme, entry.md.get());
    if (!entry.prepared || EVP_MD_up_ref(entry.md.get()) != 1) {
      return std::nullopt;
    }
    md.reset(entry.md.get());
    ctx.reset(EVP_PKEY_CTX_dup(entry.prepared.get()));
    entry.libctx = libctx;
    entry.digest = scheme.digest;
    entry.pss = scheme.pss;
    entry.salt_length = scheme.salt_length;
    const std::lock_guard lock(mutex_);
    if (entries_.size() >= capacity_) {
      entries_.erase(entries_.begin());
    }
    entries_.push_back(std::move(entry));
  }
  if (!ctx) {
    ERR_clear_error();
    return std::nullopt;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_length = 0;
  if (EVP_Digest(message.data(), message.size(), digest.data(), &digest_length, md.get(),
                 nullptr) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  const bool verified = EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(),
                                        digest.data(), digest_length) == 1;
  if (!verified) {
    ERR_clear_error();
  }
  return verified;
}

}  // namespace sanstls::x509::path

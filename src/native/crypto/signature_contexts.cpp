// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/crypto/signature_contexts.hpp"

#include "base/ossl_ptr.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <array>
#include <mutex>
#include <optional>

namespace sanstls::native::crypto {

namespace {

using MdPtr = std::unique_ptr<EVP_MD, ossl::Deleter<EVP_MD_free>>;
using ossl::EvpPkeyCtxPtr;
using ossl::EvpPkeyPtr;

/// The schemes handled, one context slot each.
constexpr std::array<SignatureScheme, 9> handled{
    SignatureScheme::ecdsa_secp256r1_sha256, SignatureScheme::ecdsa_secp384r1_sha384,
    SignatureScheme::ecdsa_secp521r1_sha512, SignatureScheme::rsa_pkcs1_sha256,
    SignatureScheme::rsa_pkcs1_sha384,       SignatureScheme::rsa_pkcs1_sha512,
    SignatureScheme::rsa_pss_rsae_sha256,    SignatureScheme::rsa_pss_rsae_sha384,
    SignatureScheme::rsa_pss_rsae_sha512};

std::optional<std::size_t> slot_of(SignatureScheme scheme) {
  for (std::size_t i = 0; i < handled.size(); ++i) {
    if (handled.at(i) == scheme) return i;
  }
  return std::nullopt;
}

/// 0: SHA-256, 1: SHA-384, 2: SHA-512 (the slots are ordered so).
std::size_t digest_index(std::size_t slot) { return slot % 3; }

bool is_pss(std::size_t slot) { return slot >= 6; }
bool is_rsa(std::size_t slot) { return slot >= 3; }

tl::unexpected<Error> failure(std::string_view reason) {
  ERR_clear_error();
  return wire::fail(Alert::internal_error, "signature", reason);
}

}  // namespace

struct SignatureContexts::State {
  EvpPkeyPtr key;
  OSSL_LIB_CTX* libctx = nullptr;
  bool signing = false;
  std::array<MdPtr, 3> digests;  // SHA-256, SHA-384, SHA-512
  std::mutex mutex;              // guards contexts: made on first use of a scheme
  std::array<EvpPkeyCtxPtr, handled.size()> contexts;

  /// A context of its own for one operation under `scheme`: a copy of the scheme's initialised
  /// context, made on first use.
  Result<EvpPkeyCtxPtr> context(std::size_t slot) {
    const std::lock_guard lock(mutex);
    EvpPkeyCtxPtr& made = contexts.at(slot);
    if (!made) {
      EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(libctx, key.get(), nullptr));
      const EVP_MD* md = digests.at(digest_index(slot)).get();
      // The digest first, as EVP_DigestSignInit sets it before any padding: PSS then takes it
      // for MGF1 too.
      bool ok = ctx &&
                (signing ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get())) == 1 &&
                EVP_PKEY_CTX_set_signature_md(ctx.get(), md) == 1;
      if (ok && is_pss(slot)) {
        // RFC 8446 §4.2.3: "The length of the Salt MUST be equal to the length of the output of
        // the digest algorithm"; MGF1 uses the same hash.
        ok = EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_DIGEST) == 1;
      } else if (ok && is_rsa(slot)) {
        ok = EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1;
      }
      if (!ok) {
        return failure(signing ? "sign init failed" : "verify init failed");
      }
      made = std::move(ctx);
    }
    EvpPkeyCtxPtr copy(EVP_PKEY_CTX_dup(made.get()));
    if (!copy) {
      return failure("cannot copy a signature context");
    }
    return copy;
  }

  /// The digest of `message` for `slot`'s scheme.
  Result<std::array<std::uint8_t, EVP_MAX_MD_SIZE>> digest(std::size_t slot, Bytes message,
                                                           unsigned int& length) const {
    std::array<std::uint8_t, EVP_MAX_MD_SIZE> out{};
    if (EVP_Digest(message.data(), message.size(), out.data(), &length,
                   digests.at(digest_index(slot)).get(), nullptr) != 1) {
      return failure("digest failed");
    }
    return out;
  }
};

SignatureContexts::SignatureContexts(std::unique_ptr<State> state) : state_(std::move(state)) {}
SignatureContexts::~SignatureContexts() = default;

Result<std::unique_ptr<SignatureContexts>> SignatureContexts::create(OSSL_LIB_CTX* libctx,
                                                                     EVP_PKEY* key, bool signing) {
  auto state = std::make_unique<State>();
  if (key == nullptr || EVP_PKEY_up_ref(key) != 1) {
    return failure("no key");
  }
  state->key.reset(key);
  state->libctx = libctx;
  state->signing = signing;
  state->digests = {MdPtr(EVP_MD_fetch(libctx, "SHA256", nullptr)),
                    MdPtr(EVP_MD_fetch(libctx, "SHA384", nullptr)),
                    MdPtr(EVP_MD_fetch(libctx, "SHA512", nullptr))};
  for (const auto& md : state->digests) {
    if (!md) return failure("libcrypto lacks a SHA-2 digest");
  }
  return std::unique_ptr<SignatureContexts>(new SignatureContexts(std::move(state)));
}

bool SignatureContexts::handles(SignatureScheme scheme) { return slot_of(scheme).has_value(); }

Result<std::vector<std::uint8_t>> SignatureContexts::sign(SignatureScheme scheme,
                                                          Bytes message) const {
  const auto slot = slot_of(scheme);
  if (!slot || !state_->signing) {
    return failure("scheme not handled here");
  }
  unsigned int length = 0;
  WIRE_TRY(const auto digest, state_->digest(*slot, message, length));
  WIRE_TRY(const EvpPkeyCtxPtr ctx, state_->context(*slot));
  std::size_t size = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &size, digest.data(), length) != 1) {
    return failure("sign failed");
  }
  std::vector<std::uint8_t> out(size);
  if (EVP_PKEY_sign(ctx.get(), out.data(), &size, digest.data(), length) != 1) {
    return failure("sign failed");
  }
  out.resize(size);
  return out;
}

Status SignatureContexts::verify(SignatureScheme scheme, Bytes message, Bytes signature) const {
  const auto slot = slot_of(scheme);
  if (!slot || state_->signing) {
    return failure("scheme not handled here");
  }
  unsigned int length = 0;
  WIRE_TRY(const auto digest, state_->digest(*slot, message, length));
  WIRE_TRY(const EvpPkeyCtxPtr ctx, state_->context(*slot));
  if (EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), digest.data(), length) != 1) {
    ERR_clear_error();
    // RFC 8446 §4.4.3: "If the verification fails, the receiver MUST terminate the handshake with
    // a "decrypt_error" alert."
    return wire::fail(Alert::decrypt_error, "CertificateVerify.signature", "verification failed");
  }
  return {};
}

}  // namespace sanstls::native::crypto

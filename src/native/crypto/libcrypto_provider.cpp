// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/crypto/libcrypto_provider.hpp"

#include "base/ossl_ptr.hpp"
#include "native/crypto/mlkem768.hpp"
#include "native/crypto/random_pool.hpp"
#include "native/crypto/sha2_hmac.hpp"
#include "native/crypto/signature_contexts.hpp"
#include "native/crypto/x25519_dispatch.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sanstls::native::crypto {

namespace {

using ossl::Deleter;
using MdPtr = std::unique_ptr<EVP_MD, Deleter<EVP_MD_free>>;
using CipherPtr = std::unique_ptr<EVP_CIPHER, Deleter<EVP_CIPHER_free>>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX_free>>;
using KdfPtr = std::unique_ptr<EVP_KDF, Deleter<EVP_KDF_free>>;
using KdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, Deleter<EVP_KDF_CTX_free>>;
using MacPtr = std::unique_ptr<EVP_MAC, Deleter<EVP_MAC_free>>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, Deleter<EC_GROUP_free>>;
using EcPointPtr = std::unique_ptr<EC_POINT, Deleter<EC_POINT_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, Deleter<BN_CTX_free>>;
using SecureBnPtr = std::unique_ptr<BIGNUM, Deleter<BN_clear_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;
using ossl::EvpMdCtxPtr;
using ossl::EvpPkeyCtxPtr;
using ossl::EvpPkeyPtr;

tl::unexpected<Error> crypto_failure(std::string_view field, std::string_view reason) {
  ERR_clear_error();
  return wire::fail(Alert::internal_error, field, reason);
}

/// libcrypto's DRBG for this library context, through a page-sized pool (random_pool.hpp says
/// why and how it stays fork-safe).
class SystemRandom final : public RandomSource {
 public:
  explicit SystemRandom(OSSL_LIB_CTX* libctx) : pool_(libctx) {}
  void fill(std::span<std::uint8_t> out) override { pool_.fill(out); }

 private:
  RandomPool pool_;
};

class SystemClock final : public Clock {
 public:
  [[nodiscard]] std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
};

class LibcryptoHash final : public HashContext {
 public:
  explicit LibcryptoHash(EvpMdCtxPtr ctx) : ctx_(std::move(ctx)) {}
  void update(Bytes data) override {
    if (!data.empty()) {
      EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
    }
  }
  [[nodiscard]] Digest digest() const override {
    EvpMdCtxPtr copy(EVP_MD_CTX_new());
    const int size = EVP_MD_CTX_get_size(ctx_.get());
    if (size <= 0 || static_cast<std::size_t>(size) > Digest::max_size) {
      return {};
    }
    Digest out(static_cast<std::size_t>(size));
    unsigned int len = 0;
    if (!copy || EVP_MD_CTX_copy_ex(copy.get(), ctx_.get()) != 1 ||
        EVP_DigestFinal_ex(copy.get(), out.mutable_span().data(), &len) != 1 || len != out.size()) {
      ERR_clear_error();
      return {};
    }
    return out;
  }
  [[nodiscard]] std::unique_ptr<HashContext> clone() const override {
    EvpMdCtxPtr copy(EVP_MD_CTX_new());
    if (!copy || EVP_MD_CTX_copy_ex(copy.get(), ctx_.get()) != 1) {
      ERR_clear_error();
      return nullptr;
    }
    return std::make_unique<LibcryptoHash>(std::move(copy));
  }

 private:
  EvpMdCtxPtr ctx_;
};

// RFC 2104: HMAC(K, text) = H((K ^ opad) | H((K ^ ipad) | text)). The two padded keys fill one
// hash block each; they are hashed once, here, and each MAC continues from copies of those two
// states. (EVP_MAC would key a three-digest HMAC context per call, which costs more than the
// hashing itself.) The provider uses sha2_hmac.hpp's keys, without EVP contexts, when libcrypto
// has the SHA-2 block functions, and this class otherwise (evp_hmac_key()).
class LibcryptoHmacKey final : public HmacKey {
 public:
  static Result<std::unique_ptr<HmacKey>> create(HashAlgorithm alg, const EVP_MD* md, Bytes key) {
    const std::size_t block = alg == HashAlgorithm::sha256 ? 64 : 128;
    EvpMdCtxPtr inner(EVP_MD_CTX_new());
    EvpMdCtxPtr outer(EVP_MD_CTX_new());
    EvpMdCtxPtr work(EVP_MD_CTX_new());
    std::array<std::uint8_t, 128> pad{};
    bool ok = inner && outer && work;
    // RFC 2104 §2: a key longer than the block is hashed first; a shorter one is padded with
    // zeros.
    if (ok && key.size() > block) {
      unsigned int len = 0;
      ok = EVP_DigestInit_ex2(work.get(), md, nullptr) == 1 &&
           EVP_DigestUpdate(work.get(), key.data(), key.size()) == 1 &&
           EVP_DigestFinal_ex(work.get(), pad.data(), &len) == 1;
    } else {
      std::ranges::copy(key, pad.begin());
    }
    for (std::size_t i = 0; i < block; ++i) {
      pad.at(i) ^= 0x36;
    }
    ok = ok && EVP_DigestInit_ex2(inner.get(), md, nullptr) == 1 &&
         EVP_DigestUpdate(inner.get(), pad.data(), block) == 1;
    for (std::size_t i = 0; i < block; ++i) {
      pad.at(i) ^= 0x36 ^ 0x5c;
    }
    ok = ok && EVP_DigestInit_ex2(outer.get(), md, nullptr) == 1 &&
         EVP_DigestUpdate(outer.get(), pad.data(), block) == 1 &&
         // The working context gets the digest now, so each MAC only copies state into it.
         EVP_DigestInit_ex2(work.get(), md, nullptr) == 1;
    OPENSSL_cleanse(pad.data(), pad.size());
    if (!ok) {
      return crypto_failure("hmac", "HMAC failed");
    }
    return std::unique_ptr<HmacKey>(
        new LibcryptoHmacKey(alg, std::move(inner), std::move(outer), std::move(work)));
  }

  [[nodiscard]] HashAlgorithm hash() const override { return alg_; }

  Status mac_into(std::span<const Bytes> parts, std::span<std::uint8_t> out) override {
    const std::size_t hash_len = hash_length(alg_);
    if (out.size() != hash_len) {
      return crypto_failure("hmac", "HMAC output of the wrong length");
    }
    std::array<std::uint8_t, EVP_MAX_MD_SIZE> inner_digest{};
    unsigned int len = 0;
    bool ok = EVP_MD_CTX_copy_ex(work_.get(), inner_.get()) == 1;
    for (const Bytes part : parts) {
      ok = ok && (part.empty() || EVP_DigestUpdate(work_.get(), part.data(), part.size()) == 1);
    }
    ok = ok && EVP_DigestFinal_ex(work_.get(), inner_digest.data(), &len) == 1 && len == hash_len &&
         EVP_MD_CTX_copy_ex(work_.get(), outer_.get()) == 1 &&
         EVP_DigestUpdate(work_.get(), inner_digest.data(), hash_len) == 1 &&
         EVP_DigestFinal_ex(work_.get(), out.data(), &len) == 1 && len == hash_len;
    OPENSSL_cleanse(inner_digest.data(), inner_digest.size());
    if (!ok) {
      return crypto_failure("hmac", "HMAC failed");
    }
    return {};
  }

 private:
  LibcryptoHmacKey(HashAlgorithm alg, EvpMdCtxPtr inner, EvpMdCtxPtr outer, EvpMdCtxPtr work)
      : alg_(alg), inner_(std::move(inner)), outer_(std::move(outer)), work_(std::move(work)) {}

  HashAlgorithm alg_;
  EvpMdCtxPtr inner_;  // after the inner padded key
  EvpMdCtxPtr outer_;  // after the outer padded key
  EvpMdCtxPtr work_;   // a copy of one of them while a MAC is computed
};

class LibcryptoAead final : public Aead {
 public:
  /// `whole_iv`: sets_whole_gcm_iv(cipher), decided once per provider.
  LibcryptoAead(EVP_CIPHER* cipher, bool whole_iv, Bytes key) : key_(key), gcm_(whole_iv) {
    EVP_CIPHER_up_ref(cipher);
    cipher_.reset(cipher);
  }

  Result<std::vector<std::uint8_t>> seal(Bytes nonce, Bytes aad, Bytes plaintext) override {
    std::vector<std::uint8_t> out(plaintext.size() + aead_tag_length);
    WIRE_CHECK(seal_into(nonce, aad, plaintext, {}, out));
    return out;
  }

  Status seal_into(Bytes nonce, Bytes aad, Bytes content, Bytes trailer,
                   std::span<std::uint8_t> out) override {
    if (nonce.size() != aead_nonce_length) {
      return crypto_failure("aead.nonce", "wrong nonce length");
    }
    const std::size_t length = content.size() + trailer.size();
    if (out.size() != length + aead_tag_length) {
      return crypto_failure("aead", "wrong output length");
    }
    EVP_CIPHER_CTX* ctx = keyed(/*encrypt=*/true);
    int len = 0;
    int written = 0;
    if (ctx == nullptr || !set_nonce(ctx, /*encrypt=*/true, nonce) ||
        (!aad.empty() &&
         EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) ||
        (!content.empty() && EVP_EncryptUpdate(ctx, out.data(), &written, content.data(),
                                               static_cast<int>(content.size())) != 1) ||
        (!trailer.empty() && EVP_EncryptUpdate(ctx, out.data() + written, &len, trailer.data(),
                                               static_cast<int>(trailer.size())) != 1) ||
        EVP_EncryptFinal_ex(ctx, out.data() + length, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(aead_tag_length),
                            out.data() + length) != 1) {
      ctx_.reset();  // a context in an unknown state is never reused
      return crypto_failure("aead", "seal failed");
    }
    return {};
  }

  Result<std::size_t> open_in_place(Bytes nonce, Bytes aad,
                                    std::span<std::uint8_t> ciphertext_and_tag) override {
    return open_into(nonce, aad, ciphertext_and_tag, ciphertext_and_tag);
  }

  Result<std::size_t> open_into(Bytes nonce, Bytes aad, Bytes ciphertext_and_tag,
                                std::span<std::uint8_t> out) override {
    if (nonce.size() != aead_nonce_length) {
      return crypto_failure("aead.nonce", "wrong nonce length");
    }
    // RFC 8446 §5.2: "If the decryption fails, the receiver MUST terminate the connection with a
    // "bad_record_mac" alert."
    if (ciphertext_and_tag.size() < aead_tag_length) {
      return wire::fail(Alert::bad_record_mac, "TLSCiphertext.encrypted_record",
                        "shorter than tag");
    }
    const std::size_t body = ciphertext_and_tag.size() - aead_tag_length;
    if (out.size() < body) {
      return crypto_failure("aead", "output shorter than the ciphertext");
    }
    // Split ciphertext and tag through the Reader, like every other wire byte. The tag is
    // copied first: `out` may be the ciphertext's own buffer.
    wire::Reader split(ciphertext_and_tag);
    WIRE_TRY(const Bytes ciphertext, split.bytes(body, "TLSCiphertext.encrypted_record"));
    WIRE_TRY(auto tag, split.array<aead_tag_length>("TLSCiphertext.tag"));
    EVP_CIPHER_CTX* ctx = keyed(/*encrypt=*/false);
    int len = 0;
    int written = 0;
    std::uint8_t* data = out.data();
    if (ctx == nullptr || !set_nonce(ctx, /*encrypt=*/false, nonce) ||
        (!aad.empty() &&
         EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) ||
        EVP_DecryptUpdate(ctx, data, &written, ciphertext.data(), static_cast<int>(body)) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(aead_tag_length),
                            tag.data()) != 1) {
      ctx_.reset();
      OPENSSL_cleanse(data, body);
      return crypto_failure("aead", "open failed");
    }
    if (EVP_DecryptFinal_ex(ctx, data + written, &len) != 1) {
      ERR_clear_error();
      OPENSSL_cleanse(data, body);
      return wire::fail(Alert::bad_record_mac, "TLSCiphertext.encrypted_record",
                        "authentication failed");
    }
    return body;
  }

  Result<std::vector<std::uint8_t>> open(Bytes nonce, Bytes aad,
                                         Bytes ciphertext_and_tag) override {
    std::vector<std::uint8_t> out(ciphertext_and_tag.size() >= aead_tag_length
                                      ? ciphertext_and_tag.size() - aead_tag_length
                                      : 0);
    WIRE_TRY(const std::size_t length, open_into(nonce, aad, ciphertext_and_tag, out));
    out.resize(length);
    return out;
  }

 private:
  /// Starts a record under `nonce` (aead_nonce_length bytes, checked by the callers). AES-GCM
  /// takes the whole IV through EVP_CTRL_AEAD_SET_IV_FIXED with length -1 ("restores the whole
  /// IV", OpenSSL's GCM since 1.1.0; the next update then resets the GCM state for it): one
  /// parameter for the provider, where EVP_*Init_ex2 first asks the provider for the IV length
  /// through its parameter lookup (two thirds of the per-record cost of a 1 KiB record's EVP
  /// calls besides the cipher itself). ChaCha20-Poly1305 has no such control (its IV_FIXED is
  /// TLS 1.2's 4-byte one) and keeps EVP_*Init_ex2.
  bool set_nonce(EVP_CIPHER_CTX* ctx, bool encrypt, Bytes nonce) {
    if (gcm_) {
      // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): OpenSSL's ctrl takes void*
      return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IV_FIXED, -1,
                                 const_cast<std::uint8_t*>(nonce.data())) == 1;
    }
    return (encrypt ? EVP_EncryptInit_ex2(ctx, nullptr, nullptr, nonce.data(), nullptr)
                    : EVP_DecryptInit_ex2(ctx, nullptr, nullptr, nonce.data(), nullptr)) == 1;
  }

  /// The context keyed for this direction, made on first use and kept: each record then only
  /// sets its nonce (EVP_*Init_ex2 without a key), instead of allocating a context and
  /// expanding the key (AES round keys, the GHASH table) for every record. One object serves
  /// one direction of one connection, so it only ever encrypts or only ever decrypts (a
  /// change of direction, in tests, keys a new context).
  EVP_CIPHER_CTX* keyed(bool encrypt) {
    if (ctx_ && ctx_encrypts_ == encrypt) return ctx_.get();
    ctx_.reset();
    CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    if (!ctx ||
        (encrypt
             ? EVP_EncryptInit_ex2(ctx.get(), cipher_.get(), key_.data(), nullptr, nullptr)
             : EVP_DecryptInit_ex2(ctx.get(), cipher_.get(), key_.data(), nullptr, nullptr)) != 1) {
      return nullptr;
    }
    ctx_ = std::move(ctx);
    ctx_encrypts_ = encrypt;
    return ctx_.get();
  }

  std::unique_ptr<EVP_CIPHER, Deleter<EVP_CIPHER_free>> cipher_;
  SecretBytes key_;
  /// Freed (and wiped by libcrypto) with this object.
  CipherCtxPtr ctx_;
  bool ctx_encrypts_ = false;
  /// AES-GCM (either key size): see set_nonce().
  bool gcm_ = false;
};

Result<SecretBytes> derive(OSSL_LIB_CTX* libctx, EVP_PKEY* own, EVP_PKEY* peer) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(libctx, own, nullptr));
  std::size_t len = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) {
    return crypto_failure("key_share", "derive init failed");
  }
  // Validating the peer key rejects points off the curve (invalid-curve attacks).
  if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer, 1) != 1) {
    ERR_clear_error();
    return wire::illegal_parameter("KeyShareEntry.key_exchange", "invalid public key");
  }
  if (EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1) {
    return crypto_failure("key_share", "derive failed");
  }
  SecretBytes out(len);
  if (EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1) {
    ERR_clear_error();
    return wire::illegal_parameter("KeyShareEntry.key_exchange", "key agreement failed");
  }
  out.resize(len);
  return out;
}

class X25519Share final : public KeyShare {
 public:
  X25519Share(OSSL_LIB_CTX* libctx, EvpPkeyPtr key, std::array<std::uint8_t, 32> pub)
      : libctx_(libctx), key_(std::move(key)), public_(pub) {}
  [[nodiscard]] NamedGroup group() const override { return NamedGroup::x25519; }
  [[nodiscard]] Bytes public_key() const override { return public_; }
  Result<SecretBytes> complete(Bytes peer_public) const override {
    if (peer_public.size() != 32) {
      return wire::illegal_parameter("KeyShareEntry.key_exchange", "X25519 key is not 32 bytes");
    }
    EvpPkeyPtr peer(EVP_PKEY_new_raw_public_key_ex(libctx_, "X25519", nullptr, peer_public.data(),
                                                   peer_public.size()));
    if (!peer) {
      ERR_clear_error();
      return wire::illegal_parameter("KeyShareEntry.key_exchange", "invalid X25519 key");
    }
    WIRE_TRY(auto secret, derive(libctx_, key_.get(), peer.get()));
    // RFC 8446 §7.4.2: the all-zero shared secret is refused.
    WIRE_CHECK(check_x25519_shared_secret(secret.span()));
    return secret;
  }

 private:
  OSSL_LIB_CTX* libctx_;
  EvpPkeyPtr key_;
  std::array<std::uint8_t, 32> public_;
};

/// X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem §3.1), the client's side: our ML-KEM-768 key pair
/// and our X25519 share.
class HybridShare final : public KeyShare {
 public:
  HybridShare(const mlkem768::Sha3& sha3, mlkem768::KeyPair keys, std::unique_ptr<KeyShare> x25519)
      : sha3_(sha3), keys_(std::move(keys)), x25519_(std::move(x25519)) {
    // §3.1.1: "the client's share is the concatenation of the ML-KEM encapsulation key and the
    // X25519 public key."
    const Bytes x_pub = x25519_->public_key();
    public_ = keys_.encapsulation_key;
    public_.insert(public_.end(), x_pub.begin(), x_pub.end());
  }
  [[nodiscard]] NamedGroup group() const override { return NamedGroup::x25519mlkem768; }
  [[nodiscard]] Bytes public_key() const override { return public_; }
  Result<SecretBytes> complete(Bytes peer_public) const override {
    // draft-ietf-tls-ecdhe-mlkem §3.1.2: "the client MUST check if the ciphertext length matches
    // the selected group, and abort with an illegal_parameter alert if it fails."
    if (peer_public.size() != x25519mlkem768_server_share_length) {
      return wire::illegal_parameter("KeyShareEntry.key_exchange",
                                     "X25519MLKEM768 server share is not 1120 bytes");
    }
    const Bytes ciphertext = peer_public.first(mlkem768::ciphertext_length);
    auto mlkem_secret = mlkem768::decapsulate(sha3_, keys_.decapsulation_key.span(), ciphertext);
    // §3.1.2: "If ML-KEM decapsulation fails for any other reason, the connection MUST be aborted
    // with an internal_error alert."
    if (!mlkem_secret) {
      return wire::fail(Alert::internal_error, "KeyShareEntry.key_exchange",
                        "ML-KEM decapsulation failed");
    }
    // §3.1.2: the X25519 part is processed as RFC 8446 §4.2.8.2 and §7.4.2 say, all-zero check
    // included, with illegal_parameter on failure (X25519Share::complete).
    WIRE_TRY(auto x25519_secret,
             x25519_->complete(peer_public.subspan(mlkem768::ciphertext_length)));
    // §3.1.3: "the shared secret is the concatenation of the ML-KEM shared secret and the X25519
    // shared secret."
    SecretBytes shared(mlkem_secret->size() + x25519_secret.size());
    std::copy(mlkem_secret->span().begin(), mlkem_secret->span().end(), shared.data());
    std::copy(x25519_secret.span().begin(), x25519_secret.span().end(),
              shared.data() + mlkem_secret->size());
    return shared;
  }

 private:
  const mlkem768::Sha3& sha3_;
  mlkem768::KeyPair keys_;
  std::unique_ptr<KeyShare> x25519_;
  std::vector<std::uint8_t> public_;
};

struct Curve {
  int nid;
  const char* name;
  std::size_t scalar_length;
};

Curve curve_of(NamedGroup group) {
  return group == NamedGroup::secp256r1 ? Curve{NID_X9_62_prime256v1, "P-256", 32}
                                        : Curve{NID_secp384r1, "P-384", 48};
}

Result<EvpPkeyPtr> ec_key_from_params(OSSL_LIB_CTX* libctx, const Curve& curve, const BIGNUM* priv,
                                      Bytes pub) {
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve.name, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.data(),
                                       pub.size()) != 1 ||
      (priv != nullptr && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1)) {
    return crypto_failure("key_share", "parameter build failed");
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(libctx, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, priv != nullptr ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                        params.get()) != 1) {
    ERR_clear_error();
    return wire::illegal_parameter("KeyShareEntry.key_exchange", "invalid EC key");
  }
  return EvpPkeyPtr(raw);
}

class EcShare final : public KeyShare {
 public:
  EcShare(OSSL_LIB_CTX* libctx, NamedGroup group, EvpPkeyPtr key, std::vector<std::uint8_t> pub)
      : libctx_(libctx), group_(group), key_(std::move(key)), public_(std::move(pub)) {}
  [[nodiscard]] NamedGroup group() const override { return group_; }
  [[nodiscard]] Bytes public_key() const override { return public_; }
  Result<SecretBytes> complete(Bytes peer_public) const override {
    // RFC 8446 §4.2.8.2: UncompressedPointRepresentation only: legacy_form = 4 and X, Y of the
    // field size.
    const Curve curve = curve_of(group_);
    // A share of another length (an empty one included) is a malformed key: illegal_parameter.
    if (peer_public.size() != 1 + 2 * curve.scalar_length) {
      return wire::illegal_parameter("KeyShareEntry.key_exchange", "not an uncompressed point");
    }
    wire::Reader point(peer_public);
    WIRE_TRY(auto legacy_form, point.u8("UncompressedPointRepresentation.legacy_form"));
    if (legacy_form != 0x04) {
      return wire::illegal_parameter("KeyShareEntry.key_exchange", "not an uncompressed point");
    }
    WIRE_TRY(auto peer, ec_key_from_params(libctx_, curve, nullptr, peer_public));
    return derive(libctx_, key_.get(), peer.get());
  }

 private:
  OSSL_LIB_CTX* libctx_;
  NamedGroup group_;
  EvpPkeyPtr key_;
  std::vector<std::uint8_t> public_;
};

const char* scheme_digest(SignatureScheme scheme) {
  switch (scheme) {
    case SignatureScheme::rsa_pkcs1_sha256:
    case SignatureScheme::ecdsa_secp256r1_sha256:
    case SignatureScheme::rsa_pss_rsae_sha256:
    case SignatureScheme::rsa_pss_pss_sha256:
      return "SHA256";
    case SignatureScheme::rsa_pkcs1_sha384:
    case SignatureScheme::ecdsa_secp384r1_sha384:
    case SignatureScheme::rsa_pss_rsae_sha384:
    case SignatureScheme::rsa_pss_pss_sha384:
      return "SHA384";
    case SignatureScheme::rsa_pkcs1_sha512:
    case SignatureScheme::ecdsa_secp521r1_sha512:
    case SignatureScheme::rsa_pss_rsae_sha512:
    case SignatureScheme::rsa_pss_pss_sha512:
      return "SHA512";
    default:
      return nullptr;
  }
}

bool is_pss(SignatureScheme s) {
  const auto v = static_cast<std::uint16_t>(s);
  return (v >= 0x0804 && v <= 0x0806) || (v >= 0x0809 && v <= 0x080b);
}

/// What kind of key an EVP_PKEY is, as far as signature schemes care. Worked out once per key
/// (EVP_PKEY_is_a and EVP_PKEY_get_group_name look names up each time: ~4 k instructions per
/// question, asked for every signature and every scheme a handshake considers).
enum class KeyKind : std::uint8_t { other, rsa, rsa_pss, p256, p384, p521, ed25519 };

KeyKind key_kind(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "EC") == 1) {
    std::array<char, 64> name{};
    std::size_t len = 0;
    if (EVP_PKEY_get_group_name(key, name.data(), name.size(), &len) != 1) {
      ERR_clear_error();
      return KeyKind::other;
    }
    const std::string_view n(name.data(), len);
    return n == "prime256v1" || n == "P-256"  ? KeyKind::p256
           : n == "secp384r1" || n == "P-384" ? KeyKind::p384
           : n == "secp521r1" || n == "P-521" ? KeyKind::p521
                                              : KeyKind::other;
  }
  if (EVP_PKEY_is_a(key, "ED25519") == 1) return KeyKind::ed25519;
  if (EVP_PKEY_is_a(key, "RSA") == 1) return KeyKind::rsa;
  if (EVP_PKEY_is_a(key, "RSA-PSS") == 1) return KeyKind::rsa_pss;
  return KeyKind::other;
}

/// Whether a key of `kind` is of the type `scheme` demands.
bool key_matches(KeyKind kind, SignatureScheme scheme) {
  const auto v = static_cast<std::uint16_t>(scheme);
  switch (scheme) {
    case SignatureScheme::ecdsa_secp256r1_sha256:
      return kind == KeyKind::p256;
    case SignatureScheme::ecdsa_secp384r1_sha384:
      return kind == KeyKind::p384;
    case SignatureScheme::ecdsa_secp521r1_sha512:
      return kind == KeyKind::p521;
    case SignatureScheme::ed25519:
      return kind == KeyKind::ed25519;
    default:
      break;
  }
  if ((v & 0xff) == 0x01 || (v >= 0x0804 && v <= 0x0806)) {
    // RFC 8446 §4.2.3: rsa_pss_rsae_* and rsa_pkcs1_* use rsaEncryption keys.
    return kind == KeyKind::rsa;
  }
  if (v >= 0x0809 && v <= 0x080b) {
    return kind == KeyKind::rsa_pss;
  }
  return false;
}

Status configure_padding(EVP_PKEY_CTX* pctx, SignatureScheme scheme) {
  if (is_pss(scheme)) {
    // RFC 8446 §4.2.3: "The length of the Salt MUST be equal to the length of the output of the
    // digest algorithm."
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1) {
      return crypto_failure("signature", "cannot configure PSS");
    }
  } else if (EVP_PKEY_is_a(EVP_PKEY_CTX_get0_pkey(pctx), "RSA") == 1) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
      return crypto_failure("signature", "cannot configure PKCS#1");
    }
  }
  return {};
}

Result<std::vector<std::uint8_t>> evp_digest_sign(OSSL_LIB_CTX* libctx, EVP_PKEY* key,
                                                  SignatureScheme scheme, Bytes message) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestSignInit_ex(ctx.get(), &pctx, scheme_digest(scheme), libctx, nullptr, key,
                                    nullptr) != 1) {
    return crypto_failure("signature", "sign init failed");
  }
  WIRE_CHECK(configure_padding(pctx, scheme));
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) != 1) {
    return crypto_failure("signature", "sign failed");
  }
  std::vector<std::uint8_t> out(len);
  if (EVP_DigestSign(ctx.get(), out.data(), &len, message.data(), message.size()) != 1) {
    return crypto_failure("signature", "sign failed");
  }
  out.resize(len);
  return out;
}

class LibcryptoSigningKey final : public SigningKey {
 public:
  /// `contexts` may be null: then every scheme takes EVP_DigestSign.
  LibcryptoSigningKey(OSSL_LIB_CTX* libctx, EvpPkeyPtr key,
                      std::unique_ptr<SignatureContexts> contexts)
      : libctx_(libctx),
        key_(std::move(key)),
        kind_(key_kind(key_.get())),
        contexts_(std::move(contexts)) {}
  [[nodiscard]] bool supports(SignatureScheme scheme) const override {
    return key_matches(kind_, scheme);
  }
  Result<std::vector<std::uint8_t>> sign(SignatureScheme scheme, Bytes message) const override {
    if (!supports(scheme)) {
      return crypto_failure("signature", "key does not support this scheme");
    }
    // Contexts made once per scheme (signature_contexts.hpp says why); Ed25519 and
    // rsa_pss_pss_* take the EVP_DigestSign way below.
    if (contexts_ && SignatureContexts::handles(scheme)) {
      return contexts_->sign(scheme, message);
    }
    return evp_digest_sign(libctx_, key_.get(), scheme, message);
  }

 private:
  OSSL_LIB_CTX* libctx_;
  EvpPkeyPtr key_;
  KeyKind kind_;
  std::unique_ptr<SignatureContexts> contexts_;
};

/// Public keys parsed from SubjectPublicKeyInfo DER, most recent last. A client meets the same
/// few server keys again and again (and a server the same client keys), and libcrypto 3.0
/// parses an SPKI through its generic decoder framework, which costs more than the signature
/// check itself. A parsed EVP_PKEY is immutable and safe to share between threads. Bounded;
/// exact DER match only.
struct PublicKeyCache {
  static constexpr std::size_t max_entries = 8;
  /// A parsed key and its verification contexts (signature_contexts.hpp; null if they could not
  /// be made, and then EVP_DigestVerify is used).
  struct Entry {
    EvpPkeyPtr key;
    KeyKind kind = KeyKind::other;
    std::unique_ptr<SignatureContexts> contexts;
  };
  std::mutex mutex;
  std::vector<std::pair<std::vector<std::uint8_t>, std::shared_ptr<const Entry>>> entries;
};

/// Certificate DER -> its SubjectPublicKeyInfo DER, for the same reason (d2i_X509 decodes the
/// key through the decoder framework). Bounded, exact match; failures are not kept.
struct CertificateKeyCache {
  static constexpr std::size_t max_entries = 8;
  std::mutex mutex;
  std::vector<std::pair<std::vector<std::uint8_t>, std::vector<std::uint8_t>>> entries;
};

/// Whether `cipher` is AES-GCM from a provider that takes the whole 12-byte IV through one
/// control (LibcryptoAead::set_nonce). Only from a provider that declares the parameter: one
/// that ignored it would leave the previous record's nonce in place.
bool sets_whole_gcm_iv(const EVP_CIPHER* cipher) {
  return EVP_CIPHER_get_mode(cipher) == EVP_CIPH_GCM_MODE &&
         OSSL_PARAM_locate_const(EVP_CIPHER_settable_ctx_params(cipher),
                                 OSSL_CIPHER_PARAM_AEAD_TLS1_IV_FIXED) != nullptr;
}

/// A fetched AEAD cipher, with what LibcryptoAead needs to know of it: asked once per provider,
/// not per key (the parameter lookup compares strings).
struct AeadCipher {
  CipherPtr cipher;
  bool whole_iv = false;

  bool fetch(OSSL_LIB_CTX* libctx, const char* name) {
    cipher.reset(EVP_CIPHER_fetch(libctx, name, nullptr));
    whole_iv = cipher && sets_whole_gcm_iv(cipher.get());
    return static_cast<bool>(cipher);
  }
};

}  // namespace

struct LibcryptoProvider::Fetched {
  MdPtr sha256;
  MdPtr sha384;
  AeadCipher aes128gcm;
  AeadCipher aes256gcm;
  AeadCipher chacha;
  KdfPtr hkdf;
  MacPtr hmac;
  PublicKeyCache public_keys;
  CertificateKeyCache certificate_keys;
  std::optional<mlkem768::Sha3> sha3;  // ML-KEM-768's hash functions
  /// X25519 straight through the provider's functions (x25519_dispatch.hpp says why); nullptr
  /// when the library context's provider does not offer them, and then EVP is used.
  std::unique_ptr<X25519Dispatch> x25519;
};

LibcryptoProvider::LibcryptoProvider(OSSL_LIB_CTX* libctx, bool owned,
                                     std::unique_ptr<RandomSource> random,
                                     std::unique_ptr<Clock> clock)
    : libctx_(libctx),
      owns_libctx_(owned),
      fetched_(std::make_unique<Fetched>()),
      random_(random ? std::move(random) : std::make_unique<SystemRandom>(libctx)),
      clock_(clock ? std::move(clock) : std::make_unique<SystemClock>()) {}

LibcryptoProvider::~LibcryptoProvider() {
  fetched_.reset();
  if (owns_libctx_) {
    OSSL_LIB_CTX_free(libctx_);
  }
}

Status LibcryptoProvider::fetch_all() {
  Fetched& f = *fetched_;
  f.sha256.reset(EVP_MD_fetch(libctx_, "SHA256", nullptr));
  f.sha384.reset(EVP_MD_fetch(libctx_, "SHA384", nullptr));
  const bool ciphers = f.aes128gcm.fetch(libctx_, "AES-128-GCM") &&
                       f.aes256gcm.fetch(libctx_, "AES-256-GCM") &&
                       f.chacha.fetch(libctx_, "ChaCha20-Poly1305");
  f.hkdf.reset(EVP_KDF_fetch(libctx_, "HKDF", nullptr));
  f.hmac.reset(EVP_MAC_fetch(libctx_, "HMAC", nullptr));
  if (!f.sha256 || !f.sha384 || !ciphers || !f.hkdf || !f.hmac) {
    return crypto_failure("provider", "libcrypto lacks a required algorithm");
  }
  WIRE_TRY(auto sha3, mlkem768::Sha3::fetch(libctx_));
  f.sha3.emplace(std::move(sha3));
  f.x25519 = X25519Dispatch::fetch(libctx_);
  return {};
}

Result<std::unique_ptr<LibcryptoProvider>> LibcryptoProvider::create() {
  OSSL_LIB_CTX* libctx = OSSL_LIB_CTX_new();
  if (libctx == nullptr) {
    return crypto_failure("provider", "cannot create a library context");
  }
  std::unique_ptr<LibcryptoProvider> p(new LibcryptoProvider(libctx, true, nullptr, nullptr));
  WIRE_CHECK(p->fetch_all());
  return p;
}

Result<std::unique_ptr<LibcryptoProvider>> LibcryptoProvider::create_borrowing(
    OSSL_LIB_CTX* libctx) {
  std::unique_ptr<LibcryptoProvider> p(new LibcryptoProvider(libctx, false, nullptr, nullptr));
  WIRE_CHECK(p->fetch_all());
  return p;
}

Result<std::unique_ptr<LibcryptoProvider>> LibcryptoProvider::hazmat_create_deterministic(
    std::unique_ptr<RandomSource> random, std::unique_ptr<Clock> clock) {
  OSSL_LIB_CTX* libctx = OSSL_LIB_CTX_new();
  if (libctx == nullptr || !random || !clock) {
    OSSL_LIB_CTX_free(libctx);
    return crypto_failure("provider", "cannot create a library context");
  }
  std::unique_ptr<LibcryptoProvider> p(
      new LibcryptoProvider(libctx, true, std::move(random), std::move(clock)));
  WIRE_CHECK(p->fetch_all());
  return p;
}

std::unique_ptr<HashContext> LibcryptoProvider::hash(HashAlgorithm alg) const {
  if (auto sha2 = make_sha2_hash(alg)) {
    return sha2;
  }
  return evp_hash(alg == HashAlgorithm::sha256 ? fetched_->sha256.get() : fetched_->sha384.get());
}

std::unique_ptr<HashContext> evp_hash(const EVP_MD* md) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1) {
    // Only allocation failure gets here; there is no sane way on.
    OPENSSL_die("sanstls: cannot create a hash context", __FILE__, __LINE__);
  }
  return std::make_unique<LibcryptoHash>(std::move(ctx));
}

Result<std::unique_ptr<HmacKey>> LibcryptoProvider::hmac_key(HashAlgorithm alg, Bytes key) const {
  if (auto keyed = make_sha2_hmac_key(alg, key)) {
    return keyed;
  }
  const EVP_MD* md = alg == HashAlgorithm::sha256 ? fetched_->sha256.get() : fetched_->sha384.get();
  return evp_hmac_key(alg, md, key);
}

Result<std::unique_ptr<HmacKey>> evp_hmac_key(HashAlgorithm alg, const EVP_MD* md, Bytes key) {
  if (md == nullptr || EVP_MD_get_size(md) != static_cast<int>(hash_length(alg))) {
    return crypto_failure("hmac", "digest does not match the hash algorithm");
  }
  return LibcryptoHmacKey::create(alg, md, key);
}

Result<SecretBytes> LibcryptoProvider::hmac(HashAlgorithm alg, Bytes key, Bytes data) const {
  SecretBytes out(hash_length(alg));
  const std::array<Bytes, 1> parts{data};
  if (sha2_hmac_once(alg, key, parts, out.mutable_span())) {
    return out;
  }
  WIRE_TRY(auto keyed, hmac_key(alg, key));
  return keyed->mac(data);
}

Result<SecretBytes> LibcryptoProvider::hkdf_extract(HashAlgorithm alg, Bytes salt,
                                                    Bytes ikm) const {
  // RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM); "if not provided, [salt] is set to a string of
  // HashLen zeros", which HMAC treats exactly like an empty key.
  return hmac(alg, salt, ikm);
}

Result<SecretBytes> LibcryptoProvider::hkdf_expand(HashAlgorithm alg, Bytes prk, Bytes info,
                                                   std::size_t length) const {
  if (prk.empty()) {
    return crypto_failure("hkdf", "empty pseudorandom key");
  }
  WIRE_TRY(auto keyed, hmac_key(alg, prk));
  return keyed->hkdf_expand(info, length);
}

Result<std::unique_ptr<Aead>> LibcryptoProvider::aead(AeadAlgorithm alg, Bytes key) const {
  if (key.size() != aead_key_length(alg)) {
    return crypto_failure("aead.key", "wrong key length");
  }
  const AeadCipher& cipher = alg == AeadAlgorithm::aes_128_gcm   ? fetched_->aes128gcm
                             : alg == AeadAlgorithm::aes_256_gcm ? fetched_->aes256gcm
                                                                 : fetched_->chacha;
  return std::make_unique<LibcryptoAead>(cipher.cipher.get(), cipher.whole_iv, key);
}

Result<std::unique_ptr<KeyShare>> LibcryptoProvider::generate_key_share(NamedGroup group) const {
  const std::size_t size = group == NamedGroup::x25519           ? 32
                           : group == NamedGroup::secp256r1      ? 32
                           : group == NamedGroup::secp384r1      ? 48
                           : group == NamedGroup::x25519mlkem768 ? mlkem768::seed_length + 32
                                                                 : 0;
  if (size == 0) {
    return crypto_failure("key_share", "unsupported group");
  }
  // A NIST scalar outside [1, n-1] is drawn again; for P-256 and P-384 that is vanishingly rare.
  for (int attempt = 0; attempt < 64; ++attempt) {
    SecretBytes priv(size);
    random(priv.mutable_span());
    auto share = key_share_from_private(group, priv.span());
    if (share || share.error().alert != Alert::illegal_parameter) {
      return share;
    }
  }
  return crypto_failure("key_share", "random generator keeps producing invalid scalars");
}

Result<std::unique_ptr<KeyShare>> evp_x25519_key_share(OSSL_LIB_CTX* libctx, Bytes private_key) {
  if (private_key.size() != 32) {
    return wire::illegal_parameter("x25519.private_key", "not 32 bytes");
  }
  EvpPkeyPtr key(EVP_PKEY_new_raw_private_key_ex(libctx, "X25519", nullptr, private_key.data(),
                                                 private_key.size()));
  std::array<std::uint8_t, 32> pub{};
  std::size_t len = pub.size();
  if (!key || EVP_PKEY_get_raw_public_key(key.get(), pub.data(), &len) != 1 || len != 32) {
    return crypto_failure("key_share", "X25519 key generation failed");
  }
  return std::make_unique<X25519Share>(libctx, std::move(key), pub);
}

Result<std::unique_ptr<KeyShare>> LibcryptoProvider::key_share_from_private(
    NamedGroup group, Bytes private_key) const {
  if (group == NamedGroup::x25519mlkem768) {
    if (private_key.size() != mlkem768::seed_length + 32) {
      return wire::illegal_parameter("x25519mlkem768.private_key", "not 96 bytes");
    }
    WIRE_TRY(auto keys, mlkem768::generate_from_seed(*fetched_->sha3,
                                                     private_key.first(mlkem768::seed_length)));
    WIRE_TRY(auto x25519, key_share_from_private(NamedGroup::x25519,
                                                 private_key.subspan(mlkem768::seed_length)));
    return std::make_unique<HybridShare>(*fetched_->sha3, std::move(keys), std::move(x25519));
  }
  if (group == NamedGroup::x25519) {
    return fetched_->x25519 ? fetched_->x25519->key_share(private_key)
                            : evp_x25519_key_share(libctx_, private_key);
  }
  if (group != NamedGroup::secp256r1 && group != NamedGroup::secp384r1) {
    return crypto_failure("key_share", "unsupported group");
  }
  const Curve curve = curve_of(group);
  EcGroupPtr ec(EC_GROUP_new_by_curve_name_ex(libctx_, nullptr, curve.nid));
  SecureBnPtr d(BN_secure_new());
  BnCtxPtr bn_ctx(BN_CTX_secure_new_ex(libctx_));
  if (!ec || !d || !bn_ctx ||
      BN_bin2bn(private_key.data(), static_cast<int>(private_key.size()), d.get()) == nullptr) {
    return crypto_failure("key_share", "EC setup failed");
  }
  if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(ec.get())) >= 0) {
    return wire::illegal_parameter("ec.private_key", "scalar out of range");
  }
  EcPointPtr point(EC_POINT_new(ec.get()));
  std::vector<std::uint8_t> pub(1 + 2 * curve.scalar_length);
  if (!point || EC_POINT_mul(ec.get(), point.get(), d.get(), nullptr, nullptr, bn_ctx.get()) != 1 ||
      EC_POINT_point2oct(ec.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, pub.data(),
                         pub.size(), bn_ctx.get()) != pub.size()) {
    return crypto_failure("key_share", "EC public key computation failed");
  }
  WIRE_TRY(auto key, ec_key_from_params(libctx_, curve, d.get(), pub));
  return std::make_unique<EcShare>(libctx_, group, std::move(key), std::move(pub));
}

Result<KeyShareResponse> LibcryptoProvider::respond_to_key_share(NamedGroup group,
                                                                 Bytes client_public) const {
  if (group != NamedGroup::x25519mlkem768) {
    return CryptoProvider::respond_to_key_share(group, client_public);
  }
  // draft-ietf-tls-ecdhe-mlkem §3.1.1: the client's share is the 1184-byte encapsulation key ||
  // the 32-byte X25519 key; every length is checked (illegal_parameter, as RFC 8446 §4.2.8.2 for
  // a malformed X25519 key).
  if (client_public.size() != x25519mlkem768_client_share_length) {
    return wire::illegal_parameter("KeyShareEntry.key_exchange",
                                   "X25519MLKEM768 client share is not 1216 bytes");
  }
  const Bytes encapsulation_key = client_public.first(mlkem768::encapsulation_key_length);
  const Bytes client_x25519 = client_public.subspan(mlkem768::encapsulation_key_length);
  SecretBytes m(mlkem768::randomness_length);
  random(m.mutable_span());
  // §3.1.2: "the server MUST perform the encapsulation key check described in Section 7.2 of
  // [FIPS203] on the client's encapsulation key, and abort with an illegal_parameter alert if it
  // fails" (encapsulate: length and modulus check, illegal_parameter).
  WIRE_TRY(auto encapsulation, mlkem768::encapsulate(*fetched_->sha3, encapsulation_key, m.span()));
  m.wipe();
  WIRE_TRY(auto x25519, generate_key_share(NamedGroup::x25519));
  WIRE_TRY(auto x25519_secret, x25519->complete(client_x25519));
  // §3.1.2: the server's share is the ciphertext || the X25519 public key; §3.1.3: the secret is
  // the ML-KEM shared secret || the X25519 shared secret.
  KeyShareResponse response;
  response.key_exchange = std::move(encapsulation.ciphertext);
  const Bytes x_pub = x25519->public_key();
  response.key_exchange.insert(response.key_exchange.end(), x_pub.begin(), x_pub.end());
  response.shared_secret = SecretBytes(encapsulation.shared_secret.size() + x25519_secret.size());
  std::copy(encapsulation.shared_secret.span().begin(), encapsulation.shared_secret.span().end(),
            response.shared_secret.data());
  std::copy(x25519_secret.span().begin(), x25519_secret.span().end(),
            response.shared_secret.data() + encapsulation.shared_secret.size());
  return response;
}

namespace {

Result<std::shared_ptr<const PublicKeyCache::Entry>> parsed_public_key(PublicKeyCache& cache,
                                                                       OSSL_LIB_CTX* libctx,
                                                                       Bytes spki) {
  const auto same = [&](const auto& entry) { return std::ranges::equal(entry.first, spki); };
  {
    const std::lock_guard lock(cache.mutex);
    if (auto it = std::ranges::find_if(cache.entries, same); it != cache.entries.end()) {
      return it->second;
    }
  }
  const unsigned char* p = spki.data();
  EvpPkeyPtr key(d2i_PUBKEY_ex(nullptr, &p, static_cast<long>(spki.size()), libctx, nullptr));
  if (!key || p != spki.data() + spki.size()) {
    ERR_clear_error();
    return wire::fail(Alert::bad_certificate, "SubjectPublicKeyInfo", "cannot parse public key");
  }
  auto entry = std::make_shared<PublicKeyCache::Entry>();
  auto contexts = SignatureContexts::create(libctx, key.get(), /*signing=*/false);
  if (contexts) {
    entry->contexts = std::move(*contexts);
  }
  entry->kind = key_kind(key.get());
  entry->key = std::move(key);
  const std::lock_guard lock(cache.mutex);
  if (std::ranges::none_of(cache.entries, same)) {
    if (cache.entries.size() == PublicKeyCache::max_entries) {
      cache.entries.erase(cache.entries.begin());
    }
    cache.entries.emplace_back(std::vector<std::uint8_t>(spki.begin(), spki.end()), entry);
  }
  return entry;
}

}  // namespace

Status LibcryptoProvider::verify(SignatureScheme scheme, Bytes spki, Bytes message,
                                 Bytes signature) const {
  WIRE_TRY(const auto parsed, parsed_public_key(fetched_->public_keys, libctx_, spki));
  EVP_PKEY* key = parsed->key.get();
  // RFC 8446 §4.4.3: "If the CertificateVerify message is sent by a server, the signature
  // algorithm MUST be one offered in the client's "signature_algorithms" extension" — and it must
  // fit the key: a mismatch is illegal_parameter.
  if (!key_matches(parsed->kind, scheme)) {
    return wire::illegal_parameter("CertificateVerify.algorithm", "does not match the key");
  }
  // Contexts made once per key and scheme (signature_contexts.hpp says why).
  if (parsed->contexts && SignatureContexts::handles(scheme)) {
    return parsed->contexts->verify(scheme, message, signature);
  }
  return evp_digest_verify(libctx_, key, scheme, message, signature);
}

Status evp_digest_verify(OSSL_LIB_CTX* libctx, EVP_PKEY* key, SignatureScheme scheme, Bytes message,
                         Bytes signature) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), &pctx, scheme_digest(scheme), libctx, nullptr, key,
                                      nullptr) != 1) {
    return crypto_failure("signature", "verify init failed");
  }
  WIRE_CHECK(configure_padding(pctx, scheme));
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                       message.size()) != 1) {
    ERR_clear_error();
    // RFC 8446 §4.4.3: "If the verification fails, the receiver MUST terminate the handshake with
    // a "decrypt_error" alert."
    return wire::fail(Alert::decrypt_error, "CertificateVerify.signature", "verification failed");
  }
  return {};
}

Result<std::vector<std::uint8_t>> evp_sign_pkcs8(OSSL_LIB_CTX* libctx, Bytes pkcs8_der,
                                                 SignatureScheme scheme, Bytes message) {
  const unsigned char* p = pkcs8_der.data();
  EvpPkeyPtr key(
      d2i_AutoPrivateKey_ex(nullptr, &p, static_cast<long>(pkcs8_der.size()), libctx, nullptr));
  if (!key) {
    return crypto_failure("private_key", "cannot parse PKCS#8 key");
  }
  return evp_digest_sign(libctx, key.get(), scheme, message);
}

Result<std::vector<std::uint8_t>> parse_certificate_spki(Bytes cert_der) {
  const unsigned char* p = cert_der.data();
  std::unique_ptr<X509, Deleter<X509_free>> cert(
      d2i_X509(nullptr, &p, static_cast<long>(cert_der.size())));
  // The DER must be exactly one certificate: re-encoding gives its length.
  if (!cert || i2d_X509(cert.get(), nullptr) != static_cast<int>(cert_der.size())) {
    ERR_clear_error();
    return wire::fail(Alert::bad_certificate, "Certificate.cert_data", "not an X.509 certificate");
  }
  // The SubjectPublicKeyInfo as the certificate carries it (i2d_PUBKEY would re-encode the
  // parsed key through libcrypto's encoder framework, which costs as much again).
  unsigned char* out = nullptr;
  const int len = X509_get0_pubkey(cert.get()) == nullptr
                      ? 0
                      : i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &out);
  const auto release = [](unsigned char* q) { OPENSSL_free(q); };
  const std::unique_ptr<unsigned char, decltype(release)> owned(out, release);
  if (len <= 0 || out == nullptr) {
    ERR_clear_error();
    return wire::fail(Alert::bad_certificate, "Certificate.cert_data", "no public key");
  }
  return std::vector<std::uint8_t>(out, out + len);
}

Result<std::vector<std::uint8_t>> LibcryptoProvider::certificate_spki(Bytes cert_der) const {
  CertificateKeyCache& cache = fetched_->certificate_keys;
  const auto same = [&](const auto& entry) { return std::ranges::equal(entry.first, cert_der); };
  {
    const std::lock_guard lock(cache.mutex);
    if (auto it = std::ranges::find_if(cache.entries, same); it != cache.entries.end()) {
      return it->second;
    }
  }
  WIRE_TRY(auto spki, parse_certificate_spki(cert_der));
  const std::lock_guard lock(cache.mutex);
  if (std::ranges::none_of(cache.entries, same)) {
    if (cache.entries.size() == CertificateKeyCache::max_entries) {
      cache.entries.erase(cache.entries.begin());
    }
    cache.entries.emplace_back(std::vector<std::uint8_t>(cert_der.begin(), cert_der.end()), spki);
  }
  return spki;
}

Result<std::unique_ptr<SigningKey>> LibcryptoProvider::load_signing_key(Bytes pkcs8_der) const {
  const unsigned char* p = pkcs8_der.data();
  EvpPkeyPtr key(
      d2i_AutoPrivateKey_ex(nullptr, &p, static_cast<long>(pkcs8_der.size()), libctx_, nullptr));
  if (!key) {
    return crypto_failure("private_key", "cannot parse PKCS#8 key");
  }
  auto contexts = SignatureContexts::create(libctx_, key.get(), /*signing=*/true);
  return std::make_unique<LibcryptoSigningKey>(libctx_, std::move(key),
                                               contexts ? std::move(*contexts) : nullptr);
}

void LibcryptoProvider::random(std::span<std::uint8_t> out) const { random_->fill(out); }

std::chrono::system_clock::time_point LibcryptoProvider::now() const { return clock_->now(); }

}  // namespace sanstls::native::crypto

// SPDX-License-Identifier: Apache-2.0 OR MIT
// See sha2_hmac.hpp for why this file calls libcrypto's SHA-2 block functions directly.
#define OPENSSL_SUPPRESS_DEPRECATED  // SHA256_Init & co.: deprecated in OpenSSL 3, not removed

#include "native/crypto/sha2_hmac.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <variant>

namespace sanstls::native::crypto {

#ifndef OPENSSL_NO_DEPRECATED_3_0

namespace {

// The state of one SHA-2 computation: SHA-256, or SHA-384 (which runs on SHA-512's state). A
// variant, so that a copy copies only the state in use.
class Sha2State {
 public:
  [[nodiscard]] HashAlgorithm alg() const {
    return std::holds_alternative<SHA256_CTX>(ctx_) ? HashAlgorithm::sha256 : HashAlgorithm::sha384;
  }
  bool init(HashAlgorithm alg) {
    if (alg == HashAlgorithm::sha256) {
      return SHA256_Init(&ctx_.emplace<SHA256_CTX>()) == 1;
    }
    return SHA384_Init(&ctx_.emplace<SHA512_CTX>()) == 1;
  }
  bool update(Bytes data) {
    if (data.empty()) {
      return true;
    }
    if (auto* sha256 = std::get_if<SHA256_CTX>(&ctx_)) {
      return SHA256_Update(sha256, data.data(), data.size()) == 1;
    }
    return SHA384_Update(&std::get<SHA512_CTX>(ctx_), data.data(), data.size()) == 1;
  }
  // Writes exactly hash_length(alg()) bytes.
  bool final(std::span<std::uint8_t> out) {
    if (out.size() != hash_length(alg())) {
      return false;
    }
    if (auto* sha256 = std::get_if<SHA256_CTX>(&ctx_)) {
      return SHA256_Final(out.data(), sha256) == 1;
    }
    return SHA384_Final(out.data(), &std::get<SHA512_CTX>(ctx_)) == 1;
  }
  void wipe() {
    std::visit([](auto& ctx) { base::secure_wipe(&ctx, sizeof ctx); }, ctx_);
  }

 private:
  std::variant<SHA256_CTX, SHA512_CTX> ctx_;
};

// RFC 2104: HMAC(K, text) = H((K ^ opad) | H((K ^ ipad) | text)). `inner` and `outer` become the
// states after the padded keys.
bool key_states(HashAlgorithm alg, Bytes key, Sha2State& inner, Sha2State& outer) {
  std::array<std::uint8_t, 128> pad{};
  const std::size_t block = alg == HashAlgorithm::sha256 ? 64 : 128;
  bool ok = true;
  // RFC 2104 §2: a key longer than the block is hashed first; a shorter one is padded with
  // zeros.
  if (key.size() > block) {
    Sha2State digest;
    ok = digest.init(alg) && digest.update(key) &&
         digest.final(std::span(pad).first(hash_length(alg)));
    digest.wipe();
  } else {
    std::ranges::copy(key, pad.begin());
  }
  for (std::size_t i = 0; i < block; ++i) {
    pad.at(i) ^= 0x36;
  }
  ok = ok && inner.init(alg) && inner.update(std::span(pad).first(block));
  for (std::size_t i = 0; i < block; ++i) {
    pad.at(i) ^= 0x36 ^ 0x5c;
  }
  ok = ok && outer.init(alg) && outer.update(std::span(pad).first(block));
  base::secure_wipe(pad.data(), pad.size());
  return ok;
}

// The MAC of `parts` from the keyed states, which are copied, not changed.
bool mac_from(const Sha2State& inner, const Sha2State& outer, std::span<const Bytes> parts,
              std::span<std::uint8_t> out) {
  const std::size_t hash_len = hash_length(inner.alg());
  if (out.size() != hash_len) {
    return false;
  }
  std::array<std::uint8_t, 64> inner_digest{};
  Sha2State work = inner;
  bool ok = true;
  for (const Bytes part : parts) {
    ok = ok && work.update(part);
  }
  ok = ok && work.final(std::span(inner_digest).first(hash_len));
  work = outer;
  ok = ok && work.update(std::span(inner_digest).first(hash_len)) && work.final(out);
  work.wipe();
  base::secure_wipe(inner_digest.data(), inner_digest.size());
  return ok;
}

class Sha2HmacKey final : public HmacKey {
 public:
  Sha2HmacKey() = default;
  Sha2HmacKey(const Sha2HmacKey&) = delete;
  Sha2HmacKey& operator=(const Sha2HmacKey&) = delete;
  ~Sha2HmacKey() override {
    inner_.wipe();
    outer_.wipe();
  }

  bool set(HashAlgorithm alg, Bytes key) { return key_states(alg, key, inner_, outer_); }

  [[nodiscard]] HashAlgorithm hash() const override { return inner_.alg(); }

  Status mac_into(std::span<const Bytes> parts, std::span<std::uint8_t> out) override {
    if (!mac_from(inner_, outer_, parts, out)) {
      return wire::fail(Alert::internal_error, "hmac", "HMAC failed");
    }
    return {};
  }

 private:
  Sha2State inner_;  // after the inner padded key
  Sha2State outer_;  // after the outer padded key
};

// A transcript hash on the block functions: a copy (digest(), clone()) is a copy of the state,
// where EVP allocates a context and asks the provider to duplicate its own.
class Sha2Hash final : public HashContext {
 public:
  explicit Sha2Hash(const Sha2State& state) : state_(state) {}
  Sha2Hash(const Sha2Hash&) = delete;
  Sha2Hash& operator=(const Sha2Hash&) = delete;
  ~Sha2Hash() override { state_.wipe(); }

  void update(Bytes data) override { (void)state_.update(data); }  // cannot fail
  [[nodiscard]] Digest digest() const override {
    Sha2State copy = state_;
    Digest out(hash_length(copy.alg()));
    if (!copy.final(out.mutable_span())) out.clear();
    copy.wipe();
    return out;
  }
  // A copy of the state on the stack, not a clone on the heap.
  [[nodiscard]] Digest digest_with(Bytes more) const override {
    Sha2State copy = state_;
    Digest out(hash_length(copy.alg()));
    if (!copy.update(more) || !copy.final(out.mutable_span())) out.clear();
    copy.wipe();
    return out;
  }
  [[nodiscard]] std::unique_ptr<HashContext> clone() const override {
    return std::make_unique<Sha2Hash>(state_);
  }

 private:
  Sha2State state_;
};

}  // namespace

std::unique_ptr<HashContext> make_sha2_hash(HashAlgorithm alg) {
  Sha2State state;
  if (!state.init(alg)) {
    return nullptr;
  }
  return std::make_unique<Sha2Hash>(state);
}

std::unique_ptr<HmacKey> make_sha2_hmac_key(HashAlgorithm alg, Bytes key) {
  auto keyed = std::make_unique<Sha2HmacKey>();
  if (!keyed->set(alg, key)) {
    return nullptr;
  }
  return keyed;
}

bool sha2_hmac_once(HashAlgorithm alg, Bytes key, std::span<const Bytes> parts,
                    std::span<std::uint8_t> out) {
  Sha2State inner;
  Sha2State outer;
  const bool ok = key_states(alg, key, inner, outer) && mac_from(inner, outer, parts, out);
  inner.wipe();
  outer.wipe();
  return ok;
}

#else  // a libcrypto without deprecated functions: the caller uses EVP

std::unique_ptr<HashContext> make_sha2_hash(HashAlgorithm /*alg*/) { return nullptr; }

std::unique_ptr<HmacKey> make_sha2_hmac_key(HashAlgorithm /*alg*/, Bytes /*key*/) {
  return nullptr;
}

bool sha2_hmac_once(HashAlgorithm /*alg*/, Bytes /*key*/, std::span<const Bytes> /*parts*/,
                    std::span<std::uint8_t> /*out*/) {
  return false;
}

#endif

}  // namespace sanstls::native::crypto

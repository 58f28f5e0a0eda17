// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The crypto provider: the small set of primitives the native engine needs, behind interfaces,
// so the engine never calls a crypto library directly (rustls CryptoProvider). One
// implementation exists, over libcrypto EVP (libcrypto_provider.hpp).
//
// Randomness and time come only from the provider. By default they are the real thing; tests may
// inject a deterministic source through the explicitly named hazmat constructor.

#include "base/secret_bytes.hpp"
#include "native/types.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace sanstls::native::crypto {

using base::SecretBytes;

enum class HashAlgorithm : std::uint8_t { sha256, sha384 };
enum class AeadAlgorithm : std::uint8_t { aes_128_gcm, aes_256_gcm, chacha20_poly1305 };

constexpr std::size_t hash_length(HashAlgorithm h) { return h == HashAlgorithm::sha256 ? 32 : 48; }
constexpr std::size_t aead_key_length(AeadAlgorithm a) {
  return a == AeadAlgorithm::aes_128_gcm ? 16 : 32;
}
inline constexpr std::size_t aead_nonce_length = 12;
inline constexpr std::size_t aead_tag_length = 16;

/// A hash output, held inline (SHA-256 to SHA-512: at most 64 bytes) so that a transcript hash
/// costs no allocation; a handshake takes a dozen. Empty when the hash failed. Not a secret
/// (transcript hashes are not): not wiped.
class Digest {
 public:
  static constexpr std::size_t max_size = 64;
  Digest() = default;
  /// `size` zero bytes to be filled through mutable_span(); 0 when `size` is out of range.
  explicit Digest(std::size_t size) : size_(size <= max_size ? size : 0) {}
  [[nodiscard]] const std::uint8_t* data() const noexcept { return bytes_.data(); }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] const std::uint8_t* begin() const noexcept { return bytes_.data(); }
  [[nodiscard]] const std::uint8_t* end() const noexcept { return bytes_.data() + size_; }
  [[nodiscard]] Bytes span() const noexcept { return {bytes_.data(), size_}; }
  [[nodiscard]] std::span<std::uint8_t> mutable_span() noexcept { return {bytes_.data(), size_}; }
  void clear() noexcept { size_ = 0; }
  friend bool operator==(const Digest& a, Bytes b) { return std::ranges::equal(a.span(), b); }

 private:
  std::array<std::uint8_t, max_size> bytes_{};
  std::size_t size_ = 0;
};

/// An incremental hash. digest() does not finish the context: more data may follow (the
/// transcript hash needs intermediate values).
class HashContext {
 public:
  virtual ~HashContext() = default;
  virtual void update(Bytes data) = 0;
  [[nodiscard]] virtual Digest digest() const = 0;
  /// The digest of what was hashed so far followed by `more`, leaving this context as it is.
  [[nodiscard]] virtual Digest digest_with(Bytes more) const {
    auto copy = clone();
    if (!copy) return {};
    copy->update(more);
    return copy->digest();
  }
  [[nodiscard]] virtual std::unique_ptr<HashContext> clone() const = 0;
};

/// An AEAD keyed once. seal/open take the complete nonce (the record layer builds it). Not
/// thread-safe: it keeps its keyed cipher context between calls (one object per direction of
/// one connection).
class Aead {
 public:
  virtual ~Aead() = default;
  /// ciphertext || tag.
  virtual Result<std::vector<std::uint8_t>> seal(Bytes nonce, Bytes aad, Bytes plaintext) = 0;
  /// Fails with bad_record_mac when authentication fails.
  virtual Result<std::vector<std::uint8_t>> open(Bytes nonce, Bytes aad,
                                                 Bytes ciphertext_and_tag) = 0;
  /// seal() of `content || trailer` written into `out` (exactly their size plus the tag), for a
  /// record layer that builds records in place: no plaintext copy, no extra buffer. `content`
  /// may be the first bytes of `out` itself (sealed in place; no other overlap).
  virtual Status seal_into(Bytes nonce, Bytes aad, Bytes content, Bytes trailer,
                           std::span<std::uint8_t> out) = 0;
  /// open() in place: decrypts `ciphertext_and_tag` into its own first bytes and returns the
  /// plaintext length. On failure the buffer is wiped.
  virtual Result<std::size_t> open_in_place(Bytes nonce, Bytes aad,
                                            std::span<std::uint8_t> ciphertext_and_tag) = 0;
  /// open() into `out` (at least the ciphertext's length; it may be the ciphertext itself):
  /// one pass from the received bytes to their destination. Returns the plaintext length; on
  /// failure the first plaintext-length bytes of `out` are wiped (nothing unauthenticated is
  /// left behind).
  virtual Result<std::size_t> open_into(Bytes nonce, Bytes aad, Bytes ciphertext_and_tag,
                                        std::span<std::uint8_t> out) = 0;
};

/// An HMAC key made ready once: RFC 2104's inner and outer padded keys are hashed when it is
/// made, so each MAC under it hashes only the text and the inner digest. For secrets that key
/// several MACs: each TLS 1.3 secret expands into several others (RFC 8446 §7.1), and the TLS 1.2
/// PRF keys every P_hash block with the same secret (RFC 5246 §5). Not thread-safe (it keeps its
/// working context): one object per connection, like Aead.
class HmacKey {
 public:
  virtual ~HmacKey() = default;
  [[nodiscard]] virtual HashAlgorithm hash() const = 0;
  /// HMAC of the concatenated `parts` into `out`, which is exactly the hash length.
  virtual Status mac_into(std::span<const Bytes> parts, std::span<std::uint8_t> out) = 0;
  /// HMAC of `data`.
  Result<SecretBytes> mac(Bytes data) {
    SecretBytes out(hash_length(hash()));
    const std::array<Bytes, 1> parts{data};
    WIRE_CHECK(mac_into(parts, out.mutable_span()));
    return out;
  }
  /// RFC 5869 §2.3 HKDF-Expand with this key as the PRK; length at most 255 * HashLen.
  Result<SecretBytes> hkdf_expand(Bytes info, std::size_t length);
};

/// One side of an ephemeral key exchange.
class KeyShare {
 public:
  virtual ~KeyShare() = default;
  [[nodiscard]] virtual NamedGroup group() const = 0;
  /// The key_exchange bytes to send: X25519 raw 32 bytes, NIST curves uncompressed points.
  [[nodiscard]] virtual Bytes public_key() const = 0;
  /// The shared secret with the peer's key_exchange bytes. An invalid peer key (wrong length,
  /// not on the curve, compressed, all-zero X25519 output) is illegal_parameter.
  virtual Result<SecretBytes> complete(Bytes peer_public) const = 0;
};

/// draft-ietf-tls-ecdhe-mlkem §3.1.1/§3.1.2: X25519MLKEM768 key_exchange lengths. The client's
/// share is the ML-KEM-768 encapsulation key || the X25519 public key, the server's the ML-KEM-768
/// ciphertext || the X25519 public key.
inline constexpr std::size_t x25519mlkem768_client_share_length = 1184 + 32;
inline constexpr std::size_t x25519mlkem768_server_share_length = 1088 + 32;

/// The server's side of a key exchange: the key_exchange bytes it sends and the shared secret.
struct KeyShareResponse {
  std::vector<std::uint8_t> key_exchange;
  SecretBytes shared_secret;
};

/// A private key for CertificateVerify.
class SigningKey {
 public:
  virtual ~SigningKey() = default;
  [[nodiscard]] virtual bool supports(SignatureScheme scheme) const = 0;
  virtual Result<std::vector<std::uint8_t>> sign(SignatureScheme scheme, Bytes message) const = 0;
};

/// Where random bytes come from. Only tests replace the default (hazmat).
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void fill(std::span<std::uint8_t> out) = 0;
};

/// Where the current time comes from (ticket ages, certificate validity).
class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual std::chrono::system_clock::time_point now() const = 0;
};

class CryptoProvider {
 public:
  virtual ~CryptoProvider() = default;

  [[nodiscard]] virtual std::unique_ptr<HashContext> hash(HashAlgorithm alg) const = 0;
  /// One-shot hash.
  [[nodiscard]] Digest digest(HashAlgorithm alg, Bytes data) const {
    auto ctx = hash(alg);
    ctx->update(data);
    return ctx->digest();
  }
  virtual Result<SecretBytes> hmac(HashAlgorithm alg, Bytes key, Bytes data) const = 0;
  /// An HMAC key for several MACs under the same `key`.
  virtual Result<std::unique_ptr<HmacKey>> hmac_key(HashAlgorithm alg, Bytes key) const = 0;
  /// RFC 5869 HKDF-Extract. An empty salt means HashLen zero bytes.
  virtual Result<SecretBytes> hkdf_extract(HashAlgorithm alg, Bytes salt, Bytes ikm) const = 0;
  /// RFC 5869 HKDF-Expand; length at most 255 * HashLen.
  virtual Result<SecretBytes> hkdf_expand(HashAlgorithm alg, Bytes prk, Bytes info,
                                          std::size_t length) const = 0;
  virtual Result<std::unique_ptr<Aead>> aead(AeadAlgorithm alg, Bytes key) const = 0;

  /// A fresh key share for `group`, its private key drawn from random().
  virtual Result<std::unique_ptr<KeyShare>> generate_key_share(NamedGroup group) const = 0;
  /// A key share from a given private key (X25519: 32 bytes; NIST: big-endian scalar). Used by
  /// generate_key_share and by known-answer tests.
  virtual Result<std::unique_ptr<KeyShare>> key_share_from_private(NamedGroup group,
                                                                   Bytes private_key) const = 0;

  /// The server's answer to the client's key_exchange bytes for `group`. For Diffie-Hellman
  /// groups: a fresh share of our own (generate_key_share) and the agreement with the client's.
  /// A KEM group (X25519MLKEM768) overrides this: the answer is an encapsulation to the client's
  /// key, which no share generated in advance could give.
  virtual Result<KeyShareResponse> respond_to_key_share(NamedGroup group,
                                                        Bytes client_public) const {
    WIRE_TRY(auto share, generate_key_share(group));
    WIRE_TRY(auto shared, share->complete(client_public));
    const Bytes pub = share->public_key();
    return KeyShareResponse{std::vector<std::uint8_t>(pub.begin(), pub.end()), std::move(shared)};
  }

  /// Verifies `signature` over `message` with the DER SubjectPublicKeyInfo `spki`. The key type
  /// must match the scheme (RSA for rsa_*, the scheme's curve for ECDSA, Ed25519). Fails with
  /// decrypt_error on a bad signature and illegal_parameter on a key/scheme mismatch.
  virtual Status verify(SignatureScheme scheme, Bytes spki, Bytes message,
                        Bytes signature) const = 0;
  /// The DER SubjectPublicKeyInfo of a DER X.509 certificate: exactly one certificate, else
  /// bad_certificate. Providers may remember recent answers (the same peers come back).
  virtual Result<std::vector<std::uint8_t>> certificate_spki(Bytes cert_der) const = 0;
  /// Loads a DER PKCS#8 private key for signing.
  virtual Result<std::unique_ptr<SigningKey>> load_signing_key(Bytes pkcs8_der) const = 0;

  virtual void random(std::span<std::uint8_t> out) const = 0;
  [[nodiscard]] virtual std::chrono::system_clock::time_point now() const = 0;
};

}  // namespace sanstls::native::crypto

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// TLS 1.2 record protection for one direction (RFC 5246 §6.2.3.3) with the AEAD suites we
// implement: AES-GCM with an 8-byte explicit nonce that is the sequence number (RFC 5288 §3), so
// a nonce can never repeat under one key, and ChaCha20-Poly1305 with nonce = IV xor sequence
// number and no explicit part (RFC 7905 §2). No inner content type, no padding (that is
// TLS 1.3's TLSInnerPlaintext).

#include "base/output_buffer.hpp"
#include "native/crypto/provider.hpp"
#include "native/key_schedule12.hpp"
#include "native/record/protection.hpp"
#include "native/record/record.hpp"

#include <array>
#include <memory>

namespace sanstls::native::record {

class Protection12 {
 public:
  /// RFC 5246 §6.2.3: "The length [of TLSCiphertext.fragment] MUST NOT exceed 2^14 + 2048."
  static constexpr std::size_t max_ciphertext_length12 = max_plaintext_length + 2048;

  /// Keys one direction with a write key and its fixed IV (4-byte GCM salt, 12-byte ChaCha20
  /// IV). The sequence number starts at 0 (RFC 5246 §6.1: it is set to zero whenever a
  /// connection state is made active).
  static Result<Protection12> create(const crypto::CryptoProvider& provider,
                                     crypto::AeadAlgorithm aead, const tls12::WriteKeys& keys);

  /// A complete protected record of `type` carrying `content` (at most max_content_length()).
  Result<ByteVec> seal(ContentType type, Bytes content);
  /// seal(), appending the record to `out` (encrypted in place there).
  Status seal_append(ContentType type, Bytes content, ByteVec& out);
  /// The same for a vector of std::byte (the core's output buffer).
  Status seal_append(ContentType type, Bytes content, std::vector<std::byte>& out);
  /// The same for the core's output buffer.
  Status seal_append(ContentType type, Bytes content, base::OutputBuffer& out);
  /// Decrypts a protected record; the content type is the record's own (authenticated).
  Result<Opened> open(const Record& record);
  /// open() that decrypts the record's own buffer in place.
  Result<Opened> open(Record&& record);
  /// open() of a received record's view, decrypting in one pass onto the end of `out`, which
  /// grows by the content only; the content type is the record's own. On failure `out` is back
  /// to its size before the call and nothing decrypted is left in it.
  Status open_append(const RecordView& record, DataSink out);

  /// RFC 8449 §4: the largest TLSPlaintext.length accepted by open() or produced by seal() —
  /// our advertised record_size_limit on the read side, the peer's on the write side. In TLS 1.2
  /// the limit counts the plaintext only (no content type byte). Default and maximum 2^14.
  void set_plaintext_limit(std::size_t limit);
  [[nodiscard]] std::size_t max_content_length() const noexcept { return limit_; }
  [[nodiscard]] std::uint64_t sequence_number() const noexcept { return seq_; }
  [[nodiscard]] crypto::AeadAlgorithm algorithm() const noexcept { return alg_; }

  /// Known-answer and exhaustion tests only: continues at sequence number `seq`.
  void hazmat_set_sequence_number(std::uint64_t seq) noexcept { seq_ = seq; }

 private:
  Protection12(crypto::AeadAlgorithm alg, std::unique_ptr<crypto::Aead> aead, SecretBytes iv)
      : alg_(alg), aead_(std::move(aead)), iv_(std::move(iv)) {}
  Status check_sequence() const;
  /// open() and open_append()'s checks before decryption; the plaintext's length.
  Result<std::size_t> check_record(std::uint16_t version, std::size_t length) const;
  template <class Vec>
  Status seal_append_to(ContentType type, Bytes content, Vec& out);
  Result<std::array<std::uint8_t, crypto::aead_nonce_length>> nonce(Bytes explicit_nonce) const;
  Result<std::array<std::uint8_t, 13>> additional_data(ContentType type, std::size_t length) const;

  crypto::AeadAlgorithm alg_;
  std::unique_ptr<crypto::Aead> aead_;
  SecretBytes iv_;
  std::uint64_t seq_ = 0;
  std::size_t limit_ = max_plaintext_length;
};

}  // namespace sanstls::native::record

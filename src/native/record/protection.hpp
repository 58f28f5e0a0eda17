// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Record protection for one direction (RFC 8446 §5.2-§5.4): AEAD with a per-record nonce built
// from the sequence number and the static IV, the inner content type and zero padding.

#include "native/crypto/provider.hpp"
#include "native/key_schedule.hpp"
#include "native/record/record.hpp"

#include <memory>

namespace sanstls::native::record {

struct Opened {
  ContentType type = ContentType::invalid;
  ByteVec content;
};

class Protection {
 public:
  /// Keys one direction. The sequence number starts at 0 (RFC 8446 §5.3: it is reset "to zero
  /// whenever the key is changed").
  static Result<Protection> create(const crypto::CryptoProvider& provider,
                                   crypto::AeadAlgorithm aead, const TrafficKeys& keys);

  /// A complete protected record (opaque_type application_data, version 0x0303) carrying
  /// `content` of `type` followed by `padding` zero bytes.
  Result<ByteVec> seal(ContentType type, Bytes content, std::size_t padding = 0);
  /// seal(), appending the record to `out` (encrypted in place there: no intermediate buffers).
  Status seal_append(ContentType type, Bytes content, std::size_t padding, ByteVec& out);
  /// Decrypts a protected record, removes the padding, returns the inner type and content.
  Result<Opened> open(const Record& record);
  /// open() that decrypts the record's own buffer in place and hands it on as the content.
  Result<Opened> open(Record&& record);

  /// RFC 8449: the largest TLSInnerPlaintext (content + type + padding) accepted by open(), or
  /// allowed in seal() — set from our advertised limit on the read side and the peer's on the
  /// write side. Default and maximum 2^14 + 1.
  void set_inner_plaintext_limit(std::size_t limit);
  [[nodiscard]] std::size_t max_content_length() const noexcept { return limit_ - 1; }
  [[nodiscard]] std::uint64_t sequence_number() const noexcept { return seq_; }

 private:
  Protection(std::unique_ptr<crypto::Aead> aead, SecretBytes iv)
      : aead_(std::move(aead)), iv_(std::move(iv)) {}
  Result<std::array<std::uint8_t, crypto::aead_nonce_length>> nonce() const;

  std::unique_ptr<crypto::Aead> aead_;
  SecretBytes iv_;
  std::uint64_t seq_ = 0;
  std::size_t limit_ = max_plaintext_length + 1;
};

}  // namespace sanstls::native::record

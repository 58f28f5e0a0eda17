// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Record protection for one direction (RFC 8446 §5.2-§5.4): AEAD with a per-record nonce built
// from the sequence number and the static IV, the inner content type and zero padding.

#include "base/output_buffer.hpp"
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
  /// The same for a vector of std::byte (the core's output buffer).
  Status seal_append(ContentType type, Bytes content, std::size_t padding,
                     std::vector<std::byte>& out);
  /// The same for the core's output buffer (base::OutputBuffer, which does not zero what it
  /// grows by): a large record is sealed there straight from `content`, one pass over it.
  Status seal_append(ContentType type, Bytes content, std::size_t padding, base::OutputBuffer& out);
  /// Content from which seal_append() into an OutputBuffer seals from the caller's bytes (a
  /// second AEAD update for the type byte) instead of copying them into the record first and
  /// sealing that in place (one update): the copy is dearer for large records (~4 % of a
  /// ChaCha20-Poly1305 16 KiB one), the update for small ones (measured at 1 KiB).
  static constexpr std::size_t seal_from_content_min = 4096;
  /// The most padding seal_append() seals from a trailer (more goes through the copy).
  static constexpr std::size_t max_trailer_padding = 15;
  /// The size of the record seal_append() produces for `content` and `padding`.
  [[nodiscard]] static constexpr std::size_t sealed_record_size(std::size_t content,
                                                                std::size_t padding) noexcept {
    return record_header_length + content + 1 + padding + crypto::aead_tag_length;
  }
  /// Decrypts a protected record, removes the padding, returns the inner type and content.
  Result<Opened> open(const Record& record);
  /// open() that decrypts the record's own buffer in place and hands it on as the content.
  Result<Opened> open(Record&& record);
  /// open() of a received record's view, decrypting in one pass onto the end of `out`, which
  /// grows by the content only (padding and type removed). Returns the inner content type. On
  /// failure `out` is back to its size before the call and nothing decrypted is left in it.
  Result<ContentType> open_append(const RecordView& record, DataSink out);

  /// RFC 8449: the largest TLSInnerPlaintext (content + type + padding) accepted by open(), or
  /// allowed in seal() — set from our advertised limit on the read side and the peer's on the
  /// write side. Default and maximum 2^14 + 1.
  void set_inner_plaintext_limit(std::size_t limit);
  [[nodiscard]] std::size_t max_content_length() const noexcept { return limit_ - 1; }
  [[nodiscard]] std::uint64_t sequence_number() const noexcept { return seq_; }
  /// Exhaustion tests only: continues at sequence number `seq`.
  void hazmat_set_sequence_number(std::uint64_t seq) noexcept { seq_ = seq; }

 private:
  Protection(std::unique_ptr<crypto::Aead> aead, SecretBytes iv)
      : aead_(std::move(aead)), iv_(std::move(iv)) {}
  Result<std::array<std::uint8_t, crypto::aead_nonce_length>> nonce() const;
  /// seal_append()'s one-pass work on `record` (exactly sealed_record_size() long): header
  /// written, `content` then type and `padding` zeros sealed into it.
  Status seal_from(ContentType type, Bytes content, std::size_t padding,
                   std::span<std::uint8_t> record);
  /// open() and open_append()'s checks before decryption: the outer type and the length.
  Status check_ciphertext(ContentType type, std::size_t length) const;
  template <class Vec>
  Status seal_append_to(ContentType type, Bytes content, std::size_t padding, Vec& out);
  /// seal_append()'s work on `record` (exactly sealed_record_size() long) that holds the content
  /// after the header already: header, type, padding and tag written, the rest sealed in place.
  Status seal_in_place(ContentType type, std::size_t content_length, std::size_t padding,
                       std::span<std::uint8_t> record);

  std::unique_ptr<crypto::Aead> aead_;
  SecretBytes iv_;
  std::uint64_t seq_ = 0;
  std::size_t limit_ = max_plaintext_length + 1;
};

}  // namespace sanstls::native::record

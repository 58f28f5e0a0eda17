// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Record framing (RFC 8446 §5.1): the TLSPlaintext header, a deframer that reassembles records
// from any split of the input, and plaintext record encoding.

#include "native/types.hpp"

#include <optional>
#include <vector>

namespace sanstls::native::record {

using ByteVec = std::vector<std::uint8_t>;

/// One record as received: header fields and the fragment (plaintext, or ciphertext when the
/// record is protected).
struct Record {
  ContentType type = ContentType::invalid;
  std::uint16_t legacy_record_version = tls12_version;
  ByteVec fragment;
};

/// Splits a byte stream into records. Holds at most the bytes it was fed; never allocates for a
/// claimed length before those bytes arrive.
class Deframer {
 public:
  /// Appends transport bytes.
  void feed(Bytes data);
  /// The next complete record, nothing if more bytes are needed, or an error (unknown content
  /// type: unexpected_message; over-long record: record_overflow).
  Result<std::optional<Record>> next();
  /// Bytes received but not yet returned as records.
  [[nodiscard]] std::size_t buffered() const noexcept { return buf_.size() - start_; }
  /// Frees the buffer when everything in it has been returned (an idle connection keeps no
  /// receive buffer; the next feed() allocates what it needs).
  void release_if_empty() noexcept {
    if (start_ == buf_.size()) {
      ByteVec().swap(buf_);
      start_ = 0;
    }
  }

 private:
  ByteVec buf_;
  std::size_t start_ = 0;
};

/// A complete TLSPlaintext record. The fragment must not exceed 2^14 bytes.
Result<ByteVec> encode_plaintext(ContentType type, std::uint16_t legacy_record_version,
                                 Bytes fragment);

}  // namespace sanstls::native::record

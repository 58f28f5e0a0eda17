// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Record framing (RFC 8446 §5.1): the TLSPlaintext header, a deframer that reassembles records
// from any split of the input, and plaintext record encoding.

#include "native/types.hpp"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

namespace sanstls::native::record {

using ByteVec = std::vector<std::uint8_t>;

/// The end of a caller's byte vector that received application data is appended to, whichever
/// byte type it holds (the native engine's std::uint8_t, the core's std::byte): the record
/// layer decrypts straight into it instead of into a buffer of its own.
class DataSink {
 public:
  // Implicit on purpose: every driver call that takes a DataSink accepts either vector.
  DataSink(ByteVec& bytes) noexcept : u8_(&bytes) {}  // NOLINT(google-explicit-constructor)
  DataSink(std::vector<std::byte>& bytes) noexcept    // NOLINT(google-explicit-constructor)
      : std_(&bytes) {}
  /// A caller's buffer, filled from `*used` on, then `overflow` (Session::receive_data_into(): a
  /// caller-owned span): a piece goes to the buffer only while it fits whole in the room left and
  /// nothing went to `overflow` yet, so the order is kept. `*used` is updated as the buffer fills.
  DataSink(std::span<std::byte> buffer, std::size_t& used,
           std::vector<std::byte>& overflow) noexcept
      : std_(&overflow), buffer_(buffer), used_(&used) {}

  [[nodiscard]] std::size_t size() const noexcept {
    if (u8_) return u8_->size();
    return (used_ ? *used_ : 0) + std_->size();
  }
  /// Grows the data by `n` bytes and returns them.
  std::span<std::uint8_t> grow(std::size_t n) {
    if (u8_) {
      const std::size_t old = u8_->size();
      u8_->resize(old + n);
      return std::span<std::uint8_t>(*u8_).subspan(old);
    }
    if (used_ && std_->empty() && buffer_.size() - *used_ >= n) {
      // Straight into the caller's buffer: no zero-filling resize, no copy later.
      const auto to = buffer_.subspan(*used_, n);
      *used_ += n;
      return {reinterpret_cast<std::uint8_t*>(to.data()), n};
    }
    const std::size_t old = std_->size();
    std_->resize(old + n);
    return {reinterpret_cast<std::uint8_t*>(std_->data()) + old, n};
  }
  /// The bytes from offset `from` (a size() taken before the last grow()) to the end.
  [[nodiscard]] std::span<std::uint8_t> tail(std::size_t from) noexcept {
    if (u8_) return std::span<std::uint8_t>(*u8_).subspan(from);
    const std::size_t in_buffer = used_ ? *used_ : 0;
    if (used_ && std_->empty()) {
      return {reinterpret_cast<std::uint8_t*>(buffer_.data()) + from, in_buffer - from};
    }
    return {reinterpret_cast<std::uint8_t*>(std_->data()) + (from - in_buffer),
            std_->size() - (from - in_buffer)};
  }
  /// Cuts the data back to `n` bytes (n <= size(), a size() taken before the last grow()).
  void shrink(std::size_t n) {
    if (u8_) {
      u8_->resize(n);
      return;
    }
    const std::size_t in_buffer = used_ ? *used_ : 0;
    if (used_ && n < in_buffer) {
      std_->clear();
      *used_ = n;
      return;
    }
    std_->resize(n - in_buffer);
  }
  void append(Bytes bytes) {
    const auto to = grow(bytes.size());
    std::copy(bytes.begin(), bytes.end(), to.begin());
  }

 private:
  ByteVec* u8_ = nullptr;
  std::vector<std::byte>* std_ = nullptr;
  std::span<std::byte> buffer_;
  std::size_t* used_ = nullptr;
};

/// XORs `word` (8 bytes) with `value` in network byte order: the per-record nonce arithmetic of
/// RFC 8446 §5.3 and RFC 7905 §2 in one 64-bit operation.
inline void xor_sequence_number(std::span<std::uint8_t, 8> word, std::uint64_t value) noexcept {
  if constexpr (std::endian::native == std::endian::little) value = __builtin_bswap64(value);
  std::uint64_t current = 0;
  std::memcpy(&current, word.data(), sizeof current);
  current ^= value;
  std::memcpy(word.data(), &current, sizeof current);
}

/// One record as received without a copy: header fields and a view of the fragment, valid until
/// the Deframer is next fed, asked for a record or retains its input.
struct RecordView {
  ContentType type = ContentType::invalid;
  std::uint16_t legacy_record_version = tls12_version;
  Bytes fragment;
};

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
  /// Appends transport bytes (copied).
  void feed(Bytes data);
  /// Adds transport bytes without copying them when nothing is buffered: records are then read
  /// straight from the caller's bytes, and only what remains of them (an incomplete record) is
  /// copied by retain(), which the caller must call before those bytes go away (the end of the
  /// call that received them). feed() and lend() retain earlier lent input themselves.
  void lend(Bytes data);
  /// Copies what is left of lent input into the Deframer's own buffer.
  void retain();
  /// The next complete record, nothing if more bytes are needed, or an error (unknown content
  /// type: unexpected_message; over-long record: record_overflow).
  Result<std::optional<Record>> next();
  /// next() without copying the fragment: a view into the input (see RecordView).
  Result<std::optional<RecordView>> next_view();
  /// Whether the next record's type has arrived and is `type` (the record itself may still be
  /// incomplete; next_view() checks its header).
  [[nodiscard]] bool next_is(ContentType type) const noexcept {
    const Bytes rest = borrowed_.empty() ? Bytes(buf_).subspan(start_) : borrowed_;
    return !rest.empty() && rest.front() == static_cast<std::uint8_t>(type);
  }
  /// Bytes received but not yet returned as records.
  [[nodiscard]] std::size_t buffered() const noexcept {
    return buf_.size() - start_ + borrowed_.size();
  }
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
  /// The unread rest of lent input (empty when nothing is lent).
  Bytes borrowed_;
};

/// A complete TLSPlaintext record. The fragment must not exceed 2^14 bytes.
Result<ByteVec> encode_plaintext(ContentType type, std::uint16_t legacy_record_version,
                                 Bytes fragment);

}  // namespace sanstls::native::record

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Handshake message reassembly (RFC 8446 §5.1): messages may be split across records or several
// may share one record; the reassembler turns handshake-record contents back into messages and
// knows whether a message is incomplete (which forbids interleaving and key changes).

#include "native/types.hpp"

#include <optional>
#include <vector>

namespace sanstls::native::record {

class HandshakeReassembler {
 public:
  /// Largest handshake message accepted (header included); larger claims are refused as soon as
  /// the header is seen, before any buffering for them.
  static constexpr std::size_t default_max_message = std::size_t{1} << 17U;

  explicit HandshakeReassembler(std::size_t max_message = default_max_message)
      : max_message_(max_message) {}

  /// Adds the content of one handshake record.
  Status add(Bytes fragment);
  /// The next complete message (header + body), or nothing while incomplete.
  Result<std::optional<std::vector<std::uint8_t>>> next();
  /// True when bytes of an unfinished message are buffered.
  [[nodiscard]] bool has_partial() const noexcept { return start_ < buf_.size(); }
  /// Frees the buffer when no message is buffered.
  void release_if_empty() noexcept {
    if (!has_partial()) {
      std::vector<std::uint8_t>().swap(buf_);
      start_ = 0;
    }
  }
  /// RFC 8446 §5.1: messages preceding a key change must end at a record boundary.
  [[nodiscard]] Status check_key_change() const;
  /// RFC 8446 §5.1: no other record type between the records of a split message.
  [[nodiscard]] Status check_interleave(ContentType other) const;

 private:
  std::vector<std::uint8_t> buf_;
  std::size_t start_ = 0;
  std::size_t max_message_;
};

}  // namespace sanstls::native::record

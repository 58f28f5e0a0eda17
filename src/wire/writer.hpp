// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Writer: the only code that writes wire bytes. Appends big-endian integers and byte strings to
// an owned buffer; length-prefixed children are scoped objects that fill in their length when
// they close (rustls LengthPrefixedBuffer, BoringSSL CBB). Errors are sticky: after an overflow
// every later write is ignored and finish() reports the first failure.

#include "wire/error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace sanstls::wire {

class Writer {
 public:
  /// Default cap on the total output: a handshake message body is at most 2^24-1 bytes, plus its
  /// header; no TLS structure we write is larger.
  static constexpr std::size_t default_limit = (std::size_t{1} << 24U) + 4;
  /// What the first write reserves (at most the limit): most handshake messages fit.
  static constexpr std::size_t initial_capacity = 256;

  explicit Writer(std::size_t limit = default_limit) : limit_(limit) {}

  void u8(std::uint8_t v, std::string_view field = "u8");
  void u16(std::uint16_t v, std::string_view field = "u16");
  /// Fails (sticky) when v does not fit in 24 bits.
  void u24(std::uint32_t v, std::string_view field = "u24");
  void u32(std::uint32_t v, std::string_view field = "u32");
  void u64(std::uint64_t v, std::string_view field = "u64");
  void bytes(std::span<const std::uint8_t> data, std::string_view field = "bytes");
  void zeros(std::size_t n, std::string_view field = "zeros");

  /// One-shot length-prefixed vectors; overflowing the prefix width is a sticky error.
  void vec8(std::span<const std::uint8_t> data, std::string_view field);
  void vec16(std::span<const std::uint8_t> data, std::string_view field);
  void vec24(std::span<const std::uint8_t> data, std::string_view field);

  /// A length-prefixed child in progress. Everything written to the Writer while it is open
  /// belongs to it; its length is filled in by close() or by the destructor. Children nest and
  /// must close in reverse order of opening, which scoping gives for free.
  class [[nodiscard]] Prefix {
   public:
    Prefix(const Prefix&) = delete;
    Prefix& operator=(const Prefix&) = delete;
    Prefix(Prefix&& other) noexcept;
    Prefix& operator=(Prefix&&) = delete;
    ~Prefix() { close(); }
    /// Writes the length now. Idempotent.
    void close();

   private:
    friend class Writer;
    Prefix(Writer* writer, std::size_t at, unsigned width, std::size_t depth,
           std::string_view field)
        : writer_(writer), at_(at), width_(width), depth_(depth), field_(field) {}
    Writer* writer_;
    std::size_t at_;
    unsigned width_;
    std::size_t depth_;  // 1 for the outermost open prefix
    std::string_view field_;
  };
  Prefix prefix8(std::string_view field) { return open(1, field); }
  Prefix prefix16(std::string_view field) { return open(2, field); }
  Prefix prefix24(std::string_view field) { return open(3, field); }

  /// False after any overflow.
  [[nodiscard]] bool ok() const noexcept { return !error_.has_value(); }
  [[nodiscard]] std::size_t size() const noexcept { return buf_.size(); }
  /// The bytes written so far (valid until the next write).
  [[nodiscard]] std::span<const std::uint8_t> view() const noexcept { return buf_; }
  /// The output, or the first error. Fails if a Prefix is still open (finish it first: a Prefix
  /// closing after finish() only records an error, it never writes).
  Result<std::vector<std::uint8_t>> finish() &&;

 private:
  Prefix open(unsigned width, std::string_view field);
  void uint(std::uint64_t v, unsigned width, std::string_view field);
  bool reserve(std::size_t n, std::string_view field);
  void set_error(std::string_view field, std::string_view reason);
  void vec(std::span<const std::uint8_t> data, unsigned width, std::string_view field);

  std::vector<std::uint8_t> buf_;
  std::size_t limit_;
  std::size_t open_prefixes_ = 0;
  bool finished_ = false;
  std::optional<Error> error_;
};

}  // namespace sanstls::wire

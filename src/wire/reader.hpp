// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Reader: the only code that reads wire bytes. A non-owning, bounds-checked cursor over a span.
// Every read names the field it reads, so a failure says exactly what was malformed and which
// alert it maps to. Length-prefixed blocks are read as child Readers that must be consumed
// exactly (BoringSSL CBS, rustls Reader).

#include "wire/error.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

namespace sanstls::wire {

using Bytes = std::span<const std::uint8_t>;

/// Inclusive bounds on a vector's length in bytes, as in the RFC's `<min..max>` notation.
struct Bounds {
  std::size_t min = 0;
  std::size_t max = SIZE_MAX;
};

/// Bounds-checked reader. Never owns the bytes: the span must outlive the Reader and every span it
/// returns. Failures are `decode_error` unless stated otherwise; a failed read consumes nothing.
class Reader {
 public:
  Reader() = default;
  explicit Reader(Bytes data) noexcept : data_(data) {}

  /// Bytes not yet consumed.
  [[nodiscard]] std::size_t remaining() const noexcept { return data_.size() - pos_; }
  [[nodiscard]] bool empty() const noexcept { return pos_ == data_.size(); }
  /// Number of bytes consumed since construction.
  [[nodiscard]] std::size_t position() const noexcept { return pos_; }
  /// The bytes consumed so far (from the start of this Reader's span).
  [[nodiscard]] Bytes consumed() const noexcept { return data_.first(pos_); }
  /// The bytes not consumed yet, without consuming them.
  [[nodiscard]] Bytes peek_rest() const noexcept { return data_.subspan(pos_); }

  Result<std::uint8_t> u8(std::string_view field) noexcept;
  Result<std::uint16_t> u16(std::string_view field) noexcept;
  Result<std::uint32_t> u24(std::string_view field) noexcept;
  Result<std::uint32_t> u32(std::string_view field) noexcept;
  Result<std::uint64_t> u64(std::string_view field) noexcept;

  /// Exactly `n` bytes.
  Result<Bytes> bytes(std::size_t n, std::string_view field) noexcept;
  /// Exactly N bytes, copied into an array (for randoms and other fixed-size fields).
  template <std::size_t N>
  Result<std::array<std::uint8_t, N>> array(std::string_view field) noexcept {
    auto span = bytes(N, field);
    if (!span) {
      return tl::unexpected<Error>(span.error());
    }
    std::array<std::uint8_t, N> out{};
    for (std::size_t i = 0; i < N; ++i) {
      out[i] = (*span)[i];
    }
    return out;
  }
  /// Everything that is left (possibly empty).
  Bytes rest() noexcept;

  /// A vector with a 1-, 2- or 3-byte length prefix, e.g. `opaque x<0..2^16-1>`. A length outside
  /// `bounds` or past the end of the input is a decode_error.
  Result<Bytes> vec8(std::string_view field, Bounds bounds = {}) noexcept;
  Result<Bytes> vec16(std::string_view field, Bounds bounds = {}) noexcept;
  Result<Bytes> vec24(std::string_view field, Bounds bounds = {}) noexcept;

  /// The same, as a child Reader over the vector's contents.
  Result<Reader> child8(std::string_view field, Bounds bounds = {}) noexcept;
  Result<Reader> child16(std::string_view field, Bounds bounds = {}) noexcept;
  Result<Reader> child24(std::string_view field, Bounds bounds = {}) noexcept;

  /// Runs `parse(Reader&)` on a length-prefixed child and then requires that the child was
  /// consumed exactly. `parse` returns Result<T>; so does this.
  template <class F>
  auto scoped8(std::string_view field, F&& parse, Bounds bounds = {}) {
    return scoped(child8(field, bounds), field, std::forward<F>(parse));
  }
  template <class F>
  auto scoped16(std::string_view field, F&& parse, Bounds bounds = {}) {
    return scoped(child16(field, bounds), field, std::forward<F>(parse));
  }
  template <class F>
  auto scoped24(std::string_view field, F&& parse, Bounds bounds = {}) {
    return scoped(child24(field, bounds), field, std::forward<F>(parse));
  }

  /// Fails with decode_error ("trailing bytes") unless everything was consumed.
  Status expect_end(std::string_view field) const noexcept;

 private:
  Result<Bytes> vec(unsigned width, std::string_view field, Bounds bounds) noexcept;
  Result<std::uint64_t> uint(unsigned width, std::string_view field) noexcept;

  template <class F>
  static auto scoped(Result<Reader> child, std::string_view field, F&& parse)
      -> std::invoke_result_t<F, Reader&> {
    if (!child) {
      return tl::unexpected<Error>(child.error());
    }
    auto result = std::forward<F>(parse)(*child);
    if (!result) {
      return result;
    }
    if (auto end = child->expect_end(field); !end) {
      return tl::unexpected<Error>(end.error());
    }
    return result;
  }

  Bytes data_;
  std::size_t pos_ = 0;
};

// The reads are defined here, inline: the parsers call them once per field, and a call per
// field was ~15 % of parsing a large ClientHello.

inline Result<std::uint64_t> Reader::uint(unsigned width, std::string_view field) noexcept {
  if (remaining() < width) {
    return decode_error(field, "truncated");
  }
  std::uint64_t value = 0;
  for (unsigned i = 0; i < width; ++i) {
    value = (value << 8U) | data_[pos_ + i];
  }
  pos_ += width;
  return value;
}

inline Result<std::uint8_t> Reader::u8(std::string_view field) noexcept {
  return uint(1, field).map([](std::uint64_t v) { return static_cast<std::uint8_t>(v); });
}
inline Result<std::uint16_t> Reader::u16(std::string_view field) noexcept {
  return uint(2, field).map([](std::uint64_t v) { return static_cast<std::uint16_t>(v); });
}
inline Result<std::uint32_t> Reader::u24(std::string_view field) noexcept {
  return uint(3, field).map([](std::uint64_t v) { return static_cast<std::uint32_t>(v); });
}
inline Result<std::uint32_t> Reader::u32(std::string_view field) noexcept {
  return uint(4, field).map([](std::uint64_t v) { return static_cast<std::uint32_t>(v); });
}
inline Result<std::uint64_t> Reader::u64(std::string_view field) noexcept { return uint(8, field); }

inline Result<Bytes> Reader::bytes(std::size_t n, std::string_view field) noexcept {
  if (remaining() < n) {
    return decode_error(field, "truncated");
  }
  Bytes out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

inline Bytes Reader::rest() noexcept {
  Bytes out = data_.subspan(pos_);
  pos_ = data_.size();
  return out;
}

inline Result<Bytes> Reader::vec(unsigned width, std::string_view field, Bounds bounds) noexcept {
  const std::size_t start = pos_;
  auto length = uint(width, field);
  if (!length) {
    return tl::unexpected<Error>(length.error());
  }
  if (*length < bounds.min || *length > bounds.max) {
    pos_ = start;
    return decode_error(field, "length out of range");
  }
  if (remaining() < *length) {
    pos_ = start;
    return decode_error(field, "truncated");
  }
  Bytes out = data_.subspan(pos_, static_cast<std::size_t>(*length));
  pos_ += static_cast<std::size_t>(*length);
  return out;
}

inline Result<Bytes> Reader::vec8(std::string_view field, Bounds bounds) noexcept {
  return vec(1, field, bounds);
}
inline Result<Bytes> Reader::vec16(std::string_view field, Bounds bounds) noexcept {
  return vec(2, field, bounds);
}
inline Result<Bytes> Reader::vec24(std::string_view field, Bounds bounds) noexcept {
  return vec(3, field, bounds);
}

inline Result<Reader> Reader::child8(std::string_view field, Bounds bounds) noexcept {
  return vec(1, field, bounds).map([](Bytes b) { return Reader(b); });
}
inline Result<Reader> Reader::child16(std::string_view field, Bounds bounds) noexcept {
  return vec(2, field, bounds).map([](Bytes b) { return Reader(b); });
}
inline Result<Reader> Reader::child24(std::string_view field, Bounds bounds) noexcept {
  return vec(3, field, bounds).map([](Bytes b) { return Reader(b); });
}

inline Status Reader::expect_end(std::string_view field) const noexcept {
  if (!empty()) {
    return decode_error(field, "trailing bytes");
  }
  return {};
}

/// Splits a decrypted TLSInnerPlaintext (RFC 8446 §5.4) into content and content type by
/// removing the zero padding. Returns unexpected_message when no non-zero byte exists.
struct InnerPlaintext {
  Bytes content;
  std::uint8_t content_type = 0;
};
Result<InnerPlaintext> split_inner_plaintext(Bytes plaintext) noexcept;

/// True when two byte ranges are equal, in time independent of their contents (for MACs).
bool constant_time_equal(Bytes a, Bytes b) noexcept;

}  // namespace sanstls::wire

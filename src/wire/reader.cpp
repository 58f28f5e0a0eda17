// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "wire/reader.hpp"

#include <openssl/crypto.h>

namespace sanstls::wire {

Result<std::uint64_t> Reader::uint(unsigned width, std::string_view field) noexcept {
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

Result<std::uint8_t> Reader::u8(std::string_view field) noexcept {
  return uint(1, field).map([](std::uint64_t v) { return static_cast<std::uint8_t>(v); });
}
Result<std::uint16_t> Reader::u16(std::string_view field) noexcept {
  return uint(2, field).map([](std::uint64_t v) { return static_cast<std::uint16_t>(v); });
}
Result<std::uint32_t> Reader::u24(std::string_view field) noexcept {
  return uint(3, field).map([](std::uint64_t v) { return static_cast<std::uint32_t>(v); });
}
Result<std::uint32_t> Reader::u32(std::string_view field) noexcept {
  return uint(4, field).map([](std::uint64_t v) { return static_cast<std::uint32_t>(v); });
}
Result<std::uint64_t> Reader::u64(std::string_view field) noexcept { return uint(8, field); }

Result<Bytes> Reader::bytes(std::size_t n, std::string_view field) noexcept {
  if (remaining() < n) {
    return decode_error(field, "truncated");
  }
  Bytes out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

Bytes Reader::rest() noexcept {
  Bytes out = data_.subspan(pos_);
  pos_ = data_.size();
  return out;
}

Result<Bytes> Reader::vec(unsigned width, std::string_view field, Bounds bounds) noexcept {
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

Result<Bytes> Reader::vec8(std::string_view field, Bounds bounds) noexcept {
  return vec(1, field, bounds);
}
Result<Bytes> Reader::vec16(std::string_view field, Bounds bounds) noexcept {
  return vec(2, field, bounds);
}
Result<Bytes> Reader::vec24(std::string_view field, Bounds bounds) noexcept {
  return vec(3, field, bounds);
}

Result<Reader> Reader::child8(std::string_view field, Bounds bounds) noexcept {
  return vec(1, field, bounds).map([](Bytes b) { return Reader(b); });
}
Result<Reader> Reader::child16(std::string_view field, Bounds bounds) noexcept {
  return vec(2, field, bounds).map([](Bytes b) { return Reader(b); });
}
Result<Reader> Reader::child24(std::string_view field, Bounds bounds) noexcept {
  return vec(3, field, bounds).map([](Bytes b) { return Reader(b); });
}

Status Reader::expect_end(std::string_view field) const noexcept {
  if (!empty()) {
    return decode_error(field, "trailing bytes");
  }
  return {};
}

Result<InnerPlaintext> split_inner_plaintext(Bytes plaintext) noexcept {
  std::size_t end = plaintext.size();
  while (end > 0 && plaintext[end - 1] == 0) {
    --end;
  }
  // RFC 8446 §5.4: "If a receiving implementation does not find a non-zero octet in the
  // cleartext, it MUST terminate the connection with an "unexpected_message" alert."
  if (end == 0) {
    return fail(Alert::unexpected_message, "TLSInnerPlaintext.type", "no non-zero octet");
  }
  return InnerPlaintext{plaintext.first(end - 1), plaintext[end - 1]};
}

bool constant_time_equal(Bytes a, Bytes b) noexcept {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace sanstls::wire

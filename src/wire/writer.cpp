// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "wire/writer.hpp"

#include <algorithm>
#include <utility>

namespace sanstls::wire {

namespace {
constexpr std::uint64_t max_for_width(unsigned width) {
  return (std::uint64_t{1} << (8U * width)) - 1U;
}
}  // namespace

void Writer::set_error(std::string_view field, std::string_view reason) {
  if (!error_) {
    // Writing a value that does not fit is our bug (or an over-long configuration value), never
    // the peer's: the alert to send is internal_error.
    error_ = Error{Alert::internal_error, field, reason};
  }
}

bool Writer::reserve(std::size_t n, std::string_view field) {
  if (error_) {
    return false;
  }
  if (n > limit_ - buf_.size()) {
    set_error(field, "output limit exceeded");
    return false;
  }
  if (buf_.capacity() == 0) {
    // Most messages we write fit in the first block: one allocation instead of the vector's
    // doubling from one byte (measured: ~50 allocations per resumed handshake).
    buf_.reserve(std::min(limit_, std::max(n, initial_capacity)));
  }
  return true;
}

void Writer::uint(std::uint64_t v, unsigned width, std::string_view field) {
  if (width < 8 && v > max_for_width(width)) {
    set_error(field, "value does not fit");
    return;
  }
  if (!reserve(width, field)) {
    return;
  }
  for (unsigned i = width; i > 0; --i) {
    buf_.push_back(static_cast<std::uint8_t>(v >> (8U * (i - 1U))));
  }
}

void Writer::u8(std::uint8_t v, std::string_view field) { uint(v, 1, field); }
void Writer::u16(std::uint16_t v, std::string_view field) { uint(v, 2, field); }
void Writer::u24(std::uint32_t v, std::string_view field) { uint(v, 3, field); }
void Writer::u32(std::uint32_t v, std::string_view field) { uint(v, 4, field); }
void Writer::u64(std::uint64_t v, std::string_view field) { uint(v, 8, field); }

void Writer::bytes(std::span<const std::uint8_t> data, std::string_view field) {
  if (!reserve(data.size(), field)) {
    return;
  }
  buf_.insert(buf_.end(), data.begin(), data.end());
}

void Writer::zeros(std::size_t n, std::string_view field) {
  if (!reserve(n, field)) {
    return;
  }
  buf_.resize(buf_.size() + n, 0);
}

void Writer::vec(std::span<const std::uint8_t> data, unsigned width, std::string_view field) {
  if (data.size() > max_for_width(width)) {
    set_error(field, "vector too long for its length prefix");
    return;
  }
  uint(data.size(), width, field);
  bytes(data, field);
}

void Writer::vec8(std::span<const std::uint8_t> data, std::string_view field) {
  vec(data, 1, field);
}
void Writer::vec16(std::span<const std::uint8_t> data, std::string_view field) {
  vec(data, 2, field);
}
void Writer::vec24(std::span<const std::uint8_t> data, std::string_view field) {
  vec(data, 3, field);
}

Writer::Prefix Writer::open(unsigned width, std::string_view field) {
  const std::size_t at = buf_.size();
  zeros(width, field);
  return Prefix(this, at, width, ++open_prefixes_, field);
}

Writer::Prefix::Prefix(Prefix&& other) noexcept
    : writer_(std::exchange(other.writer_, nullptr)),
      at_(other.at_),
      width_(other.width_),
      depth_(other.depth_),
      field_(other.field_) {}

void Writer::Prefix::close() {
  Writer* w = std::exchange(writer_, nullptr);
  if (w == nullptr) {
    return;
  }
  // Children close innermost first; anything else is a bug in the caller.
  if (w->finished_ || depth_ != w->open_prefixes_) {
    w->set_error(field_, "length prefix closed out of order");
    return;
  }
  --w->open_prefixes_;
  if (w->error_ || at_ + width_ > w->buf_.size()) {
    return;
  }
  const std::size_t length = w->buf_.size() - at_ - width_;
  if (length > max_for_width(width_)) {
    w->set_error(field_, "vector too long for its length prefix");
    return;
  }
  for (unsigned i = 0; i < width_; ++i) {
    w->buf_[at_ + i] = static_cast<std::uint8_t>(length >> (8U * (width_ - 1U - i)));
  }
}

Result<std::vector<std::uint8_t>> Writer::finish() && {
  finished_ = true;
  if (open_prefixes_ != 0) {
    set_error("Writer", "finished with a length prefix still open");
  }
  if (error_) {
    return tl::unexpected<Error>(*error_);
  }
  return std::move(buf_);
}

}  // namespace sanstls::wire

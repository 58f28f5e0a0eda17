// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// A growable byte buffer that does not initialise what it grows by: records are sealed into it
// straight from the caller's data, where a std::vector would first zero every byte it grows by
// (a pass over the data as dear as the copy it replaces: ~4 % of a ChaCha20-Poly1305 16 KiB
// record). The subset of std::vector's interface the record writers use, appending only.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>

namespace sanstls::base {

class OutputBuffer {
 public:
  using value_type = std::byte;

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::byte* data() noexcept { return data_.get(); }
  [[nodiscard]] const std::byte* data() const noexcept { return data_.get(); }
  [[nodiscard]] std::byte* end() noexcept { return data_.get() + size_; }
  [[nodiscard]] std::span<const std::byte> span() const noexcept { return {data_.get(), size_}; }

  void reserve(std::size_t n) {
    if (n <= capacity_) return;
    auto grown = std::make_unique_for_overwrite<std::byte[]>(n);
    if (size_ > 0) std::memcpy(grown.get(), data_.get(), size_);
    data_ = std::move(grown);
    capacity_ = n;
  }
  /// Bytes beyond the old size are left uninitialised: the caller writes them all.
  void resize(std::size_t n) {
    if (n > capacity_) reserve(std::max(n, 2 * capacity_));
    size_ = n;
  }
  /// Appends [first, last) (`at` must be end()).
  void insert(std::byte* at, const std::byte* first, const std::byte* last) {
    (void)at;
    const auto n = static_cast<std::size_t>(last - first);
    const std::size_t old = size_;
    resize(old + n);
    if (n > 0) std::memcpy(data_.get() + old, first, n);
  }
  void clear() noexcept { size_ = 0; }
  /// Frees the storage.
  void release() noexcept {
    data_.reset();
    size_ = 0;
    capacity_ = 0;
  }

 private:
  std::unique_ptr<std::byte[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace sanstls::base

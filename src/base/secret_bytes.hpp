// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// A byte buffer for key material: its contents are wiped (OPENSSL_cleanse, which the compiler
// cannot elide) whenever storage is released, resized down or reassigned. Bottom layer (base/):
// wire/, native/, x509/ and core/ all use it; it includes nothing of ours.

#include <openssl/crypto.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace sanstls::base {

/// Allocator whose deallocate() wipes the memory first, so std::vector reallocation never
/// leaves a stale copy of a secret on the heap.
template <class T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() noexcept = default;
  template <class U>
  WipingAllocator(const WipingAllocator<U>& /*other*/) noexcept {}  // NOLINT: allocator rebind
  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    OPENSSL_cleanse(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  template <class U>
  bool operator==(const WipingAllocator<U>& /*other*/) const noexcept {
    return true;
  }
};

/// Text that holds a secret (PEM of a private key, key-log lines): every block its allocator
/// releases is wiped first, so growing the string never leaves a copy behind. Strings short
/// enough for the small-string buffer live inside the object (on the stack); wipe() those.
using SecretString = std::basic_string<char, std::char_traits<char>, WipingAllocator<char>>;

/// Wipes a string's contents in place (the live buffer; released ones are the allocator's job).
template <class String>
void wipe_string(String& text) noexcept {
  if (!text.empty()) {
    OPENSSL_cleanse(text.data(), text.size());
  }
  text.clear();
}

/// Zeroes `n` bytes at `p` in a way the compiler may not remove as a dead store: the empty asm
/// statement after the memset claims to read all memory through `p` (BoringSSL's
/// OPENSSL_cleanse works the same way). Inline, unlike OPENSSL_cleanse (a call into libcrypto
/// through a volatile pointer): the SHA-2 HMAC wipes a few hash states per MAC, dozens of MACs
/// per handshake.
inline void secure_wipe(void* p, std::size_t n) noexcept {
  if (n != 0) {
    std::memset(p, 0, n);
    __asm__ __volatile__("" : : "r"(p) : "memory");
  }
}

/// Owning secret bytes. Moves leave the source empty; destruction wipes.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size) : bytes_(size) {}
  explicit SecretBytes(std::span<const std::uint8_t> data) : bytes_(data.begin(), data.end()) {}
  SecretBytes(const SecretBytes&) = default;
  SecretBytes& operator=(const SecretBytes&) = default;
  SecretBytes(SecretBytes&& other) noexcept = default;
  SecretBytes& operator=(SecretBytes&& other) noexcept = default;
  ~SecretBytes() { wipe(); }

  [[nodiscard]] std::size_t size() const noexcept { return bytes_.size(); }
  [[nodiscard]] bool empty() const noexcept { return bytes_.empty(); }
  [[nodiscard]] std::uint8_t* data() noexcept { return bytes_.data(); }
  [[nodiscard]] const std::uint8_t* data() const noexcept { return bytes_.data(); }
  [[nodiscard]] std::span<const std::uint8_t> span() const noexcept { return bytes_; }
  [[nodiscard]] std::span<std::uint8_t> mutable_span() noexcept { return bytes_; }
  void resize(std::size_t size) {
    if (size < bytes_.size()) {
      OPENSSL_cleanse(bytes_.data() + size, bytes_.size() - size);
    }
    bytes_.resize(size);
  }
  /// Wipes and empties the buffer.
  void wipe() noexcept {
    if (!bytes_.empty()) {
      OPENSSL_cleanse(bytes_.data(), bytes_.size());
    }
    bytes_.clear();
  }

 private:
  std::vector<std::uint8_t, WipingAllocator<std::uint8_t>> bytes_;
};

/// Fixed-size secret bytes on the stack (e.g. one PRF block), wiped on destruction: no allocation
/// for short-lived intermediate values.
template <std::size_t N>
class SecretArray {
 public:
  SecretArray() = default;
  SecretArray(const SecretArray&) = delete;
  SecretArray& operator=(const SecretArray&) = delete;
  ~SecretArray() { secure_wipe(bytes_.data(), bytes_.size()); }

  [[nodiscard]] std::span<const std::uint8_t> span(std::size_t size = N) const noexcept {
    return std::span<const std::uint8_t>(bytes_).first(size);
  }
  [[nodiscard]] std::span<std::uint8_t> mutable_span(std::size_t size = N) noexcept {
    return std::span<std::uint8_t>(bytes_).first(size);
  }

 private:
  std::array<std::uint8_t, N> bytes_{};
};

}  // namespace sanstls::base

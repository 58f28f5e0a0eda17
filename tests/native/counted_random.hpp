// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// A provider whose randomness is the system's but counts the draws: each draw costs a getpid()
// system call in OpenSSL 3.0 (key_share_seed.hpp), so the handshakes keep them to one per flight.
#include "native/crypto/libcrypto_provider.hpp"

#include <gtest/gtest.h>
#include <openssl/rand.h>

#include <chrono>
#include <memory>

namespace sanstls::native::draw_counting {

/// The system's randomness, counting the draws in `draws`.
class CountedRandom final : public crypto::RandomSource {
 public:
  explicit CountedRandom(int& draws) : draws_(draws) {}
  void fill(std::span<std::uint8_t> out) override {
    ++draws_;
    ASSERT_EQ(RAND_bytes(out.data(), static_cast<int>(out.size())), 1);
  }

 private:
  int& draws_;
};

/// The system's clock.
class NowClock final : public crypto::Clock {
 public:
  [[nodiscard]] std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
};

/// A libcrypto provider drawing from CountedRandom(`draws`).
inline std::unique_ptr<crypto::LibcryptoProvider> counted_provider(int& draws) {
  auto provider = crypto::LibcryptoProvider::hazmat_create_deterministic(
      std::make_unique<CountedRandom>(draws), std::make_unique<NowClock>());
  EXPECT_TRUE(provider);
  return provider ? std::move(*provider) : nullptr;
}

}  // namespace sanstls::native::draw_counting

// SPDX-License-Identifier: Apache-2.0 OR MIT
// The core's CloseNotifyWatch: whatever chunks the peer's bytes arrive in, it tells whether the
// last complete record was a plaintext close_notify, and skips every other record's body.

#include "core/close_watch.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace {

using sanstls::core::CloseNotifyWatch;

std::vector<std::byte> record(std::uint8_t type, const std::vector<std::uint8_t>& body) {
  std::vector<std::byte> out{std::byte{type}, std::byte{3}, std::byte{3},
                             std::byte(body.size() >> 8U), std::byte(body.size() & 0xffU)};
  for (const std::uint8_t b : body) out.push_back(std::byte{b});
  return out;
}

std::vector<std::byte> join(std::initializer_list<std::vector<std::byte>> parts) {
  std::vector<std::byte> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Feeds `bytes` in chunks of `chunk` bytes and reports the watch's answer.
bool watch_says_close(const std::vector<std::byte>& bytes, std::size_t chunk) {
  CloseNotifyWatch watch;
  for (std::size_t at = 0; at < bytes.size(); at += chunk) {
    const std::size_t n = std::min(chunk, bytes.size() - at);
    watch.feed(std::span(bytes).subspan(at, n));
  }
  return watch.last_record_is_close_notify();
}

const std::vector<std::uint8_t> kHandshakeBody(300, 0x16);
constexpr std::uint8_t kHandshake = 22;
constexpr std::uint8_t kAlert = 21;

TEST(CloseNotifyWatch, ACloseNotifyAfterOtherRecordsIsSeenInEveryChunking) {
  // The handshake body holds bytes that look like an alert header: they must be skipped.
  std::vector<std::uint8_t> tricky(40, 0);
  tricky[0] = kAlert;
  tricky[4] = 2;
  const auto bytes = join(
      {record(kHandshake, kHandshakeBody), record(kHandshake, tricky), record(kAlert, {1, 0})});
  for (std::size_t chunk = 1; chunk <= bytes.size(); ++chunk) {
    EXPECT_TRUE(watch_says_close(bytes, chunk)) << "chunk " << chunk;
  }
}

TEST(CloseNotifyWatch, AnythingElseLastIsNotAClose) {
  const std::vector<std::vector<std::byte>> cases{
      record(kHandshake, kHandshakeBody),
      join({record(kAlert, {1, 0}), record(kHandshake, kHandshakeBody)}),
      record(kAlert, {2, 40}),    // another alert
      record(kAlert, {1, 0, 0}),  // three bytes: a protected alert, not a plaintext one
      record(23, {1, 0}),         // application_data that looks like one
      join({record(kAlert, {1, 0}), {std::byte{22}, std::byte{3}}}),  // a record has begun
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    for (std::size_t chunk = 1; chunk <= cases[i].size(); ++chunk) {
      EXPECT_FALSE(watch_says_close(cases[i], chunk)) << "case " << i << " chunk " << chunk;
    }
  }
}

}  // namespace

// Secrets are wiped when released: core::SecretBytes (the native engine's key schedule
// buffers) and its WipingAllocator. This test binary replaces the global operator delete to
// look at a watched block *before* it is freed (no read of freed memory).
#include "core/secret_bytes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <vector>

namespace {

/// The block to inspect, and what was seen when it was released.
thread_local const void* watched = nullptr;
thread_local std::size_t watched_size = 0;
thread_local int watched_released = 0;
thread_local bool watched_was_zero = false;

void observe(void* p) noexcept {
  if (p != nullptr && p == watched) {
    const auto* bytes = static_cast<const unsigned char*>(p);
    watched_was_zero =
        std::all_of(bytes, bytes + watched_size, [](unsigned char b) { return b == 0; });
    ++watched_released;
  }
}

void watch(const void* p, std::size_t size) {
  watched = p;
  watched_size = size;
  watched_released = 0;
  watched_was_zero = false;
}

}  // namespace

void* operator new(std::size_t size) {
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  observe(p);
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  observe(p);
  std::free(p);
}

namespace sanstls::core {
namespace {

SecretBytes filled(std::size_t size) {
  SecretBytes secret(size);
  std::fill(secret.data(), secret.data() + size, std::uint8_t{0xA5});
  return secret;
}

TEST(Secrets, DestructionWipesTheBuffer) {
  {
    SecretBytes secret = filled(48);
    watch(secret.data(), secret.size());
  }
  EXPECT_EQ(watched_released, 1);
  EXPECT_TRUE(watched_was_zero);
}

TEST(Secrets, GrowingWipesTheOldBuffer) {
  SecretBytes secret = filled(32);
  watch(secret.data(), 32);
  secret.resize(4096);  // reallocates: the old block is released
  EXPECT_EQ(watched_released, 1);
  EXPECT_TRUE(watched_was_zero);
}

TEST(Secrets, ShrinkingWipesTheTail) {
  SecretBytes secret = filled(64);
  secret.resize(16);
  // The tail is still inside our live allocation: reading it is fine.
  const std::uint8_t* tail = secret.data() + 16;
  EXPECT_TRUE(std::all_of(tail, tail + 48, [](std::uint8_t b) { return b == 0; }));
  EXPECT_TRUE(
      std::all_of(secret.data(), secret.data() + 16, [](std::uint8_t b) { return b == 0xA5; }));
}

TEST(Secrets, WipeEmptiesAndZeroes) {
  SecretBytes secret = filled(32);
  const std::uint8_t* data = secret.data();
  secret.wipe();
  EXPECT_TRUE(secret.empty());
  // clear() keeps the capacity: the block is still ours.
  EXPECT_TRUE(std::all_of(data, data + 32, [](std::uint8_t b) { return b == 0; }));
  watch(data, 32);
}

TEST(Secrets, AssignmentWipesWhatItReplaces) {
  SecretBytes secret = filled(32);
  watch(secret.data(), 32);
  secret = filled(8192);  // move assignment releases the old block
  EXPECT_EQ(watched_released, 1);
  EXPECT_TRUE(watched_was_zero);
}

TEST(Secrets, WipingAllocatorWipesEveryDeallocation) {
  std::vector<std::uint8_t, WipingAllocator<std::uint8_t>> bytes(100, 0x5A);
  watch(bytes.data(), 100);
  bytes.shrink_to_fit();
  bytes.push_back(1);  // reallocation
  EXPECT_EQ(watched_released, 1);
  EXPECT_TRUE(watched_was_zero);
}

TEST(Secrets, ObserverSeesUnwipedBlocks) {
  // The observer itself works: a plain vector is released with its contents.
  auto* plain = new std::vector<std::uint8_t>(64, 0x5A);
  watch(plain->data(), 64);
  delete plain;
  EXPECT_EQ(watched_released, 1);
  EXPECT_FALSE(watched_was_zero);
}

}  // namespace
}  // namespace sanstls::core

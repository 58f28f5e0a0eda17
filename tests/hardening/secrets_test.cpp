// SPDX-License-Identifier: Apache-2.0 OR MIT
// Secrets are wiped when released: base::SecretBytes and its WipingAllocator, and every path
// that handles private-key text (PEM parsing and writing, key files, the GnuTLS engine's key
// import) or key-log lines. This test binary replaces the global operator new/delete (and
// their array and sized forms) to look at every block *before* it is freed (no read of freed
// memory): a block that still holds the key's base64 or a key-log secret is a copy left behind.
#include <sanstls/hazmat/hazmat.hpp>
#include <sanstls/sanstls.hpp>
#include <sanstls/testing/certificate_authority.hpp>

#include "base/secret_bytes.hpp"
#include "support/engines.hpp"
#include "support/session_pair.hpp"

#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <malloc.h>
#include <new>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace {

// ---- the allocation hook -------------------------------------------------------------------

/// The block to inspect, and what was seen when it was released.
thread_local const void* watched = nullptr;
thread_local std::size_t watched_size = 0;
thread_local int watched_released = 0;
thread_local bool watched_was_zero = false;

/// Texts that must not be in any block freed while scanning is armed (fixed storage: the hook
/// must not allocate, and the needles must not live in blocks that get freed).
constexpr std::size_t kMaxNeedles = 16;
constexpr std::size_t kNeedleSize = 32;
std::array<std::array<char, kNeedleSize>, kMaxNeedles> needles{};
std::atomic<std::size_t> needle_count{0};
std::atomic<bool> armed{false};
std::atomic<int> hits{0};

void observe(void* p) noexcept {
  if (p == nullptr) {
    return;
  }
  if (p == watched) {
    const auto* bytes = static_cast<const unsigned char*>(p);
    watched_was_zero =
        std::all_of(bytes, bytes + watched_size, [](unsigned char b) { return b == 0; });
    ++watched_released;
  }
  if (armed.load(std::memory_order_relaxed)) {
    // The block is still ours: operator new takes every block from malloc.
    const std::size_t size = malloc_usable_size(p);
    const std::size_t count = std::min(needle_count.load(), kMaxNeedles);
    for (std::size_t i = 0; i < count; ++i) {
      if (memmem(p, size, needles[i].data(), kNeedleSize) != nullptr) {
        hits.fetch_add(1);
      }
    }
  }
}

void watch(const void* p, std::size_t size) {
  watched = p;
  watched_size = size;
  watched_released = 0;
  watched_was_zero = false;
}

void add_needle(std::string_view text) {
  const std::size_t slot = needle_count.load();
  if (slot < kMaxNeedles && text.size() >= kNeedleSize) {
    std::memcpy(needles[slot].data(), text.data(), kNeedleSize);
    needle_count.store(slot + 1);
  }
}

/// Counts the freed blocks that hold a needle while it lives.
class Scan {
 public:
  Scan() {
    hits.store(0);
    armed.store(true);
  }
  ~Scan() { armed.store(false); }
  Scan(const Scan&) = delete;
  Scan& operator=(const Scan&) = delete;
  int stop() {
    armed.store(false);
    return hits.load();
  }
};

// Out of line (noinline): GCC at -O3 would otherwise inline malloc/free into the callers and
// warn (-Wmismatched-new-delete) that free() meets a pointer from operator new.
[[gnu::noinline]] void* allocate(std::size_t size) {
  if (void* p = std::malloc(size == 0 ? 1 : size)) {
    return p;
  }
  throw std::bad_alloc();
}
[[gnu::noinline]] void release(void* p) noexcept {
  observe(p);
  std::free(p);
}

}  // namespace

void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void* operator new(std::size_t size, const std::nothrow_t& /*tag*/) noexcept {
  try {
    return allocate(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t& /*tag*/) noexcept {
  try {
    return allocate(size);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t /*size*/) noexcept { release(p); }
void operator delete[](void* p, std::size_t /*size*/) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t& /*tag*/) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t& /*tag*/) noexcept { release(p); }

namespace sanstls::core {
namespace {

using base::SecretBytes;
using base::SecretString;
using base::WipingAllocator;

// ---- SecretBytes ---------------------------------------------------------------------------

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

TEST(Secrets, SecureWipeZeroes) {
  std::array<std::uint8_t, 37> bytes{};
  bytes.fill(0xA5);
  base::secure_wipe(bytes.data(), bytes.size());
  EXPECT_TRUE(std::ranges::all_of(bytes, [](std::uint8_t b) { return b == 0; }));
  base::secure_wipe(nullptr, 0);  // nothing to do
}

TEST(Secrets, WipingAllocatorWipesEveryDeallocation) {
  std::vector<std::uint8_t, WipingAllocator<std::uint8_t>> bytes(100, 0x5A);
  watch(bytes.data(), 100);
  bytes.shrink_to_fit();
  bytes.push_back(1);  // reallocation
  EXPECT_EQ(watched_released, 1);
  EXPECT_TRUE(watched_was_zero);
}

TEST(Secrets, SecretStringWipesWhenItGrows) {
  SecretString text(40, 'k');
  watch(text.data(), 40);
  text.append(4096, 'k');  // reallocation
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

// ---- private-key text ------------------------------------------------------------------------

namespace sanstls::test {
namespace {

/// An RSA-2048 leaf (a long key: many base64 lines) and its key's PEM text, kept outside any
/// block that is freed during a scan: the text is in a malloc'd buffer the hook never sees.
struct KeyMaterial {
  testing::CertificateAuthority ca;
  CertificateChain chain;
  char* key_pem = nullptr;
  std::size_t key_pem_size = 0;
  std::string chain_pem{};
  std::filesystem::path directory{};
  std::filesystem::path chain_file{};
  std::filesystem::path key_file{};

  [[nodiscard]] std::string_view key_text() const { return {key_pem, key_pem_size}; }
};

const KeyMaterial& material() {
  static const KeyMaterial* instance = [] {
    auto ca = testing::CertificateAuthority::create({.key = testing::KeyAlgorithm::rsa_2048});
    EXPECT_TRUE(ca.has_value());
    auto leaf =
        ca->issue_leaf_parts({.names = {"localhost"}, .key = testing::KeyAlgorithm::rsa_2048});
    EXPECT_TRUE(leaf.has_value());
    auto chain = CertificateChain::create(leaf->certificates, leaf->key);
    EXPECT_TRUE(chain.has_value());
    auto* m = new KeyMaterial{.ca = *ca, .chain = *chain};
    std::string pem = leaf->key_pem();
    m->key_pem = static_cast<char*>(std::malloc(pem.size()));
    std::memcpy(m->key_pem, pem.data(), pem.size());
    m->key_pem_size = pem.size();
    OPENSSL_cleanse(pem.data(), pem.size());
    m->chain_pem = leaf->certificates_pem();
    m->directory =
        std::filesystem::temp_directory_path() / ("sanstls-secrets-" + std::to_string(::getpid()));
    std::filesystem::create_directories(m->directory);
    m->chain_file = m->directory / "chain.pem";
    m->key_file = m->directory / "key.pem";
    std::ofstream(m->chain_file) << m->chain_pem;
    std::ofstream(m->key_file, std::ios::binary)
        .write(m->key_pem, static_cast<std::streamsize>(m->key_pem_size));
    // The needle: 32 base64 characters from the middle of the fourth line of the body (the
    // private exponent: no other key or certificate holds them).
    std::string_view text = m->key_text();
    for (int line = 0; line < 4; ++line) {
      text.remove_prefix(text.find('\n') + 1);
    }
    add_needle(text.substr(16, 32));
    return m;
  }();
  return *instance;
}

class KeyText : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { (void)material(); }
  static void TearDownTestSuite() {
    std::error_code ec;
    std::filesystem::remove_all(material().directory, ec);
  }
};

TEST_F(KeyText, TheNeedleIsInTheKeyText) {
  // Without this the zero counts below would prove nothing.
  const std::string_view needle{needles[0].data(), kNeedleSize};
  EXPECT_NE(material().key_text().find(needle), std::string_view::npos);
  Scan scan;
  auto* copy = new std::string(material().key_text());
  delete copy;
  EXPECT_EQ(scan.stop(), 1) << "the hook must count a plain string that held the key";
}

TEST_F(KeyText, PrivateKeyFromPemLeavesNoCopy) {
  Scan scan;
  {
    auto key = PrivateKey::from_pem(material().key_text());
    ASSERT_TRUE(key.has_value()) << key.error().to_string();
  }
  EXPECT_EQ(scan.stop(), 0) << "freed blocks still held the key's base64 after from_pem";
}

TEST_F(KeyText, CertificateChainFromPemLeavesNoCopy) {
  Scan scan;
  {
    auto chain = CertificateChain::from_pem(material().chain_pem, material().key_text());
    ASSERT_TRUE(chain.has_value()) << chain.error().to_string();
  }
  EXPECT_EQ(scan.stop(), 0);
}

TEST_F(KeyText, ToPemLeavesNoCopyButTheResult) {
  const PrivateKey& key = material().chain.key();
  Scan scan;
  {
    std::string pem = key.to_pem();
    const std::string_view needle{needles[0].data(), kNeedleSize};
    EXPECT_NE(pem.find(needle), std::string::npos);  // the export holds the key
    OPENSSL_cleanse(pem.data(), pem.size());         // as the API asks of its caller
  }
  EXPECT_EQ(scan.stop(), 0) << "to_pem left copies of the key text in freed blocks";
}

TEST_F(KeyText, CertificateChainFromFilesLeavesNoCopy) {
  Scan scan;
  {
    auto chain = CertificateChain::from_files(material().chain_file, material().key_file);
    ASSERT_TRUE(chain.has_value()) << chain.error().to_string();
  }
  EXPECT_EQ(scan.stop(), 0) << "freed blocks still held the key file's text after from_files";
}

class KeyTextHandshake : public KeyText, public ::testing::WithParamInterface<Backend> {};

TEST_P(KeyTextHandshake, ServerWithTheKeyLeavesNoCopy) {
  const KeyMaterial& m = material();
  Scan scan;
  {
    ClientTLS client("localhost", {.trust = m.ca.trust_store(), .backend = GetParam()});
    ServerTLS server(m.chain, {.backend = GetParam()});
    SessionPair pair(client, server);
    ASSERT_TRUE(pair.handshake()) << pair.first_error()->to_string();
  }
  EXPECT_EQ(scan.stop(), 0) << "a handshake with the key left copies of its text";
}

INSTANTIATE_TEST_SUITE_P(Engines, KeyTextHandshake, ::testing::ValuesIn(available_engines()),
                         [](const auto& param_info) {
                           return std::string{backend_name(param_info.param)};
                         });

// ---- key-log lines (hazmat) ------------------------------------------------------------------

class KeyLogLines : public KeyText, public ::testing::WithParamInterface<Backend> {};

TEST_P(KeyLogLines, AreWipedWhenReleased) {
  const KeyMaterial& m = material();
  auto settings = std::make_shared<hazmat::Settings>();
  std::atomic<int> lines{0};
  // Each line's secret (its last hex digits) becomes a needle as soon as the line is logged;
  // the engine releases the line's storage after this callback returns.
  settings->key_log = [&lines](std::string_view line) {
    ++lines;
    add_needle(line.substr(line.size() - kNeedleSize));
  };
  const std::size_t first_needle = needle_count.load();
  Scan scan;
  {
    ClientTLS client("localhost",
                     {.trust = m.ca.trust_store(), .backend = GetParam(), .hazmat = settings});
    ServerTLS server(m.chain, {.backend = GetParam(), .hazmat = settings});
    SessionPair pair(client, server);
    ASSERT_TRUE(pair.handshake()) << pair.first_error()->to_string();
  }
  const int found = scan.stop();
  needle_count.store(first_needle);
  EXPECT_GT(lines.load(), 0);
  EXPECT_EQ(found, 0) << "key-log lines were released without being wiped";
}

INSTANTIATE_TEST_SUITE_P(Engines, KeyLogLines, ::testing::ValuesIn(available_engines()),
                         [](const auto& param_info) {
                           return std::string{backend_name(param_info.param)};
                         });

}  // namespace
}  // namespace sanstls::test

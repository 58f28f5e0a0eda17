// SPDX-License-Identifier: Apache-2.0 OR MIT
// The page-sized random pool of the native engine's provider (src/native/crypto/random_pool.hpp):
// fresh bytes on every draw, across refills and threads, and never the same bytes in a parent
// and its forked child.
#include "native/crypto/random_pool.hpp"

#include "support/forked_child.hpp"

#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <cstdint>
#include <memory>
#include <set>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace sanstls::native::crypto {
namespace {

using Draw = std::vector<std::uint8_t>;

struct LibraryContext {
  LibraryContext() : libctx(OSSL_LIB_CTX_new()) {}
  ~LibraryContext() { OSSL_LIB_CTX_free(libctx); }
  LibraryContext(const LibraryContext&) = delete;
  LibraryContext& operator=(const LibraryContext&) = delete;
  OSSL_LIB_CTX* libctx;
};

Draw draw(RandomPool& pool, std::size_t n) {
  Draw out(n);
  pool.fill(out);
  return out;
}

TEST(RandomPool, ServesDrawsFromThePageOnLinux) {
  LibraryContext library;
  RandomPool pool(library.libctx);
  // Debian 12's kernel has MADV_WIPEONFORK (Linux 4.14): the pool is in use, and the fork test
  // below tests it rather than the direct path.
  EXPECT_TRUE(pool.pooled());
}

TEST(RandomPool, EveryDrawIsFreshAcrossRefills) {
  LibraryContext library;
  RandomPool pool(library.libctx);
  std::set<Draw> seen;
  // 300 draws of 100 bytes: ~30 KB, seven refills of the page, draws straddling each end.
  for (int i = 0; i < 300; ++i) {
    const Draw d = draw(pool, 100);
    EXPECT_NE(d, Draw(100, 0)) << "draw " << i;
    EXPECT_TRUE(seen.insert(d).second) << "draw " << i << " repeated an earlier one";
  }
}

TEST(RandomPool, ConsecutiveDrawsDoNotOverlap) {
  LibraryContext library;
  RandomPool pool(library.libctx);
  // Bytes handed out once are never handed out again, not even shifted: no 16-byte window of
  // one draw appears in the next.
  for (int i = 0; i < 100; ++i) {
    const Draw a = draw(pool, 64);
    const Draw b = draw(pool, 64);
    for (std::size_t k = 0; k + 16 <= a.size(); ++k) {
      const std::span window(a.data() + k, 16);
      EXPECT_EQ(std::search(b.begin(), b.end(), window.begin(), window.end()), b.end());
    }
  }
}

TEST(RandomPool, LargeAndEmptyDraws) {
  LibraryContext library;
  RandomPool pool(library.libctx);
  const Draw big = draw(pool, RandomPool::max_pooled + 1);  // straight from the DRBG
  EXPECT_NE(big, Draw(big.size(), 0));
  const Draw page_sized = draw(pool, RandomPool::max_pooled);  // the largest pooled draw
  EXPECT_NE(page_sized, Draw(page_sized.size(), 0));
  Draw none;
  pool.fill(none);  // nothing to do, and no failure
  EXPECT_TRUE(none.empty());
}

// Without MADV_WIPEONFORK, the child would find the parent's page and hand out the very bytes
// the parent hands out next: the same key shares in two processes.
TEST(RandomPool, AForkedChildNeverDrawsTheParentsBytes) {
  LibraryContext library;
  RandomPool pool(library.libctx);
  (void)draw(pool, 32);  // the page is filled now
  const auto from_child = test::bytes_from_forked_child([&pool] { return draw(pool, 32); }, 32);
  ASSERT_TRUE(from_child.has_value()) << "the child's draw failed";
  const Draw parent_next = draw(pool, 32);
  EXPECT_NE(*from_child, parent_next) << "the child drew the parent's next bytes";
  EXPECT_NE(*from_child, Draw(32, 0));
}

TEST(RandomPool, ThreadsSharingAPoolGetDistinctBytes) {
  LibraryContext library;
  RandomPool pool(library.libctx);
  constexpr int threads = 4;
  constexpr int draws = 400;
  std::vector<std::vector<Draw>> results(threads);
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&pool, &out = results[static_cast<std::size_t>(t)]] {
      for (int i = 0; i < draws; ++i) out.push_back(draw(pool, 48));
    });
  }
  for (auto& w : workers) w.join();
  std::set<Draw> seen;
  for (const auto& per_thread : results) {
    for (const Draw& d : per_thread) EXPECT_TRUE(seen.insert(d).second);
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(threads * draws));
}

}  // namespace
}  // namespace sanstls::native::crypto

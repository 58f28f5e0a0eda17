// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/crypto/random_pool.hpp"

#include "base/secret_bytes.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <new>
#include <sys/mman.h>

namespace sanstls::native::crypto {

namespace {
/// The size of the mapping (one page on the usual 4 KiB-page systems; mmap rounds up elsewhere).
constexpr std::size_t page_bytes = 4096;
}  // namespace

/// The mapped page. A child process sees it all zero (MADV_WIPEONFORK): `filled` is 0 there.
struct RandomPool::Page {
  std::uint64_t filled = 0;  // 1 once `bytes` came from the DRBG; 0 in a new or forked page
  std::size_t used = 0;      // bytes from the front already handed out (and wiped)
  std::array<std::uint8_t, page_bytes - 2 * sizeof(std::uint64_t)> bytes{};
};

namespace {

void draw(OSSL_LIB_CTX* libctx, std::span<std::uint8_t> out) {
  if (out.empty()) {
    return;
  }
  // RAND_bytes_ex only fails when the DRBG cannot be seeded; then nothing is safe, and
  // returning predictable bytes would be worse than stopping.
  if (RAND_bytes_ex(libctx, out.data(), out.size(), 0) != 1) {
    OPENSSL_die("sanstls: the random generator failed", __FILE__, __LINE__);
  }
}

/// A page that the kernel wipes in a forked child, or nullptr where it cannot.
void* map_wipe_on_fork_page() {
#if defined(MADV_WIPEONFORK)
  void* p = mmap(nullptr, page_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    return nullptr;
  }
  if (madvise(p, page_bytes, MADV_WIPEONFORK) != 0) {
    munmap(p, page_bytes);
    return nullptr;  // an older kernel: no pooling rather than bytes shared with a child
  }
#if defined(MADV_DONTDUMP)
  (void)madvise(p, page_bytes, MADV_DONTDUMP);  // best effort
#endif
  return p;
#else
  return nullptr;
#endif
}

}  // namespace

RandomPool::RandomPool(OSSL_LIB_CTX* libctx) : libctx_(libctx) {
  static_assert(sizeof(Page) == page_bytes);
  if (void* p = map_wipe_on_fork_page()) {
    page_ = new (p) Page{};
  }
}

RandomPool::~RandomPool() {
  if (page_ != nullptr) {
    base::secure_wipe(page_, sizeof(Page));
    page_->~Page();
    munmap(page_, page_bytes);
  }
}

void RandomPool::refill() {
  draw(libctx_, page_->bytes);
  page_->used = 0;
  page_->filled = 1;
}

void RandomPool::fill(std::span<std::uint8_t> out) {
  if (out.empty()) {
    return;
  }
  if (page_ == nullptr || out.size() > max_pooled) {
    draw(libctx_, out);
    return;
  }
  const std::lock_guard lock(mutex_);
  // A forked child finds filled == 0 and draws anew (its DRBG reseeds on the fork).
  if (page_->filled != 1 || page_->bytes.size() - page_->used < out.size()) {
    refill();
  }
  const auto piece = std::span(page_->bytes).subspan(page_->used, out.size());
  std::ranges::copy(piece, out.begin());
  base::secure_wipe(piece.data(), piece.size());
  page_->used += out.size();
}

}  // namespace sanstls::native::crypto

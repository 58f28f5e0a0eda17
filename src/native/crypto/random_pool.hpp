// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Random bytes from libcrypto's DRBG, drawn a page at a time and handed out in pieces.
//
// Why: every RAND_bytes_ex call runs OpenSSL 3.0's fork check, a getpid() system call (about
// 1.1 us in this project's virtual machines), and ~50 parameter lookups, whatever the length.
// A handshake side draws ~100 bytes once (key_share_seed.hpp); drawing a page serves ~40 of
// them for one call.
//
// Safety:
// - Fork: the page is mapped with MADV_WIPEONFORK, so a child process finds it zeroed (its
//   `filled` mark gone) and refills from its own DRBG, which reseeds on the fork. The parent's
//   bytes are never handed out in two processes. Where the kernel cannot wipe on fork (Linux
//   before 4.14, other systems), every draw goes straight to the DRBG.
// - Secrets: bytes handed out are wiped from the page at once; the page is kept out of core
//   dumps (MADV_DONTDUMP) and wiped when the pool goes. What is left in the page are the next
//   sessions' random values: memory that leaked them would equally have leaked the DRBG's own
//   state, from which the same values follow.
// - Threads: one mutex per pool (one pool per configuration), held for a copy of ~100 bytes.

#include <openssl/types.h>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>

namespace sanstls::native::crypto {

class RandomPool {
 public:
  /// Draws from `libctx`'s DRBG (borrowed: it must outlive the pool).
  explicit RandomPool(OSSL_LIB_CTX* libctx);
  ~RandomPool();
  RandomPool(const RandomPool&) = delete;
  RandomPool& operator=(const RandomPool&) = delete;

  /// Fills `out` with fresh random bytes. Draws above max_pooled go straight to the DRBG. Stops
  /// the process if the DRBG fails (it cannot be seeded): predictable bytes would be worse.
  void fill(std::span<std::uint8_t> out);

  /// Whether draws are served from the page (false: the kernel cannot wipe it on fork).
  [[nodiscard]] bool pooled() const { return page_ != nullptr; }

  /// The largest draw served from the page.
  static constexpr std::size_t max_pooled = 512;

 private:
  struct Page;
  void refill();

  OSSL_LIB_CTX* libctx_;
  Page* page_ = nullptr;
  std::mutex mutex_;
};

}  // namespace sanstls::native::crypto

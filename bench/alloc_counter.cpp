// SPDX-License-Identifier: Apache-2.0 OR MIT
// The counting allocator: malloc, calloc, realloc, free and the aligned variants, replaced in
// the executable (glibc supports replacing malloc, see "Replacing malloc" in its manual) and
// forwarded to the __libc_* entry points. Counting costs one relaxed load when off.

#include "alloc_counter.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <malloc.h>

extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* pointer, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);
void __libc_free(void* pointer);
}

namespace sanstls::bench::alloc {
namespace {

// NOLINTBEGIN(cppcoreguidelines-avoid-non-const-global-variables): the bench binary's counters.
std::atomic<bool> counting{false};
std::atomic<bool> linked{false};
std::atomic<std::int64_t> live_bytes[3];
std::atomic<std::int64_t> peak_bytes[3];
std::atomic<std::int64_t> peak_both{0};
thread_local int current_side = 0;
// NOLINTEND(cppcoreguidelines-avoid-non-const-global-variables)

void raise_peak(std::atomic<std::int64_t>& peak, std::int64_t value) {
  std::int64_t seen = peak.load(std::memory_order_relaxed);
  while (value > seen && !peak.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

void charge(void* pointer, bool allocated) {
  if (pointer == nullptr || !counting.load(std::memory_order_relaxed)) {
    return;
  }
  const int side = current_side;
  const auto size = static_cast<std::int64_t>(malloc_usable_size(pointer));
  const std::int64_t now =
      live_bytes[side].fetch_add(allocated ? size : -size, std::memory_order_relaxed) +
      (allocated ? size : -size);
  if (allocated && side != 0) {
    raise_peak(peak_bytes[side], now);
    raise_peak(peak_both, live_bytes[1].load(std::memory_order_relaxed) +
                              live_bytes[2].load(std::memory_order_relaxed));
  }
}

}  // namespace

void start() {
  for (int i = 0; i < 3; ++i) {
    live_bytes[i] = 0;
    peak_bytes[i] = 0;
  }
  peak_both = 0;
  counting = true;
}
void stop() { counting = false; }
Side set_side(Side side) {
  const int previous = current_side;
  current_side = static_cast<int>(side);
  return static_cast<Side>(previous);
}
std::int64_t live(Side side) { return live_bytes[static_cast<int>(side)].load(); }
std::int64_t peak(Side side) { return peak_bytes[static_cast<int>(side)].load(); }
std::int64_t peak_total() { return peak_both.load(); }
void reset_peaks() {
  for (int i = 0; i < 3; ++i) {
    peak_bytes[i] = live_bytes[i].load();
  }
  peak_both = live_bytes[1].load() + live_bytes[2].load();
}
bool active() {
  // Any allocation goes through our malloc when it is the one linked in.
  void* probe = std::malloc(1);
  std::free(probe);
  return linked.load();
}

}  // namespace sanstls::bench::alloc

using sanstls::bench::alloc::charge;

extern "C" {

void* malloc(std::size_t size) noexcept {
  sanstls::bench::alloc::linked.store(true, std::memory_order_relaxed);
  void* pointer = __libc_malloc(size);
  charge(pointer, true);
  return pointer;
}

void* calloc(std::size_t count, std::size_t size) noexcept {
  void* pointer = __libc_calloc(count, size);
  charge(pointer, true);
  return pointer;
}

void* realloc(void* old, std::size_t size) noexcept {
  charge(old, false);
  void* pointer = __libc_realloc(old, size);
  if (pointer == nullptr && size != 0) {
    charge(old, true);  // the old block is still there
    return nullptr;
  }
  charge(pointer, true);
  return pointer;
}

void free(void* pointer) noexcept {
  charge(pointer, false);
  __libc_free(pointer);
}

void* memalign(std::size_t alignment, std::size_t size) noexcept {
  void* pointer = __libc_memalign(alignment, size);
  charge(pointer, true);
  return pointer;
}

void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
  return memalign(alignment, size);
}

int posix_memalign(void** out, std::size_t alignment, std::size_t size) noexcept {
  if (alignment < sizeof(void*) || (alignment & (alignment - 1)) != 0) {
    return EINVAL;
  }
  void* pointer = memalign(alignment, size);
  if (pointer == nullptr) {
    return ENOMEM;
  }
  *out = pointer;
  return 0;
}

}  // extern "C"

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Allocation accounting for the memory figures. The bench binary replaces malloc and friends
// with thin wrappers around glibc's __libc_* functions (alloc_counter.cpp); while counting is
// on, every allocation and free is charged, by malloc_usable_size, to the "side" the current
// thread is working for (the client, the server, or nobody: the harness's own buffers).
// This is the bench binary's only mutable global state.

#include <cstddef>
#include <cstdint>

namespace sanstls::bench::alloc {

enum class Side : int { none = 0, client = 1, server = 2 };

/// Starts counting from zero (live and peak bytes of every side).
void start();
/// Stops counting (allocations are forwarded to glibc untouched).
void stop();
/// Whom allocations of this thread are charged to; returns the previous side.
Side set_side(Side side);

std::int64_t live(Side side);
std::int64_t peak(Side side);
/// The peak of client + server together.
std::int64_t peak_total();
/// Sets every peak to the current live value (to measure the peak of one phase).
void reset_peaks();
/// True when the wrappers are linked in (they are in the CLI; the figures say so otherwise).
bool active();

}  // namespace sanstls::bench::alloc

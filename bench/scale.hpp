// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Many sessions at once: connections established and kept idle (the memory and scale rows) and
// handshakes on several threads released together (the thread-scaling rows), with what a reader
// needs to judge wall-clock figures on a shared machine: the load average and the process's
// resident memory.

#include "drivers.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sanstls::bench {

/// The 1, 5 and 15 minute load averages (/proc/loadavg); nullopt when unreadable.
std::optional<std::array<double, 3>> load_average();

/// The process's resident set size in bytes (/proc/self/statm); 0 when unreadable.
std::int64_t resident_bytes();

/// How establish_idle() makes its connections.
struct IdleOptions {
  std::size_t count = 0;
  /// Threads, released together; each establishes count / threads connections (the first one
  /// also the remainder) and is the only one to drive them.
  int threads = 1;
  /// Fail (and stop establishing) when the process's resident set grows by more than this many
  /// bytes; 0: no limit.
  std::int64_t resident_limit = 0;
  /// Called on the establishing thread before and after each handshake (one thread only: the
  /// allocation counter's peaks are per process).
  std::function<void()> before_each;
  std::function<void()> after_each;
};

/// Connections established and kept at once; the destructor frees them (charged to nobody).
struct IdleConnections {
  IdleConnections() = default;
  IdleConnections(IdleConnections&&) = default;
  IdleConnections& operator=(IdleConnections&&) = default;
  IdleConnections(const IdleConnections&) = delete;
  IdleConnections& operator=(const IdleConnections&) = delete;
  ~IdleConnections();

  /// One vector per establishing thread.
  std::vector<std::vector<std::unique_ptr<Connection>>> kept;
  std::size_t established = 0;
  /// Live bytes charged to each side once all are established (allocation accounting: what
  /// the sessions hold; the harness's objects and transport buffers are charged to nobody).
  std::int64_t client_bytes = 0;
  std::int64_t server_bytes = 0;
  /// From the threads' release to the last one's end.
  double wall_seconds = 0;
  /// Growth of the resident set while establishing (everything: sessions, harness, heap slack).
  std::int64_t resident_growth = 0;
  /// Empty on success.
  std::string error;
};

/// Establishes `options.count` connections over `setup` and keeps them, idle, with the
/// harness's transport buffers released. Each thread first makes 5 unmeasured ones (warm-up:
/// the configuration's first-use allocations and the libraries' per-thread state are not
/// charged to the kept ones); the allocation counter runs from the release (alloc::start) to
/// the last thread's end (alloc::stop).
IdleConnections establish_idle(Setup& setup, const IdleOptions& options);

/// One run of parallel_handshakes().
struct ParallelRun {
  /// Handshakes per wall second, all threads together.
  double rate = 0;
  double wall_seconds = 0;
  /// CPU time of the threads / (threads x wall time): near 1 when every thread had a core to
  /// itself; lower when the machine's other work took turns with them.
  double cpu_share = 0;
  /// Handshakes per CPU second of the threads: what a handshake costs with this many threads
  /// running (contention on shared state shows here even when the machine has no free core).
  double rate_per_cpu_second = 0;
  /// Empty on success.
  std::string error;
};

/// `threads` threads, each doing `per_thread` full handshakes over `setup` with its own
/// connections (the same work per thread), released together after one unmeasured handshake
/// each; the wall time runs from the release to the last thread's end.
ParallelRun parallel_handshakes(Setup& setup, int threads, std::size_t per_thread);

/// How many handshakes one thread does in about `wall_seconds` over `setup` (at least 4),
/// from a short run; 0 with `error` set when a handshake fails.
std::size_t handshakes_per_thread(Setup& setup, double wall_seconds, std::string& error);

}  // namespace sanstls::bench

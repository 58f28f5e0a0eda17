// SPDX-License-Identifier: Apache-2.0 OR MIT
// Many sessions at once (scale.hpp): idle connections kept for the memory and scale rows, and
// handshakes on threads released together for the thread-scaling rows.

#include "scale.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <latch>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace sanstls::bench {
namespace {

using Clock = std::chrono::steady_clock;

/// The first failure of any thread.
class FirstError {
 public:
  void set(std::string message) {
    const std::lock_guard lock(mutex_);
    if (message_.empty()) message_ = std::move(message);
    failed_ = true;
  }
  [[nodiscard]] bool failed() const { return failed_.load(std::memory_order_relaxed); }
  std::string take() {
    const std::lock_guard lock(mutex_);
    return std::move(message_);
  }

 private:
  std::mutex mutex_;
  std::string message_;
  std::atomic<bool> failed_{false};
};

/// Runs `work(t)` on `threads` threads released together: each first runs `prepare(t)` (not
/// timed), then `released()` runs once on the calling thread when every one is ready, then all
/// start. Returns the wall time from the release to the last thread's end, and adds each
/// thread's CPU time in `work` to `cpu_ns`. A thread that `prepare` refuses (false) skips `work`.
template <class Prepare, class Released, class Work>
double run_released(int threads, Prepare&& prepare, Released&& released, Work&& work,
                    std::int64_t& cpu_ns) {
  std::latch ready(threads);
  std::latch go(1);
  std::vector<Clock::time_point> ends(static_cast<std::size_t>(threads));
  std::vector<std::int64_t> cpu(static_cast<std::size_t>(threads), 0);
  std::vector<std::thread> workers;
  workers.reserve(static_cast<std::size_t>(threads));
  {
    // The harness's own allocations (thread stacks are mmap'ed; the vectors are not counted).
    const auto previous = alloc::set_side(alloc::Side::none);
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        const auto index = static_cast<std::size_t>(t);
        const bool prepared = prepare(t);
        ready.count_down();
        go.wait();
        const std::int64_t cpu_start = thread_cpu_ns();
        if (prepared) work(t);
        cpu[index] = thread_cpu_ns() - cpu_start;
        ends[index] = Clock::now();
      });
    }
    alloc::set_side(previous);
  }
  ready.wait();
  released();
  const Clock::time_point start = Clock::now();
  go.count_down();
  for (auto& worker : workers) worker.join();
  for (const std::int64_t spent : cpu) cpu_ns += spent;
  return std::chrono::duration<double>(*std::max_element(ends.begin(), ends.end()) - start).count();
}

/// Thread t's part of `count` connections: an equal share, the first thread also the rest.
std::size_t share(std::size_t count, int threads, int t) {
  const auto n = static_cast<std::size_t>(threads);
  return count / n + (t == 0 ? count % n : 0);
}

std::string handshake_error(const std::unique_ptr<Connection>& connection, const Setup& setup) {
  return connection ? connection->error : setup.error;
}

/// `count` unmeasured handshakes on this thread: the configuration's first-use allocations and
/// the libraries' per-thread state (OpenSSL's per-thread random generators, error queue) come
/// before the measurement, as the first handshakes of a long-running server's thread do.
bool warm_up(Setup& setup, int count, FirstError& failure) {
  for (int i = 0; i < count; ++i) {
    auto connection = setup.connect(nullptr);
    if (!connection || !connection->handshake(nullptr)) {
      failure.set(fmt::format("warm-up handshake: {}", handshake_error(connection, setup)));
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::array<double, 3>> load_average() {
  std::ifstream in("/proc/loadavg");
  std::array<double, 3> load{};
  if (!(in >> load[0] >> load[1] >> load[2])) return std::nullopt;
  return load;
}

std::int64_t resident_bytes() {
  std::ifstream in("/proc/self/statm");
  std::int64_t size = 0;
  std::int64_t resident = 0;
  if (!(in >> size >> resident)) return 0;
  return resident * static_cast<std::int64_t>(sysconf(_SC_PAGESIZE));
}

IdleConnections::~IdleConnections() {
  // Freed with the harness's side: the teardown is not measured.
  const auto previous = alloc::set_side(alloc::Side::none);
  kept.clear();
  alloc::set_side(previous);
}

IdleConnections establish_idle(Setup& setup, const IdleOptions& options) {
  IdleConnections out;
  const int threads = std::max(1, options.threads);
  {
    const auto previous = alloc::set_side(alloc::Side::none);
    out.kept.resize(static_cast<std::size_t>(threads));
    for (int t = 0; t < threads; ++t) {
      out.kept[static_cast<std::size_t>(t)].reserve(share(options.count, threads, t));
    }
    alloc::set_side(previous);
  }
  FirstError failure;
  std::int64_t resident_before = 0;
  std::int64_t cpu_ns = 0;
  out.wall_seconds = run_released(
      threads, [&](int) { return warm_up(setup, 5, failure); },
      [&] {
        resident_before = resident_bytes();
        alloc::start();  // after every thread's warm-up
      },
      [&](int t) {
        auto& mine = out.kept[static_cast<std::size_t>(t)];
        const std::size_t count = share(options.count, threads, t);
        for (std::size_t i = 0; i < count && !failure.failed(); ++i) {
          if (options.before_each) options.before_each();
          auto connection = setup.connect(nullptr);
          if (!connection || !connection->handshake(nullptr)) {
            failure.set(fmt::format("handshake {} of thread {}: {}", i, t,
                                    handshake_error(connection, setup)));
            return;
          }
          if (options.after_each) options.after_each();
          connection->release_buffers();
          const auto previous = alloc::set_side(alloc::Side::none);
          mine.push_back(std::move(connection));
          alloc::set_side(previous);
          if (options.resident_limit > 0 && i % 256 == 255) {
            const std::int64_t growth = resident_bytes() - resident_before;
            if (growth > options.resident_limit) {
              failure.set(fmt::format(
                  "stopped: the process's resident memory grew by {} MB, over the limit of {} MB",
                  growth >> 20, options.resident_limit >> 20));
              return;
            }
          }
        }
      },
      cpu_ns);
  out.client_bytes = alloc::live(alloc::Side::client);
  out.server_bytes = alloc::live(alloc::Side::server);
  alloc::stop();
  out.resident_growth = resident_bytes() - resident_before;
  for (const auto& mine : out.kept) out.established += mine.size();
  if (failure.failed()) out.error = failure.take();
  return out;
}

ParallelRun parallel_handshakes(Setup& setup, int threads, std::size_t per_thread) {
  ParallelRun out;
  FirstError failure;
  std::int64_t cpu_ns = 0;
  out.wall_seconds = run_released(
      threads, [&](int) { return warm_up(setup, 1, failure); }, [] {},
      [&](int) {
        for (std::size_t i = 0; i < per_thread && !failure.failed(); ++i) {
          auto connection = setup.connect(nullptr);
          if (!connection || !connection->handshake(nullptr)) {
            failure.set(handshake_error(connection, setup));
            return;
          }
        }
      },
      cpu_ns);
  if (failure.failed()) {
    out.error = failure.take();
    return out;
  }
  const double total = static_cast<double>(per_thread) * threads;
  out.rate = total / out.wall_seconds;
  out.cpu_share = static_cast<double>(cpu_ns) / 1e9 / (threads * out.wall_seconds);
  out.rate_per_cpu_second = total / (static_cast<double>(cpu_ns) / 1e9);
  return out;
}

std::size_t handshakes_per_thread(Setup& setup, double wall_seconds, std::string& error) {
  // A quarter of the budget (at least 8 handshakes) on one thread, scaled up.
  const Clock::time_point start = Clock::now();
  std::size_t count = 0;
  double elapsed = 0;
  do {
    auto connection = setup.connect(nullptr);
    if (!connection || !connection->handshake(nullptr)) {
      error = handshake_error(connection, setup);
      return 0;
    }
    ++count;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < wall_seconds / 4 || count < 8);
  return std::max<std::size_t>(
      4, static_cast<std::size_t>(static_cast<double>(count) * wall_seconds / elapsed));
}

}  // namespace sanstls::bench

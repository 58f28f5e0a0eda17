// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Runs a piece of code in a forked child and brings back the bytes it made: for the tests that
// a child never repeats its parent's randomness.

#include <array>
#include <optional>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace sanstls::test {

/// Forks; the child runs `produce` (returning a vector of one-byte elements), writes the result
/// to a pipe and leaves with _exit (no test framework code runs in it). Returns what the child
/// wrote, or nothing when the fork, the pipe or the child failed, or it wrote other than
/// `expected_size` bytes.
template <class Produce>
auto bytes_from_forked_child(Produce&& produce, std::size_t expected_size)
    -> std::optional<decltype(produce())> {
  using Bytes = decltype(produce());
  static_assert(sizeof(typename Bytes::value_type) == 1);
  std::array<int, 2> fds{};
  if (pipe(fds.data()) != 0) {
    return std::nullopt;
  }
  const pid_t child = fork();
  if (child < 0) {
    close(fds[0]);
    close(fds[1]);
    return std::nullopt;
  }
  if (child == 0) {
    close(fds[0]);
    const Bytes mine = produce();
    const auto size = static_cast<ssize_t>(mine.size());
    const bool sent =
        mine.size() == expected_size && write(fds[1], mine.data(), mine.size()) == size;
    close(fds[1]);
    _exit(sent ? 0 : 1);
  }
  close(fds[1]);
  Bytes received(expected_size + 1);  // one more: a longer answer is noticed
  std::size_t got = 0;
  while (got < received.size()) {
    const ssize_t n = read(fds[0], received.data() + got, received.size() - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  close(fds[0]);
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
      got != expected_size) {
    return std::nullopt;
  }
  received.resize(got);
  return received;
}

}  // namespace sanstls::test

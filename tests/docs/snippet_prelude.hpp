// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// What the code blocks of README.md and docs/guide.md take for granted: the sanstls API, a few
// standard headers, and stand-ins for the application's own objects. A block names the
// stand-ins it uses in a `<!-- doc-snippet: ... -->` comment (see extract_snippets.py); they
// are declared here and never run: the blocks are compiled and linked, not executed.

#include <sanstls/sanstls.hpp>

#include <array>
#include <cstddef>
#include <iostream>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace doc_snippets {

/// The application's connected socket (README).
struct Socket {
  /// Sends every byte.
  void send_all(std::span<const std::byte> bytes);
  /// Waits for bytes; empty at end of stream.
  std::span<const std::byte> recv();
  /// Shuts the connection down.
  void shutdown();
};

/// The application's transport (guide §2).
struct Transport {
  void send(std::span<const std::byte> bytes);
  void close(sanstls::CloseMode mode);
};

/// The application's error path: reports `error` and returns an exit status. (Not `fail`:
/// sanstls::fail, found by argument-dependent lookup, would make such a call ambiguous.)
int report(const sanstls::Error& error);

}  // namespace doc_snippets

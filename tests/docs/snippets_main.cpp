// SPDX-License-Identifier: Apache-2.0 OR MIT
// Links every code block of README.md and docs/guide.md (extracted by extract_snippets.py)
// against sanstls, so a block that no longer compiles or links fails the build, and this test
// checks that the blocks were found at all. The blocks are not run: they need a real peer.

#include "snippet_prelude.hpp"

#include <cstdlib>
#include <iostream>

namespace doc_snippets {

void Socket::send_all(std::span<const std::byte> /*bytes*/) {}
std::span<const std::byte> Socket::recv() { return {}; }
void Socket::shutdown() {}
void Transport::send(std::span<const std::byte> /*bytes*/) {}
void Transport::close(sanstls::CloseMode /*mode*/) {}
int report(const sanstls::Error& error) {
  std::cerr << error.message << '\n';
  return 1;
}

}  // namespace doc_snippets

int main() {
  // SANSTLS_DOC_SNIPPETS: how many blocks the build compiled (set by CMakeLists.txt); the
  // README and the guide have at least this many, so losing them all (a broken extractor)
  // cannot pass unnoticed.
  constexpr int minimum = 5;
  std::cout << SANSTLS_DOC_SNIPPETS << " documentation code blocks compiled and linked\n";
  return SANSTLS_DOC_SNIPPETS >= minimum ? EXIT_SUCCESS : EXIT_FAILURE;
}

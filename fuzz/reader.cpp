// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: the wire Reader driven by a little program taken from the input itself. Each
// opcode byte picks a read; the reads consume the rest of the input. No read may go out of
// bounds, and a failed read must consume nothing.
#include "wire/reader.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

namespace {

using sanstls::wire::Reader;

void run(Reader& ops, Reader& r, int depth) {
  while (!ops.empty()) {
    auto op = ops.u8("op");
    if (!op) return;
    const std::size_t before = r.position();
    bool ok = true;
    switch (*op % 12) {
      case 0:
        ok = r.u8("u8").has_value();
        break;
      case 1:
        ok = r.u16("u16").has_value();
        break;
      case 2:
        ok = r.u24("u24").has_value();
        break;
      case 3:
        ok = r.u32("u32").has_value();
        break;
      case 4:
        ok = r.u64("u64").has_value();
        break;
      case 5:
        ok = r.bytes(*op / 12U, "bytes").has_value();
        break;
      case 6:
        ok = r.vec8("vec8", {*op / 64U, 200}).has_value();
        break;
      case 7:
        ok = r.vec16("vec16").has_value();
        break;
      case 8:
        ok = r.vec24("vec24").has_value();
        break;
      case 9:
        if (depth < 8) {
          auto child = r.child16("child16");
          ok = child.has_value();
          if (child) run(ops, *child, depth + 1);
        }
        break;
      case 10: {
        auto res = r.scoped8("scoped8", [&](Reader& c) -> sanstls::wire::Result<int> {
          if (depth < 8) run(ops, c, depth + 1);
          return 0;
        });
        (void)res;
        ok = true;  // a scoped failure may leave the parent advanced past the child
        continue;
      }
      default:
        ok = r.array<32>("array").has_value();
        break;
    }
    if (!ok && r.position() != before) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  if (input.empty()) return 0;
  // First byte: how many of the following bytes are opcodes.
  const std::size_t n_ops = std::min<std::size_t>(input[0], input.size() - 1);
  Reader ops(input.subspan(1, n_ops));
  Reader r(input.subspan(1 + n_ops));
  run(ops, r, 0);
  auto inner = sanstls::wire::split_inner_plaintext(input);
  if (inner && inner->content.size() >= input.size()) std::abort();
  return 0;
}

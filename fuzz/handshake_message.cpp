// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: a framed handshake message of any type through parse_message and back
// (covers EndOfEarlyData and the type dispatch).
#include "native/msgs/message.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  auto view = sanstls::native::msgs::parse_handshake(input);
  if (!view) return 0;
  auto parsed = sanstls::native::msgs::parse_message(*view, 32);
  if (!parsed) return 0;
  auto encoded = sanstls::native::msgs::encode_message(*parsed);
  if (!encoded || *encoded != std::vector<std::uint8_t>(input.begin(), input.end())) std::abort();
  return 0;
}

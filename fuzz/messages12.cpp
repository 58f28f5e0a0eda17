// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: the TLS 1.2 message codec (input: one complete handshake message, header
// included). Whatever parse_message12 accepts must re-encode to exactly the input, and nothing
// may crash or read out of bounds.
#include "native/msgs/messages12.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace msgs = sanstls::native::msgs;
  const std::span<const std::uint8_t> input(data, size);
  auto view = msgs::parse_handshake(input);
  if (!view) return 0;
  auto parsed = msgs::parse_message12(*view);
  if (!parsed) return 0;
  auto encoded = msgs::encode_message12(*parsed);
  if (!encoded || *encoded != std::vector<std::uint8_t>(input.begin(), input.end())) {
    std::abort();  // an accepted message did not survive the round trip
  }
  return 0;
}

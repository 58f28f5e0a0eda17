// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: the Finished parser for SHA-256 and SHA-384 (first byte picks the hash).
#include "native/msgs/finished.hpp"

#include "native/msgs/handshake.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  if (input.empty()) return 0;
  const std::size_t hash_length = (input[0] & 1U) != 0 ? 48 : 32;
  const auto body = input.subspan(1);
  auto parsed = sanstls::native::msgs::Finished::parse(body, hash_length);
  if (!parsed) return 0;
  auto encoded = parsed->encode();
  auto framed =
      sanstls::native::msgs::frame_handshake(sanstls::native::HandshakeType::finished, body);
  if (!encoded || !framed || *encoded != *framed) std::abort();
  return 0;
}

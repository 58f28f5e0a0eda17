// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Shared body of the per-message fuzz targets: whatever parses must re-encode to exactly the
// input (parse-then-encode is byte-identical), and nothing may crash or read out of bounds.

#include "native/msgs/message.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

namespace sanstls::fuzz {

template <class Message, class Parse>
int check_round_trip(native::HandshakeType type, const std::uint8_t* data, std::size_t size,
                     Parse parse) {
  const std::span<const std::uint8_t> body(data, size);
  auto parsed = parse(body);
  if (!parsed) {
    return 0;
  }
  auto encoded = parsed->encode();
  auto framed = native::msgs::frame_handshake(type, body);
  if (!encoded || !framed || *encoded != *framed) {
    std::abort();  // an accepted message did not survive the round trip
  }
  return 0;
}

}  // namespace sanstls::fuzz

#define SANSTLS_MESSAGE_FUZZER(Message, type_enum)                                                 \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {              \
    return sanstls::fuzz::check_round_trip<sanstls::native::msgs::Message>(                        \
        sanstls::native::HandshakeType::type_enum, data, size,                                     \
        [](std::span<const std::uint8_t> b) { return sanstls::native::msgs::Message::parse(b); }); \
  }

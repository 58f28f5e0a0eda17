// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Finished in TLS 1.2 (RFC 5246 §7.4.9): opaque verify_data[verify_data_length], 12 bytes for
// every suite we implement.

#include "native/msgs/extensions.hpp"

#include <array>

namespace sanstls::native::msgs {

struct Finished12 {
  static constexpr std::size_t verify_data_length = 12;
  std::array<std::uint8_t, verify_data_length> verify_data{};

  static Result<Finished12> parse(Bytes body);
  [[nodiscard]] Result<ByteVec> encode() const;
};

}  // namespace sanstls::native::msgs

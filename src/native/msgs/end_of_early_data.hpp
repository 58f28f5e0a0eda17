// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// EndOfEarlyData (RFC 8446 §4.5): an empty message.

#include "native/msgs/extensions.hpp"

namespace sanstls::native::msgs {

struct EndOfEarlyData {
  static Result<EndOfEarlyData> parse(Bytes body);
  [[nodiscard]] Result<ByteVec> encode() const;
};

}  // namespace sanstls::native::msgs

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Finished (RFC 8446 §4.4.4).

#include "native/msgs/extensions.hpp"

namespace sanstls::native::msgs {

struct Finished {
  ByteVec verify_data;

  /// `hash_length` is the negotiated hash's output size: verify_data is exactly that long.
  static Result<Finished> parse(Bytes body, std::size_t hash_length);
  [[nodiscard]] Result<ByteVec> encode() const;
};

}  // namespace sanstls::native::msgs

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// KeyUpdate (RFC 8446 §4.6.3) and EndOfEarlyData (RFC 8446 §4.5).

#include "native/msgs/extensions.hpp"

namespace sanstls::native::msgs {

struct KeyUpdate {
  KeyUpdateRequest request_update = KeyUpdateRequest::update_not_requested;

  static Result<KeyUpdate> parse(Bytes body);
  [[nodiscard]] Result<ByteVec> encode() const;
};

}  // namespace sanstls::native::msgs

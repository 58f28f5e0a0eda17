// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// ServerHelloDone (RFC 5246 §7.4.5): struct { } ServerHelloDone;

#include "native/msgs/extensions.hpp"

namespace sanstls::native::msgs {

struct ServerHelloDone {
  static Result<ServerHelloDone> parse(Bytes body);
  [[nodiscard]] Result<ByteVec> encode() const;
};

}  // namespace sanstls::native::msgs

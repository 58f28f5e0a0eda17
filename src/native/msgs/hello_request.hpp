// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// HelloRequest (RFC 5246 §7.4.1.1): struct { } HelloRequest; a server's request to renegotiate,
// which the native engine always refuses.

#include "native/msgs/extensions.hpp"

namespace sanstls::native::msgs {

struct HelloRequest {
  static Result<HelloRequest> parse(Bytes body);
  [[nodiscard]] Result<ByteVec> encode() const;
};

}  // namespace sanstls::native::msgs

// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/hello_request.hpp"

namespace sanstls::native::msgs {

Result<HelloRequest> HelloRequest::parse(Bytes body) {
  const wire::Reader r(body);
  WIRE_CHECK(r.expect_end("HelloRequest"));
  return HelloRequest{};
}

Result<ByteVec> HelloRequest::encode() const {
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(HandshakeType::hello_request));
  w.u24(0, "HelloRequest.length");
  return std::move(w).finish();
}

}  // namespace sanstls::native::msgs

// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/server_hello_done.hpp"

namespace sanstls::native::msgs {

Result<ServerHelloDone> ServerHelloDone::parse(Bytes body) {
  const wire::Reader r(body);
  WIRE_CHECK(r.expect_end("ServerHelloDone"));
  return ServerHelloDone{};
}

Result<ByteVec> ServerHelloDone::encode() const {
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(HandshakeType::server_hello_done));
  w.u24(0, "ServerHelloDone.length");
  return std::move(w).finish();
}

}  // namespace sanstls::native::msgs

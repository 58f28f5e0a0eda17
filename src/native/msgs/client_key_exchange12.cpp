// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/client_key_exchange12.hpp"

namespace sanstls::native::msgs {

Result<ClientKeyExchange12> ClientKeyExchange12::parse(Bytes body) {
  wire::Reader r(body);
  ClientKeyExchange12 cke;
  WIRE_TRY(auto point, r.vec8("ClientECDiffieHellmanPublic.point", {1, 255}));
  cke.point.assign(point.begin(), point.end());
  WIRE_CHECK(r.expect_end("ClientKeyExchange"));
  return cke;
}

Result<ByteVec> ClientKeyExchange12::encode() const {
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(HandshakeType::client_key_exchange));
  {
    auto body = w.prefix24("ClientKeyExchange");
    w.vec8(point, "ClientECDiffieHellmanPublic.point");
  }
  return std::move(w).finish();
}

}  // namespace sanstls::native::msgs

// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/key_update.hpp"

namespace sanstls::native::msgs {

Result<KeyUpdate> KeyUpdate::parse(Bytes body) {
  wire::Reader r(body);
  WIRE_TRY(auto v, r.u8("KeyUpdate.request_update"));
  WIRE_CHECK(r.expect_end("KeyUpdate"));
  // RFC 8446 §4.6.3: "If an implementation receives any other value, it MUST terminate the
  // connection with an "illegal_parameter" alert."
  if (v > 1) {
    return wire::illegal_parameter("KeyUpdate.request_update", "neither 0 nor 1");
  }
  return KeyUpdate{static_cast<KeyUpdateRequest>(v)};
}

Result<ByteVec> KeyUpdate::encode() const {
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(HandshakeType::key_update));
  {
    auto body = w.prefix24("KeyUpdate");
    w.u8(static_cast<std::uint8_t>(request_update));
  }
  return std::move(w).finish();
}

}  // namespace sanstls::native::msgs

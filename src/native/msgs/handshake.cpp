// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/handshake.hpp"

#include "wire/writer.hpp"

namespace sanstls::native::msgs {

Result<HandshakeView> parse_handshake(Bytes message) {
  wire::Reader r(message);
  WIRE_TRY(auto type, r.u8("Handshake.msg_type"));
  WIRE_TRY(auto body, r.vec24("Handshake.body"));
  WIRE_CHECK(r.expect_end("Handshake"));
  return HandshakeView{static_cast<HandshakeType>(type), body, message};
}

Result<std::vector<std::uint8_t>> frame_handshake(HandshakeType type, Bytes body) {
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(type), "Handshake.msg_type");
  w.vec24(body, "Handshake.body");
  return std::move(w).finish();
}

}  // namespace sanstls::native::msgs

// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/finished12.hpp"

namespace sanstls::native::msgs {

Result<Finished12> Finished12::parse(Bytes body) {
  wire::Reader r(body);
  Finished12 f;
  // RFC 5246 §7.4.9: "verify_data_length ... 12" (no suite we implement names another length).
  WIRE_TRY(f.verify_data, r.array<verify_data_length>("Finished.verify_data"));
  WIRE_CHECK(r.expect_end("Finished"));
  return f;
}

Result<ByteVec> Finished12::encode() const {
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(HandshakeType::finished));
  w.vec24(verify_data, "Finished");
  return std::move(w).finish();
}

}  // namespace sanstls::native::msgs

// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/end_of_early_data.hpp"

namespace sanstls::native::msgs {

Result<EndOfEarlyData> EndOfEarlyData::parse(Bytes body) {
  wire::Reader r(body);
  WIRE_CHECK(r.expect_end("EndOfEarlyData"));
  return EndOfEarlyData{};
}

Result<ByteVec> EndOfEarlyData::encode() const {
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(HandshakeType::end_of_early_data));
  w.u24(0);
  return std::move(w).finish();
}

}  // namespace sanstls::native::msgs

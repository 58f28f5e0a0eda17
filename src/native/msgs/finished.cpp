// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/finished.hpp"

namespace sanstls::native::msgs {

Result<Finished> Finished::parse(Bytes body, std::size_t hash_length) {
  wire::Reader r(body);
  WIRE_TRY(auto data, r.bytes(hash_length, "Finished.verify_data"));
  WIRE_CHECK(r.expect_end("Finished"));
  return Finished{ByteVec(data.begin(), data.end())};
}

Result<ByteVec> Finished::encode() const {
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(HandshakeType::finished));
  w.vec24(verify_data, "Finished");
  return std::move(w).finish();
}

}  // namespace sanstls::native::msgs

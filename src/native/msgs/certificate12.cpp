// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/certificate12.hpp"

namespace sanstls::native::msgs {

Result<Certificate12> Certificate12::parse(Bytes body) {
  wire::Reader r(body);
  Certificate12 c;
  WIRE_TRY(auto list, r.child24("Certificate.certificate_list"));
  while (!list.empty()) {
    WIRE_TRY(auto der, list.vec24("ASN.1Cert", {1, 0xffffff}));
    c.certificate_list.emplace_back(der.begin(), der.end());
  }
  WIRE_CHECK(r.expect_end("Certificate"));
  return c;
}

Result<ByteVec> Certificate12::encode() const {
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(HandshakeType::certificate));
  {
    auto body = w.prefix24("Certificate");
    auto list = w.prefix24("Certificate.certificate_list");
    for (const auto& der : certificate_list) w.vec24(der, "ASN.1Cert");
  }
  return std::move(w).finish();
}

}  // namespace sanstls::native::msgs

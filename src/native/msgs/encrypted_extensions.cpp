// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/encrypted_extensions.hpp"

namespace sanstls::native::msgs {

Result<EncryptedExtensions> EncryptedExtensions::parse(Bytes body) {
  wire::Reader r(body);
  EncryptedExtensions ee;
  WIRE_TRY(ee.extensions, parse_extensions(r, ExtensionContext::encrypted_extensions));
  WIRE_CHECK(r.expect_end("EncryptedExtensions"));
  return ee;
}

Result<ByteVec> EncryptedExtensions::encode() const {
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(HandshakeType::encrypted_extensions));
  {
    auto body = w.prefix24("EncryptedExtensions");
    write_extensions(w, extensions);
  }
  return std::move(w).finish();
}

}  // namespace sanstls::native::msgs

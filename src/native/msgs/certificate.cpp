// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/certificate.hpp"

namespace sanstls::native::msgs {

Result<Certificate> Certificate::parse(Bytes body) {
  wire::Reader r(body);
  Certificate c;
  WIRE_TRY(auto ctx, r.vec8("Certificate.certificate_request_context"));
  c.certificate_request_context.assign(ctx.begin(), ctx.end());
  WIRE_TRY(auto list, r.child24("Certificate.certificate_list"));
  while (!list.empty()) {
    CertificateEntry entry;
    WIRE_TRY(auto der, list.vec24("CertificateEntry.cert_data", {1, 0xffffff}));
    entry.cert_data.assign(der.begin(), der.end());
    WIRE_TRY(entry.extensions, parse_extensions(list, ExtensionContext::certificate));
    c.certificate_list.push_back(std::move(entry));
  }
  WIRE_CHECK(r.expect_end("Certificate"));
  return c;
}

Result<ByteVec> Certificate::encode() const {
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(HandshakeType::certificate));
  {
    auto body = w.prefix24("Certificate");
    w.vec8(certificate_request_context, "Certificate.certificate_request_context");
    auto list = w.prefix24("Certificate.certificate_list");
    for (const auto& e : certificate_list) {
      w.vec24(e.cert_data, "CertificateEntry.cert_data");
      write_extensions(w, e.extensions);
    }
  }
  return std::move(w).finish();
}

}  // namespace sanstls::native::msgs

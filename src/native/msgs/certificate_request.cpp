// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/certificate_request.hpp"

namespace sanstls::native::msgs {

Result<CertificateRequest> CertificateRequest::parse(Bytes body) {
  wire::Reader r(body);
  CertificateRequest cr;
  WIRE_TRY(auto ctx, r.vec8("CertificateRequest.certificate_request_context"));
  cr.certificate_request_context.assign(ctx.begin(), ctx.end());
  WIRE_TRY(cr.extensions, parse_extensions(r, ExtensionContext::certificate_request, {2, 0xffff}));
  WIRE_CHECK(r.expect_end("CertificateRequest"));
  // RFC 8446 §4.3.2: "The "signature_algorithms" extension MUST be specified".
  if (!cr.extensions.contains(ExtensionType::signature_algorithms)) {
    return wire::fail(Alert::missing_extension, "CertificateRequest.extensions",
                      "no signature_algorithms");
  }
  return cr;
}

Result<ByteVec> CertificateRequest::encode() const {
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(HandshakeType::certificate_request));
  {
    auto body = w.prefix24("CertificateRequest");
    w.vec8(certificate_request_context, "CertificateRequest.certificate_request_context");
    write_extensions(w, extensions);
  }
  return std::move(w).finish();
}

}  // namespace sanstls::native::msgs

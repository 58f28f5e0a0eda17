// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/certificate_verify.hpp"

#include <string_view>

namespace sanstls::native::msgs {

Result<CertificateVerify> CertificateVerify::parse(Bytes body) {
  wire::Reader r(body);
  CertificateVerify cv;
  WIRE_TRY(auto alg, r.u16("CertificateVerify.algorithm"));
  cv.algorithm = static_cast<SignatureScheme>(alg);
  WIRE_TRY(auto sig, r.vec16("CertificateVerify.signature"));
  cv.signature.assign(sig.begin(), sig.end());
  WIRE_CHECK(r.expect_end("CertificateVerify"));
  return cv;
}

Result<ByteVec> CertificateVerify::encode() const {
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(HandshakeType::certificate_verify));
  {
    auto body = w.prefix24("CertificateVerify");
    w.u16(static_cast<std::uint16_t>(algorithm));
    w.vec16(signature, "CertificateVerify.signature");
  }
  return std::move(w).finish();
}

Result<ByteVec> certificate_verify_content(bool server, Bytes transcript_hash) {
  constexpr std::string_view server_context = "TLS 1.3, server CertificateVerify";
  constexpr std::string_view client_context = "TLS 1.3, client CertificateVerify";
  const std::string_view context = server ? server_context : client_context;
  wire::Writer w;
  for (int i = 0; i < 64; ++i) w.u8(0x20);
  for (char c : context) w.u8(static_cast<std::uint8_t>(c));
  w.u8(0);
  w.bytes(transcript_hash);
  return std::move(w).finish();
}

}  // namespace sanstls::native::msgs

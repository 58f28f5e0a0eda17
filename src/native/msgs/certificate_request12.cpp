// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/certificate_request12.hpp"

namespace sanstls::native::msgs {

Result<CertificateRequest12> CertificateRequest12::parse(Bytes body) {
  wire::Reader r(body);
  CertificateRequest12 cr;
  WIRE_TRY(auto types, r.vec8("CertificateRequest.certificate_types", {1, 255}));
  cr.certificate_types.assign(types.begin(), types.end());
  // RFC 5246 §7.4.4: supported_signature_algorithms<2..2^16-2> (§7.4.1.4.1: a list of 2-byte
  // SignatureAndHashAlgorithm values, at least one).
  WIRE_TRY(auto algs, r.child16("CertificateRequest.supported_signature_algorithms", {2, 0xfffe}));
  while (!algs.empty()) {
    WIRE_TRY(auto alg, algs.u16("CertificateRequest.supported_signature_algorithms"));
    cr.supported_signature_algorithms.push_back(static_cast<SignatureScheme>(alg));
  }
  WIRE_TRY(auto cas, r.child16("CertificateRequest.certificate_authorities"));
  while (!cas.empty()) {
    WIRE_TRY(auto dn, cas.vec16("DistinguishedName", {1, 0xffff}));
    cr.certificate_authorities.emplace_back(dn.begin(), dn.end());
  }
  WIRE_CHECK(r.expect_end("CertificateRequest"));
  return cr;
}

Result<ByteVec> CertificateRequest12::encode() const {
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(HandshakeType::certificate_request));
  {
    auto body = w.prefix24("CertificateRequest");
    w.vec8(certificate_types, "CertificateRequest.certificate_types");
    {
      auto algs = w.prefix16("CertificateRequest.supported_signature_algorithms");
      for (auto s : supported_signature_algorithms) w.u16(static_cast<std::uint16_t>(s));
    }
    auto cas = w.prefix16("CertificateRequest.certificate_authorities");
    for (const auto& dn : certificate_authorities) w.vec16(dn, "DistinguishedName");
  }
  return std::move(w).finish();
}

}  // namespace sanstls::native::msgs

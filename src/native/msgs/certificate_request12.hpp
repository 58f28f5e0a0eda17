// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// CertificateRequest in TLS 1.2 (RFC 5246 §7.4.4):
//   struct { ClientCertificateType certificate_types<1..2^8-1>;
//            SignatureAndHashAlgorithm supported_signature_algorithms<2^16-1>;
//            DistinguishedName certificate_authorities<0..2^16-1>; } CertificateRequest;
// opaque DistinguishedName<1..2^16-1>;

#include "native/msgs/extensions.hpp"

namespace sanstls::native::msgs {

/// RFC 5246 §7.4.4 / RFC 8422 §5.5 ClientCertificateType values we use.
enum class ClientCertificateType : std::uint8_t { rsa_sign = 1, ecdsa_sign = 64 };

struct CertificateRequest12 {
  ByteVec certificate_types;
  std::vector<SignatureScheme> supported_signature_algorithms;
  /// DER distinguished names.
  std::vector<ByteVec> certificate_authorities;

  static Result<CertificateRequest12> parse(Bytes body);
  [[nodiscard]] Result<ByteVec> encode() const;
};

}  // namespace sanstls::native::msgs

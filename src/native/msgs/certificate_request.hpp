// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// CertificateRequest (RFC 8446 §4.3.2).

#include "native/msgs/extensions.hpp"

namespace sanstls::native::msgs {

struct CertificateRequest {
  ByteVec certificate_request_context;
  Extensions extensions;

  static Result<CertificateRequest> parse(Bytes body);
  [[nodiscard]] Result<ByteVec> encode() const;
};

}  // namespace sanstls::native::msgs

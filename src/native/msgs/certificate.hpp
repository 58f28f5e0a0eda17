// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Certificate (RFC 8446 §4.4.2), X.509 certificate type only.

#include "native/msgs/extensions.hpp"

namespace sanstls::native::msgs {

struct CertificateEntry {
  ByteVec cert_data;  // DER
  Extensions extensions;
};

struct Certificate {
  ByteVec certificate_request_context;
  std::vector<CertificateEntry> certificate_list;

  static Result<Certificate> parse(Bytes body);
  [[nodiscard]] Result<ByteVec> encode() const;
};

}  // namespace sanstls::native::msgs

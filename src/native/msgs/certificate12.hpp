// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Certificate in TLS 1.2 (RFC 5246 §7.4.2): opaque ASN.1Cert<1..2^24-1>;
// struct { ASN.1Cert certificate_list<0..2^24-1>; } Certificate; — no request context and no
// per-entry extensions (those are TLS 1.3's).

#include "native/msgs/extensions.hpp"

namespace sanstls::native::msgs {

struct Certificate12 {
  /// DER certificates, the sender's own first.
  std::vector<ByteVec> certificate_list;

  static Result<Certificate12> parse(Bytes body);
  [[nodiscard]] Result<ByteVec> encode() const;
};

}  // namespace sanstls::native::msgs

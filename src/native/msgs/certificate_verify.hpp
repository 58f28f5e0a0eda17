// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// CertificateVerify (RFC 8446 §4.4.3) and the content its signature covers.

#include "native/msgs/extensions.hpp"

namespace sanstls::native::msgs {

struct CertificateVerify {
  SignatureScheme algorithm{};
  ByteVec signature;

  static Result<CertificateVerify> parse(Bytes body);
  [[nodiscard]] Result<ByteVec> encode() const;
};

/// The signed content: 64 spaces, the context string, a zero byte, the transcript hash.
Result<ByteVec> certificate_verify_content(bool server, Bytes transcript_hash);

}  // namespace sanstls::native::msgs

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// ClientKeyExchange for ECDHE (RFC 8422 §5.7): struct { opaque point <1..2^8-1>; }
// ClientECDiffieHellmanPublic; always explicit (RFC 8422 §5.7: the implicit form is for fixed-ECDH
// client certificates, which we never use).

#include "native/msgs/extensions.hpp"

namespace sanstls::native::msgs {

struct ClientKeyExchange12 {
  /// X25519: 32 raw bytes; NIST curves: an uncompressed point.
  ByteVec point;

  static Result<ClientKeyExchange12> parse(Bytes body);
  [[nodiscard]] Result<ByteVec> encode() const;
};

}  // namespace sanstls::native::msgs

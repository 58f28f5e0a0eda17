// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// ServerKeyExchange for ECDHE (RFC 8422 §5.4, RFC 5246 §7.4.3):
//   struct { ECCurveType curve_type; NamedCurve namedcurve; } ECParameters;  (named_curve only)
//   struct { ECParameters curve_params; ECPoint public; } ServerECDHParams;
//   struct { ServerECDHParams params; digitally-signed struct { ... } signed_params; }
// where the signature covers ClientHello.random + ServerHello.random + ServerECDHParams.

#include "native/msgs/extensions.hpp"

#include <array>

namespace sanstls::native::msgs {

/// RFC 8422 §5.4: ECCurveType named_curve; explicit curves (1, 2) are deprecated.
inline constexpr std::uint8_t ec_curve_type_named_curve = 3;

struct ServerKeyExchange12 {
  NamedGroup group{};
  /// ECPoint.point<1..2^8-1>: X25519 raw 32 bytes, NIST curves an uncompressed point.
  ByteVec point;
  /// The digitally-signed element (RFC 5246 §4.7): SignatureAndHashAlgorithm, signature.
  SignatureScheme algorithm{};
  ByteVec signature;

  static Result<ServerKeyExchange12> parse(Bytes body);
  [[nodiscard]] Result<ByteVec> encode() const;
  /// The encoded ServerECDHParams (curve_type, named curve, point).
  [[nodiscard]] Result<ByteVec> params() const;
  /// What the signature covers (RFC 8422 §5.4): client_random + server_random + params.
  [[nodiscard]] Result<ByteVec> signed_content(
      const std::array<std::uint8_t, 32>& client_random,
      const std::array<std::uint8_t, 32>& server_random) const;
};

}  // namespace sanstls::native::msgs

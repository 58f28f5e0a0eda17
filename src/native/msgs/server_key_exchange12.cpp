// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/server_key_exchange12.hpp"

namespace sanstls::native::msgs {

namespace {
void write_params(wire::Writer& w, NamedGroup group, Bytes point) {
  w.u8(ec_curve_type_named_curve, "ECParameters.curve_type");
  w.u16(static_cast<std::uint16_t>(group), "ECParameters.namedcurve");
  w.vec8(point, "ECPoint.point");
}
}  // namespace

Result<ServerKeyExchange12> ServerKeyExchange12::parse(Bytes body) {
  wire::Reader r(body);
  ServerKeyExchange12 ske;
  WIRE_TRY(auto curve_type, r.u8("ECParameters.curve_type"));
  // RFC 8422 §5.4: "explicit_prime(1), explicit_char2(2)" are deprecated; "named_curve: Indicates
  // that a named curve is used. This option SHOULD be used when applicable." We support nothing
  // else, so another type cannot be a parameter we agreed to.
  if (curve_type != ec_curve_type_named_curve) {
    return wire::illegal_parameter("ECParameters.curve_type", "not named_curve");
  }
  WIRE_TRY(auto group, r.u16("ECParameters.namedcurve"));
  ske.group = static_cast<NamedGroup>(group);
  // RFC 8422 §5.4: struct { opaque point <1..2^8-1>; } ECPoint;
  WIRE_TRY(auto point, r.vec8("ECPoint.point", {1, 255}));
  ske.point.assign(point.begin(), point.end());
  WIRE_TRY(auto alg, r.u16("ServerKeyExchange.signed_params.algorithm"));
  ske.algorithm = static_cast<SignatureScheme>(alg);
  WIRE_TRY(auto sig, r.vec16("ServerKeyExchange.signed_params.signature"));
  ske.signature.assign(sig.begin(), sig.end());
  WIRE_CHECK(r.expect_end("ServerKeyExchange"));
  return ske;
}

Result<ByteVec> ServerKeyExchange12::encode() const {
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(HandshakeType::server_key_exchange));
  {
    auto body = w.prefix24("ServerKeyExchange");
    write_params(w, group, point);
    w.u16(static_cast<std::uint16_t>(algorithm), "ServerKeyExchange.signed_params.algorithm");
    w.vec16(signature, "ServerKeyExchange.signed_params.signature");
  }
  return std::move(w).finish();
}

Result<ByteVec> ServerKeyExchange12::params() const {
  wire::Writer w;
  write_params(w, group, point);
  return std::move(w).finish();
}

Result<ByteVec> ServerKeyExchange12::signed_content(
    const std::array<std::uint8_t, 32>& client_random,
    const std::array<std::uint8_t, 32>& server_random) const {
  // RFC 8422 §5.4: signed_params: "sha_hash(ClientHello.random + ServerHello.random +
  // ServerKeyExchange.params)" — in TLS 1.2 the signature scheme does the hashing (RFC 5246
  // §7.4.3), so the content is the concatenation itself.
  wire::Writer w;
  w.bytes(client_random, "ClientHello.random");
  w.bytes(server_random, "ServerHello.random");
  write_params(w, group, point);
  return std::move(w).finish();
}

}  // namespace sanstls::native::msgs

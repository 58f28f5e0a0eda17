// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/server_hello.hpp"

namespace sanstls::native::msgs {

Result<ServerHello> ServerHello::parse(Bytes body) {
  wire::Reader r(body);
  ServerHello sh;
  WIRE_TRY(sh.legacy_version, r.u16("ServerHello.legacy_version"));
  WIRE_TRY(sh.random, r.array<32>("ServerHello.random"));
  WIRE_TRY(auto sid, r.vec8("ServerHello.legacy_session_id_echo", {0, 32}));
  sh.legacy_session_id_echo.assign(sid.begin(), sid.end());
  WIRE_TRY(auto suite, r.u16("ServerHello.cipher_suite"));
  sh.cipher_suite = static_cast<CipherSuite>(suite);
  WIRE_TRY(sh.legacy_compression_method, r.u8("ServerHello.legacy_compression_method"));
  if (r.empty()) {
    // Only a TLS 1.2 ServerHello may omit extensions (RFC 5246 §7.4.1.3).
    if (sh.is_hello_retry_request()) {
      return wire::decode_error("HelloRetryRequest.extensions", "missing");
    }
    sh.has_extensions = false;
    return sh;
  }
  WIRE_TRY(auto raw, split_extensions(r, {0, 0xffff}));
  WIRE_CHECK(r.expect_end("ServerHello"));
  // The extension rules depend on the version the server picked, which sits in one of them.
  bool tls13 = false;
  for (const auto& [type, data] : raw) {
    if (type == ExtensionType::supported_versions) {
      wire::Reader v(data);
      WIRE_TRY(auto selected, v.u16("supported_versions.selected_version"));
      tls13 = selected == tls13_version;
    }
  }
  const ExtensionContext ctx = sh.is_hello_retry_request() ? ExtensionContext::hello_retry_request
                               : tls13                     ? ExtensionContext::server_hello
                                                           : ExtensionContext::server_hello_tls12;
  WIRE_TRY(sh.extensions, interpret_extensions(raw, ctx));
  // RFC 8446 §4.1.3: legacy_compression_method: "A single byte which MUST have the value 0."
  if ((tls13 || sh.is_hello_retry_request()) && sh.legacy_compression_method != 0) {
    return wire::illegal_parameter("ServerHello.legacy_compression_method", "not 0");
  }
  return sh;
}

bool ServerHello::is_tls13() const {
  const auto* v = extensions.get<SelectedVersion>(ExtensionType::supported_versions);
  return v != nullptr && v->version == tls13_version;
}

Result<ByteVec> ServerHello::encode() const {
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(HandshakeType::server_hello));
  {
    auto body = w.prefix24("ServerHello");
    w.u16(legacy_version);
    w.bytes(random);
    w.vec8(legacy_session_id_echo, "ServerHello.legacy_session_id_echo");
    w.u16(static_cast<std::uint16_t>(cipher_suite));
    w.u8(legacy_compression_method);
    if (has_extensions) write_extensions(w, extensions);
  }
  return std::move(w).finish();
}

}  // namespace sanstls::native::msgs

// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/client_hello.hpp"

#include <algorithm>

namespace sanstls::native::msgs {

Result<ClientHello> ClientHello::parse(Bytes body, SkippedEntries::Storage storage) {
  wire::Reader r(body);
  ClientHello ch;
  WIRE_TRY(ch.legacy_version, r.u16("ClientHello.legacy_version"));
  WIRE_TRY(ch.random, r.array<32>("ClientHello.random"));
  WIRE_TRY(auto sid, r.vec8("ClientHello.legacy_session_id", {0, 32}));
  ch.legacy_session_id.assign(sid.begin(), sid.end());
  WIRE_TRY(auto suites, r.child16("ClientHello.cipher_suites", {2, 0xfffe}));
  while (!suites.empty()) {
    WIRE_TRY(auto s, suites.u16("ClientHello.cipher_suites"));
    ch.cipher_suites.push_back(static_cast<CipherSuite>(s));
  }
  WIRE_TRY(auto comp, r.vec8("ClientHello.legacy_compression_methods", {1, 255}));
  ch.legacy_compression_methods.assign(comp.begin(), comp.end());
  // RFC 5246 §7.4.1.2: a TLS 1.2 ClientHello may end here ("the presence of extensions can be
  // detected by determining whether there are bytes following the compression_methods").
  if (r.empty()) {
    ch.has_extensions = false;
    return ch;
  }
  WIRE_TRY(ch.extensions,
           parse_extensions(r, ExtensionContext::client_hello, {0, 0xffff}, storage));
  WIRE_CHECK(r.expect_end("ClientHello"));
  // RFC 8446 §4.1.2: "For every TLS 1.3 ClientHello, this vector MUST contain exactly one byte,
  // set to zero ... If a TLS 1.3 ClientHello is received with any other value in this field, the
  // server MUST abort the handshake with an "illegal_parameter" alert."
  if (ch.offers_tls13() && ch.legacy_compression_methods != ByteVec{0}) {
    return wire::illegal_parameter("ClientHello.legacy_compression_methods", "not {null}");
  }
  return ch;
}

bool ClientHello::offers_tls13() const {
  const auto* versions = extensions.get<SupportedVersionsList>(ExtensionType::supported_versions);
  return versions != nullptr && std::find(versions->versions.begin(), versions->versions.end(),
                                          tls13_version) != versions->versions.end();
}

std::optional<std::size_t> ClientHello::truncated_length(std::size_t message_length) const {
  const auto* psk = extensions.get<OfferedPsks>(ExtensionType::pre_shared_key);
  if (psk == nullptr || psk->binders_wire_length() > message_length) {
    return std::nullopt;
  }
  // pre_shared_key is the last extension and binders its last field, so the binders list is the
  // tail of the message.
  return message_length - psk->binders_wire_length();
}

Result<ByteVec> ClientHello::encode(ExtensionFilter skip) const {
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(HandshakeType::client_hello));
  {
    auto body = w.prefix24("ClientHello");
    w.u16(legacy_version);
    w.bytes(random);
    w.vec8(legacy_session_id, "ClientHello.legacy_session_id");
    {
      auto suites = w.prefix16("ClientHello.cipher_suites");
      for (auto s : cipher_suites) w.u16(static_cast<std::uint16_t>(s));
    }
    w.vec8(legacy_compression_methods, "ClientHello.legacy_compression_methods");
    if (has_extensions) write_extensions(w, extensions, skip);
  }
  return std::move(w).finish();
}

}  // namespace sanstls::native::msgs

// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/handshake/session_ticket.hpp"

#include "native/key_schedule.hpp"
#include "native/key_schedule12.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

#include <openssl/crypto.h>

#include <algorithm>

namespace sanstls::native::handshake {

namespace {

/// The Writer's buffer holds a secret: moved into a SecretBytes and the vector wiped.
Result<SecretBytes> finish_secret(wire::Writer&& w) {
  WIRE_TRY(auto bytes, std::move(w).finish());
  SecretBytes out(bytes);
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return out;
}

/// The version tag: TLS 1.3 or TLS 1.2, else decode_error.
Result<std::uint16_t> read_version(wire::Reader& r, std::string_view field) {
  WIRE_TRY(const auto version, r.u16(field));
  if (version != tls13_version && version != tls12_version) {
    return wire::decode_error(field, "neither TLS 1.3 nor TLS 1.2");
  }
  return version;
}

/// A suite of `version` we implement, else decode_error.
Result<CipherSuite> read_suite(wire::Reader& r, std::uint16_t version, std::string_view field) {
  WIRE_TRY(const auto code, r.u16(field));
  const auto suite = static_cast<CipherSuite>(code);
  if (version == tls13_version && !suite_params(suite)) {
    return wire::decode_error(field, "not a TLS 1.3 suite we implement");
  }
  if (version == tls12_version && !tls12::suite12_params(suite)) {
    return wire::decode_error(field, "not a TLS 1.2 suite we implement");
  }
  return suite;
}

/// A secret of exactly the right length: the suite's hash length for a TLS 1.3 PSK, 48 bytes
/// for a TLS 1.2 master secret (RFC 5246 §8.1).
Result<SecretBytes> read_psk(wire::Reader& r, std::uint16_t version, CipherSuite suite,
                             std::string_view field) {
  const std::size_t length = version == tls12_version
                                 ? tls12::master_secret_length
                                 : crypto::hash_length(suite_params(suite)->hash);
  WIRE_TRY(const auto psk, r.vec8(field, {length, length}));
  return SecretBytes(psk);
}

/// Flags byte: bit 0 the extended master secret; the other bits must be zero (TLS 1.3 sets none).
Result<bool> read_flags(wire::Reader& r, std::uint16_t version, std::string_view field) {
  WIRE_TRY(const auto flags, r.u8(field));
  if ((flags & ~std::uint8_t{1}) != 0 || (version == tls13_version && flags != 0)) {
    return wire::decode_error(field, "unknown flags");
  }
  return flags == 1;
}

std::uint8_t flags_of(bool extended_master_secret) { return extended_master_secret ? 1 : 0; }

std::array<std::uint8_t, 1 + ticket_key_name_length> ticket_aad(
    const std::array<std::uint8_t, ticket_key_name_length>& name) {
  std::array<std::uint8_t, 1 + ticket_key_name_length> aad{};
  std::copy(name.begin(), name.end(), aad.begin());
  aad.back() = TicketContents::format;
  return aad;
}

}  // namespace

Result<SecretBytes> TicketContents::encode() const {
  wire::Writer w;
  w.u8(format, "ticket.format");
  w.u16(version, "ticket.version");
  w.u16(static_cast<std::uint16_t>(suite), "ticket.suite");
  w.vec8(psk.span(), "ticket.psk");
  w.u8(flags_of(extended_master_secret), "ticket.flags");
  w.u32(ticket_age_add, "ticket.ticket_age_add");
  w.u64(issued_ms, "ticket.issued");
  w.u32(max_early_data, "ticket.max_early_data");
  w.vec8(std::span(reinterpret_cast<const std::uint8_t*>(alpn.data()), alpn.size()), "ticket.alpn");
  w.vec24(context, "ticket.context");
  return finish_secret(std::move(w));
}

Result<TicketContents> TicketContents::parse(Bytes plaintext) {
  wire::Reader r(plaintext);
  TicketContents t;
  WIRE_TRY(const auto fmt, r.u8("ticket.format"));
  if (fmt != format) return wire::decode_error("ticket.format", "unknown format");
  WIRE_TRY(t.version, read_version(r, "ticket.version"));
  WIRE_TRY(t.suite, read_suite(r, t.version, "ticket.suite"));
  WIRE_TRY(t.psk, read_psk(r, t.version, t.suite, "ticket.psk"));
  WIRE_TRY(t.extended_master_secret, read_flags(r, t.version, "ticket.flags"));
  WIRE_TRY(t.ticket_age_add, r.u32("ticket.ticket_age_add"));
  WIRE_TRY(t.issued_ms, r.u64("ticket.issued"));
  WIRE_TRY(t.max_early_data, r.u32("ticket.max_early_data"));
  WIRE_TRY(const auto alpn, r.vec8("ticket.alpn", {0, max_alpn}));
  t.alpn.assign(alpn.begin(), alpn.end());
  WIRE_TRY(const auto context, r.vec24("ticket.context", {0, max_context}));
  t.context.assign(context.begin(), context.end());
  WIRE_CHECK(r.expect_end("ticket"));
  return t;
}

Result<std::vector<std::uint8_t>> seal_ticket(const crypto::CryptoProvider& provider,
                                              const TicketSealingKey& key, Bytes nonce,
                                              const TicketContents& contents) {
  if (nonce.size() != crypto::aead_nonce_length || key.key.size() != ticket_key_length) {
    return wire::fail(Alert::internal_error, "ticket key", "wrong key or nonce length");
  }
  WIRE_TRY(const auto plaintext, contents.encode());
  WIRE_TRY(const auto aead, provider.aead(crypto::AeadAlgorithm::aes_256_gcm, key.key.span()));
  const auto aad = ticket_aad(key.name);
  WIRE_TRY(const auto sealed, aead->seal(nonce, aad, plaintext.span()));
  std::vector<std::uint8_t> ticket;
  ticket.reserve(ticket_overhead - crypto::aead_tag_length + sealed.size());
  ticket.insert(ticket.end(), key.name.begin(), key.name.end());
  ticket.insert(ticket.end(), nonce.begin(), nonce.end());
  ticket.insert(ticket.end(), sealed.begin(), sealed.end());
  return ticket;
}

std::optional<Bytes> ticket_key_name(Bytes ticket) {
  if (ticket.size() < ticket_overhead) return std::nullopt;
  return ticket.first(ticket_key_name_length);
}

Result<TicketContents> open_ticket(const crypto::CryptoProvider& provider,
                                   const TicketSealingKey& key, Bytes ticket,
                                   std::uint16_t version) {
  wire::Reader r(ticket);
  WIRE_TRY(const auto name, r.array<ticket_key_name_length>("ticket.key_name"));
  if (name != key.name) return wire::decode_error("ticket.key_name", "another key");
  WIRE_TRY(const auto nonce, r.bytes(crypto::aead_nonce_length, "ticket.nonce"));
  const Bytes sealed = r.rest();
  if (sealed.size() < crypto::aead_tag_length) {
    return wire::decode_error("ticket", "shorter than a tag");
  }
  WIRE_TRY(const auto aead, provider.aead(crypto::AeadAlgorithm::aes_256_gcm, key.key.span()));
  WIRE_TRY(auto plaintext, aead->open(nonce, ticket_aad(key.name), sealed));
  const SecretBytes secret(plaintext);
  OPENSSL_cleanse(plaintext.data(), plaintext.size());
  WIRE_TRY(auto contents, TicketContents::parse(secret.span()));
  // A TLS 1.2 ticket holds a master secret, a TLS 1.3 one a PSK: never one for the other.
  if (contents.version != version) {
    return wire::decode_error("ticket.version", "a ticket of another protocol version");
  }
  return contents;
}

Result<SecretBytes> ClientSessionState::encode() const {
  wire::Writer w;
  w.u8(format, "session.format");
  w.u16(version, "session.version");
  w.u16(static_cast<std::uint16_t>(suite), "session.suite");
  w.vec8(psk.span(), "session.psk");
  w.u8(flags_of(extended_master_secret), "session.flags");
  w.vec16(ticket, "session.ticket");
  w.u32(ticket_age_add, "session.ticket_age_add");
  w.u64(received_ms, "session.received");
  w.u32(lifetime_seconds, "session.lifetime");
  w.u32(max_early_data, "session.max_early_data");
  w.vec8(std::span(reinterpret_cast<const std::uint8_t*>(alpn.data()), alpn.size()),
         "session.alpn");
  return finish_secret(std::move(w));
}

Result<ClientSessionState> ClientSessionState::parse(Bytes bytes) {
  wire::Reader r(bytes);
  ClientSessionState s;
  WIRE_TRY(const auto fmt, r.u8("session.format"));
  if (fmt != format) return wire::decode_error("session.format", "unknown format");
  WIRE_TRY(s.version, read_version(r, "session.version"));
  WIRE_TRY(s.suite, read_suite(r, s.version, "session.suite"));
  WIRE_TRY(s.psk, read_psk(r, s.version, s.suite, "session.psk"));
  WIRE_TRY(s.extended_master_secret, read_flags(r, s.version, "session.flags"));
  WIRE_TRY(const auto ticket, r.vec16("session.ticket", {1, max_ticket}));
  s.ticket.assign(ticket.begin(), ticket.end());
  WIRE_TRY(s.ticket_age_add, r.u32("session.ticket_age_add"));
  WIRE_TRY(s.received_ms, r.u64("session.received"));
  WIRE_TRY(s.lifetime_seconds, r.u32("session.lifetime"));
  WIRE_TRY(s.max_early_data, r.u32("session.max_early_data"));
  WIRE_TRY(const auto alpn, r.vec8("session.alpn", {0, 255}));
  s.alpn.assign(alpn.begin(), alpn.end());
  WIRE_CHECK(r.expect_end("session"));
  return s;
}

}  // namespace sanstls::native::handshake

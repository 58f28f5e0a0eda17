// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Test helpers for the conformance cases that read or rewrite the plaintext hellos on the wire
// (ems_test.cpp, client_hello_extensions_test.cpp): split a byte stream into TLS records, join
// them again, list a hello's extensions, drop one extension from a ServerHello with every length
// fixed. Bytes are read with wire::Reader and written with wire::Writer only.

#include "wire/reader.hpp"
#include "wire/writer.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace sanstls::test::hello_records {

constexpr std::uint8_t kHandshakeRecord = 22;
constexpr std::uint8_t kAlertRecord = 21;
constexpr std::uint8_t kClientHello = 1;
constexpr std::uint8_t kServerHello = 2;

/// One TLSPlaintext record (RFC 8446 §5.1, RFC 5246 §6.2.1).
struct Record {
  std::uint8_t type = 0;
  std::uint16_t version = 0;
  std::vector<std::uint8_t> fragment;
};

inline std::vector<std::uint8_t> to_u8(std::span<const std::byte> bytes) {
  std::vector<std::uint8_t> out(bytes.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) out[i] = std::to_integer<std::uint8_t>(bytes[i]);
  return out;
}

/// The records of `stream`, which must hold whole records only; nullopt when it does not.
inline std::optional<std::vector<Record>> split_records(std::span<const std::byte> stream) {
  const std::vector<std::uint8_t> bytes = to_u8(stream);
  wire::Reader reader{bytes};
  std::vector<Record> records;
  while (!reader.empty()) {
    auto type = reader.u8("ContentType");
    auto version = reader.u16("legacy_record_version");
    auto fragment = reader.vec16("fragment");
    if (!type || !version || !fragment) return std::nullopt;
    records.push_back({*type, *version, {fragment->begin(), fragment->end()}});
  }
  return records;
}

inline std::vector<std::byte> join_records(const std::vector<Record>& records) {
  wire::Writer w;
  for (const Record& record : records) {
    w.u8(record.type, "ContentType");
    w.u16(record.version, "legacy_record_version");
    w.vec16(record.fragment, "fragment");
  }
  auto bytes = std::move(w).finish();
  std::vector<std::byte> out;
  if (!bytes) return out;
  for (const std::uint8_t b : *bytes) out.push_back(static_cast<std::byte>(b));
  return out;
}

/// The extensions of a hello, in order: (type, body).
struct Extension {
  std::uint16_t type = 0;
  std::vector<std::uint8_t> body;
};

/// A ClientHello or ServerHello handshake message, taken apart (RFC 8446 §4.1.2/§4.1.3,
/// RFC 5246 §7.4.1.2/§7.4.1.3). For a ServerHello, `cipher_suites` holds the chosen suite
/// only and `compression` the chosen method.
struct Hello {
  std::uint8_t handshake_type = 0;
  std::uint16_t legacy_version = 0;
  std::vector<std::uint8_t> random;
  std::vector<std::uint8_t> session_id;
  std::vector<std::uint8_t> cipher_suites;  // ClientHello: the vector's body
  std::vector<std::uint8_t> compression;    // ClientHello: the vector's body
  std::vector<Extension> extensions;
  /// Bytes after the hello in the same record fragment (further handshake messages).
  std::vector<std::uint8_t> rest;
};

/// Parses the hello at the start of `fragment` (a handshake record's fragment); nullopt when it
/// is not a complete ClientHello or ServerHello.
inline std::optional<Hello> parse_hello(std::span<const std::uint8_t> fragment) {
  wire::Reader reader{fragment};
  auto type = reader.u8("HandshakeType");
  auto body = reader.child24("hello");
  if (!type || !body || (*type != kClientHello && *type != kServerHello)) return std::nullopt;
  Hello hello;
  hello.handshake_type = *type;
  auto version = body->u16("legacy_version");
  auto random = body->bytes(32, "random");
  auto session_id = body->vec8("legacy_session_id");
  if (!version || !random || !session_id) return std::nullopt;
  hello.legacy_version = *version;
  hello.random.assign(random->begin(), random->end());
  hello.session_id.assign(session_id->begin(), session_id->end());
  if (*type == kClientHello) {
    auto suites = body->vec16("cipher_suites");
    auto compression = body->vec8("legacy_compression_methods");
    if (!suites || !compression) return std::nullopt;
    hello.cipher_suites.assign(suites->begin(), suites->end());
    hello.compression.assign(compression->begin(), compression->end());
  } else {
    auto suite = body->bytes(2, "cipher_suite");
    auto compression = body->u8("legacy_compression_method");
    if (!suite || !compression) return std::nullopt;
    hello.cipher_suites.assign(suite->begin(), suite->end());
    hello.compression.push_back(*compression);
  }
  if (!body->empty()) {
    auto extensions = body->child16("extensions");
    if (!extensions || !body->expect_end("hello")) return std::nullopt;
    while (!extensions->empty()) {
      auto ext_type = extensions->u16("extension_type");
      auto ext_body = extensions->vec16("extension_data");
      if (!ext_type || !ext_body) return std::nullopt;
      hello.extensions.push_back({*ext_type, {ext_body->begin(), ext_body->end()}});
    }
  }
  const auto rest = reader.peek_rest();
  hello.rest.assign(rest.begin(), rest.end());
  return hello;
}

/// The fragment holding `hello` (and its `rest`) again, every length recomputed.
inline std::vector<std::uint8_t> serialize_hello(const Hello& hello) {
  wire::Writer w;
  w.u8(hello.handshake_type, "HandshakeType");
  {
    auto body = w.prefix24("hello");
    w.u16(hello.legacy_version, "legacy_version");
    w.bytes(hello.random, "random");
    w.vec8(hello.session_id, "legacy_session_id");
    if (hello.handshake_type == kClientHello) {
      w.vec16(hello.cipher_suites, "cipher_suites");
      w.vec8(hello.compression, "legacy_compression_methods");
    } else {
      w.bytes(hello.cipher_suites, "cipher_suite");
      w.bytes(hello.compression, "legacy_compression_method");
    }
    auto extensions = w.prefix16("extensions");
    for (const Extension& extension : hello.extensions) {
      w.u16(extension.type, "extension_type");
      w.vec16(extension.body, "extension_data");
    }
  }
  w.bytes(hello.rest, "rest");
  auto bytes = std::move(w).finish();
  return bytes ? std::move(*bytes) : std::vector<std::uint8_t>{};
}

/// The extension types of the ClientHello a session wrote first (`outbox`: its first flight).
inline std::optional<std::vector<std::uint16_t>> client_hello_extension_types(
    std::span<const std::byte> outbox) {
  auto records = split_records(outbox);
  if (!records || records->empty() || records->front().type != kHandshakeRecord) {
    return std::nullopt;
  }
  auto hello = parse_hello(records->front().fragment);
  if (!hello || hello->handshake_type != kClientHello) return std::nullopt;
  std::vector<std::uint16_t> types;
  for (const Extension& extension : hello->extensions) types.push_back(extension.type);
  return types;
}

}  // namespace sanstls::test::hello_records

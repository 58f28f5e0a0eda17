// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Reading the few hello fields the core needs from engines that do not expose them (the SNI
// name, the versions a peer offered), so that every engine can say precisely why a handshake
// was refused ("peer offered only TLS 1.0 and TLS 1.1 ..."). All parsing goes through
// wire::Reader.

#include <sanstls/error.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sanstls::core {

/// The host_name of a server_name extension body (RFC 6066 §3), lower-cased; "" when the list
/// holds no host_name. Malformed input is an error carrying decode_error.
Result<std::string> parse_server_name_extension(std::span<const std::uint8_t> body);

/// The versions of a ClientHello supported_versions extension body (RFC 8446 §4.2.1).
Result<std::vector<std::uint16_t>> parse_client_supported_versions(
    std::span<const std::uint8_t> body);

/// RFC 8446 §4.2.8: a ClientHello key_share extension body. An error (bad_tls_data,
/// illegal_parameter) when a share is empty: a malformed public key, refused alike by every
/// engine (OpenSSL would say decode_error). nullopt otherwise, malformed bodies included (the
/// engine reports those itself).
std::optional<Error> refuse_empty_key_share(std::span<const std::uint8_t> body);

/// What the core needs from a ServerHello.
struct ServerHelloSummary {
  /// supported_versions' selected_version if present (RFC 8446 §4.2.1), else legacy_version.
  std::uint16_t version = 0;
  /// Whether the extended_master_secret extension (RFC 7627) is present.
  bool extended_master_secret = false;
};

/// Reads a ServerHello handshake message (with its 4-byte header); nullopt if it is not one
/// or is malformed (the engine reports malformed messages itself).
std::optional<ServerHelloSummary> summarize_server_hello(std::span<const std::uint8_t> message);

/// What the core knows of the start of the peer's byte stream.
struct PeerStart {
  /// The first bytes the peer sent, up to a record header (5 bytes).
  std::span<const std::uint8_t> first_bytes;
  /// The length the peer's first handshake message announces (0 until its header arrived).
  std::size_t first_message_length = 0;
  /// The legacy_version of the peer's ClientHello, once its first 6 bytes arrived (we are the
  /// server).
  std::optional<std::uint16_t> client_hello_version;
  /// The peer is a client (we are the server).
  bool peer_is_client = false;
  /// Our policy requires TLS 1.3 (for the wording of a version refusal).
  bool tls13_only = false;
};

/// Classifies the start of the peer's stream once, before any engine reads it, so that input
/// that is not TLS (plain HTTP, an SSL 2.0 hello, garbage) or a first record no TLS peer sends
/// (oversized, empty, a hello announcing megabytes, data before the hello) fails with the same
/// Errc, alert and message on every engine. nullopt: nothing to refuse (yet). Error::alert_sent
/// is set when the refusal calls for an alert: the caller writes it with plaintext_alert().
/// Input that is not TLS gets no alert: its sender would not understand one.
std::optional<Error> refuse_peer_start(const PeerStart& start);

/// A plaintext alert record (RFC 8446 §5.1, §6): valid before any key is in use, which is when
/// refuse_peer_start() refuses.
std::vector<std::byte> plaintext_alert(Alert alert);

/// True if `offered` holds a version sanstls accepts (TLS 1.3, or TLS 1.2 unless tls13_only).
bool offers_acceptable_version(const std::vector<std::uint16_t>& offered, bool tls13_only);

/// "TLS 1.0", "TLS 1.2", "SSL 3.0", "0x7f1c"...
std::string protocol_version_text(std::uint16_t version);

/// The error for a peer whose versions are all forbidden. `offered` are the peer's versions
/// (a client's list, or the single version a server chose).
Error forbidden_versions_error(const std::vector<std::uint16_t>& offered, bool peer_is_server,
                               bool tls13_only);

}  // namespace sanstls::core

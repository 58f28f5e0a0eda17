// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Resumption state of the native engine, in our own formats (no OpenSSL structures):
//
// - the server's ticket (RFC 8446 §4.6.1 and RFC 5077 §4 leave its contents to the server):
//   what the server needs to resume, sealed with AES-256-GCM as
//     key name (16) || nonce (12) || AEAD(plaintext) || tag (16),
//   the additional data being the key name followed by the format byte;
// - the client's stored session: what the client needs to offer the ticket again (RFC 8446
//   §4.2.11, RFC 5077 §3.4), handed to the core as opaque bytes that may come back from an
//   application's disk.
//
// Both carry the protocol version they belong to: a TLS 1.3 ticket holds a resumption PSK, a
// TLS 1.2 one the master secret (RFC 5077 §4), and open_ticket() refuses a ticket of the other
// version, so one can never be used as the other. Both are parsed with the bounded wire::Reader
// and must be consumed exactly.

#include "base/secret_bytes.hpp"
#include "native/crypto/provider.hpp"
#include "native/types.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sanstls::native::handshake {

using base::SecretBytes;

/// The server's ticket plaintext.
struct TicketContents {
  /// The format of the sealed ticket (AAD), and of this plaintext (2: with the version tag's
  /// TLS 1.2 meaning and the flags byte).
  static constexpr std::uint8_t format = 2;
  /// Bounds (checked by parse): a PSK is a hash output, ALPN a protocol name (RFC 7301 §3.1), the
  /// context at most what the core puts there (core/limits.hpp max_ticket_context).
  static constexpr std::size_t max_alpn = 255;
  static constexpr std::size_t max_context = 0xffffff;

  /// tls13_version or tls12_version: which handshake may open the ticket.
  std::uint16_t version = tls13_version;
  /// A suite of `version` we implement.
  CipherSuite suite{};
  /// TLS 1.3: the resumption PSK derived from resumption_master_secret and the nonce (RFC 8446
  /// §4.6.1), the suite's hash length. TLS 1.2: the session's master secret (RFC 5077 §4), 48
  /// bytes.
  SecretBytes psk;
  /// TLS 1.2: the session used the extended master secret (RFC 7627 §5.3: only such sessions
  /// resume). Always false in TLS 1.3 tickets.
  bool extended_master_secret = false;
  std::uint32_t ticket_age_add = 0;
  /// Milliseconds since the Unix epoch when the ticket was sealed.
  std::uint64_t issued_ms = 0;
  /// Our max_early_data_size for this ticket (0: no 0-RTT).
  std::uint32_t max_early_data = 0;
  /// The ALPN protocol of the original connection ("" when none).
  std::string alpn;
  /// The core's context (EngineHooks::ticket_context), opaque here.
  std::vector<std::uint8_t> context;

  /// The plaintext (secret).
  [[nodiscard]] Result<SecretBytes> encode() const;
  /// Parses a plaintext exactly (decode_error otherwise; an unknown version or suite, or one of
  /// the other version, too).
  static Result<TicketContents> parse(Bytes plaintext);
};

/// Ticket framing sizes.
inline constexpr std::size_t ticket_key_name_length = 16;
inline constexpr std::size_t ticket_key_length = 32;  // AES-256-GCM
inline constexpr std::size_t ticket_overhead =
    ticket_key_name_length + crypto::aead_nonce_length + crypto::aead_tag_length;

/// A ticket key as the engine uses it: its public name and the AES-256-GCM key derived from it.
struct TicketSealingKey {
  std::array<std::uint8_t, ticket_key_name_length> name{};
  SecretBytes key;
};

/// Seals `contents` under `key` with `nonce` (random, 12 bytes: the caller draws it).
Result<std::vector<std::uint8_t>> seal_ticket(const crypto::CryptoProvider& provider,
                                              const TicketSealingKey& key, Bytes nonce,
                                              const TicketContents& contents);
/// The key name a ticket claims, or nothing when it is too short to be one of ours.
std::optional<Bytes> ticket_key_name(Bytes ticket);
/// Opens a ticket with the key its name designates (the caller found it) and parses it. Any
/// failure (wrong key, tampered bytes, malformed plaintext, a ticket of another protocol version
/// than `version`) is an error; a server treats it as "not a ticket of ours" and falls back to a
/// full handshake.
Result<TicketContents> open_ticket(const crypto::CryptoProvider& provider,
                                   const TicketSealingKey& key, Bytes ticket,
                                   std::uint16_t version = tls13_version);

/// What a client keeps of one NewSessionTicket (the engine_state of
/// EngineHooks::session_ticket_received), serialised as our own format.
struct ClientSessionState {
  static constexpr std::uint8_t format = 2;
  static constexpr std::size_t max_ticket = 0xffff;  // RFC 8446 §4.6.1: opaque ticket<1..2^16-1>

  /// tls13_version (a PSK ticket) or tls12_version (an RFC 5077 ticket).
  std::uint16_t version = tls13_version;
  CipherSuite suite{};
  /// TLS 1.3: the resumption PSK. TLS 1.2: the master secret (48 bytes).
  SecretBytes psk;
  /// TLS 1.2: the session used the extended master secret (RFC 7627 §5.3).
  bool extended_master_secret = false;
  std::vector<std::uint8_t> ticket;
  std::uint32_t ticket_age_add = 0;
  /// Milliseconds since the Unix epoch when the ticket was received.
  std::uint64_t received_ms = 0;
  std::uint32_t lifetime_seconds = 0;
  std::uint32_t max_early_data = 0;
  std::string alpn;

  [[nodiscard]] Result<SecretBytes> encode() const;
  static Result<ClientSessionState> parse(Bytes bytes);
};

}  // namespace sanstls::native::handshake

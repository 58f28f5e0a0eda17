// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The core's part of resumption data, on both sides, as bytes:
// - a client's stored session (what goes into the SessionStore): who may offer it (engine,
//   configuration fingerprint), until when, and what the first handshake established (ALPN,
//   version, suite, the verified server chain), around the engine's own state;
// - a server's ticket context (what the engine seals inside each ticket): the session's lineage
//   for revocation, SNI, ALPN and the verified client chain.
// Both are parsed with the bounded wire::Reader: stored sessions may come back from an
// application's disk, ticket contexts only from our own sealed tickets, but neither is trusted.

#include <sanstls/credentials.hpp>
#include <sanstls/error.hpp>
#include <sanstls/protocol.hpp>

#include "base/secret_bytes.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sanstls::core {

/// SHA-256 over what decides whether a stored session may be offered by a configuration.
using ConfigurationFingerprint = std::array<std::uint8_t, 32>;

struct ClientSessionRecord {
  Backend backend = Backend::openssl;
  ConfigurationFingerprint fingerprint{};
  std::chrono::system_clock::time_point expires;
  std::uint32_t max_early_data = 0;
  ProtocolVersion version = ProtocolVersion::tls13;
  CipherSuite cipher_suite = CipherSuite::tls_aes_128_gcm_sha256;
  std::string alpn;
  /// The server chain verified in the original handshake, DER, leaf first.
  std::vector<std::vector<std::byte>> peer_chain;
  /// The engine's own state (secret).
  base::SecretBytes engine_state;
};

/// The bytes for a StoredSession (secret: they hold the engine state).
Result<base::SecretBytes> encode(const ClientSessionRecord& record);
/// Parses what encode() made; fails (Errc::bad_tls_data) on anything else.
Result<ClientSessionRecord> parse_client_session(std::span<const std::byte> bytes);

/// A session's lineage: made when a session first issues tickets, inherited by every session
/// that resumes from them, so revoking it refuses every ticket descended from that session.
struct SessionLineage {
  std::array<std::uint8_t, 16> id{};
  /// When the first session of the lineage started (bounds the revocation register).
  std::chrono::system_clock::time_point started;
};

struct TicketContext {
  SessionLineage lineage;
  std::string server_name;
  std::string alpn;
  /// The client chain verified in the original handshake (empty without client
  /// authentication), DER, leaf first.
  std::vector<std::vector<std::byte>> peer_chain;
};

Result<std::vector<std::byte>> encode(const TicketContext& context);
Result<TicketContext> parse_ticket_context(std::span<const std::byte> bytes);

}  // namespace sanstls::core

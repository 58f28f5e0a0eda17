// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
/// @file backends.hpp
/// What each engine is and can do. Asking an engine for something it cannot do fails when
/// the configuration is built (Errc::unsupported); an engine never silently does less.

#include <sanstls/export.hpp>
#include <sanstls/protocol.hpp>

#include <string>
#include <vector>

namespace sanstls {

/// What one engine of this build is and can do (see `sanstls backends --json`).
struct BackendCapabilities {
  /// The engine described.
  Backend backend = Backend::openssl;
  /// False when this build of sanstls has no such engine.
  bool available = false;
  /// "OpenSSL 3.0.19 ...", "GnuTLS 3.7.9", "sanstls native 0.1.0 (libcrypto 3.0.19)".
  std::string library_version;
  /// The protocol versions the engine speaks in both roles (a subset of what the policy allows).
  std::vector<ProtocolVersion> versions;
  /// The protocol versions the engine speaks as a client (at least `versions`).
  std::vector<ProtocolVersion> client_versions;
  /// The cipher suites the engine can negotiate, in sanstls's order of preference.
  std::vector<CipherSuite> cipher_suites;
  /// The key-exchange groups the engine can use, in sanstls's order of preference.
  std::vector<NamedGroup> groups;
  /// ALPN (RFC 7301) in both roles.
  bool alpn = false;
  /// Client certificates (mutual TLS) in both roles.
  bool client_certificates = false;
  /// The server's certificate store may answer after select() returned.
  bool async_server_certificates = false;
  /// The client's certificate store may answer after select() returned.
  bool async_client_certificates = false;
  /// Session resumption with tickets (TLS 1.3 psk_dhe_ke; TLS 1.2 RFC 5077 with EMS), both
  /// roles, per protocol version.
  std::vector<ProtocolVersion> resumption;
  /// 0-RTT early data with anti-replay, both roles.
  bool early_data = false;
  /// Tickets sealed under a TicketKeys key stay openable after rotate() until they expire
  /// (false: the engine opens only tickets of the current key).
  bool ticket_key_history = false;
  /// Session::update_keys() and automatic TLS 1.3 key changes.
  bool key_update = false;
  /// The hazmat key log (hazmat::Settings::key_log).
  bool key_log = false;
  /// Who validates the peer's certificate path: "sanstls" (sanstls's own validator, docs/x509.md)
  /// or "openssl" (libcrypto's X509_verify_cert); sanstls's policy checks apply either way.
  std::string certificate_validation = "openssl";
};

/// Every engine sanstls knows, available or not, in the order openssl, gnutls, native.
SANSTLS_API std::vector<BackendCapabilities> backends();
/// The capabilities of one engine (`available` is false when this build lacks it).
SANSTLS_API BackendCapabilities backend_capabilities(Backend backend);

}  // namespace sanstls

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The GnuTLS priority string for one configuration. It always starts from "NONE" and names
// every algorithm explicitly: the system-wide policy (@SYSTEM, /etc/gnutls/config priorities)
// never decides what sanstls offers.

#include <sanstls/error.hpp>

#include "core/engine.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sanstls::gnutls_backend {

/// The priority string and the versions it enables.
struct PriorityPlan {
  /// Client: the exact string. Server: the string until the ClientHello was read (the union
  /// of what is configured); each session then narrows it with server_session_priority().
  std::string text;
  bool tls12 = false;
  bool tls13 = false;
  bool server = false;
  /// The configured suites of each version that remain enabled, in preference order.
  std::vector<CipherSuite> tls13_suites;
  std::vector<CipherSuite> tls12_suites;
  std::vector<NamedGroup> groups;
};

/// Builds the priority string for `config`, or Errc::unsupported when GnuTLS cannot express the
/// configured set of cipher suites exactly (GnuTLS enables the product of ciphers x key
/// exchanges x versions, not individual suites). `server`: adds %SERVER_PRECEDENCE.
Result<PriorityPlan> make_priority(const core::CommonConfig& config, bool server);

/// Server: the first configured TLS 1.2 suite (server preference) that the client offers and
/// that suits the certificate's key (ECDHE_RSA for RSA, ECDHE_ECDSA for ECDSA and Ed25519).
std::optional<CipherSuite> choose_tls12_suite(const PriorityPlan& plan,
                                              const std::vector<std::uint16_t>& offered,
                                              KeyType key);

/// Server: the string for one session once the ClientHello was read: the configured TLS 1.3
/// suites exactly (`tls13`), or exactly `tls12_suite`, so that GnuTLS's cross product of
/// ciphers and key exchanges never enables a suite that was not configured.
std::string server_session_priority(const PriorityPlan& plan, bool tls13,
                                    std::optional<CipherSuite> tls12_suite);

}  // namespace sanstls::gnutls_backend

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Turns a GnuTLS error code into a sanstls Error: the Errc, the alert the failure calls for
// (which the engine then sends itself: GnuTLS never sends alerts on its own), and a message in
// sanstls's words. Messages are the ones the OpenSSL engine uses for the same failure, so the
// same cause reads the same whatever the engine.

#include <sanstls/error.hpp>
#include <sanstls/protocol.hpp>

#include "backends/gnutls/hello.hpp"

#include <optional>
#include <string>
#include <vector>

namespace sanstls::gnutls_backend {

/// What the engine knows when a GnuTLS call fails.
struct ErrorContext {
  bool server = false;
  /// The peer's ClientHello (server side) or ServerHello (client side), when it was read.
  const HelloSummary* peer_hello = nullptr;
  /// TLS 1.3 only (the policy, a hazmat cap or the configured suites exclude TLS 1.2).
  bool tls13_only = false;
  /// This endpoint's ALPN protocols.
  std::vector<std::string> alpn;
  /// False once the handshake is complete: a version error is then a malformed record.
  bool handshaking = true;
  /// gnutls_alert_get() after GNUTLS_E_FATAL_ALERT_RECEIVED.
  std::optional<Alert> alert_received;
};

/// The Error for a fatal GnuTLS error code. Error::alert_sent is the alert the engine should
/// send (none for a received alert).
Error classify_gnutls_error(int code, const ErrorContext& context);

/// The Error for a fatal alert from the peer (shared with the handshake's warning handling).
Error alert_received_error(Alert alert);

}  // namespace sanstls::gnutls_backend

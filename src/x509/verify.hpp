#pragma once
// Certificate chain validation shared by every engine: path building and the RFC 5280 checks
// through libcrypto's X.509 verifier, plus sanstls's own policy (key sizes, signature hashes)
// and name matching. Every engine calls this, so the same chain gets the same verdict and the
// same error message whichever engine runs the handshake.

#include <sanstls/credentials.hpp>
#include <sanstls/error.hpp>

#include "x509/server_name.hpp"

#include <chrono>
#include <optional>
#include <span>

namespace sanstls::x509 {

/// What the verified certificate is for.
enum class Purpose { server_auth, client_auth };

struct VerifyRequest {
  /// The chain as the peer sent it, leaf first (more certificates than needed are allowed).
  std::span<const Certificate> presented;
  const TrustStore* trust = nullptr;
  Purpose purpose = Purpose::server_auth;
  /// For server_auth: the name the client asked for (mandatory); unused for client_auth.
  const ServerName* server_name = nullptr;
  std::chrono::system_clock::time_point now;
};

/// Verifies `request`. On failure: Errc::certificate_rejected, the precise
/// CertificateProblem, alert_sent set to the alert the engine must send (RFC 8446 §6.2), and a
/// message naming the certificate and the failed check.
Result<void> verify_chain(const VerifyRequest& request);

}  // namespace sanstls::x509

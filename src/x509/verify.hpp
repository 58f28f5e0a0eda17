// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Certificate chain validation shared by every engine: path building and the RFC 5280 checks
// through libcrypto's X.509 verifier, plus sanstls's own policy (key sizes, signature hashes)
// and name matching. Every engine calls this, so the same chain gets the same verdict and the
// same error message whichever engine runs the handshake.

#include <sanstls/credentials.hpp>
#include <sanstls/error.hpp>

#include "x509/server_name.hpp"

#include <openssl/types.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>

namespace sanstls::x509 {

namespace path {
class VerifierCache;
}

/// What the verified certificate is for.
enum class Purpose { server_auth, client_auth };

/// Which path validator judges the chain (docs/x509.md): libcrypto's X509_verify_cert plus
/// sanstls's policy checks, or sanstls's own (src/x509/path, DER parsed by src/x509/der).
enum class Validator { openssl, sanstls };

struct VerifyRequest {
  /// The chain as the peer sent it, leaf first (more certificates than needed are allowed).
  std::span<const Certificate> presented;
  const TrustStore* trust = nullptr;
  Purpose purpose = Purpose::server_auth;
  /// For server_auth: the name the client asked for (mandatory); unused for client_auth.
  const ServerName* server_name = nullptr;
  /// The time at which the chain must be valid. Always set it (the engines take it from the
  /// injected clock); the default, the epoch, makes every real certificate "not yet valid".
  std::chrono::system_clock::time_point now;
  /// The libcrypto library context for path building and signature checks (providers,
  /// properties). nullptr means the default library context. Owned by the caller, who keeps it
  /// alive for the call; creating a context per verification would be far too slow.
  OSSL_LIB_CTX* libctx = nullptr;
  /// The validator; the native engine uses sanstls's, the others libcrypto's.
  Validator validator = Validator::openssl;
  /// sanstls's validator: the configuration's prepared signature checks (path/verifier_cache.hpp),
  /// or nullptr to set each check up from scratch. Owned by the caller.
  const path::VerifierCache* verifiers = nullptr;
  /// Intermediate certificates allowed between the leaf and the trust anchor; 0 means the
  /// default (10, x509/path/limits.hpp). The sanstls validator accepts up to 30; the OpenSSL
  /// one uses the same number as its verification depth.
  std::size_t max_intermediates = 0;
};

/// Verifies `request`. On failure: Errc::certificate_rejected, the precise
/// CertificateProblem, alert_sent set to the alert the engine must send (RFC 8446 §6.2), and a
/// message naming the certificate and the failed check.
Result<void> verify_chain(const VerifyRequest& request);

/// Whether a chain is fit to present (leaf first): the same key, signature and usage policy
/// that verify_chain applies, so a sanstls endpoint never sends what a sanstls peer refuses.
/// Fails with Errc::bad_configuration and a CredentialProblem.
Result<void> check_presentable(std::span<const Certificate> chain);

/// The alert (RFC 8446 §6.2) an engine sends when it rejects a peer's certificate chain for
/// `problem` (the table is in verify.cpp, with the reasons). For `missing` it depends on who
/// failed to send a certificate (RFC 8446 §4.4.2.4).
Alert alert_for(CertificateProblem problem, Purpose purpose);

}  // namespace sanstls::x509

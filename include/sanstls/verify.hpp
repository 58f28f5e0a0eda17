// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
/// @file verify.hpp
/// Certificate path validation outside a TLS session (what `sanstls verify` does): the same
/// checks a session applies to its peer's chain, with a choice of validator (docs/x509.md).

#include <sanstls/credentials.hpp>
#include <sanstls/error.hpp>
#include <sanstls/export.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>

namespace sanstls {

/// Which path validator judges a chain.
enum class PathValidator {
  /// sanstls's own (strict DER, RFC 5280 §6 path building and checks); the native engine's.
  sanstls,
  /// libcrypto's X509_verify_cert plus sanstls's policy checks; the OpenSSL and GnuTLS engines'.
  openssl,
};

/// What the chain is verified for, and how.
struct ChainCheck {
  /// True: a TLS client certificate (clientAuth); false: a TLS server certificate.
  bool client = false;
  /// For a server certificate: the DNS name or IP literal the client asks for (required).
  std::string name;
  /// The time at which the chain must be valid; the system clock when not set.
  std::optional<std::chrono::system_clock::time_point> time;
  /// Intermediate certificates allowed between leaf and trust anchor; 0 means the default (10,
  /// docs/limits.md). The sanstls validator accepts at most 30.
  std::size_t max_intermediates = 0;
  /// The validator.
  PathValidator validator = PathValidator::sanstls;
};

/// Verifies `chain` (leaf first, then untrusted intermediates in any order) against `trust`.
/// On failure: Errc::certificate_rejected with the CertificateProblem, the alert a TLS engine
/// would send, and a message naming the certificate and the rule; Errc::bad_configuration when
/// `check.name` is not a valid name.
SANSTLS_API Result<void> verify_certificate_chain(std::span<const Certificate> chain,
                                                  const TrustStore& trust, const ChainCheck& check);

}  // namespace sanstls

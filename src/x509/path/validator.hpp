// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// sanstls's own certificate path validator (RFC 5280 §6, with path building after RFC 4158):
// from the leaf through the peer's untrusted certificates, in any order, to any trust anchor,
// trying every candidate issuer depth-first with backtracking, each certificate at most once
// per path, within the budgets of x509/path/limits.hpp. The rules and where they differ from
// libcrypto's validator: docs/x509.md.

#include <sanstls/error.hpp>

#include "x509/verify.hpp"

namespace sanstls::x509::path {

/// The sanstls validator behind verify_chain (same contract: on failure
/// Errc::certificate_rejected with the CertificateProblem, the alert to send and a message
/// naming the certificate, its depth and the rule). `request` has been checked for misuse
/// (trust store present, a name for server_auth, at least one certificate).
Result<void> validate(const VerifyRequest& request);

}  // namespace sanstls::x509::path

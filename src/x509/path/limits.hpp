// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The budgets of sanstls's own path validator (docs/limits.md, docs/x509.md). They bound what
// a hostile chain can cost: whatever the peer sends, one validation makes at most
// max_signature_checks signature verifications and examines at most max_issuer_candidates
// (certificate, candidate issuer) pairs.

#include <cstddef>

namespace sanstls::x509::path::limits {

/// Intermediate CA certificates between the leaf and the trust anchor, by default. The same as
/// the OpenSSL validator's depth (x509/verify.cpp), so both engines' verdicts agree.
inline constexpr std::size_t default_max_intermediates = 10;
/// The most a caller (`sanstls verify --max-depth`) may allow.
inline constexpr std::size_t max_max_intermediates = 30;
/// Signature verifications per validation (cached results are not counted again). A valid
/// 12-certificate path needs 11; 64 leaves room for backtracking over a few wrong candidates.
inline constexpr std::size_t max_signature_checks = 64;
/// (certificate, candidate issuer) pairs examined per validation, whatever their outcome.
inline constexpr std::size_t max_issuer_candidates = 1024;

}  // namespace sanstls::x509::path::limits

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The X.509 path-validation corpus (issue #19): a table of certificate paths, each made fresh by
// the test certificate maker, with the verdict RFC 5280 (and sanstls's policy on top of it)
// gives. Every validator of the project runs the same table: today's libcrypto-based
// x509::verify_chain and our own path validator (corpus_test.cpp runs both).
//
// The table is independent of any validator's types: certificates are DER bytes (some are
// deliberately not valid DER, so they cannot be Certificate objects for every case), names and
// purposes are plain values.

#include <sanstls/error.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sanstls::corpus {

/// Which TLS role the end-entity certificate is checked for (RFC 5280 §4.2.1.12
/// id-kp-serverAuth / id-kp-clientAuth).
enum class Purpose : std::uint8_t { server, client };

using Der = std::vector<std::uint8_t>;

/// What a correct validator answers.
struct Expected {
  /// True: a path exists and passes every check.
  bool valid = true;
  /// When refused: the CertificateProblem it must report.
  CertificateProblem problem = CertificateProblem::none;
  /// When refused: a fragment the message should contain (lower case compare is up to the
  /// runner); empty means "any message".
  std::string message_fragment;
};

struct Case {
  /// Unique, snake_case: the test name and the directory name when written out.
  std::string name;
  /// What the case is about and the rule (RFC section) that decides it.
  std::string rule;
  /// Leaf first, then the untrusted certificates in a deliberately shuffled order.
  std::vector<Der> chain;
  /// The trust anchors (self-signed roots unless the case says otherwise).
  std::vector<Der> trust;
  /// The reference identity: a DNS name or an IP literal; empty for client certificates.
  std::string host;
  Purpose purpose = Purpose::server;
  /// The validation time.
  std::chrono::system_clock::time_point time;
  Expected expected;
};

/// A case where libcrypto's X509_verify_cert (through x509::verify_chain) does not give the
/// RFC answer the corpus expects: what it answers instead, and the RFC section that says why
/// the corpus is right. corpus_test.cpp asserts each entry (so the list cannot go
/// stale); another validator's tests can use it to document where the two validators differ.
struct OpensslDisagreement {
  std::string_view case_name;
  Expected openssl;
  std::string_view why;
};

/// Every known disagreement between the corpus and libcrypto's validator.
const std::vector<OpensslDisagreement>& known_openssl_disagreements();
/// The entry for `case_name`, or nullptr.
const OpensslDisagreement* openssl_disagreement_for(std::string_view case_name);

/// The validation time of (almost) every case: 2026-06-01T00:00:00Z.
std::chrono::system_clock::time_point corpus_time();

/// Builds the whole corpus (fresh keys and certificates every call; a few seconds at most).
/// Set-up failures (the certificate maker refusing an option) are returned as an Error.
Result<std::vector<Case>> make_corpus();

/// "valid" or "refused: <problem>" (for messages and the JSON manifest).
std::string describe(const Expected& expected);

/// One PEM file's text for a list of DER certificates (the BER/trailing-byte ones included:
/// PEM is only base64 around the bytes).
std::string to_pem(const std::vector<Der>& certificates);

/// Writes every case as <directory>/<name>/{chain.pem,trust.pem} and a manifest
/// <directory>/manifest.json (name, rule, host, purpose, time in RFC 3339, expected verdict,
/// expected problem and message fragment), for `sanstls verify --chain --trust` runs.
Result<void> write_corpus(const std::vector<Case>& cases, const std::string& directory);

}  // namespace sanstls::corpus

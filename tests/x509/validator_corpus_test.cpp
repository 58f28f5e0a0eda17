// SPDX-License-Identifier: Apache-2.0 OR MIT
// The X.509 corpus (corpus_cases.hpp) through sanstls's own validator (x509/path): every case
// must give the verdict the corpus expects, except the few listed below, where sanstls's
// documented policy differs from the corpus's reading (docs/x509.md); for those the test
// asserts exactly the listed verdict, so the list cannot go stale.

#include "x509/corpus_cases.hpp"
#include "x509/server_name.hpp"
#include "x509/verify.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace sanstls::corpus {
namespace {

struct Verdict {
  bool valid = false;
  CertificateProblem problem = CertificateProblem::none;
  std::string message;
};

std::string describe(const Verdict& verdict) {
  return verdict.valid ? "valid"
                       : fmt::format("refused: {} ({})", certificate_problem_name(verdict.problem),
                                     verdict.message);
}

bool matches(const Verdict& verdict, const Expected& expected) {
  if (verdict.valid || expected.valid) {
    return verdict.valid == expected.valid;
  }
  return verdict.problem == expected.problem &&
         (expected.message_fragment.empty() ||
          verdict.message.find(expected.message_fragment) != std::string::npos);
}

/// Where sanstls's validator answers differently from the corpus, and why (docs/x509.md).
struct SanstlsDisagreement {
  std::string_view case_name;
  Expected sanstls;
  std::string_view why;
};
const std::vector<SanstlsDisagreement>& known_sanstls_disagreements() {
  static const std::vector<SanstlsDisagreement> list{
      {"nc_wildcard_outside_excluded",
       Expected{false, CertificateProblem::name_constraint_violation,
                "is in the excluded subtree 'secret.example.com'"},
       "a wildcard SAN '*.example.com' is a name for secret.example.com too, which the CA "
       "excluded (RFC 5280 §4.2.1.10 constrains every name the certificate can be used for); "
       "sanstls refuses any wildcard that could match an excluded name (docs/x509.md)"},
  };
  return list;
}

Verdict run_sanstls(const Case& entry) {
  std::vector<Certificate> chain;
  for (const Der& der : entry.chain) {
    auto certificate = Certificate::from_der(std::as_bytes(std::span(der)));
    if (!certificate) {
      // The engines hand the validator only what libcrypto could read (Certificate objects);
      // a certificate it cannot read never reaches path validation.
      return Verdict{false, CertificateProblem::malformed, certificate.error().message};
    }
    chain.push_back(std::move(*certificate));
  }
  std::vector<Certificate> anchors;
  for (const Der& der : entry.trust) {
    auto certificate = Certificate::from_der(std::as_bytes(std::span(der)));
    if (!certificate) {
      ADD_FAILURE() << entry.name << ": trust anchor: " << certificate.error().message;
      return Verdict{};
    }
    anchors.push_back(std::move(*certificate));
  }
  auto trust = TrustStore::from_certificates(std::move(anchors));
  if (!trust) {
    ADD_FAILURE() << entry.name << ": " << trust.error().message;
    return Verdict{};
  }
  std::optional<x509::ServerName> name;
  x509::VerifyRequest request;
  request.validator = x509::Validator::sanstls;
  request.presented = chain;
  request.trust = &*trust;
  request.now = entry.time;
  if (entry.purpose == Purpose::server) {
    auto parsed = x509::ServerName::parse(entry.host);
    if (!parsed) {
      ADD_FAILURE() << entry.name << ": host: " << parsed.error().message;
      return Verdict{};
    }
    name = std::move(*parsed);
    request.purpose = x509::Purpose::server_auth;
    request.server_name = &*name;
  } else {
    request.purpose = x509::Purpose::client_auth;
  }
  auto verified = x509::verify_chain(request);
  if (verified) {
    return Verdict{true, CertificateProblem::none, {}};
  }
  EXPECT_EQ(verified.error().code, Errc::certificate_rejected)
      << entry.name << ": " << verified.error().message;
  return Verdict{false, verified.error().certificate_problem, verified.error().message};
}

TEST(X509CorpusSanstls, SanstlsValidatorGivesTheExpectedVerdicts) {
  auto cases = make_corpus();
  ASSERT_TRUE(cases) << cases.error().message;
  ASSERT_GE(cases->size(), 60U);
  int agreed = 0;
  int disagreed = 0;
  int openssl_wrong_sanstls_right = 0;
  for (const Case& entry : *cases) {
    const Verdict verdict = run_sanstls(entry);
    const auto& list = known_sanstls_disagreements();
    const auto known = std::find_if(list.begin(), list.end(),
                                    [&](const auto& d) { return d.case_name == entry.name; });
    if (known != list.end()) {
      ++disagreed;
      EXPECT_TRUE(matches(verdict, known->sanstls))
          << entry.name << ": listed as a sanstls disagreement ("
          << corpus::describe(known->sanstls) << ") but sanstls says " << describe(verdict);
      continue;
    }
    ++agreed;
    openssl_wrong_sanstls_right += openssl_disagreement_for(entry.name) != nullptr ? 1 : 0;
    EXPECT_TRUE(matches(verdict, entry.expected))
        << entry.name << " (" << entry.rule << "): expected " << corpus::describe(entry.expected)
        << (entry.expected.message_fragment.empty()
                ? std::string{}
                : " mentioning '" + entry.expected.message_fragment + "'")
        << ", the sanstls validator says " << describe(verdict);
  }
  std::cout << "[ corpus   ] sanstls validator: " << agreed << " cases agree with the corpus ("
            << openssl_wrong_sanstls_right << " of them where libcrypto does not), " << disagreed
            << " listed disagreements\n";
}

}  // namespace
}  // namespace sanstls::corpus

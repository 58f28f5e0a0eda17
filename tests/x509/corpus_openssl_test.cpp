// SPDX-License-Identifier: Apache-2.0 OR MIT
// The X.509 corpus (corpus_cases.hpp) through today's validator, x509::verify_chain
// (libcrypto's X509_verify_cert plus sanstls's own checks). Every case must give the verdict
// the corpus expects, except the cases listed in known_openssl_disagreements, where RFC 5280
// and libcrypto differ: for those the test asserts that libcrypto gives exactly the listed
// (wrong) verdict, so the list cannot go stale in either direction.

#include "x509/corpus_cases.hpp"
#include "x509/server_name.hpp"
#include "x509/verify.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace sanstls::corpus {
namespace {

/// One verdict: what a validator said.
struct Verdict {
  bool valid = false;
  CertificateProblem problem = CertificateProblem::none;
  std::string message;
};

std::string describe(const Verdict& verdict) {
  if (verdict.valid) {
    return "valid";
  }
  return fmt::format("refused: {} ({})", certificate_problem_name(verdict.problem),
                     verdict.message);
}

/// `verdict` gives the answer `expected` describes (the verdict, the problem and, when the
/// expectation names one, the message fragment).
bool matches(const Verdict& verdict, const Expected& expected) {
  if (verdict.valid || expected.valid) {
    return verdict.valid == expected.valid;
  }
  return verdict.problem == expected.problem &&
         (expected.message_fragment.empty() ||
          verdict.message.find(expected.message_fragment) != std::string::npos);
}

Verdict run_openssl(const Case& entry) {
  std::vector<Certificate> chain;
  for (const Der& der : entry.chain) {
    auto certificate = Certificate::from_der(std::as_bytes(std::span(der)));
    if (!certificate) {
      // The engines parse the peer's Certificate message the same way: a certificate that
      // libcrypto cannot read (or that has bytes after it) never reaches path validation.
      return Verdict{false, CertificateProblem::malformed, certificate.error().message};
    }
    chain.push_back(std::move(*certificate));
  }
  std::vector<Certificate> anchors;
  for (const Der& der : entry.trust) {
    auto certificate = Certificate::from_der(std::as_bytes(std::span(der)));
    if (!certificate) {
      ADD_FAILURE() << entry.name
                    << ": the trust anchor does not parse: " << certificate.error().message;
      return Verdict{};
    }
    anchors.push_back(std::move(*certificate));
  }
  auto trust = TrustStore::from_certificates(std::move(anchors));
  if (!trust) {
    ADD_FAILURE() << entry.name << ": trust store: " << trust.error().message;
    return Verdict{};
  }
  std::optional<x509::ServerName> name;
  x509::VerifyRequest request;
  request.presented = chain;
  request.trust = &*trust;
  request.now = entry.time;
  if (entry.purpose == Purpose::server) {
    auto parsed = x509::ServerName::parse(entry.host);
    if (!parsed) {
      ADD_FAILURE() << entry.name << ": host '" << entry.host << "': " << parsed.error().message;
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

const std::vector<Case>& corpus() {
  static const std::vector<Case> cases = [] {
    auto made = make_corpus();
    if (!made) {
      ADD_FAILURE() << made.error().message;
      return std::vector<Case>{};
    }
    return std::move(*made);
  }();
  return cases;
}

TEST(X509Corpus, HasAtLeastSixtyUniqueCases) {
  const auto& cases = corpus();
  EXPECT_GE(cases.size(), 60U);
  std::set<std::string> names;
  for (const Case& entry : cases) {
    EXPECT_TRUE(names.insert(entry.name).second) << "duplicate case " << entry.name;
    EXPECT_FALSE(entry.chain.empty()) << entry.name;
    EXPECT_FALSE(entry.trust.empty()) << entry.name;
    EXPECT_FALSE(entry.rule.empty()) << entry.name;
    EXPECT_EQ(entry.host.empty(), entry.purpose == Purpose::client) << entry.name;
    EXPECT_EQ(entry.expected.valid, entry.expected.problem == CertificateProblem::none)
        << entry.name;
  }
  // Both verdicts are well represented, so a validator that always says one thing fails.
  const auto valid = std::count_if(cases.begin(), cases.end(),
                                   [](const Case& entry) { return entry.expected.valid; });
  EXPECT_GE(valid, 20);
  EXPECT_GE(static_cast<long>(cases.size()) - valid, 30);
}

TEST(X509Corpus, EveryDisagreementNamesARealCase) {
  for (const OpensslDisagreement& entry : known_openssl_disagreements()) {
    const auto& cases = corpus();
    const auto found = std::find_if(cases.begin(), cases.end(),
                                    [&](const Case& c) { return c.name == entry.case_name; });
    ASSERT_NE(found, cases.end()) << entry.case_name;
    // A disagreement is a different answer, not the expected one restated.
    EXPECT_FALSE(found->expected.valid == entry.openssl.valid &&
                 found->expected.problem == entry.openssl.problem)
        << entry.case_name;
  }
}

TEST(X509Corpus, OpensslValidatorGivesTheExpectedVerdicts) {
  int agreed = 0;
  int disagreed = 0;
  for (const Case& entry : corpus()) {
    const Verdict verdict = run_openssl(entry);
    if (const OpensslDisagreement* known = openssl_disagreement_for(entry.name)) {
      ++disagreed;
      EXPECT_TRUE(matches(verdict, known->openssl))
          << entry.name << ": listed as a known disagreement (libcrypto should say "
          << corpus::describe(known->openssl) << ") but it says " << describe(verdict)
          << "; update known_openssl_disagreements";
      continue;
    }
    ++agreed;
    EXPECT_TRUE(matches(verdict, entry.expected))
        << entry.name << " (" << entry.rule << "): expected " << corpus::describe(entry.expected)
        << (entry.expected.message_fragment.empty()
                ? std::string{}
                : " mentioning '" + entry.expected.message_fragment + "'")
        << ", verify_chain says " << describe(verdict);
  }
  std::cout << "[ corpus   ] " << agreed << " cases agree, " << disagreed
            << " known disagreements with libcrypto\n";
}

// The corpus as files (chain.pem, trust.pem per case and manifest.json) for `sanstls verify`
// runs, in the build tree (the test's working directory) or SANSTLS_X509_CORPUS_DIR.
TEST(X509Corpus, WritesTheCorpusAsFiles) {
  const char* configured = std::getenv("SANSTLS_X509_CORPUS_DIR");
  const std::string directory = configured != nullptr ? configured : "x509_corpus";
  auto written = write_corpus(corpus(), directory);
  ASSERT_TRUE(written) << written.error().message;
  std::ifstream manifest(std::filesystem::path(directory) / "manifest.json");
  const std::string text((std::istreambuf_iterator<char>(manifest)),
                         std::istreambuf_iterator<char>());
  for (const Case& entry : corpus()) {
    EXPECT_NE(text.find("\"" + entry.name + "\""), std::string::npos) << entry.name;
    const auto chain = std::filesystem::path(directory) / entry.name / "chain.pem";
    std::ifstream in(chain);
    const std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(pem, to_pem(entry.chain)) << chain;
  }
}

}  // namespace
}  // namespace sanstls::corpus

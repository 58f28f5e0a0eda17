// SPDX-License-Identifier: Apache-2.0 OR MIT
// The X.509 corpus (corpus_cases.hpp) through every validator of x509::verify_chain, one
// table-driven runner parameterised by validator: libcrypto's (X509_verify_cert plus sanstls's
// own checks) and sanstls's own (x509/path). Every case must give the verdict the corpus
// expects, except the cases listed as that validator's known disagreements: for libcrypto
// where RFC 5280 and libcrypto differ (known_openssl_disagreements), for sanstls where its
// documented policy differs from the corpus's reading (docs/x509.md). For those the test
// asserts exactly the listed verdict, so a list cannot go stale in either direction.

#include "x509/corpus_cases.hpp"
#include "x509/path/verifier_cache.hpp"
#include "x509/server_name.hpp"
#include "x509/verify.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
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

/// A case where a validator answers differently from the corpus: what it answers, and why.
struct Disagreement {
  std::string_view case_name;
  Expected answer;
  std::string_view why;
};

std::vector<Disagreement> openssl_disagreements() {
  std::vector<Disagreement> list;
  for (const OpensslDisagreement& entry : known_openssl_disagreements()) {
    list.push_back({entry.case_name, entry.openssl, entry.why});
  }
  return list;
}

/// Where sanstls's validator answers differently from the corpus, and why (docs/x509.md).
std::vector<Disagreement> sanstls_disagreements() {
  return {
      {"nc_wildcard_outside_excluded",
       Expected{false, CertificateProblem::name_constraint_violation,
                "is in the excluded subtree 'secret.example.com'"},
       "a wildcard SAN '*.example.com' is a name for secret.example.com too, which the CA "
       "excluded (RFC 5280 §4.2.1.10 constrains every name the certificate can be used for); "
       "sanstls refuses any wildcard that could match an excluded name (docs/x509.md)"},
  };
}

/// A validator under test and its known disagreements with the corpus.
struct ValidatorUnderTest {
  const char* name;
  x509::Validator validator;
  std::vector<Disagreement> (*disagreements)();
  /// Where its list lives (for the message when an entry goes stale).
  const char* list;
  /// sanstls's validator with a configuration's prepared signature checks
  /// (x509/path/verifier_cache.hpp): each case is validated twice, the second time on the
  /// contexts the first prepared, and both verdicts must be the plain validator's.
  bool prepared_signatures = false;
};

void PrintTo(const ValidatorUnderTest& validator, std::ostream* out) { *out << validator.name; }

const std::array<ValidatorUnderTest, 3> validators{{
    {"openssl", x509::Validator::openssl, openssl_disagreements,
     "known_openssl_disagreements (corpus_cases.cpp)"},
    {"sanstls", x509::Validator::sanstls, sanstls_disagreements,
     "sanstls_disagreements (corpus_test.cpp) and docs/x509.md"},
    {"sanstls_prepared", x509::Validator::sanstls, sanstls_disagreements,
     "sanstls_disagreements (corpus_test.cpp) and docs/x509.md", true},
}};

Verdict run(const Case& entry, x509::Validator validator,
            const x509::path::VerifierCache* verifiers = nullptr) {
  std::vector<Certificate> chain;
  for (const Der& der : entry.chain) {
    auto certificate = Certificate::from_der(std::as_bytes(std::span(der)));
    if (!certificate) {
      // The engines parse the peer's Certificate message the same way, and hand the validator
      // only what libcrypto could read: a certificate that libcrypto cannot read (or that has
      // bytes after it) never reaches path validation.
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
  request.validator = validator;
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
  request.verifiers = verifiers;
  auto verified = x509::verify_chain(request);
  if (verifiers != nullptr) {
    // Again, on the contexts the first validation prepared: the same verdict and message.
    auto again = x509::verify_chain(request);
    EXPECT_EQ(static_cast<bool>(again), static_cast<bool>(verified)) << entry.name;
    if (!again && !verified) {
      EXPECT_EQ(again.error().message, verified.error().message) << entry.name;
    }
  }
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

class X509CorpusValidator : public testing::TestWithParam<ValidatorUnderTest> {};

TEST_P(X509CorpusValidator, EveryDisagreementNamesARealCase) {
  const auto& cases = corpus();
  for (const Disagreement& entry : GetParam().disagreements()) {
    const auto found = std::find_if(cases.begin(), cases.end(),
                                    [&](const Case& c) { return c.name == entry.case_name; });
    ASSERT_NE(found, cases.end()) << entry.case_name;
    // A disagreement is a different answer, not the expected one restated.
    EXPECT_FALSE(found->expected.valid == entry.answer.valid &&
                 found->expected.problem == entry.answer.problem)
        << entry.case_name;
  }
}

TEST_P(X509CorpusValidator, GivesTheExpectedVerdicts) {
  const ValidatorUnderTest& validator = GetParam();
  const std::vector<Disagreement> disagreements = validator.disagreements();
  ASSERT_GE(corpus().size(), 60U);
  int agreed = 0;
  int disagreed = 0;
  int where_libcrypto_does_not = 0;
  const x509::path::VerifierCache verifiers;
  for (const Case& entry : corpus()) {
    const Verdict verdict =
        run(entry, validator.validator, validator.prepared_signatures ? &verifiers : nullptr);
    const auto known =
        std::find_if(disagreements.begin(), disagreements.end(),
                     [&](const Disagreement& d) { return d.case_name == entry.name; });
    if (known != disagreements.end()) {
      ++disagreed;
      EXPECT_TRUE(matches(verdict, known->answer))
          << entry.name << ": listed as a known disagreement (the " << validator.name
          << " validator should say " << corpus::describe(known->answer) << ") but it says "
          << describe(verdict) << "; update " << validator.list;
      continue;
    }
    ++agreed;
    where_libcrypto_does_not += openssl_disagreement_for(entry.name) != nullptr ? 1 : 0;
    EXPECT_TRUE(matches(verdict, entry.expected))
        << entry.name << " (" << entry.rule << "): expected " << corpus::describe(entry.expected)
        << (entry.expected.message_fragment.empty()
                ? std::string{}
                : " mentioning '" + entry.expected.message_fragment + "'")
        << ", the " << validator.name << " validator says " << describe(verdict);
  }
  std::cout << "[ corpus   ] " << validator.name << " validator: " << agreed
            << " cases agree with the corpus (" << where_libcrypto_does_not
            << " of them where libcrypto does not), " << disagreed << " listed disagreements\n";
}

INSTANTIATE_TEST_SUITE_P(Validators, X509CorpusValidator, testing::ValuesIn(validators),
                         [](const testing::TestParamInfo<ValidatorUnderTest>& param_info) {
                           return std::string(param_info.param.name);
                         });

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

// SPDX-License-Identifier: Apache-2.0 OR MIT
// Path building in sanstls's own validator (x509/path): several candidate issuers, cross-signed
// roots, cycles, depth and signature budgets, CA constraints; and the name-constraint rules
// (x509/path/name_constraints.hpp) one by one. Certificates come from the certificate maker's
// building blocks (src/certmaker), which can re-certify a key (same name and key, different
// validity or issuer) as real PKIs do.

#include "certmaker/x509_builder.hpp"
#include "x509/path/limits.hpp"
#include "x509/path/name_constraints.hpp"
#include "x509/verify.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace sanstls::x509 {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::system_clock;
using Days = std::chrono::days;

template <class T>
T must(Result<T> result) {
  if (!result) throw std::runtime_error("test set-up failed: " + result.error().message);
  return std::move(*result);
}

/// A certificate and its key, inside the test's workspace.
struct Made {
  ossl::X509Ptr x509;
  ossl::EvpPkeyPtr key;
  Certificate certificate;
};

class PathBuilding : public ::testing::Test {
 protected:
  PathBuilding() : workspace_(must(certmaker::Workspace::create())) {}

  certmaker::CertificateSpec ca_spec(const std::string& name) const {
    certmaker::CertificateSpec spec;
    spec.common_name = name;
    spec.not_before = now_ - Days{30};
    spec.not_after = now_ + Days{365};
    spec.ca = true;
    spec.key_usage = {certmaker::key_cert_sign, certmaker::crl_sign};
    return spec;
  }
  certmaker::CertificateSpec leaf_spec(const std::string& name) const {
    certmaker::CertificateSpec spec;
    spec.common_name = name;
    spec.alt_names = {name};
    spec.not_before = now_ - Days{1};
    spec.not_after = now_ + Days{90};
    spec.key_usage = {certmaker::digital_signature};
    spec.extended_key_usage = {NID_server_auth};
    return spec;
  }
  /// Issues `spec` for `key` (a fresh P-256 key when null) by `issuer` (self-signed when null).
  Made make(const certmaker::CertificateSpec& spec, const Made* issuer,
            const Made* same_key_as = nullptr) const {
    ossl::EvpPkeyPtr key;
    if (same_key_as != nullptr) {
      EVP_PKEY_up_ref(same_key_as->key.get());
      key.reset(same_key_as->key.get());
    } else {
      key = must(certmaker::generate_key(workspace_, testing::KeyAlgorithm::ecdsa_p256));
    }
    auto x509 = must(certmaker::build_certificate(
        workspace_, spec, key.get(), issuer != nullptr ? issuer->x509.get() : nullptr,
        issuer != nullptr ? issuer->key.get() : key.get()));
    Certificate certificate = must(certmaker::export_certificate(x509.get()));
    return Made{std::move(x509), std::move(key), std::move(certificate)};
  }

  Result<void> verify(const std::vector<Certificate>& presented, const Made& anchor,
                      Validator validator = Validator::sanstls,
                      std::size_t max_intermediates = 0) const {
    const TrustStore trust = must(TrustStore::from_certificates({anchor.certificate}));
    return verify(presented, trust, validator, max_intermediates);
  }
  Result<void> verify(const std::vector<Certificate>& presented, const TrustStore& trust,
                      Validator validator = Validator::sanstls,
                      std::size_t max_intermediates = 0) const {
    const ServerName name = must(ServerName::parse("leaf.example"));
    VerifyRequest request;
    request.presented = presented;
    request.trust = &trust;
    request.server_name = &name;
    request.now = now_;
    request.validator = validator;
    request.max_intermediates = max_intermediates;
    return verify_chain(request);
  }
  static void expect_refused(const Result<void>& result, CertificateProblem problem,
                             const std::string& fragment) {
    ASSERT_FALSE(result) << "accepted";
    EXPECT_EQ(certificate_problem_name(result.error().certificate_problem),
              certificate_problem_name(problem))
        << result.error().message;
    EXPECT_THAT(result.error().message, HasSubstr(fragment));
  }

  Clock::time_point now_ = Clock::now();
  certmaker::Workspace workspace_;
};

TEST_F(PathBuilding, MultipleCandidateIssuersOneExpired) {
  const Made root = make(ca_spec("Root"), nullptr);
  auto old_spec = ca_spec("Intermediate");
  old_spec.not_before = now_ - Days{400};
  old_spec.not_after = now_ - Days{10};
  const Made valid = make(ca_spec("Intermediate"), &root);
  const Made expired = make(old_spec, &root, &valid);  // same name and key, expired
  const Made leaf = make(leaf_spec("leaf.example"), &valid);
  // The expired re-certification first: the validator must backtrack to the valid one.
  for (const auto& presented :
       {std::vector<Certificate>{leaf.certificate, expired.certificate, valid.certificate},
        std::vector<Certificate>{leaf.certificate, valid.certificate, expired.certificate}}) {
    for (const Validator validator : {Validator::sanstls, Validator::openssl}) {
      auto result = verify(presented, root, validator);
      EXPECT_TRUE(result) << result.error().message;
    }
  }
  expect_refused(verify({leaf.certificate, expired.certificate}, root), CertificateProblem::expired,
                 "certificate 'CN=Intermediate' expired on");
}

TEST_F(PathBuilding, CrossSignedRoots) {
  const Made old_root = make(ca_spec("Old Root"), nullptr);
  const Made new_root = make(ca_spec("New Root"), nullptr);
  const Made cross = make(ca_spec("New Root"), &old_root, &new_root);  // New Root by Old Root
  const Made intermediate = make(ca_spec("Intermediate"), &new_root);
  const Made leaf = make(leaf_spec("leaf.example"), &intermediate);
  const std::vector<Certificate> presented{leaf.certificate, intermediate.certificate,
                                           new_root.certificate, cross.certificate};
  // A client that trusts only the old root follows the cross-certificate; one that trusts the
  // new root stops there. The untrusted self-signed New Root is a dead end, not a failure.
  auto through_cross = verify(presented, old_root);
  EXPECT_TRUE(through_cross) << through_cross.error().message;
  for (const Validator validator : {Validator::sanstls, Validator::openssl}) {
    auto direct = verify(presented, new_root, validator);
    EXPECT_TRUE(direct) << direct.error().message;
  }
  // Pinned disagreement (docs/x509.md): libcrypto stops at the first issuer it finds for
  // 'New Root' (the self-signed one the peer sent) and never tries the cross-certificate. RFC
  // 4158 §2.4 / RFC 5280 §6 ask for any valid path, so sanstls's verdict is the right one.
  expect_refused(verify(presented, old_root, Validator::openssl), CertificateProblem::self_signed,
                 "the chain ends at the self-signed certificate 'CN=New Root'");
  const Made stranger = make(ca_spec("Stranger"), nullptr);
  expect_refused(verify(presented, stranger), CertificateProblem::unknown_issuer,
                 "the issuer of 'CN=New Root' ('CN=Old Root') is not in the trust store");
}

TEST_F(PathBuilding, CyclesEnd) {
  // X is issued by Y and Y by X: the search uses each certificate at most once per path.
  const Made y0 = make(ca_spec("Y"), nullptr);
  const Made x = make(ca_spec("X"), &y0);
  const Made y = make(ca_spec("Y"), &x, &y0);
  const Made leaf = make(leaf_spec("leaf.example"), &x);
  const Made stranger = make(ca_spec("Stranger"), nullptr);
  expect_refused(verify({leaf.certificate, x.certificate, y.certificate}, stranger),
                 CertificateProblem::unknown_issuer, "is not in the trust store");
  // With Y's self-signed original trusted, the same chain is fine.
  auto result = verify({leaf.certificate, x.certificate, y.certificate}, y0);
  EXPECT_TRUE(result) << result.error().message;
}

TEST_F(PathBuilding, ThirtyDeepChain) {
  const Made root = make(ca_spec("Root"), nullptr);
  std::vector<Made> cas;
  const Made* issuer = &root;
  cas.reserve(30);
  for (int i = 0; i < 30; ++i) {
    cas.push_back(make(ca_spec("Intermediate " + std::to_string(i)), issuer));
    issuer = &cas.back();
  }
  const Made leaf = make(leaf_spec("leaf.example"), issuer);
  std::vector<Certificate> presented{leaf.certificate};
  for (auto it = cas.rbegin(); it != cas.rend(); ++it) presented.push_back(it->certificate);
  expect_refused(verify(presented, root), CertificateProblem::chain_too_long,
                 "within 10 intermediate certificates");
  expect_refused(verify(presented, root, Validator::sanstls, 29),
                 CertificateProblem::chain_too_long, "within 29 intermediate certificates");
  auto allowed = verify(presented, root, Validator::sanstls, 30);
  EXPECT_TRUE(allowed) << allowed.error().message;
  // More than the cap of 30 is clamped to it.
  static_assert(path::limits::max_max_intermediates == 30);
}

TEST_F(PathBuilding, SignatureBudget) {
  // 70 CAs named like the leaf's issuer, none of them its issuer: each costs a signature check
  // until the budget runs out.
  const Made root = make(ca_spec("Root"), nullptr);
  const Made real = make(ca_spec("Issuing CA"), &root);
  const Made leaf = make(leaf_spec("leaf.example"), &real);
  std::vector<Made> impostors;
  std::vector<Certificate> presented{leaf.certificate};
  impostors.reserve(70);
  for (int i = 0; i < 70; ++i) {
    impostors.push_back(make(ca_spec("Issuing CA"), &root));
    presented.push_back(impostors.back().certificate);
  }
  expect_refused(verify(presented, root), CertificateProblem::chain_too_long,
                 "after 64 signature checks");
  // Fewer impostors: every one is tried, the last failure is reported. Their key identifiers
  // differ from the leaf's authorityKeyIdentifier: namesakes, so the issuer is unknown (as
  // libcrypto says), not a bad signature.
  presented.erase(presented.begin() + 11, presented.end());
  expect_refused(verify(presented, root), CertificateProblem::unknown_issuer,
                 "was not issued by 'CN=Issuing CA' of the same name");
  // And the real issuer among many impostors is found (AKI/SKI puts it first).
  presented.push_back(real.certificate);
  auto found = verify(presented, root);
  EXPECT_TRUE(found) << found.error().message;
}

TEST_F(PathBuilding, CaConstraints) {
  const Made root = make(ca_spec("Root"), nullptr);
  auto no_cert_sign = ca_spec("No CertSign CA");
  no_cert_sign.key_usage = {certmaker::digital_signature};
  const Made weak_ca = make(no_cert_sign, &root);
  expect_refused(
      verify({make(leaf_spec("leaf.example"), &weak_ca).certificate, weak_ca.certificate}, root),
      CertificateProblem::wrong_usage, "(its keyUsage lacks keyCertSign)");

  auto client_only = ca_spec("Client CA");
  client_only.extended_key_usage = {NID_client_auth};
  const Made client_ca = make(client_only, &root);
  expect_refused(
      verify({make(leaf_spec("leaf.example"), &client_ca).certificate, client_ca.certificate},
             root),
      CertificateProblem::wrong_usage,
      "certificate 'CN=Client CA' may not be used for TLS server authentication");

  auto end_entity = leaf_spec("not-a-ca.example");
  const Made not_ca = make(end_entity, &root);
  expect_refused(
      verify({make(leaf_spec("leaf.example"), &not_ca).certificate, not_ca.certificate}, root),
      CertificateProblem::wrong_usage, "is not allowed to act as a CA");

  auto limited = ca_spec("Limited");
  limited.path_length = 1;
  const Made top = make(limited, &root);
  const Made middle = make(ca_spec("Middle"), &top);
  const Made bottom = make(ca_spec("Bottom"), &middle);
  const Made leaf = make(leaf_spec("leaf.example"), &bottom);
  expect_refused(
      verify({leaf.certificate, bottom.certificate, middle.certificate, top.certificate}, root),
      CertificateProblem::path_length_exceeded,
      "below 'CN=Limited' than its basicConstraints pathLenConstraint of 1");
  auto fine = verify(
      {make(leaf_spec("leaf.example"), &middle).certificate, middle.certificate, top.certificate},
      root);
  EXPECT_TRUE(fine) << fine.error().message;
}

TEST_F(PathBuilding, NameConstraintsOnTheWholePath) {
  const Made root = make(ca_spec("Root"), nullptr);
  auto constrained_spec = ca_spec("Example CA");
  constrained_spec.permitted_dns_subtrees = {"example.org"};
  const Made constrained = make(constrained_spec, &root);
  // The constraint reaches through an unconstrained intermediate below it.
  const Made below = make(ca_spec("Sub CA"), &constrained);
  auto good_spec = leaf_spec("leaf.example");
  good_spec.alt_names = {"www.example.org"};
  auto bad_spec = leaf_spec("leaf.example");
  bad_spec.alt_names = {"www.example.org", "leaf.example"};
  const Made bad = make(bad_spec, &below);
  expect_refused(verify({bad.certificate, below.certificate, constrained.certificate}, root),
                 CertificateProblem::name_constraint_violation,
                 "DNS name 'leaf.example' is not within the permitted subtrees, by 'CN=Example "
                 "CA'");
}

TEST_F(PathBuilding, WildcardUnderAnExcludedSubtree) {
  const Made root = make(ca_spec("Root"), nullptr);
  Made excluding = make(ca_spec("Excluding CA"), &root);
  // certmaker writes permitted DNS subtrees only: add an excluded one and sign again.
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, root.x509.get(), excluding.x509.get(), nullptr, nullptr, 0);
  ossl::X509ExtensionPtr constraint(X509V3_EXT_nconf_nid(
      nullptr, &ctx, NID_name_constraints, "critical,excluded;DNS:secret.example.org"));
  ASSERT_TRUE(constraint);
  ASSERT_EQ(X509_add_ext(excluding.x509.get(), constraint.get(), -1), 1);
  ASSERT_GT(X509_sign(excluding.x509.get(), root.key.get(), EVP_sha256()), 0);
  excluding.certificate = must(certmaker::export_certificate(excluding.x509.get()));
  auto wildcard_spec = leaf_spec("leaf.example");
  wildcard_spec.alt_names = {"*.example.org", "leaf.example"};
  const Made leaf = make(wildcard_spec, &excluding);
  const std::vector<Certificate> presented{leaf.certificate, excluding.certificate};
  expect_refused(verify(presented, root), CertificateProblem::name_constraint_violation,
                 "DNS name '*.example.org' is in the excluded subtree 'secret.example.org'");
  // Pinned disagreement (docs/x509.md): libcrypto compares the wildcard as a plain suffix and
  // lets it through, although the certificate is then good for secret.example.org.
  auto openssl = verify(presented, root, Validator::openssl);
  EXPECT_TRUE(openssl) << openssl.error().message;
}

// --- name constraints, rule by rule -------------------------------------------------------

der::GeneralSubtree dns(std::string base) {
  der::GeneralSubtree subtree;
  subtree.kind = der::GeneralSubtree::Kind::dns;
  subtree.dns = std::move(base);
  return subtree;
}
der::GeneralSubtree ip(std::vector<std::uint8_t> address, std::vector<std::uint8_t> mask) {
  der::GeneralSubtree subtree;
  subtree.kind = der::GeneralSubtree::Kind::ip;
  subtree.address = std::move(address);
  subtree.mask = std::move(mask);
  return subtree;
}
der::ParsedCertificate with_names(std::vector<std::string> names,
                                  std::vector<std::vector<std::uint8_t>> ips = {}) {
  der::ParsedCertificate cert;
  cert.subject_alt_name = der::SubjectAltName{std::move(names), std::move(ips), 0};
  return cert;
}

TEST(NameConstraintRules, DnsSubtrees) {
  EXPECT_TRUE(path::dns_within("example.org", "example.org"));
  EXPECT_TRUE(path::dns_within("WWW.Example.org", "example.ORG"));
  EXPECT_TRUE(path::dns_within("a.b.example.org", "example.org"));
  EXPECT_FALSE(path::dns_within("badexample.org", "example.org"));
  EXPECT_FALSE(path::dns_within("example.org", ".example.org"));
  EXPECT_TRUE(path::dns_within("www.example.org", ".example.org"));
  EXPECT_TRUE(path::dns_within("anything.test", ""));
}

TEST(NameConstraintRules, PermittedAndExcludedDns) {
  der::NameConstraints constraints;
  constraints.permitted = {dns("example.org")};
  constraints.excluded = {dns("secret.example.org")};
  EXPECT_FALSE(
      path::name_constraint_violation(constraints, with_names({"www.example.org"}), nullptr));
  EXPECT_EQ(path::name_constraint_violation(constraints, with_names({"www.example.com"}), nullptr),
            "DNS name 'www.example.com' is not within the permitted subtrees");
  EXPECT_EQ(
      path::name_constraint_violation(constraints, with_names({"a.secret.example.org"}), nullptr),
      "DNS name 'a.secret.example.org' is in the excluded subtree 'secret.example.org'");
  // A wildcard that could match a name in an excluded subtree is refused...
  EXPECT_EQ(path::name_constraint_violation(constraints, with_names({"*.example.org"}), nullptr),
            "DNS name '*.example.org' is in the excluded subtree 'secret.example.org'");
  // ... and one entirely inside a permitted subtree is not.
  der::NameConstraints permitted_only;
  permitted_only.permitted = {dns("example.org")};
  EXPECT_FALSE(
      path::name_constraint_violation(permitted_only, with_names({"*.example.org"}), nullptr));
  EXPECT_TRUE(path::name_constraint_violation(permitted_only, with_names({"*.org"}), nullptr));
  // The name actually matched is checked too (a leaf whose SANs are fine).
  const ServerName matched = must(ServerName::parse("secret.example.org"));
  EXPECT_EQ(path::name_constraint_violation(constraints, with_names({}), &matched),
            "DNS name 'secret.example.org' is in the excluded subtree 'secret.example.org'");
}

TEST(NameConstraintRules, IpRanges) {
  der::NameConstraints constraints;
  constraints.permitted = {ip({10, 0, 0, 0}, {255, 0, 0, 0})};
  constraints.excluded = {ip({10, 9, 0, 0}, {255, 255, 0, 0})};
  EXPECT_FALSE(
      path::name_constraint_violation(constraints, with_names({}, {{10, 1, 2, 3}}), nullptr));
  EXPECT_EQ(path::name_constraint_violation(constraints, with_names({}, {{10, 9, 2, 3}}), nullptr),
            "IP address 10.9.2.3 is in an excluded range");
  EXPECT_EQ(path::name_constraint_violation(constraints, with_names({}, {{192, 0, 2, 1}}), nullptr),
            "IP address 192.0.2.1 is not within the permitted ranges");
  // An IPv6 address is never inside an IPv4 range.
  EXPECT_TRUE(path::name_constraint_violation(
      constraints, with_names({}, {std::vector<std::uint8_t>(16, 0x20)}), nullptr));
  // DNS names are untouched by IP-only constraints.
  EXPECT_FALSE(path::name_constraint_violation(constraints, with_names({"a.example"}), nullptr));
  const ServerName matched = must(ServerName::parse("10.9.0.1"));
  EXPECT_EQ(path::name_constraint_violation(constraints, with_names({}), &matched),
            "IP address 10.9.0.1 is in an excluded range");
}

TEST(NameConstraintRules, UncheckedFormsAreRefused) {
  der::NameConstraints constraints;
  der::GeneralSubtree directory;
  directory.tag = 0xa4;
  constraints.permitted = {directory};
  EXPECT_TRUE(path::name_constraint_violation(constraints, with_names({"a.example"}), nullptr));
  der::NameConstraints email;
  der::GeneralSubtree rfc822;
  rfc822.tag = 0x81;
  email.excluded = {rfc822};
  EXPECT_FALSE(path::name_constraint_violation(email, with_names({"a.example"}), nullptr));
  auto with_email = with_names({"a.example"});
  with_email.subject_alt_name->other = 1;
  EXPECT_TRUE(path::name_constraint_violation(email, with_email, nullptr));
}

}  // namespace
}  // namespace sanstls::x509

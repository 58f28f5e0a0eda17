// SPDX-License-Identifier: Apache-2.0 OR MIT
// verify_chain: path building, RFC 5280 checks, sanstls's policy and name matching, with the
// problem, the alert (RFC 8446 §6.2) and the message each failure must carry.

#include "x509/verify.hpp"

#include <sanstls/testing/certificate_authority.hpp>

#include "base/ossl_ptr.hpp"
#include "core/credentials_impl.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace sanstls::x509 {
namespace {

using testing::CaOptions;
using testing::CertificateAuthority;
using ::testing::HasSubstr;
using testing::KeyAlgorithm;
using testing::LeafOptions;
using Clock = std::chrono::system_clock;
using Days = std::chrono::days;

/// Unwraps a Result in test set-up code; a failure there is a broken test, not a verdict.
template <class T>
T must(Result<T> result) {
  if (!result) {
    throw std::runtime_error("test set-up failed: " + result.error().message);
  }
  return std::move(*result);
}

/// Certificate-maker options without designated initializers (GCC warns about the members
/// they leave out under -Wextra).
inline LeafOptions leaf_opts(std::vector<std::string> names) {
  LeafOptions options;
  options.names = std::move(names);
  return options;
}
template <class Tweak>
LeafOptions leaf_opts(std::vector<std::string> names, Tweak tweak) {
  LeafOptions options = leaf_opts(std::move(names));
  tweak(options);
  return options;
}
inline CaOptions ca_opts(std::string common_name) {
  CaOptions options;
  options.common_name = std::move(common_name);
  return options;
}
template <class Tweak>
CaOptions ca_opts(std::string common_name, Tweak tweak) {
  CaOptions options = ca_opts(std::move(common_name));
  tweak(options);
  return options;
}

ServerName host(std::string_view text) { return must(ServerName::parse(text)); }

/// A leaf with exactly the subjectAltName `san_config` and keyUsage `key_usage` (OpenSSL config
/// syntax, e.g. "DNS:127.0.0.1"; empty means no subjectAltName), signed by `issuer`, with an
/// authorityKeyIdentifier unless `authority_key_identifier` is false. The certificate maker
/// refuses to write such certificates (an IP literal as a dNSName, no SAN at all, no AKI),
/// which is right for it, so the few tests that need them build them here.
Certificate raw_leaf(const CertificateAuthority& issuer, const std::string& common_name,
                     const std::string& san_config,
                     const std::string& key_usage = "critical,digitalSignature",
                     bool authority_key_identifier = true) {
  X509* issuer_x509 = issuer.certificate().impl().x509.get();
  EVP_PKEY* issuer_key = issuer.key().impl().pkey.get();
  ossl::EvpPkeyPtr key(EVP_EC_gen("P-256"));
  ossl::X509Ptr x509(X509_new());
  if (!key || !x509) {
    throw std::runtime_error("raw_leaf: key or certificate allocation failed");
  }
  X509_set_version(x509.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x509.get()), 4242);
  std::time_t now = Clock::to_time_t(Clock::now());
  X509_time_adj_ex(X509_getm_notBefore(x509.get()), -1, 0, &now);
  X509_time_adj_ex(X509_getm_notAfter(x509.get()), 30, 0, &now);
  X509_NAME* subject = X509_get_subject_name(x509.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(x509.get(), X509_get_subject_name(issuer_x509));
  X509_set_pubkey(x509.get(), key.get());
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer_x509, x509.get(), nullptr, nullptr, 0);
  std::vector<std::pair<int, std::string>> extensions = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, key_usage},
      {NID_ext_key_usage, "serverAuth"},
      {NID_subject_key_identifier, "hash"},
  };
  if (authority_key_identifier) {
    extensions.emplace_back(NID_authority_key_identifier, "keyid:always");
  }
  if (!san_config.empty()) {
    extensions.emplace_back(NID_subject_alt_name, san_config);
  }
  for (const auto& [nid, value] : extensions) {
    ossl::X509ExtensionPtr extension(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!extension || X509_add_ext(x509.get(), extension.get(), -1) != 1) {
      throw std::runtime_error("raw_leaf: extension " + value);
    }
  }
  if (X509_sign(x509.get(), issuer_key, EVP_sha256()) <= 0) {
    throw std::runtime_error("raw_leaf: signing failed");
  }
  unsigned char* der = nullptr;
  const int length = i2d_X509(x509.get(), &der);
  if (length <= 0) {
    throw std::runtime_error("raw_leaf: encoding failed");
  }
  std::vector<std::byte> bytes(reinterpret_cast<std::byte*>(der),
                               reinterpret_cast<std::byte*>(der) + length);
  OPENSSL_free(der);
  return must(Certificate::from_der(bytes));
}

/// Every case runs through both validators (docs/x509.md): the same verdict, problem, alert
/// and message fragment from libcrypto's and from sanstls's own.
class VerifyChain : public ::testing::TestWithParam<Validator> {
 protected:
  void SetUp() override {
    root_ = must(CertificateAuthority::create(
        ca_opts("Test Root CA", [&](CaOptions& o) { o.not_before = now_ - Days{30}; })));
  }

  Result<void> verify(const std::vector<Certificate>& presented, const TrustStore& trust,
                      std::string_view name, Purpose purpose = Purpose::server_auth) const {
    const ServerName server_name = host(name);
    VerifyRequest request;
    request.validator = GetParam();
    request.presented = presented;
    request.trust = &trust;
    request.purpose = purpose;
    request.server_name = &server_name;
    request.now = at_;
    return verify_chain(request);
  }

  Result<void> verify(const std::vector<Certificate>& presented, std::string_view name) const {
    return verify(presented, root_->trust_store(), name);
  }

  [[nodiscard]] std::vector<Certificate> leaf(const CertificateAuthority& ca,
                                              LeafOptions options) const {
    return must(ca.issue_leaf_parts(options)).certificates;
  }

  static void expect_rejected(const Result<void>& result, CertificateProblem problem, Alert alert,
                              const std::string& fragment) {
    ASSERT_FALSE(result) << "the chain was accepted";
    const Error& error = result.error();
    EXPECT_EQ(error.code, Errc::certificate_rejected) << error.message;
    EXPECT_EQ(certificate_problem_name(error.certificate_problem),
              certificate_problem_name(problem))
        << error.message;
    ASSERT_TRUE(error.alert_sent.has_value()) << error.message;
    EXPECT_EQ(alert_name(*error.alert_sent), alert_name(alert)) << error.message;
    EXPECT_THAT(error.message, HasSubstr(fragment));
  }

  Clock::time_point now_ = Clock::now();
  Clock::time_point at_ = now_;
  std::optional<CertificateAuthority> root_;
};

// --- valid paths -------------------------------------------------------------------------

TEST_P(VerifyChain, LeafDirectlyUnderTheRoot) {
  auto result = verify(leaf(*root_, leaf_opts({"www.example.com"})), "www.example.com");
  EXPECT_TRUE(result) << result.error().message;
}

TEST_P(VerifyChain, OneIntermediate) {
  auto intermediate = must(root_->issue_intermediate(ca_opts("Intermediate 1")));
  auto chain = leaf(intermediate, leaf_opts({"www.example.com"}));
  ASSERT_EQ(chain.size(), 2U);
  auto result = verify(chain, "www.example.com");
  EXPECT_TRUE(result) << result.error().message;
}

TEST_P(VerifyChain, TwoIntermediates) {
  auto first = must(root_->issue_intermediate(ca_opts("Intermediate 1")));
  auto second = must(first.issue_intermediate(ca_opts("Intermediate 2")));
  auto chain = leaf(second, leaf_opts({"www.example.com"}));
  ASSERT_EQ(chain.size(), 3U);
  auto result = verify(chain, "www.example.com");
  EXPECT_TRUE(result) << result.error().message;
}

TEST_P(VerifyChain, PeerMaySendTheRootAndUnrelatedCertificates) {
  auto intermediate = must(root_->issue_intermediate(ca_opts("Intermediate 1")));
  auto other = must(CertificateAuthority::create(ca_opts("Unrelated CA")));
  auto chain = leaf(intermediate, leaf_opts({"www.example.com"}));
  chain.push_back(other.certificate());
  chain.push_back(root_->certificate());
  auto result = verify(chain, "www.example.com");
  EXPECT_TRUE(result) << result.error().message;
}

TEST_P(VerifyChain, EveryKeyAlgorithmIsAccepted) {
  for (const KeyAlgorithm algorithm : testing::all_key_algorithms()) {
    SCOPED_TRACE(std::string(testing::key_algorithm_name(algorithm)));
    auto ca = must(CertificateAuthority::create(ca_opts("CA", [&](CaOptions& o) {
      o.key = algorithm;
      o.not_before = now_ - Days{1};
    })));
    auto chain =
        leaf(ca, leaf_opts({"www.example.com"}, [&](LeafOptions& o) { o.key = algorithm; }));
    auto result = verify(chain, ca.trust_store(), "www.example.com");
    EXPECT_TRUE(result) << result.error().message;
  }
}

TEST_P(VerifyChain, SelfSignedLeafInTheTrustStoreIsAccepted) {
  auto self_signed = must(testing::make_self_signed_leaf_parts(leaf_opts({"pinned.example"})));
  auto trust = must(TrustStore::from_certificates({self_signed.certificates.front()}));
  auto result = verify(self_signed.certificates, trust, "pinned.example");
  EXPECT_TRUE(result) << result.error().message;
}

// --- validity period (RFC 5280 §4.1.2.5) ---------------------------------------------------

TEST_P(VerifyChain, ExpiredLeaf) {
  auto chain = leaf(*root_, leaf_opts({"leaf.example"}, [&](LeafOptions& o) {
    o.not_before = now_ - Days{100};
    o.not_after = now_ - Days{10};
  }));
  expect_rejected(verify(chain, "leaf.example"), CertificateProblem::expired,
                  Alert::certificate_expired, "certificate 'CN=leaf.example' expired on ");
  EXPECT_THAT(verify(chain, "leaf.example").error().message, HasSubstr(" UTC (now "));
}

TEST_P(VerifyChain, ExpiredAtTheInjectedTime) {
  auto chain =
      leaf(*root_, leaf_opts({"leaf.example"}, [&](LeafOptions& o) { o.validity = Days{90}; }));
  EXPECT_TRUE(verify(chain, "leaf.example"));
  at_ = now_ + Days{200};
  expect_rejected(verify(chain, "leaf.example"), CertificateProblem::expired,
                  Alert::certificate_expired, "certificate 'CN=leaf.example' expired on ");
}

TEST_P(VerifyChain, NotYetValidLeaf) {
  auto chain = leaf(
      *root_, leaf_opts({"leaf.example"}, [&](LeafOptions& o) { o.not_before = now_ + Days{2}; }));
  expect_rejected(verify(chain, "leaf.example"), CertificateProblem::not_yet_valid,
                  Alert::certificate_expired, "certificate 'CN=leaf.example' is not valid before");
}

TEST_P(VerifyChain, NotYetValidAtTheInjectedTime) {
  auto chain = leaf(
      *root_, leaf_opts({"leaf.example"}, [&](LeafOptions& o) { o.not_before = now_ - Days{1}; }));
  at_ = now_ - Days{10};  // the root is valid since now - 30 days
  expect_rejected(verify(chain, "leaf.example"), CertificateProblem::not_yet_valid,
                  Alert::certificate_expired, "certificate 'CN=leaf.example' is not valid before");
}

TEST_P(VerifyChain, ExpiredIntermediate) {
  auto intermediate = must(root_->issue_intermediate(ca_opts("Old Intermediate", [&](CaOptions& o) {
    o.not_before = now_ - Days{20};
    o.not_after = now_ - Days{1};
  })));
  auto chain =
      leaf(intermediate,
           leaf_opts({"leaf.example"}, [&](LeafOptions& o) { o.not_before = now_ - Days{10}; }));
  expect_rejected(verify(chain, "leaf.example"), CertificateProblem::expired,
                  Alert::certificate_expired, "certificate 'CN=Old Intermediate' expired on");
}

// --- names (RFC 9525) ----------------------------------------------------------------------

TEST_P(VerifyChain, WrongDnsNameListsTheCertificateNames) {
  auto chain = leaf(*root_, leaf_opts({"*.example.com", "example.com"}));
  expect_rejected(verify(chain, "b.example"), CertificateProblem::name_mismatch,
                  Alert::bad_certificate,
                  "certificate for 'CN=*.example.com' does not match requested name 'b.example' "
                  "(certificate names: *.example.com, example.com)");
}

TEST_P(VerifyChain, WildcardMatchesOneLabelOnly) {
  auto chain = leaf(*root_, leaf_opts({"*.example.com"}));
  EXPECT_TRUE(verify(chain, "www.example.com"));
  EXPECT_TRUE(verify(chain, "WWW.Example.COM."));
  expect_rejected(verify(chain, "a.b.example.com"), CertificateProblem::name_mismatch,
                  Alert::bad_certificate, "requested name 'a.b.example.com'");
  expect_rejected(verify(chain, "example.com"), CertificateProblem::name_mismatch,
                  Alert::bad_certificate, "requested name 'example.com'");
}

TEST_P(VerifyChain, IpLiteralDoesNotMatchADnsNameThatLooksLikeIt) {
  // RFC 9525 §6.4: an IP-ID matches only an iPAddress entry.
  auto chain = std::vector<Certificate>{raw_leaf(*root_, "127.0.0.1", "DNS:127.0.0.1")};
  expect_rejected(verify(chain, "127.0.0.1"), CertificateProblem::name_mismatch,
                  Alert::bad_certificate,
                  "does not match requested IP address '127.0.0.1' (certificate names: "
                  "127.0.0.1); '127.0.0.1' is present as a DNS name");
}

TEST_P(VerifyChain, DnsNameDoesNotMatchAnIpAddressEntry) {
  auto chain = leaf(*root_, leaf_opts({"127.0.0.1"}));
  EXPECT_TRUE(verify(chain, "127.0.0.1"));
  expect_rejected(verify(chain, "localhost"), CertificateProblem::name_mismatch,
                  Alert::bad_certificate,
                  "does not match requested name 'localhost' (certificate names: IP:127.0.0.1)");
}

TEST_P(VerifyChain, IpAddressesCompareAsBytes) {
  auto chain = leaf(*root_, leaf_opts({"2001:db8::1", "192.0.2.1"}));
  EXPECT_TRUE(verify(chain, "2001:0DB8:0:0:0:0:0:1"));
  EXPECT_TRUE(verify(chain, "192.0.2.1"));
  // An IPv4-mapped IPv6 address is 16 bytes, not the 4 of the IPv4 entry.
  expect_rejected(verify(chain, "::ffff:192.0.2.1"), CertificateProblem::name_mismatch,
                  Alert::bad_certificate, "IP:2001:db8::1, IP:192.0.2.1");
  expect_rejected(verify(chain, "192.0.2.2"), CertificateProblem::name_mismatch,
                  Alert::bad_certificate, "requested IP address '192.0.2.2'");
}

TEST_P(VerifyChain, CommonNameIsNeverUsed) {
  // RFC 9525 §6.3 (and its "Changes from RFC 6125"): the CN is not a presented identifier.
  auto chain = std::vector<Certificate>{raw_leaf(*root_, "legacy.example", "")};
  expect_rejected(verify(chain, "legacy.example"), CertificateProblem::name_mismatch,
                  Alert::bad_certificate, "the certificate has no subjectAltName");
}

// --- issuers and trust anchors --------------------------------------------------------------

TEST_P(VerifyChain, UnknownCa) {
  auto stranger = must(CertificateAuthority::create(ca_opts("Stranger CA")));
  auto chain = leaf(stranger, leaf_opts({"leaf.example"}));
  expect_rejected(verify(chain, "leaf.example"), CertificateProblem::unknown_issuer,
                  Alert::unknown_ca,
                  "the issuer of 'CN=leaf.example' ('CN=Stranger CA') is not in the trust store "
                  "and the peer did not send it");
}

TEST_P(VerifyChain, ChainEndingInAnUntrustedRoot) {
  auto stranger = must(CertificateAuthority::create(ca_opts("Stranger CA")));
  auto chain = leaf(stranger, leaf_opts({"leaf.example"}));
  chain.push_back(stranger.certificate());
  expect_rejected(verify(chain, "leaf.example"), CertificateProblem::self_signed, Alert::unknown_ca,
                  "the chain ends at the self-signed certificate 'CN=Stranger CA', which is not "
                  "in the trust store");
}

TEST_P(VerifyChain, SelfSignedLeaf) {
  auto self_signed = must(testing::make_self_signed_leaf_parts(leaf_opts({"self.example"})));
  expect_rejected(verify(self_signed.certificates, "self.example"), CertificateProblem::self_signed,
                  Alert::unknown_ca,
                  "certificate 'CN=self.example' is self-signed and not in the trust store");
}

TEST_P(VerifyChain, MissingIntermediate) {
  auto intermediate = must(root_->issue_intermediate(ca_opts("Intermediate 1")));
  auto chain = leaf(intermediate, leaf_opts({"leaf.example"}));
  chain.erase(chain.begin() + 1, chain.end());  // the peer forgot to send its intermediate
  expect_rejected(verify(chain, "leaf.example"), CertificateProblem::unknown_issuer,
                  Alert::unknown_ca,
                  "the issuer of 'CN=leaf.example' ('CN=Intermediate 1') is not in the trust "
                  "store and the peer did not send it");
}

TEST_P(VerifyChain, BadSignature) {
  auto chain = leaf(*root_, leaf_opts({"leaf.example"}));
  std::vector<std::byte> der(chain.front().der().begin(), chain.front().der().end());
  // The last byte belongs to the signature value: flipping it keeps the DER well-formed.
  der.back() ^= std::byte{0x01};
  auto tampered = must(Certificate::from_der(der));
  expect_rejected(verify({tampered}, "leaf.example"), CertificateProblem::bad_signature,
                  Alert::bad_certificate, "the signature on certificate 'CN=leaf.example'");
}

TEST_P(VerifyChain, ChainTooLong) {
  CertificateAuthority ca = *root_;
  for (int i = 0; i < 11; ++i) {
    ca = must(ca.issue_intermediate(ca_opts("Intermediate " + std::to_string(i))));
  }
  auto chain = leaf(ca, leaf_opts({"leaf.example"}));
  ASSERT_EQ(chain.size(), 12U);
  expect_rejected(verify(chain, "leaf.example"), CertificateProblem::chain_too_long,
                  Alert::unknown_ca, "within 10 intermediate certificates");
}

TEST_P(VerifyChain, TenIntermediatesAreAllowed) {
  CertificateAuthority ca = *root_;
  for (int i = 0; i < 10; ++i) {
    ca = must(ca.issue_intermediate(ca_opts("Intermediate " + std::to_string(i))));
  }
  auto result = verify(leaf(ca, leaf_opts({"leaf.example"})), "leaf.example");
  EXPECT_TRUE(result) << result.error().message;
}

// --- usage (RFC 5280 §4.2.1.3, §4.2.1.12; RFC 8446 §4.4.2.2) --------------------------------

TEST_P(VerifyChain, LeafWithoutServerAuthUsage) {
  auto chain = leaf(*root_, leaf_opts({"leaf.example"}, [&](LeafOptions& o) {
    o.flaws.no_server_auth_usage = true;
  }));
  expect_rejected(verify(chain, "leaf.example"), CertificateProblem::wrong_usage,
                  Alert::unsupported_certificate,
                  "certificate 'CN=leaf.example' may not be used for TLS server authentication "
                  "(its extendedKeyUsage does not include serverAuth)");
}

TEST_P(VerifyChain, ClientCertificateIsNotAServerCertificate) {
  auto chain = leaf(*root_, leaf_opts({"leaf.example"}, [&](LeafOptions& o) { o.client = true; }));
  expect_rejected(verify(chain, "leaf.example"), CertificateProblem::wrong_usage,
                  Alert::unsupported_certificate, "does not include serverAuth");
}

TEST_P(VerifyChain, LeafWithoutDigitalSignatureUsage) {
  auto chain = leaf(*root_, leaf_opts({"leaf.example"}, [&](LeafOptions& o) {
    o.flaws.no_digital_signature_usage = true;
  }));
  expect_rejected(verify(chain, "leaf.example"), CertificateProblem::wrong_usage,
                  Alert::unsupported_certificate, "digitalSignature");
}

TEST_P(VerifyChain, KeyEnciphermentAloneIsNotEnough) {
  // libcrypto's serverAuth purpose accepts keyEncipherment (static RSA key exchange); sanstls
  // never uses that, so RFC 8446 §4.4.2.2 applies: digitalSignature is required.
  auto chain = std::vector<Certificate>{
      raw_leaf(*root_, "leaf.example", "DNS:leaf.example", "critical,keyEncipherment")};
  expect_rejected(verify(chain, "leaf.example"), CertificateProblem::wrong_usage,
                  Alert::unsupported_certificate,
                  "certificate 'CN=leaf.example' has a keyUsage without digitalSignature");
}

// --- sanstls policy -----------------------------------------------------------------------

// RFC 5280 §4.2.1.1: every certificate but a self-signed root carries authorityKeyIdentifier.
// Still refused, but the message says how to fix it (issue 13: OpenSSL's "Missing Authority Key
// Identifier" alone left users guessing).
TEST_P(VerifyChain, LeafWithoutAuthorityKeyIdentifierSaysHowToReissue) {
  const auto chain = std::vector<Certificate>{
      raw_leaf(*root_, "leaf.example", "DNS:leaf.example", "critical,digitalSignature", false)};
  const auto result = verify(chain, "leaf.example");
  expect_rejected(result, CertificateProblem::malformed, Alert::bad_certificate,
                  "certificate 'CN=leaf.example' has no authorityKeyIdentifier extension");
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error().message, HasSubstr("re-issue it with the extension"));
  EXPECT_THAT(result.error().message, HasSubstr("authorityKeyIdentifier=keyid,issuer"));
  EXPECT_THAT(result.error().message, ::testing::Not(HasSubstr("Missing Authority Key")));
}

TEST_P(VerifyChain, Rsa1024Leaf) {
  auto chain = leaf(
      *root_, leaf_opts({"leaf.example"}, [&](LeafOptions& o) { o.flaws.rsa_1024_key = true; }));
  expect_rejected(verify(chain, "leaf.example"), CertificateProblem::weak_key,
                  Alert::bad_certificate,
                  "certificate 'CN=leaf.example' has a 1024-bit RSA key; sanstls requires at "
                  "least 2048 bits");
}

TEST_P(VerifyChain, Sha1SignedLeaf) {
  for (const KeyAlgorithm algorithm : {KeyAlgorithm::ecdsa_p256, KeyAlgorithm::rsa_2048}) {
    SCOPED_TRACE(std::string(testing::key_algorithm_name(algorithm)));
    auto ca =
        must(CertificateAuthority::create(ca_opts("CA", [&](CaOptions& o) { o.key = algorithm; })));
    auto chain = leaf(
        ca, leaf_opts({"leaf.example"}, [&](LeafOptions& o) { o.flaws.sha1_signature = true; }));
    expect_rejected(verify(chain, ca.trust_store(), "leaf.example"),
                    CertificateProblem::weak_signature_algorithm, Alert::bad_certificate,
                    "certificate 'CN=leaf.example' is signed with SHA-1, which sanstls refuses");
  }
}

// --- CA constraints (RFC 5280 §4.2.1.9, §4.2.1.10) ------------------------------------------

TEST_P(VerifyChain, NameConstraintsViolation) {
  auto constrained = must(root_->issue_intermediate(ca_opts(
      "Example Org CA", [&](CaOptions& o) { o.permitted_dns_subtrees = {"example.org"}; })));
  EXPECT_TRUE(verify(leaf(constrained, leaf_opts({"www.example.org"})), "www.example.org"));
  auto chain = leaf(constrained, leaf_opts({"www.example.com"}));
  expect_rejected(verify(chain, "www.example.com"), CertificateProblem::name_constraint_violation,
                  Alert::bad_certificate,
                  "certificate 'CN=www.example.com' has a name that the name constraints of an "
                  "issuing CA forbid");
}

TEST_P(VerifyChain, PathLengthViolation) {
  auto root = must(CertificateAuthority::create(ca_opts("Root pathlen 0", [&](CaOptions& o) {
    o.path_length = 0;
    o.not_before = now_ - Days{1};
  })));
  auto intermediate = must(root.issue_intermediate(ca_opts("Intermediate 1")));
  auto chain = leaf(intermediate, leaf_opts({"leaf.example"}));
  expect_rejected(verify(chain, root.trust_store(), "leaf.example"),
                  CertificateProblem::path_length_exceeded, Alert::bad_certificate,
                  "more CA certificates below 'CN=Root pathlen 0' than its basicConstraints "
                  "pathLenConstraint of 0 allows");
}

// --- client authentication -------------------------------------------------------------------

TEST_P(VerifyChain, ClientCertificate) {
  auto chain =
      leaf(*root_, leaf_opts({"client.example"}, [&](LeafOptions& o) { o.client = true; }));
  VerifyRequest request;
  request.validator = GetParam();
  request.presented = chain;
  const TrustStore trust = root_->trust_store();
  request.trust = &trust;
  request.purpose = Purpose::client_auth;
  request.now = now_;
  auto result = verify_chain(request);
  EXPECT_TRUE(result) << result.error().message;

  // A server certificate (serverAuth only) is not a client certificate.
  auto server_chain = leaf(*root_, leaf_opts({"server.example"}));
  request.presented = server_chain;
  expect_rejected(verify_chain(request), CertificateProblem::wrong_usage,
                  Alert::unsupported_certificate,
                  "may not be used for TLS client authentication (its extendedKeyUsage does not "
                  "include clientAuth)");
}

TEST_P(VerifyChain, EmptyChain) {
  expect_rejected(verify({}, "leaf.example"), CertificateProblem::missing, Alert::decode_error,
                  "the server sent no certificate");
  VerifyRequest request;
  request.validator = GetParam();
  const TrustStore trust = root_->trust_store();
  request.trust = &trust;
  request.purpose = Purpose::client_auth;
  request.now = now_;
  expect_rejected(verify_chain(request), CertificateProblem::missing, Alert::certificate_required,
                  "the client sent no certificate");
}

TEST_P(VerifyChain, MisuseIsNotACertificateProblem) {
  auto chain = leaf(*root_, leaf_opts({"leaf.example"}));
  VerifyRequest request;
  request.validator = GetParam();
  request.presented = chain;
  request.now = now_;
  auto no_trust = verify_chain(request);
  ASSERT_FALSE(no_trust);
  EXPECT_EQ(no_trust.error().code, Errc::api_misuse);
  const TrustStore trust = root_->trust_store();
  request.trust = &trust;
  auto no_name = verify_chain(request);
  ASSERT_FALSE(no_name);
  EXPECT_EQ(no_name.error().code, Errc::api_misuse);
}

TEST_P(VerifyChain, ExplicitLibraryContext) {
  ossl::LibCtxPtr libctx(OSSL_LIB_CTX_new());
  ASSERT_TRUE(libctx);
  auto chain = leaf(*root_, leaf_opts({"leaf.example"}));
  const TrustStore trust = root_->trust_store();
  const ServerName name = host("leaf.example");
  VerifyRequest request;
  request.validator = GetParam();
  request.presented = chain;
  request.trust = &trust;
  request.server_name = &name;
  request.now = now_;
  request.libctx = libctx.get();
  auto result = verify_chain(request);
  EXPECT_TRUE(result) << result.error().message;
}

INSTANTIATE_TEST_SUITE_P(Validators, VerifyChain,
                         ::testing::Values(Validator::openssl, Validator::sanstls),
                         [](const ::testing::TestParamInfo<Validator>& param_info) {
                           return param_info.param == Validator::openssl ? "openssl" : "sanstls";
                         });

TEST(AlertFor, EveryProblemHasTheDocumentedAlert) {
  struct Row {
    CertificateProblem problem;
    Alert alert;
  };
  const Row rows[] = {
      {CertificateProblem::expired, Alert::certificate_expired},
      {CertificateProblem::not_yet_valid, Alert::certificate_expired},
      {CertificateProblem::name_mismatch, Alert::bad_certificate},
      {CertificateProblem::unknown_issuer, Alert::unknown_ca},
      {CertificateProblem::self_signed, Alert::unknown_ca},
      {CertificateProblem::bad_signature, Alert::bad_certificate},
      {CertificateProblem::weak_key, Alert::bad_certificate},
      {CertificateProblem::weak_signature_algorithm, Alert::bad_certificate},
      {CertificateProblem::wrong_usage, Alert::unsupported_certificate},
      {CertificateProblem::name_constraint_violation, Alert::bad_certificate},
      {CertificateProblem::path_length_exceeded, Alert::bad_certificate},
      {CertificateProblem::chain_too_long, Alert::unknown_ca},
      {CertificateProblem::malformed, Alert::bad_certificate},
      {CertificateProblem::rejected_by_callback, Alert::bad_certificate},
      {CertificateProblem::other, Alert::certificate_unknown},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(alert_for(row.problem, Purpose::server_auth), row.alert)
        << certificate_problem_name(row.problem);
    EXPECT_EQ(alert_for(row.problem, Purpose::client_auth), row.alert)
        << certificate_problem_name(row.problem);
  }
  EXPECT_EQ(alert_for(CertificateProblem::missing, Purpose::server_auth), Alert::decode_error);
  EXPECT_EQ(alert_for(CertificateProblem::missing, Purpose::client_auth),
            Alert::certificate_required);
}

}  // namespace
}  // namespace sanstls::x509

// SPDX-License-Identifier: Apache-2.0 OR MIT
// Conformance: every way a server certificate can be wrong gives its own error on the client
// (Errc, CertificateProblem, the alert sent and received, a message fragment), and the verify
// callback can add checks but never remove one.

#include "conformance/conformance.hpp"

#include <chrono>
#include <string_view>

namespace sanstls::test {
namespace {

using testing::CaOptions;
using testing::CertificateAuthority;
using testing::Flaws;
using testing::IssuedLeaf;
using testing::LeafOptions;

/// A server leaf for "localhost" (and whatever else is asked), issued by the shared intermediate.
LeafOptions leaf_options(std::vector<std::string> names = {"localhost"}) {
  LeafOptions options;
  options.names = std::move(names);
  return options;
}

/// leaf_options() with `flaw` set.
LeafOptions flawed(bool Flaws::*flaw) {
  LeafOptions options = leaf_options();
  options.flaws.*flaw = true;
  return options;
}

/// Session callbacks whose verify callback accepts every chain and counts its calls in `calls`.
SessionCallbacks accept_and_count(int& calls) {
  return SessionCallbacks{
      .write = {},
      .close = {},
      .verify = [&calls](std::span<const Certificate>, const SessionInfo&) -> Result<void> {
        ++calls;
        return {};
      }};
}

/// The certificates and key of a leaf that may be flawed, as a chain the server presents as is.
CertificateChain unchecked(const Result<IssuedLeaf>& parts) {
  EXPECT_TRUE(parts) << parts.error().to_string();
  return hazmat::make_unchecked_chain(parts->certificates, parts->key);
}

template <class T>
T value_or_die(Result<T> result) {
  if (!result) {
    ADD_FAILURE() << result.error().to_string();
    std::abort();
  }
  return std::move(*result);
}

class CertificatesTest : public Conformance {
 protected:
  /// Runs a handshake that the client must refuse, and checks both sides' errors.
  void expect_client_rejects(SessionPair& pair, CertificateProblem problem, Alert alert,
                             std::string_view fragment) {
    ASSERT_FALSE(pair.start_error) << pair.start_error->to_string();
    EXPECT_FALSE(pair.handshake());
    ASSERT_TRUE(pair.client().error) << "the client accepted the chain";
    const Error& error = *pair.client().error;
    EXPECT_EQ(error.code, Errc::certificate_rejected) << error.to_string();
    EXPECT_EQ(error.certificate_problem, problem)
        << certificate_problem_name(error.certificate_problem) << ": " << error.to_string();
    EXPECT_EQ(error.alert_sent, alert) << error.to_string();
    EXPECT_NE(error.message.find(fragment), std::string::npos) << error.to_string();
    EXPECT_EQ(pair.client().session->state(), SessionState::invalidated);
    EXPECT_FALSE(pair.client().session->info().peer_verified);
    ASSERT_TRUE(pair.server().error) << "the server never heard of the refusal";
    EXPECT_EQ(pair.server().error->code, Errc::alert_received) << pair.server().error->to_string();
    EXPECT_EQ(pair.server().error->alert_received, alert) << pair.server().error->to_string();
  }

  [[nodiscard]] ServerTLS server_with(CertificateChain chain) const {
    return ServerTLS{std::move(chain), server_options()};
  }
  /// A server presenting, unchecked, the shared intermediate's leaf made with `options`.
  [[nodiscard]] ServerTLS server_with_unchecked_leaf(const LeafOptions& options) const {
    return server_with(unchecked(pki().intermediate().issue_leaf_parts(options)));
  }
};
SANSTLS_INSTANTIATE_CONFORMANCE(CertificatesTest);

TEST_P(CertificatesTest, ExpiredLeafAccordingToTheInjectedClock) {
  ClientOptions options = client_options();
  // The leaf lives 90 days, the CAs ten years: 100 days from now only the leaf has expired.
  options.clock = shifted_clock(std::chrono::days{100});
  SessionPair pair(client(options), default_server());
  expect_client_rejects(pair, CertificateProblem::expired, Alert::certificate_expired,
                        "certificate 'CN=localhost' expired on ");
}

TEST_P(CertificatesTest, NotYetValidLeaf) {
  LeafOptions options = leaf_options();
  options.not_before = std::chrono::system_clock::now() + std::chrono::days{2};
  SessionPair pair(default_client(), server_with_unchecked_leaf(options));
  expect_client_rejects(pair, CertificateProblem::not_yet_valid, Alert::certificate_expired,
                        "certificate 'CN=localhost' is not valid before ");
}

TEST_P(CertificatesTest, NotYetValidAccordingToTheInjectedClock) {
  ClientOptions options = client_options();
  // Before the leaf was issued, but after the CAs were (they were all made a moment ago with
  // not_before one hour in the past; the leaf below starts now).
  LeafOptions leaf = leaf_options();
  leaf.not_before = std::chrono::system_clock::now();
  options.clock = shifted_clock(-std::chrono::minutes{30});
  SessionPair pair(client(options), server_with_unchecked_leaf(leaf));
  expect_client_rejects(pair, CertificateProblem::not_yet_valid, Alert::certificate_expired,
                        "is not valid before ");
}

TEST_P(CertificatesTest, WrongDnsName) {
  SessionPair pair(client(client_options(), "other.example"), default_server());
  expect_client_rejects(pair, CertificateProblem::name_mismatch, Alert::bad_certificate,
                        "does not match requested name 'other.example'");
  EXPECT_NE(pair.client().error->message.find("localhost"), std::string::npos)
      << "the message lists the certificate's names";
}

TEST_P(CertificatesTest, IpAddressTheCertificateLacks) {
  SessionPair pair(client(client_options(), "10.0.0.1"), default_server());
  expect_client_rejects(pair, CertificateProblem::name_mismatch, Alert::bad_certificate,
                        "does not match requested IP address '10.0.0.1'");
}

TEST_P(CertificatesTest, CertificateWithOnlyDnsNamesRequestedByIp) {
  auto chain = pki().intermediate().issue_leaf(leaf_options({"localhost", "test.example"}));
  ASSERT_TRUE(chain) << chain.error().to_string();
  SessionPair pair(client(client_options(), "127.0.0.1"), server_with(*chain));
  expect_client_rejects(pair, CertificateProblem::name_mismatch, Alert::bad_certificate,
                        "does not match requested IP address '127.0.0.1'");
}

TEST_P(CertificatesTest, CertificateWithOnlyAnIpRequestedByDnsName) {
  auto chain = pki().intermediate().issue_leaf(leaf_options({"127.0.0.1"}));
  ASSERT_TRUE(chain) << chain.error().to_string();
  SessionPair pair(client(client_options(), "localhost"), server_with(*chain));
  expect_client_rejects(pair, CertificateProblem::name_mismatch, Alert::bad_certificate,
                        "does not match requested name 'localhost'");
}

TEST_P(CertificatesTest, IpAddressInTheCertificateMatches) {
  SessionPair pair(client(client_options(), "127.0.0.1"), default_server());
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_TRUE(pair.client().session->info().peer_verified);
}

TEST_P(CertificatesTest, UnknownCa) {
  auto other = CertificateAuthority::create();
  ASSERT_TRUE(other) << other.error().to_string();
  ClientOptions options = client_options();
  options.trust = other->trust_store();
  SessionPair pair(client(options), default_server());
  expect_client_rejects(pair, CertificateProblem::unknown_issuer, Alert::unknown_ca,
                        "is not in the trust store and the peer did not send it");
}

TEST_P(CertificatesTest, EmptyTrustStoreTrustsNothing) {
  ClientOptions options = client_options();
  options.trust = TrustStore{};
  SessionPair pair(client(options), default_server());
  expect_client_rejects(pair, CertificateProblem::unknown_issuer, Alert::unknown_ca,
                        "is not in the trust store");
}

TEST_P(CertificatesTest, SelfSignedLeaf) {
  auto chain = testing::make_self_signed_leaf(leaf_options());
  ASSERT_TRUE(chain) << chain.error().to_string();
  SessionPair pair(default_client(), server_with(*chain));
  expect_client_rejects(pair, CertificateProblem::self_signed, Alert::unknown_ca,
                        "certificate 'CN=localhost' is self-signed and not in the trust store");
}

TEST_P(CertificatesTest, SelfSignedLeafThatIsTrustedWorks) {
  auto chain = testing::make_self_signed_leaf(leaf_options());
  ASSERT_TRUE(chain) << chain.error().to_string();
  ClientOptions options = client_options();
  auto trust = TrustStore::from_certificates({chain->leaf()});
  ASSERT_TRUE(trust) << trust.error().to_string();
  options.trust = *trust;
  SessionPair pair(client(options), server_with(*chain));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_TRUE(pair.client().session->info().peer_verified);
}

TEST_P(CertificatesTest, MissingIntermediate) {
  const IssuedLeaf& parts = pki().server_parts();
  SessionPair pair(default_client(),
                   server_with(hazmat::make_unchecked_chain({parts.certificates[0]}, parts.key)));
  expect_client_rejects(
      pair, CertificateProblem::unknown_issuer, Alert::unknown_ca,
      "the issuer of 'CN=localhost' ('CN=sanstls test intermediate') is not in the "
      "trust store");
}

TEST_P(CertificatesTest, LeafWithoutServerAuthUsage) {
  SessionPair pair(default_client(),
                   server_with_unchecked_leaf(flawed(&Flaws::no_server_auth_usage)));
  expect_client_rejects(pair, CertificateProblem::wrong_usage, Alert::unsupported_certificate,
                        "may not be used for TLS server authentication (its extendedKeyUsage "
                        "does not include serverAuth)");
}

TEST_P(CertificatesTest, ClientCertificatePresentedByAServer) {
  // A leaf made for clients (extendedKeyUsage clientAuth only).
  LeafOptions options = leaf_options();
  options.client = true;
  SessionPair pair(default_client(), server_with_unchecked_leaf(options));
  expect_client_rejects(pair, CertificateProblem::wrong_usage, Alert::unsupported_certificate,
                        "does not include serverAuth");
}

// A chain that every sanstls client refuses is refused by every sanstls server too, before it
// reaches the wire, with the same error on every engine (it can only be built via hazmat; the
// client-side checks for such chains run against real servers in tests/interop and in
// tests/x509).
void expect_server_refuses_to_present(SessionPair& pair, CredentialProblem problem,
                                      std::string_view fragment) {
  EXPECT_FALSE(pair.handshake());
  ASSERT_TRUE(pair.server().error) << "the server presented a chain no sanstls peer accepts";
  EXPECT_EQ(pair.server().error->code, Errc::bad_configuration) << pair.server().error->to_string();
  EXPECT_EQ(pair.server().error->credential_problem, problem) << pair.server().error->to_string();
  EXPECT_NE(pair.server().error->message.find(fragment), std::string::npos)
      << pair.server().error->to_string();
  ASSERT_TRUE(pair.client().error);
  EXPECT_EQ(pair.client().error->code, Errc::alert_received) << pair.client().error->to_string();
}

TEST_P(CertificatesTest, ServerRefusesToPresentAnRsa1024Leaf) {
  const ServerTLS server = server_with_unchecked_leaf(flawed(&Flaws::rsa_1024_key));
  // On every handshake: a configuration remembers only the chains it found presentable.
  for (int handshake = 0; handshake < 2; ++handshake) {
    SessionPair pair(default_client(), server);
    expect_server_refuses_to_present(pair, CredentialProblem::weak_key,
                                     "has a 1024-bit RSA key; sanstls requires at least 2048 bits");
  }
}

TEST_P(CertificatesTest, ServerRefusesToPresentASha1SignedLeaf) {
  SessionPair pair(default_client(), server_with_unchecked_leaf(flawed(&Flaws::sha1_signature)));
  expect_server_refuses_to_present(pair, CredentialProblem::weak_signature_algorithm,
                                   "is signed with SHA-1, which sanstls refuses");
}

TEST_P(CertificatesTest, NameConstraintsViolation) {
  CaOptions constrained;
  constrained.common_name = "constrained intermediate";
  constrained.permitted_dns_subtrees = {"allowed.example"};
  auto intermediate = pki().root().issue_intermediate(constrained);
  ASSERT_TRUE(intermediate) << intermediate.error().to_string();
  // The constraint itself works: a name below allowed.example passes.
  {
    auto good = intermediate->issue_leaf(leaf_options({"www.allowed.example"}));
    ASSERT_TRUE(good) << good.error().to_string();
    SessionPair pair(client(client_options(), "www.allowed.example"), server_with(*good));
    ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  }
  auto bad = intermediate->issue_leaf(leaf_options({"localhost"}));
  ASSERT_TRUE(bad) << bad.error().to_string();
  SessionPair pair(default_client(), server_with(*bad));
  expect_client_rejects(pair, CertificateProblem::name_constraint_violation, Alert::bad_certificate,
                        "has a name that the name constraints of an issuing CA forbid");
}

TEST_P(CertificatesTest, PathLengthViolation) {
  // The shared intermediate has pathLenConstraint 0: it may not issue another CA.
  auto sub = pki().intermediate().issue_intermediate();
  ASSERT_TRUE(sub) << sub.error().to_string();
  auto chain = sub->issue_leaf(leaf_options());
  ASSERT_TRUE(chain) << chain.error().to_string();
  ASSERT_EQ(chain->certificates().size(), 3U);
  SessionPair pair(default_client(), server_with(*chain));
  expect_client_rejects(pair, CertificateProblem::path_length_exceeded, Alert::bad_certificate,
                        "basicConstraints pathLenConstraint of 0 allows");
}

TEST_P(CertificatesTest, ServerRefusesToPresentALeafWithoutDigitalSignatureUsage) {
  SessionPair pair(default_client(),
                   server_with_unchecked_leaf(flawed(&Flaws::no_digital_signature_usage)));
  expect_server_refuses_to_present(pair, CredentialProblem::unusable_key_usage,
                                   "keyUsage without digitalSignature");
}

TEST_P(CertificatesTest, CaCertificateAsLeafIsRejected) {
  SessionPair pair(default_client(), server_with_unchecked_leaf(flawed(&Flaws::ca_flag_on_leaf)));
  expect_client_rejects(pair, CertificateProblem::wrong_usage, Alert::unsupported_certificate,
                        "is a CA certificate (basicConstraints cA=TRUE)");
}

TEST_P(CertificatesTest, VerifyCallbackRejects) {
  int calls = 0;
  SessionPair pair(
      default_client(), default_server(),
      SessionCallbacks{
          .write = {},
          .close = {},
          .verify = [&](std::span<const Certificate>, const SessionInfo&) -> Result<void> {
            ++calls;
            return fail(Errc::certificate_rejected, "pinned key does not match");
          }});
  expect_client_rejects(pair, CertificateProblem::rejected_by_callback, Alert::bad_certificate,
                        "pinned key does not match");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(pair.client().closes, std::vector<CloseMode>{CloseMode::after_flush});
  EXPECT_SANSTLS_ERROR((pair.client().session->write_data("x")), Errc::invalidated,
                       "pinned key does not match");
}

TEST_P(CertificatesTest, VerifyCallbackThatThrowsRejects) {
  SessionPair pair(default_client(), default_server(),
                   SessionCallbacks{.write = {},
                                    .close = {},
                                    .verify = [](std::span<const Certificate>,
                                                 const SessionInfo&) -> Result<void> {
                                      throw std::runtime_error("database unavailable");
                                    }});
  expect_client_rejects(pair, CertificateProblem::rejected_by_callback, Alert::bad_certificate,
                        "database unavailable");
}

TEST_P(CertificatesTest, VerifyCallbackCannotAcceptWhatTheBuiltInChecksRefused) {
  int calls = 0;
  SessionPair pair(client(client_options(), "other.example"), default_server(),
                   accept_and_count(calls));
  expect_client_rejects(pair, CertificateProblem::name_mismatch, Alert::bad_certificate,
                        "other.example");
  EXPECT_EQ(calls, 0) << "the callback runs only after every built-in check passed";
}

TEST_P(CertificatesTest, VerifyCallbackCannotAcceptAnUnknownCa) {
  int calls = 0;
  ClientOptions options = client_options();
  options.trust = TrustStore{};
  SessionPair pair(client(options), default_server(), accept_and_count(calls));
  expect_client_rejects(pair, CertificateProblem::unknown_issuer, Alert::unknown_ca,
                        "is not in the trust store");
  EXPECT_EQ(calls, 0);
}

TEST_P(CertificatesTest, VerifyCallbackSeesTheLeafFirstChainAndTheSession) {
  std::vector<Certificate> seen;
  std::optional<SessionInfo> seen_info;
  SessionPair pair(default_client(), default_server(),
                   SessionCallbacks{.write = {},
                                    .close = {},
                                    .verify = [&](std::span<const Certificate> chain,
                                                  const SessionInfo& info) -> Result<void> {
                                      seen.assign(chain.begin(), chain.end());
                                      seen_info = info;
                                      return {};
                                    }});
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[0], pki().server().leaf());
  EXPECT_EQ(seen[1], pki().intermediate().certificate());
  ASSERT_TRUE(seen_info);
  EXPECT_EQ(seen_info->backend, GetParam().client);
  EXPECT_EQ(seen_info->server_name, "localhost");
  EXPECT_EQ(seen_info->peer_certificates, seen);
  EXPECT_FALSE(seen_info->peer_verified) << "not verified until the callback said so";
  EXPECT_TRUE(pair.client().session->info().peer_verified);
}

TEST_P(CertificatesTest, ServerChainsWithOneTwoAndThreeIntermediates) {
  // A fresh hierarchy without path-length limits: root -> ca1 -> ca2 -> ca3.
  const CertificateAuthority& root = pki().root();
  std::vector<CertificateAuthority> cas;
  for (int depth = 1; depth <= 3; ++depth) {
    CaOptions options;
    options.common_name = "depth " + std::to_string(depth) + " CA";
    cas.push_back(value_or_die(depth == 1 ? root.issue_intermediate(options)
                                          : cas.back().issue_intermediate(options)));
  }
  for (std::size_t depth = 1; depth <= 3; ++depth) {
    auto chain = cas[depth - 1].issue_leaf(leaf_options());
    ASSERT_TRUE(chain) << chain.error().to_string();
    ASSERT_EQ(chain->certificates().size(), depth + 1);
    SessionPair pair(default_client(), server_with(*chain));
    ASSERT_TRUE(pair.handshake()) << depth << ": "
                                  << (pair.first_error() ? pair.first_error()->to_string() : "");
    EXPECT_TRUE(pair.client().session->info().peer_verified);
    EXPECT_EQ(pair.client().session->info().peer_certificates, chain->certificates()) << depth;
  }
}

}  // namespace
}  // namespace sanstls::test

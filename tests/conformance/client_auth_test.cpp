// SPDX-License-Identifier: Apache-2.0 OR MIT
// Conformance: client certificates (mutual TLS), in TLS 1.3 and TLS 1.2.

#include "conformance/conformance.hpp"

namespace sanstls::test {
namespace {

/// Offers a fixed chain and remembers what the server asked for.
class RememberingClientStore final : public ClientCertificateStore {
 public:
  explicit RememberingClientStore(std::optional<CertificateChain> chain)
      : chain_(std::move(chain)) {}
  void select(const ClientCertificateQuery& query, CertificateResponder responder) override {
    queries.push_back(query);
    if (chain_) {
      (void)responder.provide(*chain_);
    } else {
      (void)responder.decline();
    }
  }
  std::vector<ClientCertificateQuery> queries;

 private:
  std::optional<CertificateChain> chain_;
};

class ClientAuthTest : public Conformance {
 protected:
  [[nodiscard]] ClientTLS client_presenting(std::optional<CertificateChain> chain,
                                            bool tls12 = false) const {
    ClientOptions options = client_options();
    if (chain) {
      options.client_certificates = std::make_shared<ClientCertificateChain>(*chain);
    }
    if (tls12) {
      options.hazmat = tls12_cap();
    }
    return client(options);
  }
  [[nodiscard]] ServerTLS server_asking(ClientAuth mode,
                                        std::optional<TrustStore> trust = std::nullopt) const {
    ServerOptions options = server_options();
    options.client_auth = mode;
    options.client_trust = trust ? *trust : pki().trust_store();
    return server(options);
  }

  /// The server refuses the client's certificate; the client hears the alert.
  void expect_server_rejects(SessionPair& pair, CertificateProblem problem, Alert alert,
                             std::string_view fragment) {
    ASSERT_FALSE(pair.start_error) << pair.start_error->to_string();
    EXPECT_FALSE(pair.handshake());
    ASSERT_TRUE(pair.server().error) << "the server accepted the client";
    const Error& error = *pair.server().error;
    EXPECT_EQ(error.code, Errc::certificate_rejected) << error.to_string();
    EXPECT_EQ(error.certificate_problem, problem)
        << certificate_problem_name(error.certificate_problem) << ": " << error.to_string();
    EXPECT_EQ(error.alert_sent, alert) << error.to_string();
    EXPECT_NE(error.message.find(fragment), std::string::npos) << error.to_string();
    EXPECT_EQ(pair.server().session->state(), SessionState::invalidated);
    EXPECT_FALSE(pair.server().session->info().peer_verified);
    ASSERT_TRUE(pair.client().error) << "the client never heard of the refusal";
    EXPECT_EQ(pair.client().error->code, Errc::alert_received) << pair.client().error->to_string();
    EXPECT_EQ(pair.client().error->alert_received, alert) << pair.client().error->to_string();
    EXPECT_EQ(pair.client().session->state(), SessionState::invalidated);
  }
};
SANSTLS_INSTANTIATE_CONFORMANCE(ClientAuthTest);

TEST_P(ClientAuthTest, RequiredAndTheClientHasAValidCertificate) {
  SessionPair pair(client_presenting(pki().client()), server_asking(ClientAuth::required));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  const SessionInfo& server = pair.server().session->info();
  EXPECT_TRUE(server.peer_verified);
  EXPECT_EQ(server.peer_certificates, pki().client().certificates());
  EXPECT_TRUE(pair.client().session->info().peer_verified);
  ASSERT_TRUE(pair.client().session->write_data("authenticated"));
  pair.pump();
  EXPECT_EQ(pair.server().received_text(), "authenticated");
}

TEST_P(ClientAuthTest, RequiredAndTheClientHasNone) {
  SessionPair pair(client_presenting(std::nullopt), server_asking(ClientAuth::required));
  expect_server_rejects(pair, CertificateProblem::missing, Alert::certificate_required,
                        "the client sent no certificate");
  EXPECT_NE(pair.client().error->message.find("it requires a client certificate"),
            std::string::npos)
      << pair.client().error->to_string();
}

TEST_P(ClientAuthTest, RequiredAndTheClientStoreDeclines) {
  ClientOptions options = client_options();
  options.client_certificates = std::make_shared<RememberingClientStore>(std::nullopt);
  SessionPair declining(client(options), server_asking(ClientAuth::required));
  expect_server_rejects(declining, CertificateProblem::missing, Alert::certificate_required,
                        "the client sent no certificate");
}

TEST_P(ClientAuthTest, OptionalAndTheClientHasNone) {
  SessionPair pair(client_presenting(std::nullopt), server_asking(ClientAuth::optional));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_TRUE(pair.server().session->info().peer_certificates.empty());
  EXPECT_FALSE(pair.server().session->info().peer_verified);
}

TEST_P(ClientAuthTest, OptionalAndTheClientHasAValidCertificate) {
  SessionPair pair(client_presenting(pki().client()), server_asking(ClientAuth::optional));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_TRUE(pair.server().session->info().peer_verified);
  EXPECT_EQ(pair.server().session->info().peer_certificates, pki().client().certificates());
}

TEST_P(ClientAuthTest, OptionalStillRefusesABadCertificate) {
  auto other = testing::CertificateAuthority::create();
  ASSERT_TRUE(other) << other.error().to_string();
  SessionPair pair(client_presenting(pki().client()),
                   server_asking(ClientAuth::optional, other->trust_store()));
  expect_server_rejects(pair, CertificateProblem::unknown_issuer, Alert::unknown_ca,
                        "is not in the trust store");
}

TEST_P(ClientAuthTest, UntrustedClientCertificate) {
  auto other = testing::CertificateAuthority::create();
  ASSERT_TRUE(other) << other.error().to_string();
  SessionPair pair(client_presenting(pki().client()),
                   server_asking(ClientAuth::required, other->trust_store()));
  expect_server_rejects(pair, CertificateProblem::unknown_issuer, Alert::unknown_ca,
                        "is not in the trust store and the peer did not send it");
}

TEST_P(ClientAuthTest, ClientCertificateWithoutClientAuthUsage) {
  testing::LeafOptions options;
  options.names = {std::string(TestPki::client_name)};
  options.client = true;
  options.flaws.no_client_auth_usage = true;
  auto parts = pki().intermediate().issue_leaf_parts(options);
  ASSERT_TRUE(parts) << parts.error().to_string();
  SessionPair pair(client_presenting(hazmat::make_unchecked_chain(parts->certificates, parts->key)),
                   server_asking(ClientAuth::required));
  expect_server_rejects(pair, CertificateProblem::wrong_usage, Alert::unsupported_certificate,
                        "may not be used for TLS client authentication (its extendedKeyUsage "
                        "does not include clientAuth)");
}

TEST_P(ClientAuthTest, ExpiredClientCertificate) {
  ServerOptions options = server_options();
  options.client_auth = ClientAuth::required;
  options.client_trust = pki().trust_store();
  options.clock = shifted_clock(std::chrono::days{100});
  SessionPair pair(client_presenting(pki().client()), server(options));
  expect_server_rejects(pair, CertificateProblem::expired, Alert::certificate_expired,
                        "expired on ");
}

TEST_P(ClientAuthTest, ServerVerifyCallbackSeesTheClientChain) {
  std::vector<Certificate> seen;
  SessionPair pair(client_presenting(pki().client()), server_asking(ClientAuth::required), {},
                   SessionCallbacks{.write = {},
                                    .close = {},
                                    .verify = [&](std::span<const Certificate> chain,
                                                  const SessionInfo&) -> Result<void> {
                                      seen.assign(chain.begin(), chain.end());
                                      return fail(Errc::certificate_rejected, "not on the list");
                                    }});
  expect_server_rejects(pair, CertificateProblem::rejected_by_callback, Alert::bad_certificate,
                        "not on the list");
  EXPECT_EQ(seen, pki().client().certificates());
}

TEST_P(ClientAuthTest, AcceptableAuthoritiesNameTheServersClientTrustRoot) {
  auto store = std::make_shared<RememberingClientStore>(pki().client());
  ClientOptions options = client_options();
  options.client_certificates = store;
  SessionPair pair(client(options), server_asking(ClientAuth::required));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  ASSERT_EQ(store->queries.size(), 1U);
  EXPECT_EQ(store->queries[0].server_name, "localhost");
  EXPECT_EQ(store->queries[0].acceptable_authorities,
            std::vector<std::string>{pki().root().certificate().subject()});
}

TEST_P(ClientAuthTest, AcceptableAuthoritiesListEveryRoot) {
  auto other = testing::CertificateAuthority::create();
  ASSERT_TRUE(other) << other.error().to_string();
  auto trust = TrustStore::from_certificates({pki().root().certificate(), other->certificate()});
  ASSERT_TRUE(trust) << trust.error().to_string();
  auto store = std::make_shared<RememberingClientStore>(pki().client());
  ClientOptions options = client_options();
  options.client_certificates = store;
  SessionPair pair(client(options), server_asking(ClientAuth::required, *trust));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  ASSERT_EQ(store->queries.size(), 1U);
  EXPECT_EQ(store->queries[0].acceptable_authorities,
            (std::vector<std::string>{pki().root().certificate().subject(),
                                      other->certificate().subject()}));
}

// ---- TLS 1.2 -------------------------------------------------------------------------------

TEST_P(ClientAuthTest, Tls12RequiredAndTheClientHasAValidCertificate) {
  if (!tls12_supported_or_reported()) return;
  SessionPair pair(client_presenting(pki().client(), /*tls12=*/true),
                   server_asking(ClientAuth::required));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.server().session->info().version, ProtocolVersion::tls12);
  EXPECT_TRUE(pair.server().session->info().peer_verified);
  EXPECT_EQ(pair.server().session->info().peer_certificates, pki().client().certificates());
}

TEST_P(ClientAuthTest, Tls12RequiredAndTheClientHasNone) {
  if (!tls12_supported_or_reported()) return;
  SessionPair pair(client_presenting(std::nullopt, /*tls12=*/true),
                   server_asking(ClientAuth::required));
  // certificate_required exists only in TLS 1.3 (RFC 8446 §6.2); a TLS 1.2 server answers a
  // missing certificate with handshake_failure (RFC 5246 §7.4.6).
  expect_server_rejects(pair, CertificateProblem::missing, Alert::handshake_failure,
                        "the client sent no certificate");
}

TEST_P(ClientAuthTest, Tls12OptionalAndTheClientHasNone) {
  if (!tls12_supported_or_reported()) return;
  SessionPair pair(client_presenting(std::nullopt, /*tls12=*/true),
                   server_asking(ClientAuth::optional));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.server().session->info().version, ProtocolVersion::tls12);
  EXPECT_TRUE(pair.server().session->info().peer_certificates.empty());
}

TEST_P(ClientAuthTest, Tls12UntrustedClientCertificate) {
  if (!tls12_supported_or_reported()) return;
  auto other = testing::CertificateAuthority::create();
  ASSERT_TRUE(other) << other.error().to_string();
  SessionPair pair(client_presenting(pki().client(), /*tls12=*/true),
                   server_asking(ClientAuth::required, other->trust_store()));
  expect_server_rejects(pair, CertificateProblem::unknown_issuer, Alert::unknown_ca,
                        "is not in the trust store");
}

}  // namespace
}  // namespace sanstls::test

// SPDX-License-Identifier: Apache-2.0 OR MIT
// Conformance: ALPN negotiation (RFC 7301) and SNI-based certificate choice (RFC 6066).

#include "conformance/conformance.hpp"

namespace sanstls::test {
namespace {

class AlpnSniTest : public Conformance {
 protected:
  [[nodiscard]] ClientTLS client_offering(std::vector<std::string> alpn,
                                          std::string name = "localhost") const {
    ClientOptions options = client_options();
    options.alpn = std::move(alpn);
    return client(options, std::move(name));
  }
  [[nodiscard]] ServerTLS server_speaking(std::vector<std::string> alpn) const {
    ServerOptions options = server_options();
    options.alpn = std::move(alpn);
    return server(options);
  }

  /// Chains for the SNI tests: one exact name, one wildcard, and a default for everything else.
  struct SniChains {
    CertificateChain exact;
    CertificateChain wildcard;
    CertificateChain fallback;
  };
  static const SniChains& sni_chains() {
    static const SniChains chains = [] {
      const auto issue = [](std::vector<std::string> names) {
        testing::LeafOptions options;
        options.names = std::move(names);
        auto chain = pki().intermediate().issue_leaf(options);
        if (!chain) {
          ADD_FAILURE() << chain.error().to_string();
          std::abort();
        }
        return *chain;
      };
      return SniChains{.exact = issue({"a.example.test"}),
                       .wildcard = issue({"*.example.test"}),
                       .fallback = issue({"fallback.test", "127.0.0.1"})};
    }();
    return chains;
  }
  [[nodiscard]] ServerTLS sni_server(bool with_default) const {
    const SniChains& chains = sni_chains();
    // The wildcard chain comes first: exact names must still win.
    auto store = std::make_shared<SNIServerCertificates>(
        std::vector<CertificateChain>{chains.wildcard, chains.exact},
        with_default ? std::optional<CertificateChain>{chains.fallback} : std::nullopt);
    return ServerTLS{store, server_options()};
  }
};
SANSTLS_INSTANTIATE_CONFORMANCE(AlpnSniTest);

// ---- ALPN ------------------------------------------------------------------------------------

TEST_P(AlpnSniTest, AlpnAgreesOnTheServersPreference) {
  SessionPair pair(client_offering({"http/1.1", "h2"}), server_speaking({"h2", "http/1.1"}));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.client().session->info().alpn, "h2");
  EXPECT_EQ(pair.server().session->info().alpn, "h2");
}

TEST_P(AlpnSniTest, AlpnPicksTheOnlyCommonProtocol) {
  SessionPair pair(client_offering({"spdy/3", "http/1.1"}), server_speaking({"h2", "http/1.1"}));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.client().session->info().alpn, "http/1.1");
  EXPECT_EQ(pair.server().session->info().alpn, "http/1.1");
}

TEST_P(AlpnSniTest, AlpnAgreesInTls12Too) {
  if (!tls12_supported_or_reported()) return;
  ClientOptions options = client_options();
  options.alpn = {"http/1.1", "h2"};
  options.hazmat = tls12_cap();
  SessionPair pair(client(options), server_speaking({"h2", "http/1.1"}));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.client().session->info().version, ProtocolVersion::tls12);
  EXPECT_EQ(pair.client().session->info().alpn, "h2");
  EXPECT_EQ(pair.server().session->info().alpn, "h2");
}

TEST_P(AlpnSniTest, AlpnWithoutOverlapFails) {
  SessionPair pair(client_offering({"h2"}), server_speaking({"smtp", "imap"}));
  EXPECT_FALSE(pair.handshake());
  ASSERT_TRUE(pair.server().error);
  const Error& server = *pair.server().error;
  EXPECT_EQ(server.code, Errc::no_application_protocol) << server.to_string();
  EXPECT_EQ(server.alert_sent, Alert::no_application_protocol) << server.to_string();
  EXPECT_NE(server.message.find("none in common with this server's (smtp, imap)"),
            std::string::npos)
      << server.to_string();
  ASSERT_TRUE(pair.client().error);
  const Error& client = *pair.client().error;
  EXPECT_EQ(client.code, Errc::alert_received) << client.to_string();
  EXPECT_EQ(client.alert_received, Alert::no_application_protocol) << client.to_string();
  EXPECT_NE(client.message.find("no_application_protocol"), std::string::npos)
      << client.to_string();
}

TEST_P(AlpnSniTest, AlpnAbsentOnTheClient) {
  SessionPair pair(default_client(), server_speaking({"h2"}));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.client().session->info().alpn, "");
  EXPECT_EQ(pair.server().session->info().alpn, "");
}

TEST_P(AlpnSniTest, AlpnAbsentOnTheServer) {
  SessionPair pair(client_offering({"h2", "http/1.1"}), default_server());
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.client().session->info().alpn, "");
  EXPECT_EQ(pair.server().session->info().alpn, "");
}

TEST_P(AlpnSniTest, AlpnAbsentOnBothSides) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.client().session->info().alpn, "");
  EXPECT_EQ(pair.server().session->info().alpn, "");
}

// ---- SNI -------------------------------------------------------------------------------------

TEST_P(AlpnSniTest, SniExactName) {
  SessionPair pair(client(client_options(), "a.example.test"), sni_server(true));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.client().session->info().peer_certificates.at(0), sni_chains().exact.leaf());
  EXPECT_EQ(pair.server().session->info().server_name, "a.example.test");
  EXPECT_EQ(pair.client().session->info().server_name, "a.example.test");
}

TEST_P(AlpnSniTest, SniNameIsCaseInsensitive) {
  SessionPair pair(client(client_options(), "A.Example.TEST"), sni_server(true));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.client().session->info().peer_certificates.at(0), sni_chains().exact.leaf());
  EXPECT_EQ(pair.server().session->info().server_name, "a.example.test");
}

TEST_P(AlpnSniTest, SniWildcard) {
  SessionPair pair(client(client_options(), "b.example.test"), sni_server(true));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.client().session->info().peer_certificates.at(0), sni_chains().wildcard.leaf());
  EXPECT_EQ(pair.server().session->info().server_name, "b.example.test");
  EXPECT_TRUE(pair.client().session->info().peer_verified);
}

TEST_P(AlpnSniTest, SniUnknownNameGetsTheDefault) {
  SessionPair pair(client(client_options(), "fallback.test"), sni_server(true));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.client().session->info().peer_certificates.at(0), sni_chains().fallback.leaf());
  EXPECT_EQ(pair.server().session->info().server_name, "fallback.test");
}

TEST_P(AlpnSniTest, SniWildcardCoversOneLabelOnly) {
  // x.y.example.test is not covered by *.example.test: the default chain is chosen, whose
  // names do not include it, so the client refuses it.
  SessionPair pair(client(client_options(), "x.y.example.test"), sni_server(true));
  EXPECT_FALSE(pair.handshake());
  ASSERT_TRUE(pair.client().error);
  EXPECT_EQ(pair.client().error->certificate_problem, CertificateProblem::name_mismatch)
      << pair.client().error->to_string();
  EXPECT_EQ(pair.client().session->info().peer_certificates.at(0), sni_chains().fallback.leaf());
}

TEST_P(AlpnSniTest, ClientWithoutSniGetsTheDefault) {
  // An IP literal is never sent as SNI (RFC 6066 §3).
  SessionPair pair(client(client_options(), "127.0.0.1"), sni_server(true));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.client().session->info().peer_certificates.at(0), sni_chains().fallback.leaf());
  EXPECT_EQ(pair.server().session->info().server_name, "");
  EXPECT_TRUE(pair.client().session->info().peer_verified);
}

TEST_P(AlpnSniTest, SniUnknownNameWithoutDefaultIsRefused) {
  SessionPair pair(client(client_options(), "nope.test"), sni_server(false));
  EXPECT_FALSE(pair.handshake());
  ASSERT_TRUE(pair.server().error);
  const Error& server = *pair.server().error;
  EXPECT_EQ(server.code, Errc::handshake_failure) << server.to_string();
  EXPECT_EQ(server.alert_sent, Alert::unrecognized_name) << server.to_string();
  EXPECT_NE(server.message.find("no certificate for server name 'nope.test'"), std::string::npos)
      << server.to_string();
  EXPECT_EQ(pair.server().session->info().server_name, "nope.test");
  ASSERT_TRUE(pair.client().error);
  EXPECT_EQ(pair.client().error->code, Errc::alert_received) << pair.client().error->to_string();
  EXPECT_EQ(pair.client().error->alert_received, Alert::unrecognized_name);
}

TEST_P(AlpnSniTest, NoSniWithoutDefaultIsRefused) {
  SessionPair pair(client(client_options(), "127.0.0.1"), sni_server(false));
  EXPECT_FALSE(pair.handshake());
  ASSERT_TRUE(pair.server().error);
  const Error& server = *pair.server().error;
  EXPECT_EQ(server.code, Errc::handshake_failure) << server.to_string();
  EXPECT_EQ(server.alert_sent, Alert::unrecognized_name) << server.to_string();
  EXPECT_NE(server.message.find("no certificate for clients that send no server name (SNI)"),
            std::string::npos)
      << server.to_string();
  ASSERT_TRUE(pair.client().error);
  EXPECT_EQ(pair.client().error->alert_received, Alert::unrecognized_name);
}

TEST_P(AlpnSniTest, ServerNameIsReportedWithASingleChainToo) {
  SessionPair pair(client(client_options(), "test.example"), default_server());
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.server().session->info().server_name, "test.example");
  EXPECT_EQ(pair.client().session->info().server_name, "test.example");
}

}  // namespace
}  // namespace sanstls::test

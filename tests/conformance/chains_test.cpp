// SPDX-License-Identifier: Apache-2.0 OR MIT
// Conformance: certificate chains of every reasonable depth, chains with extra certificates,
// chains longer than sanstls's limit, for servers and clients; and bulk data both ways.

#include "conformance/conformance.hpp"

namespace sanstls::test {
namespace {

using testing::CaOptions;
using testing::CertificateAuthority;
using testing::LeafOptions;

/// sanstls accepts at most this many intermediates between a leaf and its root
/// (src/x509/verify.cpp: max_intermediates).
constexpr std::size_t max_intermediates = 10;

/// CAs below the shared root, without path-length limits: ladder()[0] is issued by the root,
/// ladder()[i] by ladder()[i - 1]. A leaf issued by ladder()[i] has i + 1 intermediates.
const std::vector<CertificateAuthority>& ladder() {
  static const std::vector<CertificateAuthority> cas = [] {
    std::vector<CertificateAuthority> out;
    for (std::size_t i = 0; i <= max_intermediates; ++i) {
      CaOptions options;
      options.common_name = "ladder CA " + std::to_string(i + 1);
      auto ca = out.empty() ? TestPki::shared().root().issue_intermediate(options)
                            : out.back().issue_intermediate(options);
      if (!ca) {
        ADD_FAILURE() << ca.error().to_string();
        std::abort();
      }
      out.push_back(std::move(*ca));
    }
    return out;
  }();
  return cas;
}

/// A leaf with `intermediates` CA certificates above it (1 <= intermediates <= 11).
CertificateChain chain_with(std::size_t intermediates, bool client = false) {
  LeafOptions options;
  options.names = {client ? std::string(TestPki::client_name) : std::string("localhost")};
  options.client = client;
  auto chain = ladder().at(intermediates - 1).issue_leaf(options);
  if (!chain) {
    ADD_FAILURE() << chain.error().to_string();
    std::abort();
  }
  return *chain;
}

/// An unrelated CA certificate and leaf, to append to chains.
const CertificateChain& stranger() {
  static const CertificateChain chain = [] {
    auto ca = CertificateAuthority::create(CaOptions{});
    if (!ca) {
      std::abort();
    }
    LeafOptions options;
    options.names = {"stranger.example"};
    auto leaf = ca->issue_leaf(options);
    if (!leaf) {
      std::abort();
    }
    std::vector<Certificate> certificates = leaf->certificates();
    certificates.push_back(ca->certificate());
    return hazmat::make_unchecked_chain(certificates, leaf->key());
  }();
  return chain;
}

class ChainsTest : public Conformance {
 protected:
  [[nodiscard]] ServerTLS server_with(const CertificateChain& chain) const {
    return ServerTLS{chain, server_options()};
  }
  [[nodiscard]] ServerTLS mutual_server() const {
    ServerOptions options = server_options();
    options.client_auth = ClientAuth::required;
    options.client_trust = pki().trust_store();
    return server(options);
  }
  [[nodiscard]] ClientTLS client_presenting(const CertificateChain& chain) const {
    ClientOptions options = client_options();
    options.client_certificates = std::make_shared<ClientCertificateChain>(chain);
    return client(options);
  }
  [[nodiscard]] ClientTLS tls12_client() const { return client(tls12_client_options()); }
};
SANSTLS_INSTANTIATE_CONFORMANCE(ChainsTest);

TEST_P(ChainsTest, ServerChainsOfOneToThreeIntermediates) {
  for (std::size_t depth = 1; depth <= 3; ++depth) {
    const CertificateChain chain = chain_with(depth);
    for (bool tls12 : {false, true}) {
      if (tls12 && !tls12_supported_or_reported()) continue;
      SessionPair pair(tls12 ? tls12_client() : default_client(), server_with(chain));
      ASSERT_TRUE(pair.handshake()) << depth << (tls12 ? " TLS 1.2: " : " TLS 1.3: ")
                                    << (pair.first_error() ? pair.first_error()->to_string() : "");
      EXPECT_TRUE(pair.client().session->info().peer_verified);
      EXPECT_EQ(pair.client().session->info().peer_certificates, chain.certificates());
    }
  }
}

TEST_P(ChainsTest, ClientChainsOfOneToThreeIntermediates) {
  for (std::size_t depth = 1; depth <= 3; ++depth) {
    const CertificateChain chain = chain_with(depth, /*client=*/true);
    SessionPair pair(client_presenting(chain), mutual_server());
    ASSERT_TRUE(pair.handshake()) << depth << ": "
                                  << (pair.first_error() ? pair.first_error()->to_string() : "");
    EXPECT_TRUE(pair.server().session->info().peer_verified);
    EXPECT_EQ(pair.server().session->info().peer_certificates, chain.certificates());
  }
}

TEST_P(ChainsTest, ServerChainAtTheLimit) {
  const CertificateChain chain = chain_with(max_intermediates);
  ASSERT_EQ(chain.certificates().size(), max_intermediates + 1);
  SessionPair pair(default_client(), server_with(chain));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_TRUE(pair.client().session->info().peer_verified);
}

TEST_P(ChainsTest, ServerChainLongerThanTheLimit) {
  const CertificateChain chain = chain_with(max_intermediates + 1);
  SessionPair pair(default_client(), server_with(chain));
  EXPECT_FALSE(pair.handshake());
  ASSERT_TRUE(pair.client().error);
  const Error& error = *pair.client().error;
  EXPECT_EQ(error.code, Errc::certificate_rejected) << error.to_string();
  EXPECT_EQ(error.certificate_problem, CertificateProblem::chain_too_long) << error.to_string();
  EXPECT_EQ(error.alert_sent, Alert::unknown_ca) << error.to_string();
  EXPECT_NE(error.message.find("no path from 'CN=localhost' to a trusted root within 10 "
                               "intermediate certificates"),
            std::string::npos)
      << error.to_string();
  ASSERT_TRUE(pair.server().error);
  EXPECT_EQ(pair.server().error->code, Errc::alert_received);
  EXPECT_EQ(pair.server().error->alert_received, Alert::unknown_ca);
}

TEST_P(ChainsTest, ClientChainLongerThanTheLimit) {
  const CertificateChain chain = chain_with(max_intermediates + 1, /*client=*/true);
  SessionPair pair(client_presenting(chain), mutual_server());
  EXPECT_FALSE(pair.handshake());
  ASSERT_TRUE(pair.server().error);
  const Error& error = *pair.server().error;
  EXPECT_EQ(error.code, Errc::certificate_rejected) << error.to_string();
  EXPECT_EQ(error.certificate_problem, CertificateProblem::chain_too_long) << error.to_string();
  EXPECT_EQ(error.alert_sent, Alert::unknown_ca) << error.to_string();
  ASSERT_TRUE(pair.client().error);
  EXPECT_EQ(pair.client().error->alert_received, Alert::unknown_ca);
}

TEST_P(ChainsTest, ServerAppendsUnrelatedCertificates) {
  const CertificateChain& good = pki().server();
  std::vector<Certificate> certificates = good.certificates();
  for (const Certificate& extra : stranger().certificates()) {
    certificates.push_back(extra);
  }
  const CertificateChain padded = hazmat::make_unchecked_chain(certificates, good.key());
  SessionPair pair(default_client(), server_with(padded));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_TRUE(pair.client().session->info().peer_verified);
  EXPECT_EQ(pair.client().session->info().peer_certificates, certificates) << "as sent";
}

TEST_P(ChainsTest, ServerPutsAnUnrelatedCertificateBeforeTheIntermediate) {
  // RFC 8446 §4.4.2: only the leaf must come first; the rest is a bag to build a path from.
  const CertificateChain& good = pki().server();
  std::vector<Certificate> certificates = {good.leaf(), stranger().leaf(), good.certificates()[1]};
  SessionPair pair(default_client(),
                   server_with(hazmat::make_unchecked_chain(certificates, good.key())));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_TRUE(pair.client().session->info().peer_verified);
}

TEST_P(ChainsTest, ServerSendsTheRootToo) {
  const CertificateChain& good = pki().server();
  std::vector<Certificate> certificates = good.certificates();
  certificates.push_back(pki().root().certificate());
  SessionPair pair(default_client(),
                   server_with(hazmat::make_unchecked_chain(certificates, good.key())));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_TRUE(pair.client().session->info().peer_verified);
}

TEST_P(ChainsTest, UnrelatedCertificatesDoNotReplaceTheMissingIntermediate) {
  const CertificateChain& good = pki().server();
  std::vector<Certificate> certificates = {good.leaf()};
  for (const Certificate& extra : stranger().certificates()) {
    certificates.push_back(extra);
  }
  SessionPair pair(default_client(),
                   server_with(hazmat::make_unchecked_chain(certificates, good.key())));
  EXPECT_FALSE(pair.handshake());
  ASSERT_TRUE(pair.client().error);
  EXPECT_EQ(pair.client().error->certificate_problem, CertificateProblem::unknown_issuer)
      << pair.client().error->to_string();
  EXPECT_EQ(pair.client().error->alert_sent, Alert::unknown_ca);
}

TEST_P(ChainsTest, ClientAppendsUnrelatedCertificates) {
  const CertificateChain& good = pki().client();
  std::vector<Certificate> certificates = good.certificates();
  for (const Certificate& extra : stranger().certificates()) {
    certificates.push_back(extra);
  }
  SessionPair pair(client_presenting(hazmat::make_unchecked_chain(certificates, good.key())),
                   mutual_server());
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_TRUE(pair.server().session->info().peer_verified);
  EXPECT_EQ(pair.server().session->info().peer_certificates, certificates);
}

// ---- bulk data -------------------------------------------------------------------------------

TEST_P(ChainsTest, SixtyFourMebibytesEachWay) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  constexpr std::size_t chunk = std::size_t{1} << 20U;
  constexpr std::size_t chunks = 64;
  std::vector<std::byte> to_server(chunk);
  std::vector<std::byte> to_client(chunk);
  for (std::size_t n = 0; n < chunks; ++n) {
    for (std::size_t i = 0; i < chunk; ++i) {
      to_server[i] = static_cast<std::byte>((i * 31U + n * 7U + (i >> 13U)) & 0xffU);
      to_client[i] = static_cast<std::byte>((i * 17U + n * 11U + (i >> 11U)) & 0xffU);
    }
    ASSERT_TRUE(pair.client().session->write_data(to_server)) << n;
    ASSERT_TRUE(pair.server().session->write_data(to_client)) << n;
    pair.pump();
    ASSERT_FALSE(pair.first_error()) << n << ": " << pair.first_error()->to_string();
    ASSERT_TRUE(pair.server().received == to_server) << "chunk " << n << " to the server";
    ASSERT_TRUE(pair.client().received == to_client) << "chunk " << n << " to the client";
    pair.server().received.clear();
    pair.client().received.clear();
  }
  ASSERT_TRUE(pair.client().session->finish());
  pair.pump();
  ASSERT_TRUE(pair.server().session->finish());
  pair.pump();
  EXPECT_EQ(pair.client().session->state(), SessionState::closed);
  EXPECT_EQ(pair.server().session->state(), SessionState::closed);
}

}  // namespace
}  // namespace sanstls::test

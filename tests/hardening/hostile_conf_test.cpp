// SPDX-License-Identifier: Apache-2.0 OR MIT
// The process's OpenSSL configuration decides nothing: ctest runs this binary twice, once with
// OPENSSL_CONF pointing at hostile-openssl.cnf (security level 0, TLS 1.0, CBC suites, the
// legacy provider, SHA-1 signature algorithms, no extended master secret) and once without.
// Every verdict below is pinned, so both runs must give the same ones on every engine: what
// sanstls refuses it still refuses, what it accepts it still accepts.
#include <sanstls/hazmat/hazmat.hpp>
#include <sanstls/sanstls.hpp>
#include <sanstls/testing/certificate_authority.hpp>

#include "base/ossl_ptr.hpp"
#include "core/credentials_impl.hpp"
#include "support/engines.hpp"
#include "support/session_pair.hpp"
#include "support/test_pki.hpp"

#include <gtest/gtest.h>
#include <openssl/provider.h>
#include <openssl/ssl.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace sanstls::test {
namespace {

bool hostile_run() {
  const char* flag = std::getenv("SANSTLS_HOSTILE_OPENSSL_CONF");
  return flag != nullptr && std::string_view{flag} == "1";
}

// The configuration really is in effect (or really absent): without this the comparison would
// prove nothing.
TEST(HostileOpensslConf, IsInEffectExactlyInTheHostileRun) {
  ossl::SslCtxPtr ctx{SSL_CTX_new(TLS_method())};  // default context: loads the configuration
  ASSERT_TRUE(ctx);
  if (hostile_run()) {
    EXPECT_EQ(OSSL_PROVIDER_available(nullptr, "legacy"), 1);
    EXPECT_EQ(SSL_CTX_get_security_level(ctx.get()), 0);
    EXPECT_NE(SSL_CTX_get_options(ctx.get()) & SSL_OP_NO_EXTENDED_MASTER_SECRET, 0U);
  } else {
    EXPECT_EQ(OSSL_PROVIDER_available(nullptr, "legacy"), 0);
    EXPECT_EQ(SSL_CTX_get_options(ctx.get()) & SSL_OP_NO_EXTENDED_MASTER_SECRET, 0U);
  }
}

bool speaks_tls12(Backend backend) {
  for (ProtocolVersion version : backend_capabilities(backend).versions) {
    if (version == ProtocolVersion::tls12) return true;
  }
  return false;
}

class HostileConfPair : public ::testing::TestWithParam<EnginePair> {
 protected:
  [[nodiscard]] Backend client_engine() const { return GetParam().client; }
  [[nodiscard]] Backend server_engine() const { return GetParam().server; }
};
/// The pairs whose engines both speak TLS 1.2.
class HostileConfTls12Pair : public HostileConfPair {};

std::vector<EnginePair> tls12_pairs() {
  std::vector<EnginePair> pairs;
  for (const EnginePair& pair : engine_pairs()) {
    if (speaks_tls12(pair.client) && speaks_tls12(pair.server)) pairs.push_back(pair);
  }
  return pairs;
}

// RFC 7627 §5.4: sanstls requires the extended master secret; "-ExtendedMasterSecret" in the
// configuration must not stop an OpenSSL-engine client from offering it (or its server from
// using it).
TEST_P(HostileConfTls12Pair, HandshakeStillUsesExtendedMasterSecret) {
  const TestPki& pki = TestPki::shared();
  auto cap = std::make_shared<hazmat::Settings>();
  cap->max_version = ProtocolVersion::tls12;
  ClientTLS client("localhost",
                   {.trust = pki.trust_store(), .backend = client_engine(), .hazmat = cap});
  ServerTLS server(pki.server(), {.backend = server_engine()});
  SessionPair pair(client, server);
  ASSERT_TRUE(pair.handshake()) << pair.first_error()->to_string();
  EXPECT_EQ(pair.client().session->info().version, ProtocolVersion::tls12);
}

// The signature algorithms a server asks of client certificates are sanstls's, not the
// configuration's SHA-1-only list.
TEST_P(HostileConfPair, ClientCertificateStillAccepted) {
  const TestPki& pki = TestPki::shared();
  ClientTLS client("localhost",
                   {.trust = pki.trust_store(),
                    .backend = client_engine(),
                    .client_certificates = std::make_shared<ClientCertificateChain>(pki.client())});
  ServerTLS server(pki.server(), {.backend = server_engine(),
                                  .client_auth = ClientAuth::required,
                                  .client_trust = pki.trust_store()});
  SessionPair pair(client, server);
  ASSERT_TRUE(pair.handshake()) << pair.first_error()->to_string();
  EXPECT_TRUE(pair.server().session->info().peer_verified);
}

INSTANTIATE_TEST_SUITE_P(Engines, HostileConfTls12Pair, ::testing::ValuesIn(tls12_pairs()),
                         [](const auto& param_info) { return engine_pair_name(param_info.param); });
INSTANTIATE_TEST_SUITE_P(Engines, HostileConfPair, ::testing::ValuesIn(engine_pairs()),
                         [](const auto& param_info) { return engine_pair_name(param_info.param); });

// ---- a weak peer: a raw libssl client in a library context of its own ---------------------

/// The ClientHello of a libssl client limited to `version` and `ciphers` (security level 0).
std::vector<std::byte> weak_client_hello(int version, const char* ciphers) {
  ossl::LibCtxPtr library{OSSL_LIB_CTX_new()};
  ossl::SslCtxPtr ctx{SSL_CTX_new_ex(library.get(), nullptr, TLS_client_method())};
  EXPECT_TRUE(ctx);
  if (!ctx) return {};
  SSL_CTX_set_security_level(ctx.get(), 0);
  SSL_CTX_set_min_proto_version(ctx.get(), version);
  SSL_CTX_set_max_proto_version(ctx.get(), version);
  EXPECT_EQ(SSL_CTX_set_cipher_list(ctx.get(), ciphers), 1);
  ossl::SslPtr ssl{SSL_new(ctx.get())};
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl.get(), in, out);
  SSL_set_connect_state(ssl.get());
  (void)SSL_do_handshake(ssl.get());
  std::vector<std::byte> hello(static_cast<std::size_t>(BIO_pending(out)));
  EXPECT_FALSE(hello.empty());
  EXPECT_EQ(BIO_read(out, hello.data(), static_cast<int>(hello.size())),
            static_cast<int>(hello.size()));
  return hello;
}

class HostileConfServer : public ::testing::TestWithParam<Backend> {
 protected:
  /// The server's verdict on `hello`.
  [[nodiscard]] Error refusal(const std::vector<std::byte>& hello) const {
    ServerTLS server(TestPki::shared().server(), {.backend = GetParam()});
    EXPECT_EQ(server.configuration_error(), nullptr);
    auto session = server.start({.write = [](std::span<const std::byte>) {}});
    EXPECT_TRUE(session.has_value());
    if (!session) return session.error();
    auto received = session->receive_data(hello);
    EXPECT_FALSE(received.has_value()) << "the server accepted a ClientHello it must refuse";
    return received ? make_error(Errc::internal_error, "accepted") : received.error();
  }
};

TEST_P(HostileConfServer, Tls10OnlyClientStillRefused) {
  const Error error = refusal(weak_client_hello(TLS1_VERSION, "ECDHE-RSA-AES128-SHA:@SECLEVEL=0"));
  EXPECT_EQ(error.code, Errc::forbidden_by_policy) << error.to_string();
}

TEST_P(HostileConfServer, CbcOnlyTls12ClientStillRefused) {
  const Error error = refusal(
      weak_client_hello(TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:@SECLEVEL=0"));
  // Refused by policy on every engine (the native one names the missing extended master secret
  // first: this hello from a weak-configured libssl does not offer it either).
  EXPECT_EQ(error.code, Errc::forbidden_by_policy) << error.to_string();
}

INSTANTIATE_TEST_SUITE_P(Engines, HostileConfServer, ::testing::ValuesIn(available_engines()),
                         [](const auto& param_info) {
                           return std::string{backend_name(param_info.param)};
                         });

// ---- a weak chain: a raw libssl server (security level 0) presents it -----------------------

/// Runs a handshake between a sanstls client on `engine` and a libssl server, in a library
/// context of its own, that presents `leaf` (which sanstls's own servers refuse to present);
/// returns the client's error.
std::optional<Error> client_verdict_on(Backend engine, const testing::IssuedLeaf& leaf) {
  ossl::LibCtxPtr library{OSSL_LIB_CTX_new()};
  ossl::SslCtxPtr ctx{SSL_CTX_new_ex(library.get(), nullptr, TLS_server_method())};
  EXPECT_TRUE(ctx);
  if (!ctx) return std::nullopt;
  // The harness server sets its own knobs too: SSL_CTX_new_ex applied the (hostile)
  // system_default section to it as well.
  SSL_CTX_set_security_level(ctx.get(), 0);
  SSL_CTX_clear_options(ctx.get(), ~static_cast<uint64_t>(0));
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(ctx.get(), TLS1_3_VERSION);
  EXPECT_EQ(SSL_CTX_set_ciphersuites(ctx.get(), "TLS_AES_128_GCM_SHA256"), 1);
  EXPECT_EQ(SSL_CTX_set1_sigalgs_list(ctx.get(), "rsa_pss_rsae_sha256:ecdsa_secp256r1_sha256"), 1);
  EXPECT_EQ(SSL_CTX_use_certificate(ctx.get(), leaf.certificates.front().impl().x509.get()), 1);
  for (std::size_t i = 1; i < leaf.certificates.size(); ++i) {
    EXPECT_EQ(SSL_CTX_add1_chain_cert(ctx.get(), leaf.certificates[i].impl().x509.get()), 1);
  }
  EXPECT_EQ(SSL_CTX_use_PrivateKey(ctx.get(), leaf.key.impl().pkey.get()), 1);
  ossl::SslPtr ssl{SSL_new(ctx.get())};
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl.get(), in, out);
  SSL_set_accept_state(ssl.get());

  std::vector<std::byte> to_server;
  ClientTLS client("localhost", {.trust = TestPki::shared().trust_store(), .backend = engine});
  auto session = client.start({.write = [&](std::span<const std::byte> bytes) {
    to_server.insert(to_server.end(), bytes.begin(), bytes.end());
  }});
  EXPECT_TRUE(session.has_value());
  if (!session) return session.error();
  for (int round = 0; round < 10; ++round) {
    if (!to_server.empty()) {
      BIO_write(in, to_server.data(), static_cast<int>(to_server.size()));
      to_server.clear();
    }
    (void)SSL_do_handshake(ssl.get());
    std::vector<std::byte> to_client(static_cast<std::size_t>(BIO_pending(out)));
    if (to_client.empty()) break;
    BIO_read(out, to_client.data(), static_cast<int>(to_client.size()));
    auto received = session->receive_data(to_client);
    if (!received) return received.error();
  }
  return std::nullopt;
}

class HostileConfClient : public ::testing::TestWithParam<Backend> {
 protected:
  void expect_refused(const testing::Flaws& flaws, CertificateProblem problem) const {
    auto leaf = TestPki::shared().intermediate().issue_leaf_parts(
        {.names = {"localhost"}, .key = testing::KeyAlgorithm::rsa_2048, .flaws = flaws});
    ASSERT_TRUE(leaf.has_value()) << leaf.error().to_string();
    const auto error = client_verdict_on(GetParam(), *leaf);
    ASSERT_TRUE(error.has_value()) << "the client accepted a chain sanstls refuses";
    EXPECT_EQ(error->code, Errc::certificate_rejected) << error->to_string();
    EXPECT_EQ(error->certificate_problem, problem) << error->to_string();
  }
};

TEST_P(HostileConfClient, GoodChainFromTheRawServerAccepted) {
  // The harness itself: an unflawed leaf from the same raw server passes.
  auto leaf = TestPki::shared().intermediate().issue_leaf_parts(
      {.names = {"localhost"}, .key = testing::KeyAlgorithm::rsa_2048});
  ASSERT_TRUE(leaf.has_value()) << leaf.error().to_string();
  const auto error = client_verdict_on(GetParam(), *leaf);
  EXPECT_FALSE(error.has_value()) << error->to_string();
}

TEST_P(HostileConfClient, Rsa1024LeafStillRejected) {
  expect_refused({.rsa_1024_key = true}, CertificateProblem::weak_key);
}

TEST_P(HostileConfClient, Sha1SignedLeafStillRejected) {
  expect_refused({.sha1_signature = true}, CertificateProblem::weak_signature_algorithm);
}

INSTANTIATE_TEST_SUITE_P(Engines, HostileConfClient, ::testing::ValuesIn(available_engines()),
                         [](const auto& param_info) {
                           return std::string{backend_name(param_info.param)};
                         });

}  // namespace
}  // namespace sanstls::test

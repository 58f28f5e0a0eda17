// SPDX-License-Identifier: Apache-2.0 OR MIT
// The native TLS 1.2 server (server_states12, through ServerHandshake's version hand-over)
// against an in-process OpenSSL client capped at TLS 1.2, over memory BIOs: every suite for
// both key types, data both ways, exporters equal to OpenSSL's, ALPN, the downgrade sentinel,
// and the refusals (no extended master secret, renegotiation, TLS 1.2 not allowed).

#include "native/crypto/libcrypto_provider.hpp"
#include "native/handshake/server_handshake.hpp"
#include "native/handshake/server_negotiation.hpp"
#include "support/openssl_tls12_peer.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace sanstls::native::handshake {
namespace {

using test::OpensslTls12Peer;
using test::tls12_credential;

const crypto::CryptoProvider& provider() {
  static const auto p = crypto::LibcryptoProvider::create();  // NOLINT: test fixture
  return **p;
}

ServerParameters tls12_params() {
  ServerParameters params;
  params.tls12 = true;
  params.tls13 = true;
  params.alpn = {"http/1.1"};
  params.tickets = 0;
  return params;
}

ServerHandshakeEnvironment environment(bool rsa) {
  ServerHandshakeEnvironment env;
  env.provider = &provider();
  env.select_certificate = [rsa](const CertificateQuery&) {
    const test::Tls12Credential& c = tls12_credential(rsa);
    auto key = provider().load_signing_key(c.pkcs8_der);
    return CertificateSelection::chosen({c.cert_der},
                                        std::shared_ptr<const crypto::SigningKey>(std::move(*key)));
  };
  return env;
}

struct Outcome {
  bool client_done = false;
  std::optional<wire::Error> server_error;
  ByteVec server_random;
};

/// Drives both sides until neither moves.
Outcome drive(OpensslTls12Peer& client, ServerHandshake& server) {
  Outcome run;
  ByteVec to_client;
  for (int round = 0; round < 20; ++round) {
    client.feed(to_client);
    to_client.clear();
    run.client_done = client.step();
    const ByteVec from_client = client.take();
    if (from_client.empty() && (run.client_done || run.server_error)) break;
    ByteVec app;
    auto received = server.receive(from_client, to_client, app);
    if (!received) {
      run.server_error = received.error();
      break;
    }
  }
  client.feed(to_client);
  run.client_done = client.step();
  return run;
}

struct Case {
  const char* openssl_name;
  CipherSuite suite;
  bool rsa;
};

class server12_against_openssl : public ::testing::TestWithParam<Case> {};

TEST_P(server12_against_openssl, handshake_data_and_exporters) {
  const Case c = GetParam();
  auto client = OpensslTls12Peer::client(c.openssl_name);
  ServerHandshake server(tls12_params(), environment(c.rsa));
  const Outcome run = drive(client, server);
  ASSERT_FALSE(run.server_error) << run.server_error->to_string();
  ASSERT_TRUE(run.client_done);
  ASSERT_TRUE(server.connected());
  EXPECT_EQ(SSL_version(client.ssl()), TLS1_2_VERSION);
  EXPECT_EQ(SSL_get_extms_support(client.ssl()), 1) << "extended master secret";
  EXPECT_EQ(server.info().suite, c.suite);
  EXPECT_TRUE(server.info().tls12);
  const unsigned char* alpn = nullptr;
  unsigned int alpn_len = 0;
  SSL_get0_alpn_selected(client.ssl(), &alpn, &alpn_len);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(alpn), alpn_len), "http/1.1");
  // RFC 8446 §4.1.3: a TLS 1.3-capable server marks its TLS 1.2 random.
  std::array<unsigned char, 32> server_random{};
  SSL_get_server_random(client.ssl(), server_random.data(), server_random.size());
  EXPECT_TRUE(std::equal(server::downgrade_sentinel_tls12.begin(),
                         server::downgrade_sentinel_tls12.end(), server_random.begin() + 24));

  // Data both ways.
  client.write("ping from openssl");
  ByteVec out;
  ByteVec app;
  ASSERT_TRUE(server.receive(client.take(), out, app));
  EXPECT_EQ(std::string(app.begin(), app.end()), "ping from openssl");
  const std::string reply(40000, 'x');
  ASSERT_TRUE(
      server.write(Bytes(reinterpret_cast<const std::uint8_t*>(reply.data()), reply.size()), out));
  client.feed(out);
  EXPECT_EQ(client.read(), reply);

  // RFC 5705 exporters equal OpenSSL's, with and without a context.
  for (const bool with_context : {false, true}) {
    std::array<std::uint8_t, 42> ours{};
    std::array<unsigned char, 42> theirs{};
    const std::array<std::uint8_t, 3> context_value{1, 2, 3};
    ASSERT_TRUE(server.export_keying_material(
        "EXPERIMENTAL test", with_context ? std::optional<Bytes>(context_value) : std::nullopt,
        ours));
    ASSERT_EQ(SSL_export_keying_material(client.ssl(), theirs.data(), theirs.size(),
                                         "EXPERIMENTAL test", 17, context_value.data(),
                                         context_value.size(), with_context ? 1 : 0),
              1);
    EXPECT_TRUE(std::equal(ours.begin(), ours.end(), theirs.begin())) << with_context;
  }

  // close_notify.
  ByteVec closing;
  ASSERT_TRUE(server.close_notify(closing));
  client.feed(closing);
  client.read();
  EXPECT_EQ(SSL_get_shutdown(client.ssl()) & SSL_RECEIVED_SHUTDOWN, SSL_RECEIVED_SHUTDOWN);
}

INSTANTIATE_TEST_SUITE_P(
    suites, server12_against_openssl,
    ::testing::Values(Case{"ECDHE-ECDSA-AES128-GCM-SHA256",
                           CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256, false},
                      Case{"ECDHE-ECDSA-AES256-GCM-SHA384",
                           CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384, false},
                      Case{"ECDHE-ECDSA-CHACHA20-POLY1305",
                           CipherSuite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256, false},
                      Case{"ECDHE-RSA-AES128-GCM-SHA256",
                           CipherSuite::tls_ecdhe_rsa_with_aes_128_gcm_sha256, true},
                      Case{"ECDHE-RSA-AES256-GCM-SHA384",
                           CipherSuite::tls_ecdhe_rsa_with_aes_256_gcm_sha384, true},
                      Case{"ECDHE-RSA-CHACHA20-POLY1305",
                           CipherSuite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256, true}),
    [](const ::testing::TestParamInfo<Case>& param) {
      std::string name = param.param.openssl_name;
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

TEST(server12_refuses, client_without_extended_master_secret) {
  // RFC 7627 §5.2: sanstls aborts with handshake_failure, tagged for the shared message.
  auto client =
      OpensslTls12Peer::client("ECDHE-ECDSA-AES128-GCM-SHA256", SSL_OP_NO_EXTENDED_MASTER_SECRET);
  ServerHandshake server(tls12_params(), environment(false));
  const Outcome run = drive(client, server);
  ASSERT_TRUE(run.server_error);
  EXPECT_EQ(run.server_error->alert, Alert::handshake_failure);
  EXPECT_EQ(run.server_error->refusal, wire::Refusal::missing_extended_master_secret);
}

TEST(server12_refuses, tls12_when_the_policy_does_not_allow_it) {
  auto client = OpensslTls12Peer::client("ECDHE-ECDSA-AES128-GCM-SHA256");
  auto params = tls12_params();
  params.tls12 = false;
  ServerHandshake server(params, environment(false));
  const Outcome run = drive(client, server);
  ASSERT_TRUE(run.server_error);
  EXPECT_EQ(run.server_error->alert, Alert::protocol_version);
  EXPECT_EQ(run.server_error->refusal, wire::Refusal::tls12_only_peer);
}

TEST(server12_refuses, renegotiation) {
  auto client = OpensslTls12Peer::client("ECDHE-ECDSA-AES128-GCM-SHA256");
  ServerHandshake server(tls12_params(), environment(false));
  ASSERT_TRUE(drive(client, server).client_done);
  ASSERT_EQ(SSL_renegotiate(client.ssl()), 1);
  (void)client.step();
  ByteVec out;
  ByteVec app;
  auto refused = server.receive(client.take(), out, app);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().alert, Alert::no_renegotiation);
}

TEST(server12_client_certificates, required_and_presented_then_verified) {
  // RFC 5246 §7.4.4, §7.4.6, §7.4.8: CertificateRequest, the client's chain to the verifier, its
  // CertificateVerify over the handshake messages.
  for (const bool rsa : {false, true}) {
    auto client = OpensslTls12Peer::client(rsa ? "ECDHE-ECDSA-AES128-GCM-SHA256"
                                               : "ECDHE-ECDSA-AES256-GCM-SHA384");
    client.use_certificate(tls12_credential(rsa));
    auto params = tls12_params();
    params.client_auth = ClientAuthMode::required;
    auto env = environment(false);
    std::size_t chains_seen = 0;
    env.verify_client_chain = [&chains_seen, rsa](std::span<const ByteVec> chain) {
      ++chains_seen;
      EXPECT_EQ(chain.front(), tls12_credential(rsa).cert_der);
      return wire::Status{};
    };
    ServerHandshake server(params, env);
    const Outcome run = drive(client, server);
    ASSERT_FALSE(run.server_error) << run.server_error->to_string();
    EXPECT_TRUE(server.connected());
    EXPECT_EQ(chains_seen, 1U);
    EXPECT_TRUE(server.info().client_certificate_presented);
    EXPECT_TRUE(server.info().client_signature_scheme.has_value());
  }
}

TEST(server12_client_certificates, refused_chain_and_missing_certificate) {
  {
    auto client = OpensslTls12Peer::client("ECDHE-ECDSA-AES128-GCM-SHA256");
    client.use_certificate(tls12_credential(false));
    auto params = tls12_params();
    params.client_auth = ClientAuthMode::optional;
    auto env = environment(false);
    env.verify_client_chain = [](std::span<const ByteVec>) -> wire::Status {
      return wire::fail(Alert::unknown_ca, "chain", "untrusted");
    };
    ServerHandshake server(params, env);
    const Outcome run = drive(client, server);
    ASSERT_TRUE(run.server_error);
    EXPECT_EQ(run.server_error->alert, Alert::unknown_ca);
    EXPECT_EQ(run.server_error->refusal, wire::Refusal::peer_chain_refused);
  }
  {
    // RFC 5246 §7.4.6: no certificate while one is required: handshake_failure.
    auto client = OpensslTls12Peer::client("ECDHE-ECDSA-AES128-GCM-SHA256");
    auto params = tls12_params();
    params.client_auth = ClientAuthMode::required;
    ServerHandshake server(params, environment(false));
    const Outcome run = drive(client, server);
    ASSERT_TRUE(run.server_error);
    EXPECT_EQ(run.server_error->alert, Alert::handshake_failure);
    EXPECT_EQ(run.server_error->refusal, wire::Refusal::missing_client_certificate);
  }
  {
    // Optional: an empty Certificate is accepted.
    auto client = OpensslTls12Peer::client("ECDHE-ECDSA-AES128-GCM-SHA256");
    auto params = tls12_params();
    params.client_auth = ClientAuthMode::optional;
    ServerHandshake server(params, environment(false));
    const Outcome run = drive(client, server);
    ASSERT_FALSE(run.server_error) << run.server_error->to_string();
    EXPECT_TRUE(server.connected());
    EXPECT_FALSE(server.info().client_certificate_presented);
  }
}

TEST(server12_version, a_tls13_client_still_gets_tls13) {
  auto client = OpensslTls12Peer::client("ECDHE-ECDSA-AES128-GCM-SHA256", 0, TLS1_3_VERSION);
  ServerHandshake server(tls12_params(), environment(false));
  const Outcome run = drive(client, server);
  ASSERT_FALSE(run.server_error) << run.server_error->to_string();
  EXPECT_EQ(SSL_version(client.ssl()), TLS1_3_VERSION);
  EXPECT_FALSE(server.info().tls12);
}

}  // namespace
}  // namespace sanstls::native::handshake

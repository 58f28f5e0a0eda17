// SPDX-License-Identifier: Apache-2.0 OR MIT
// The native TLS 1.2 server (server_states12, through ServerHandshake's version hand-over)
// against an in-process OpenSSL client capped at TLS 1.2, over memory BIOs: every suite for
// both key types, data both ways, exporters equal to OpenSSL's, ALPN, the downgrade sentinel,
// and the refusals (no extended master secret, renegotiation, TLS 1.2 not allowed).

#include "native/crypto/libcrypto_provider.hpp"
#include "native/handshake/server_handshake.hpp"
#include "native/handshake/server_negotiation.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstring>
#include <memory>
#include <string>

namespace sanstls::native::handshake {
namespace {

struct Credential {
  ByteVec cert_der;
  ByteVec pkcs8_der;
};

Credential make_credential(bool rsa) {
  Credential c;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      rsa ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048})
          : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"),
      &EVP_PKEY_free);
  EXPECT_TRUE(key);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("tls12.test"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  EXPECT_GT(X509_sign(cert.get(), key.get(), EVP_sha256()), 0);
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert.get(), &der);
  c.cert_der.assign(der, der + len);
  OPENSSL_free(der);
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, decltype(&PKCS8_PRIV_KEY_INFO_free)> p8(
      EVP_PKEY2PKCS8(key.get()), &PKCS8_PRIV_KEY_INFO_free);
  unsigned char* p8der = nullptr;
  const int p8len = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &p8der);
  c.pkcs8_der.assign(p8der, p8der + p8len);
  OPENSSL_free(p8der);
  return c;
}

const Credential& credential(bool rsa) {
  static const Credential ec = make_credential(false);
  static const Credential r = make_credential(true);
  return rsa ? r : ec;
}

const crypto::CryptoProvider& provider() {
  static const auto p = crypto::LibcryptoProvider::create();  // NOLINT: test fixture
  return **p;
}

/// An OpenSSL TLS 1.2 (or up to `max_version`) client over memory BIOs.
class OpensslClient {
 public:
  explicit OpensslClient(const char* ciphers, long options = 0, int max_version = TLS1_2_VERSION) {
    ctx_.reset(SSL_CTX_new(TLS_client_method()));
    SSL_CTX_set_min_proto_version(ctx_.get(), TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx_.get(), max_version);
    SSL_CTX_set_security_level(ctx_.get(), 0);
    EXPECT_EQ(SSL_CTX_set_cipher_list(ctx_.get(), ciphers), 1);
    SSL_CTX_set_options(ctx_.get(), static_cast<std::uint64_t>(options) | SSL_OP_NO_TICKET);
    ssl_.reset(SSL_new(ctx_.get()));
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl_.get(), in_, out_);
    SSL_set_connect_state(ssl_.get());
    SSL_set_tlsext_host_name(ssl_.get(), "tls12.test");
    static const unsigned char alpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_set_alpn_protos(ssl_.get(), alpn, sizeof(alpn));
  }
  void feed(const ByteVec& bytes) {
    if (!bytes.empty()) BIO_write(in_, bytes.data(), static_cast<int>(bytes.size()));
  }
  ByteVec take() {
    ByteVec out(static_cast<std::size_t>(BIO_pending(out_)));
    if (!out.empty()) BIO_read(out_, out.data(), static_cast<int>(out.size()));
    return out;
  }
  bool step() {
    const int r = SSL_do_handshake(ssl_.get());
    ERR_clear_error();
    return r == 1;
  }
  std::string read() {
    std::string got;
    std::array<char, 512> buf{};
    std::size_t n = 0;
    while (SSL_read_ex(ssl_.get(), buf.data(), buf.size(), &n) == 1) got.append(buf.data(), n);
    ERR_clear_error();
    return got;
  }
  void write(const std::string& s) {
    std::size_t n = 0;
    EXPECT_EQ(SSL_write_ex(ssl_.get(), s.data(), s.size(), &n), 1);
  }
  SSL* ssl() { return ssl_.get(); }
  /// Presents `c` when the server asks for a certificate.
  void use_certificate(const Credential& c) {
    EXPECT_EQ(SSL_use_certificate_ASN1(ssl_.get(), c.cert_der.data(),
                                       static_cast<int>(c.cert_der.size())),
              1);
    const unsigned char* p = c.pkcs8_der.data();
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(c.pkcs8_der.size())), &EVP_PKEY_free);
    EXPECT_EQ(SSL_use_PrivateKey(ssl_.get(), key.get()), 1);
  }

 private:
  struct Free {
    void operator()(SSL* s) const { SSL_free(s); }
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
  };
  std::unique_ptr<SSL_CTX, Free> ctx_;
  std::unique_ptr<SSL, Free> ssl_;
  BIO* in_ = nullptr;
  BIO* out_ = nullptr;
};

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
    const Credential& c = credential(rsa);
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
Outcome drive(OpensslClient& client, ServerHandshake& server) {
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
  OpensslClient client(c.openssl_name);
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
  OpensslClient client("ECDHE-ECDSA-AES128-GCM-SHA256", SSL_OP_NO_EXTENDED_MASTER_SECRET);
  ServerHandshake server(tls12_params(), environment(false));
  const Outcome run = drive(client, server);
  ASSERT_TRUE(run.server_error);
  EXPECT_EQ(run.server_error->alert, Alert::handshake_failure);
  EXPECT_EQ(run.server_error->refusal, wire::Refusal::missing_extended_master_secret);
}

TEST(server12_refuses, tls12_when_the_policy_does_not_allow_it) {
  OpensslClient client("ECDHE-ECDSA-AES128-GCM-SHA256");
  auto params = tls12_params();
  params.tls12 = false;
  ServerHandshake server(params, environment(false));
  const Outcome run = drive(client, server);
  ASSERT_TRUE(run.server_error);
  EXPECT_EQ(run.server_error->alert, Alert::protocol_version);
  EXPECT_EQ(run.server_error->refusal, wire::Refusal::tls12_only_peer);
}

TEST(server12_refuses, renegotiation) {
  OpensslClient client("ECDHE-ECDSA-AES128-GCM-SHA256");
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
    OpensslClient client(rsa ? "ECDHE-ECDSA-AES128-GCM-SHA256" : "ECDHE-ECDSA-AES256-GCM-SHA384");
    client.use_certificate(credential(rsa));
    auto params = tls12_params();
    params.client_auth = ClientAuthMode::required;
    auto env = environment(false);
    std::size_t chains_seen = 0;
    env.verify_client_chain = [&chains_seen, rsa](std::span<const ByteVec> chain) {
      ++chains_seen;
      EXPECT_EQ(chain.front(), credential(rsa).cert_der);
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
    OpensslClient client("ECDHE-ECDSA-AES128-GCM-SHA256");
    client.use_certificate(credential(false));
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
    OpensslClient client("ECDHE-ECDSA-AES128-GCM-SHA256");
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
    OpensslClient client("ECDHE-ECDSA-AES128-GCM-SHA256");
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
  OpensslClient client("ECDHE-ECDSA-AES128-GCM-SHA256", 0, TLS1_3_VERSION);
  ServerHandshake server(tls12_params(), environment(false));
  const Outcome run = drive(client, server);
  ASSERT_FALSE(run.server_error) << run.server_error->to_string();
  EXPECT_EQ(SSL_version(client.ssl()), TLS1_3_VERSION);
  EXPECT_FALSE(server.info().tls12);
}

}  // namespace
}  // namespace sanstls::native::handshake

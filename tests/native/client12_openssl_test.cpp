// SPDX-License-Identifier: Apache-2.0 OR MIT
// The native TLS 1.2 client (client_states12) against an in-process OpenSSL server capped at
// TLS 1.2, over memory BIOs: every suite, application data, exporters equal to OpenSSL's, ALPN,
// client certificates, and the refusals (no extended master secret, CBC only, downgrade
// sentinel, renegotiation, TLS 1.3-only offer).

#include "counted_random.hpp"
#include "native/crypto/libcrypto_provider.hpp"
#include "native/handshake/client_states12.hpp"
#include "native/msgs/alert.hpp"
#include "support/openssl_tls12_peer.hpp"

#include <gtest/gtest.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <string>

namespace sanstls::native::handshake {
namespace {

using client12::ClientHandshake12;
using test::OpensslTls12Peer;

const crypto::CryptoProvider& provider() {
  static const auto p = crypto::LibcryptoProvider::create();  // NOLINT: test fixture
  return **p;
}

ClientHelloParameters tls12_params() {
  ClientHelloParameters p;
  p.tls12_cipher_suites = {CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256,
                           CipherSuite::tls_ecdhe_rsa_with_aes_128_gcm_sha256,
                           CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384,
                           CipherSuite::tls_ecdhe_rsa_with_aes_256_gcm_sha384,
                           CipherSuite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256,
                           CipherSuite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256};
  p.server_name = "tls12.test";
  p.alpn_protocols = {"h2", "http/1.1"};
  return p;
}

ClientHandshakeEnvironment environment(bool offer_certificate = false) {
  ClientHandshakeEnvironment env;
  env.provider = &provider();
  env.verify_chain = [](std::span<const ByteVec> chain) -> Status {
    if (chain.empty()) return wire::fail(Alert::bad_certificate, "chain", "empty");
    return {};
  };
  if (offer_certificate) {
    env.select_client_certificate = [](const CertificateQuery&) {
      const test::Tls12Credential& c = test::tls12_credential(false);
      auto key = provider().load_signing_key(c.pkcs8_der);
      EXPECT_TRUE(key);
      return CertificateSelection::chosen(
          {c.cert_der}, std::shared_ptr<const crypto::SigningKey>(std::move(*key)));
    };
  }
  return env;
}

struct Outcome {
  std::optional<ClientHandshake> client;
  Status result;
  bool server_done = false;
};

/// Runs the handshake to completion or failure; `piecewise` feeds the server's bytes one at a
/// time; `tamper` may change the server's first flight.
Outcome run(OpensslTls12Peer& server, ClientHelloParameters params, ClientHandshakeEnvironment env,
            bool piecewise = false, const std::function<void(ByteVec&)>& tamper = nullptr) {
  Outcome r;
  ByteVec out;
  auto started = ClientHandshake::start(std::move(params), std::move(env), out);
  EXPECT_TRUE(started);
  r.client.emplace(std::move(*started));
  bool first = true;
  for (int i = 0; i < 10; ++i) {
    server.feed(out);
    out.clear();
    r.server_done = server.step() || r.server_done;
    ByteVec flight = server.take();
    if (first && tamper && !flight.empty()) {
      tamper(flight);
      first = false;
    }
    ByteVec app;
    if (piecewise) {
      for (const std::uint8_t b : flight) {
        r.result = r.client->receive(Bytes(&b, 1), out, app);
        if (!r.result) return r;
      }
    } else {
      r.result = r.client->receive(flight, out, app);
      if (!r.result) return r;
    }
    if (r.client->handshake_complete() && r.server_done && out.empty()) break;
  }
  return r;
}

// The client's whole TLS 1.2 handshake draws randomness once: the ECDHE key it makes for the
// ServerKeyExchange was drawn with the ClientHello (key_share_seed.hpp).
TEST(client12_randomness, one_draw_per_handshake) {
  int draws = 0;
  const auto counted = draw_counting::counted_provider(draws);
  ASSERT_TRUE(counted);
  ClientHandshakeEnvironment env = environment();
  env.provider = counted.get();
  auto server = OpensslTls12Peer::server(false, "ECDHE-ECDSA-AES128-GCM-SHA256");
  Outcome r = run(server, tls12_params(), env);
  ASSERT_TRUE(r.result) << r.result.error().to_string();
  ASSERT_TRUE(r.client->handshake_complete());
  EXPECT_EQ(draws, 1);
}

struct SuiteCase {
  const char* openssl_name;
  CipherSuite suite;
  bool rsa;
};

class client12_openssl : public testing::TestWithParam<SuiteCase> {};

TEST_P(client12_openssl, handshake_data_and_exporters) {
  auto server = OpensslTls12Peer::server(GetParam().rsa, GetParam().openssl_name);
  Outcome r = run(server, tls12_params(), environment());
  ASSERT_TRUE(r.result) << r.result.error().to_string();
  ASSERT_TRUE(r.client->handshake_complete());
  ASSERT_TRUE(r.server_done);
  const auto info = r.client->info();
  EXPECT_TRUE(info.tls12);
  EXPECT_EQ(info.cipher_suite, GetParam().suite);
  EXPECT_EQ(info.alpn_protocol, std::optional<std::string>("http/1.1"));
  EXPECT_EQ(SSL_version(server.ssl()), TLS1_2_VERSION);
  EXPECT_EQ(SSL_get_extms_support(server.ssl()), 1);

  ByteVec out;
  ByteVec app;
  ASSERT_TRUE(r.client->write(ByteVec{'h', 'e', 'l', 'l', 'o'}, out));
  server.feed(out);
  out.clear();
  EXPECT_EQ(server.read(), "hello");
  server.write(std::string(40000, 'x'));
  ASSERT_TRUE(r.client->receive(server.take(), out, app));
  EXPECT_EQ(app.size(), 40000U);

  // RFC 5705 exporters equal OpenSSL's, with no context, an empty one and a non-empty one.
  const std::string label = "EXPORTER-sanstls-test";
  for (const std::optional<std::string>& context :
       {std::optional<std::string>{}, std::optional<std::string>{""},
        std::optional<std::string>{"context"}}) {
    std::array<std::uint8_t, 32> ours{};
    std::array<std::uint8_t, 32> theirs{};
    std::optional<Bytes> ctx;
    if (context) {
      ctx = Bytes(reinterpret_cast<const std::uint8_t*>(context->data()), context->size());
    }
    ASSERT_TRUE(r.client->export_keying_material(label, ctx, ours));
    ASSERT_EQ(SSL_export_keying_material(
                  server.ssl(), theirs.data(), theirs.size(), label.data(), label.size(),
                  context ? reinterpret_cast<const unsigned char*>(context->data()) : nullptr,
                  context ? context->size() : 0, context ? 1 : 0),
              1);
    EXPECT_EQ(ours, theirs) << (context ? *context : std::string("(none)"));
  }
  ASSERT_TRUE(r.client->close_notify(out));
  server.feed(out);
  server.read();
  EXPECT_NE(SSL_get_shutdown(server.ssl()) & SSL_RECEIVED_SHUTDOWN, 0);
}

INSTANTIATE_TEST_SUITE_P(
    suites, client12_openssl,
    testing::Values(SuiteCase{"ECDHE-ECDSA-AES128-GCM-SHA256",
                              CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256, false},
                    SuiteCase{"ECDHE-ECDSA-AES256-GCM-SHA384",
                              CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384, false},
                    SuiteCase{"ECDHE-ECDSA-CHACHA20-POLY1305",
                              CipherSuite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256, false},
                    SuiteCase{"ECDHE-RSA-AES128-GCM-SHA256",
                              CipherSuite::tls_ecdhe_rsa_with_aes_128_gcm_sha256, true},
                    SuiteCase{"ECDHE-RSA-AES256-GCM-SHA384",
                              CipherSuite::tls_ecdhe_rsa_with_aes_256_gcm_sha384, true},
                    SuiteCase{"ECDHE-RSA-CHACHA20-POLY1305",
                              CipherSuite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256, true}),
    [](const testing::TestParamInfo<SuiteCase>& param_info) {
      std::string n = param_info.param.openssl_name;
      for (char& c : n) {
        if (c == '-') c = '_';
      }
      return n;
    });

TEST(client12_openssl_refusals, byte_at_a_time_and_key_log) {
  auto server = OpensslTls12Peer::server(false, "ECDHE-ECDSA-AES128-GCM-SHA256");
  auto env = environment();
  std::string logged;
  env.key_log = [&](std::string_view label, Bytes, Bytes secret) {
    logged = std::string(label) + ":" + std::to_string(secret.size());
  };
  Outcome r = run(server, tls12_params(), env, /*piecewise=*/true);
  ASSERT_TRUE(r.result) << r.result.error().to_string();
  EXPECT_TRUE(r.client->handshake_complete());
  EXPECT_EQ(logged, "CLIENT_RANDOM:48");
}

TEST(client12_openssl_refusals, server_without_extended_master_secret) {
  auto server = OpensslTls12Peer::server(false, "ECDHE-ECDSA-AES128-GCM-SHA256",
                                         static_cast<long>(SSL_OP_NO_EXTENDED_MASTER_SECRET));
  Outcome r = run(server, tls12_params(), environment());
  ASSERT_FALSE(r.result);
  EXPECT_EQ(r.result.error().alert, Alert::handshake_failure);
  EXPECT_EQ(r.result.error().field, "ServerHello.extended_master_secret");
  EXPECT_NE(std::string(r.result.error().reason).find("RFC 7627"), std::string::npos);
}

TEST(client12_openssl_refusals, cbc_only_server) {
  auto server = OpensslTls12Peer::server(false, "ECDHE-ECDSA-AES128-SHA");
  Outcome r = run(server, tls12_params(), environment());
  ASSERT_FALSE(r.result);
  // OpenSSL finds no suite in common and says so.
  EXPECT_EQ(r.client->received_alert(), std::optional<Alert>(Alert::handshake_failure));
}

TEST(client12_openssl_refusals, tls13_only_offer_refuses_a_tls12_server) {
  auto server = OpensslTls12Peer::server(false, "ECDHE-ECDSA-AES128-GCM-SHA256");
  ClientHelloParameters p = tls12_params();
  p.tls12_cipher_suites.clear();
  Outcome r = run(server, p, environment());
  // OpenSSL capped at TLS 1.2 refuses a hello that offers only TLS 1.3.
  ASSERT_FALSE(r.result);
  EXPECT_EQ(r.client->received_alert(), std::optional<Alert>(Alert::protocol_version));
}

TEST(client12_openssl_refusals, downgrade_sentinel) {
  auto server = OpensslTls12Peer::server(false, "ECDHE-ECDSA-AES128-GCM-SHA256");
  Outcome r = run(server, tls12_params(), environment(), false, [](ByteVec& flight) {
    // Record header (5), handshake header (4), legacy_version (2): random at 11..42.
    const std::array<std::uint8_t, 8> sentinel{0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x01};
    std::copy(sentinel.begin(), sentinel.end(), flight.begin() + 11 + 24);
  });
  ASSERT_FALSE(r.result);
  EXPECT_EQ(r.result.error().alert, Alert::illegal_parameter);
  EXPECT_EQ(r.result.error().field, "ServerHello.random");
}

TEST(client12_openssl_refusals, forged_server_key_exchange_signature) {
  auto server = OpensslTls12Peer::server(false, "ECDHE-ECDSA-AES128-GCM-SHA256");
  Outcome r = run(server, tls12_params(), environment(), false, [](ByteVec& flight) {
    // The last byte of the ServerKeyExchange signature (each message in its own record, or
    // several in one: walk the records and the messages in them).
    std::size_t at = 0;
    bool flipped = false;
    while (!flipped && at + 5 <= flight.size()) {
      const std::size_t length = (std::size_t{flight[at + 3]} << 8U) | flight[at + 4];
      for (std::size_t m = at + 5; m + 4 <= at + 5 + length;) {
        const std::size_t body = (std::size_t{flight[m + 1]} << 16U) |
                                 (std::size_t{flight[m + 2]} << 8U) | flight[m + 3];
        if (flight[m] == 12) {
          flight[m + 4 + body - 1] ^= 0x01;
          flipped = true;
          break;
        }
        m += 4 + body;
      }
      at += 5 + length;
    }
    ASSERT_TRUE(flipped);
  });
  ASSERT_FALSE(r.result);
  EXPECT_EQ(r.result.error().alert, Alert::decrypt_error);
}

TEST(client12_openssl_refusals, hello_request_gets_no_renegotiation) {
  auto server = OpensslTls12Peer::server(false, "ECDHE-ECDSA-AES128-GCM-SHA256");
  Outcome r = run(server, tls12_params(), environment());
  ASSERT_TRUE(r.result) << r.result.error().to_string();
  ASSERT_EQ(SSL_renegotiate(server.ssl()), 1);
  server.step();
  ByteVec out;
  ByteVec app;
  auto got = r.client->receive(server.take(), out, app);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().alert, Alert::no_renegotiation);
  ASSERT_TRUE(r.client->send_alert(got.error().alert, out));
  // The alert is a warning (RFC 5246 §7.2.2), protected: 5 + 8 + 2 + 16 bytes.
  EXPECT_EQ(out.size(), 31U);
}

TEST(client12_openssl_refusals, client_certificate_is_sent_and_verified) {
  auto server = OpensslTls12Peer::server(false, "ECDHE-ECDSA-AES128-GCM-SHA256");
  server.request_client_certificate();
  Outcome r = run(server, tls12_params(), environment(/*offer_certificate=*/true));
  ASSERT_TRUE(r.result) << r.result.error().to_string();
  ASSERT_TRUE(r.server_done);
  EXPECT_TRUE(r.client->info().certificate_requested);
  EXPECT_TRUE(r.client->info().client_certificate_sent);
  EXPECT_NE(SSL_get0_peer_certificate(server.ssl()), nullptr);
}

TEST(client12_openssl_refusals, declined_client_certificate_is_an_empty_certificate) {
  auto server = OpensslTls12Peer::server(false, "ECDHE-ECDSA-AES128-GCM-SHA256");
  server.request_client_certificate();
  Outcome r = run(server, tls12_params(), environment(/*offer_certificate=*/false));
  // The server requires one: it refuses our empty Certificate.
  ASSERT_FALSE(r.result);
  EXPECT_TRUE(r.client->received_alert().has_value());
  EXPECT_TRUE(r.client->info().certificate_requested);
  EXPECT_FALSE(r.client->info().client_certificate_sent);
}

}  // namespace
}  // namespace sanstls::native::handshake

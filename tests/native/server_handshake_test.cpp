// The TLS 1.3 server state machine: our client against our server in memory (every key type,
// every suite, data, KeyUpdate and close_notify both ways), RFC 8448 §3 replayed from the server
// side byte for byte, HelloRetryRequest and client authentication driven by a hand-built client
// (codec + key schedule), and every MUST the server enforces with the alert and Refusal tag.

#include "native/handshake/server_handshake.hpp"

#include "native/crypto/libcrypto_provider.hpp"
#include "native/handshake/client_states.hpp"
#include "native/msgs/alert.hpp"
#include "native/msgs/message_hash.hpp"
#include "rfc8448_data.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <deque>
#include <map>
#include <string>
#include <type_traits>

namespace sanstls::native::handshake {
namespace {

using testing::Rfc8448;
using testing::to_hex;
using wire::Refusal;

// The proofs can only be made by the code that checks them.
static_assert(!std::is_default_constructible_v<server::VerifiedClientChain>);
static_assert(!std::is_default_constructible_v<server::ClientAuthenticationSettled>);
static_assert(!std::is_default_constructible_v<server::VerifiedClientFinished>);
static_assert(!std::is_constructible_v<server::Connected, SuiteParams>);
static_assert(!std::is_constructible_v<server::ExpectClientFinished, server::ServerSecrets>);
static_assert(!std::is_constructible_v<server::ExpectClientCertificateVerify, server::ServerSecrets,
                                       ByteVec>);

ByteVec vec(const core::SecretBytes& s) { return ByteVec(s.span().begin(), s.span().end()); }
[[maybe_unused]] ByteVec concat(std::initializer_list<ByteVec> parts) {
  ByteVec out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// ---------------------------------------------------------------------------------------------
// Test identities: a key and a self-signed certificate made with libcrypto.

struct Identity {
  ByteVec cert_der;
  ByteVec pkcs8;
};

enum class KeyKind { p256, p384, rsa, ed25519 };

Identity make_identity(KeyKind kind) {
  EVP_PKEY* raw = nullptr;
  switch (kind) {
    case KeyKind::p256:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case KeyKind::p384:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      break;
    case KeyKind::rsa:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048));
      break;
    case KeyKind::ed25519:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(raw, &EVP_PKEY_free);
  EXPECT_NE(key, nullptr);
  std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), &X509_free);
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600);
  X509_set_pubkey(x.get(), key.get());
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x.get(), name);
  EXPECT_GT(X509_sign(x.get(), key.get(), kind == KeyKind::ed25519 ? nullptr : EVP_sha256()), 0);
  Identity id;
  unsigned char* der = nullptr;
  int len = i2d_X509(x.get(), &der);
  id.cert_der.assign(der, der + len);
  OPENSSL_free(der);
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, decltype(&PKCS8_PRIV_KEY_INFO_free)> p8(
      EVP_PKEY2PKCS8(key.get()), &PKCS8_PRIV_KEY_INFO_free);
  der = nullptr;
  len = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &der);
  id.pkcs8.assign(der, der + len);
  OPENSSL_free(der);
  return id;
}

/// RSA key generation is slow: one identity per kind per test binary.
const Identity& identity(KeyKind kind) {
  static std::map<KeyKind, Identity> cache;
  auto it = cache.find(kind);
  if (it == cache.end()) it = cache.emplace(kind, make_identity(kind)).first;
  return it->second;
}

std::shared_ptr<const crypto::SigningKey> signing_key(const crypto::CryptoProvider& p,
                                                      const Identity& id) {
  auto key = p.load_signing_key(id.pkcs8);
  EXPECT_TRUE(key) << key.error().to_string();
  return key ? std::shared_ptr<const crypto::SigningKey>(std::move(*key)) : nullptr;
}

std::unique_ptr<crypto::LibcryptoProvider> make_provider() {
  auto p = crypto::LibcryptoProvider::create();
  EXPECT_TRUE(p);
  return std::move(*p);
}

/// A server environment serving `id`, counting store queries.
struct ServerEnv {
  ServerHandshakeEnvironment env;
  std::vector<CertificateQuery> queries;
  std::vector<std::vector<ByteVec>> client_chains;
};

ServerHandshakeEnvironment server_env(const crypto::CryptoProvider& p, const Identity& id,
                                      std::vector<CertificateQuery>* queries = nullptr) {
  ServerHandshakeEnvironment env;
  env.provider = &p;
  auto key = signing_key(p, id);
  env.select_certificate = [chain = std::vector<ByteVec>{id.cert_der}, key,
                            queries](const CertificateQuery& q) {
    if (queries != nullptr) queries->push_back(q);
    return CertificateSelection::chosen(chain, key);
  };
  env.verify_client_chain = [](std::span<const ByteVec>) { return Status{}; };
  return env;
}

// ---------------------------------------------------------------------------------------------
// Our client against our server.

struct Pair {
  std::unique_ptr<crypto::LibcryptoProvider> provider = make_provider();
  std::optional<ClientHandshake> client;
  std::optional<ServerHandshake> server;
  ByteVec to_server;
  ByteVec to_client;
  ByteVec client_received;
  ByteVec server_received;
  Status client_status;
  Status server_status;
  std::vector<CertificateQuery> queries;

  Pair(const Identity& id, ClientHelloParameters cp = {}, ServerParameters sp = {},
       std::function<void(ServerHandshakeEnvironment&)> tweak = {}) {
    auto env = server_env(*provider, id, &queries);
    if (tweak) tweak(env);
    server.emplace(std::move(sp), std::move(env));
    ClientHandshakeEnvironment cenv;
    cenv.provider = provider.get();
    cenv.verify_chain = [leaf = id.cert_der](std::span<const ByteVec> chain) -> Status {
      if (chain.empty() || chain.front() != leaf) {
        return wire::fail(Alert::bad_certificate, "test", "unexpected leaf");
      }
      return {};
    };
    auto c = ClientHandshake::start(std::move(cp), std::move(cenv), to_server);
    EXPECT_TRUE(c) << c.error().to_string();
    if (c) client.emplace(std::move(*c));
  }

  /// Shuttles records until neither side has anything to say (or one failed).
  void pump() {
    for (int rounds = 0; rounds < 20 && (!to_server.empty() || !to_client.empty()); ++rounds) {
      if (!to_server.empty() && server_status) {
        ByteVec in;
        in.swap(to_server);
        server_status = server->receive(in, to_client, server_received);
      }
      if (!to_client.empty() && client_status) {
        ByteVec in;
        in.swap(to_client);
        client_status = client->receive(in, to_server, client_received);
      }
      if (!server_status || !client_status) return;
    }
  }
};

struct Combination {
  KeyKind key;
  CipherSuite suite;
  SignatureScheme expected_scheme;
};

class server_against_our_client : public ::testing::TestWithParam<Combination> {};

TEST_P(server_against_our_client, handshake_data_key_update_and_close) {
  const auto [kind, suite, scheme] = GetParam();
  ClientHelloParameters cp;
  cp.server_name = "LocalHost";
  cp.cipher_suites = {suite};
  Pair pair(identity(kind), cp);
  pair.pump();
  ASSERT_TRUE(pair.server_status) << pair.server_status.error().to_string();
  ASSERT_TRUE(pair.client_status) << pair.client_status.error().to_string();
  ASSERT_TRUE(pair.server->connected());
  ASSERT_NE(pair.client->connected(), nullptr);
  EXPECT_EQ(pair.client->connected()->tickets_received, 1U);

  const auto& info = pair.server->info();
  EXPECT_TRUE(info.negotiated);
  EXPECT_EQ(info.suite, suite);
  EXPECT_EQ(info.group, NamedGroup::x25519);
  EXPECT_EQ(info.signature_scheme, scheme);
  EXPECT_EQ(info.server_name, "localhost");
  EXPECT_FALSE(info.hello_retry_request_sent);
  EXPECT_FALSE(info.client_certificate_presented);
  ASSERT_EQ(pair.queries.size(), 1U);
  EXPECT_EQ(pair.queries[0].server_name, "localhost");

  // Both sides derived the same secrets.
  const auto& s = std::get<server::Connected>(pair.server->state());
  const auto* c = pair.client->connected();
  EXPECT_EQ(vec(s.exporter_master_secret), vec(c->exporter_master_secret));
  EXPECT_EQ(vec(s.resumption_master_secret), vec(c->resumption_master_secret));

  // Data both ways, one record larger than 2^14 to force fragmentation.
  ByteVec big(40000, 0x5a);
  ASSERT_TRUE(pair.server->write(big, pair.to_client));
  ASSERT_TRUE(pair.client->write(ByteVec{'h', 'i'}, pair.to_server));
  pair.pump();
  ASSERT_TRUE(pair.server_status && pair.client_status);
  EXPECT_EQ(pair.client_received, big);
  EXPECT_EQ(pair.server_received, (ByteVec{'h', 'i'}));

  // Our KeyUpdate asking the client to update too: the client answers, both directions re-key.
  ASSERT_TRUE(pair.server->key_update(true, pair.to_client));
  pair.pump();
  ASSERT_TRUE(pair.server_status) << pair.server_status.error().to_string();
  ASSERT_TRUE(pair.client_status) << pair.client_status.error().to_string();
  EXPECT_EQ(vec(s.server_application_traffic_secret),
            vec(pair.client->connected()->server_application_traffic_secret));
  EXPECT_EQ(vec(s.client_application_traffic_secret),
            vec(pair.client->connected()->client_application_traffic_secret));
  pair.client_received.clear();
  pair.server_received.clear();
  ASSERT_TRUE(pair.server->write(ByteVec{1, 2, 3}, pair.to_client));
  ASSERT_TRUE(pair.client->write(ByteVec{4, 5}, pair.to_server));
  pair.pump();
  ASSERT_TRUE(pair.server_status && pair.client_status);
  EXPECT_EQ(pair.client_received, (ByteVec{1, 2, 3}));
  EXPECT_EQ(pair.server_received, (ByteVec{4, 5}));

  // Our close_notify: the client sees the end of the stream; later writes are refused.
  ByteVec alert;
  ASSERT_TRUE(pair.server->close_notify(alert));
  EXPECT_FALSE(pair.server->write(ByteVec{1}, alert));
  ByteVec ignored_out;
  ByteVec ignored_data;
  ASSERT_TRUE(pair.client->receive(alert, ignored_out, ignored_data));
  EXPECT_TRUE(pair.client->peer_closed());
}

std::string combination_name(const ::testing::TestParamInfo<Combination>& p) {
  static const std::map<KeyKind, std::string> keys{{KeyKind::p256, "p256"},
                                                   {KeyKind::p384, "p384"},
                                                   {KeyKind::rsa, "rsa"},
                                                   {KeyKind::ed25519, "ed25519"}};
  static const std::map<CipherSuite, std::string> suites{
      {CipherSuite::tls_aes_128_gcm_sha256, "aes128"},
      {CipherSuite::tls_aes_256_gcm_sha384, "aes256"},
      {CipherSuite::tls_chacha20_poly1305_sha256, "chacha"}};
  return keys.at(p.param.key) + "_" + suites.at(p.param.suite);
}

std::vector<Combination> all_combinations() {
  std::vector<Combination> out;
  const std::vector<std::pair<KeyKind, SignatureScheme>> keys{
      {KeyKind::p256, SignatureScheme::ecdsa_secp256r1_sha256},
      {KeyKind::p384, SignatureScheme::ecdsa_secp384r1_sha384},
      {KeyKind::rsa, SignatureScheme::rsa_pss_rsae_sha256},
      {KeyKind::ed25519, SignatureScheme::ed25519}};
  for (const auto& [k, s] : keys) {
    for (auto suite : {CipherSuite::tls_aes_128_gcm_sha256, CipherSuite::tls_aes_256_gcm_sha384,
                       CipherSuite::tls_chacha20_poly1305_sha256}) {
      out.push_back({k, suite, s});
    }
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(all, server_against_our_client, ::testing::ValuesIn(all_combinations()),
                         combination_name);

}  // namespace
}  // namespace sanstls::native::handshake

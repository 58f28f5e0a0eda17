// SPDX-License-Identifier: Apache-2.0 OR MIT
// The TLS 1.3 server state machine: our client against our server in memory (every key type,
// every suite, data, KeyUpdate and close_notify both ways), RFC 8448 §3 replayed from the server
// side byte for byte, HelloRetryRequest and client authentication driven by a hand-built client
// (codec + key schedule), and every MUST the server enforces with the alert and Refusal tag.

#include "native/handshake/server_handshake.hpp"

#include "counted_random.hpp"
#include "native/crypto/libcrypto_provider.hpp"
#include "native/handshake/client_states.hpp"
#include "native/handshake/client_states12.hpp"
#include "native/handshake/server_states12.hpp"
#include "native/msgs/alert.hpp"
#include "native/msgs/extensions12.hpp"
#include "native/msgs/message_hash.hpp"
#include "rfc8448_data.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <deque>
#include <map>
#include <ostream>
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

ByteVec vec(const base::SecretBytes& s) { return ByteVec(s.span().begin(), s.span().end()); }
ByteVec concat(std::initializer_list<ByteVec> parts) {
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
       std::function<void(ServerHandshakeEnvironment&)> tweak = {},
       std::function<void(ClientHandshakeEnvironment&)> client_tweak = {}) {
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
    if (client_tweak) client_tweak(cenv);
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

  /// Neither side failed (what a test asserts after pump()); else which side and its error.
  [[nodiscard]] ::testing::AssertionResult ok() const {
    if (!server_status) {
      return ::testing::AssertionFailure() << "server: " << server_status.error().to_string();
    }
    if (!client_status) {
      return ::testing::AssertionFailure() << "client: " << client_status.error().to_string();
    }
    return ::testing::AssertionSuccess();
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
  ASSERT_TRUE(pair.ok());
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
  ASSERT_TRUE(pair.ok());
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

// ---------------------------------------------------------------------------------------------
// A hand-built client: the codec, the key schedule and the record layer, no state machine, so a
// test can send exactly what it wants (HelloRetryRequest answers, client certificates, tampered
// messages).

ByteVec plaintext_record(ContentType type, Bytes payload) {
  record::RecordWriter w;
  ByteVec out;
  EXPECT_TRUE(w.write(type, payload, out));
  return out;
}

record::Protection protection(const crypto::CryptoProvider& p, SuiteParams params,
                              const SecretBytes& secret) {
  const KeyDerivation kd(p, params.hash);
  auto keys = kd.traffic_keys(secret.span(), params.aead);
  EXPECT_TRUE(keys);
  auto prot = record::Protection::create(p, params.aead, *keys);
  EXPECT_TRUE(prot);
  return std::move(*prot);
}

struct FlightOptions {
  const Identity* certificate = nullptr;  // with a CertificateRequest: send this chain
  bool tamper_signature = false;
  std::optional<SignatureScheme> scheme;
  bool tamper_finished = false;
};

struct ManualClient {
  const crypto::CryptoProvider& p;
  msgs::ClientHello ch;
  std::vector<std::unique_ptr<crypto::KeyShare>> shares;
  Transcript transcript;
  record::RecordReader reader;
  record::RecordWriter writer;
  std::optional<KeySchedule> schedule;
  SuiteParams params{};
  SecretBytes c_hs, s_hs, c_ap, s_ap;
  std::optional<msgs::ServerHello> hello_retry_request;
  std::optional<msgs::ServerHello> server_hello;
  std::optional<msgs::CertificateRequest> certificate_request;
  std::vector<HandshakeType> received;  // handshake messages from the server, in order
  std::vector<msgs::NewSessionTicket> tickets;
  std::vector<ContentType> record_types;  // outer types of what the server sent
  ByteVec application_data;
  bool server_finished = false;

  explicit ManualClient(const crypto::CryptoProvider& provider,
                        std::vector<NamedGroup> share_groups = {NamedGroup::x25519})
      : p(provider), transcript(provider) {
    p.random(ch.random);
    ch.cipher_suites = {CipherSuite::tls_aes_128_gcm_sha256, CipherSuite::tls_aes_256_gcm_sha384,
                        CipherSuite::tls_chacha20_poly1305_sha256};
    ch.extensions = msgs::Extensions(
        {{ExtensionType::supported_groups,
          msgs::NamedGroupList{{NamedGroup::x25519, NamedGroup::secp256r1, NamedGroup::secp384r1}}},
         {ExtensionType::signature_algorithms,
          msgs::SignatureSchemeList{
              {SignatureScheme::ecdsa_secp256r1_sha256, SignatureScheme::ecdsa_secp384r1_sha384,
               SignatureScheme::rsa_pss_rsae_sha256, SignatureScheme::ed25519}}},
         {ExtensionType::key_share, msgs::KeyShareClientHello{}},
         {ExtensionType::supported_versions, msgs::SupportedVersionsList{{tls13_version}}}});
    set_shares(share_groups);
  }

  msgs::Extension* ext(ExtensionType type) {
    for (auto& e : ch.extensions.list()) {
      if (e.type == type) return &e;
    }
    return nullptr;
  }
  void remove(ExtensionType type) {
    auto& l = ch.extensions.list();
    l.erase(std::remove_if(l.begin(), l.end(), [type](const auto& e) { return e.type == type; }),
            l.end());
  }
  void set_shares(const std::vector<NamedGroup>& groups) {
    msgs::KeyShareClientHello ks;
    for (const NamedGroup g : groups) {
      auto share = p.generate_key_share(g);
      EXPECT_TRUE(share);
      const Bytes pub = (*share)->public_key();
      ks.shares.push_back({g, ByteVec(pub.begin(), pub.end())});
      shares.push_back(std::move(*share));
    }
    if (auto* e = ext(ExtensionType::key_share)) e->body = std::move(ks);
  }

  /// The ClientHello record (added to the transcript).
  ByteVec hello() {
    auto bytes = ch.encode();
    EXPECT_TRUE(bytes);
    transcript.add(*bytes);
    return plaintext_record(ContentType::handshake, *bytes);
  }

  /// Reads what the server sent, following its key changes.
  Status absorb(Bytes in) {
    reader.feed(in);
    for (;;) {
      WIRE_TRY(auto next, reader.next());
      if (!next) return {};
      record_types.push_back(next->type);
      if (next->type == ContentType::application_data) {
        application_data.insert(application_data.end(), next->data.begin(), next->data.end());
        continue;
      }
      if (next->type != ContentType::handshake) continue;
      WIRE_TRY(const auto view, msgs::parse_handshake(next->data));
      received.push_back(view.type);
      if (server_finished) {
        if (view.type == HandshakeType::new_session_ticket) {
          WIRE_TRY(auto t, msgs::NewSessionTicket::parse(view.body));
          tickets.push_back(std::move(t));
        }
        continue;
      }
      if (view.type == HandshakeType::server_hello) {
        WIRE_TRY(auto sh, msgs::ServerHello::parse(view.body));
        params = *suite_params(sh.cipher_suite);
        if (sh.is_hello_retry_request()) {
          // RFC 8446 §4.4.1: ClientHello1 becomes message_hash.
          WIRE_CHECK(transcript.select_hash(params.hash));
          WIRE_CHECK(transcript.replace_with_message_hash());
          transcript.add(view.whole);
          hello_retry_request = std::move(sh);
          continue;
        }
        if (!transcript.hash_algorithm()) WIRE_CHECK(transcript.select_hash(params.hash));
        transcript.add(view.whole);
        const auto* share = sh.extensions.get<msgs::KeyShareServerHello>(ExtensionType::key_share);
        const crypto::KeyShare* own = nullptr;
        for (const auto& s : shares) {
          if (s->group() == share->share.group) own = s.get();
        }
        WIRE_TRY(auto shared, own->complete(share->share.key_exchange));
        schedule.emplace(p, params.hash);
        WIRE_CHECK(schedule->derive_early_secret({}));
        WIRE_CHECK(schedule->derive_handshake_secret(shared.span()));
        WIRE_TRY(const auto h, transcript.current_hash());
        WIRE_TRY(c_hs, schedule->client_handshake_traffic_secret(h));
        WIRE_TRY(s_hs, schedule->server_handshake_traffic_secret(h));
        WIRE_CHECK(reader.set_protection(protection(p, params, s_hs)));
        server_hello = std::move(sh);
        continue;
      }
      if (view.type == HandshakeType::certificate_request) {
        WIRE_TRY(auto cr, msgs::CertificateRequest::parse(view.body));
        certificate_request = std::move(cr);
      }
      if (view.type == HandshakeType::finished) {
        const KeyDerivation& kd = schedule->derivation();
        WIRE_TRY(const auto before, transcript.current_hash());
        WIRE_TRY(const auto expected, kd.finished_verify_data(s_hs.span(), before));
        WIRE_TRY(const auto fin, msgs::Finished::parse(view.body, kd.hash_length()));
        if (ByteVec(expected.span().begin(), expected.span().end()) != fin.verify_data) {
          return wire::fail(Alert::decrypt_error, "test", "server Finished");
        }
        transcript.add(view.whole);
        WIRE_TRY(const auto h, transcript.current_hash());
        WIRE_CHECK(schedule->derive_master_secret());
        WIRE_TRY(c_ap, schedule->client_application_traffic_secret(h));
        WIRE_TRY(s_ap, schedule->server_application_traffic_secret(h));
        WIRE_CHECK(reader.set_protection(protection(p, params, s_ap)));
        server_finished = true;
        continue;
      }
      transcript.add(view.whole);
    }
  }

  /// The second ClientHello: the first with one share for the HelloRetryRequest's group.
  ByteVec second_hello(std::optional<NamedGroup> group = std::nullopt) {
    const auto* hrr_share = hello_retry_request->extensions.get<msgs::KeyShareHelloRetryRequest>(
        ExtensionType::key_share);
    set_shares({group.value_or(hrr_share->selected_group)});
    return hello();
  }

  /// Our second flight (Certificate, CertificateVerify when asked, Finished), sealed under the
  /// client handshake keys; afterwards the writer uses the application keys.
  ByteVec flight(const FlightOptions& o = FlightOptions{}) {
    writer.set_protection(protection(p, params, c_hs));
    ByteVec messages;
    auto add = [&](const ByteVec& m) {
      transcript.add(m);
      messages.insert(messages.end(), m.begin(), m.end());
    };
    if (certificate_request) {
      msgs::Certificate cert;
      cert.certificate_request_context = certificate_request->certificate_request_context;
      if (o.certificate != nullptr) cert.certificate_list.push_back({o.certificate->cert_der, {}});
      add(*cert.encode());
      if (o.certificate != nullptr) {
        auto key = signing_key(p, *o.certificate);
        SignatureScheme scheme = o.scheme.value_or(SignatureScheme::ecdsa_secp256r1_sha256);
        const auto h = transcript.current_hash();
        const auto content = msgs::certificate_verify_content(false, *h);
        msgs::CertificateVerify cv;
        cv.algorithm = scheme;
        auto sig = key->supports(scheme) ? key->sign(scheme, *content)
                                         : Result<std::vector<std::uint8_t>>(ByteVec(64, 0x11));
        EXPECT_TRUE(sig);
        cv.signature = *sig;
        if (o.tamper_signature) cv.signature.at(5) ^= 0x01U;
        add(*cv.encode());
      }
    }
    const KeyDerivation& kd = schedule->derivation();
    const auto h = transcript.current_hash();
    const auto verify_data = kd.finished_verify_data(c_hs.span(), *h);
    msgs::Finished fin;
    fin.verify_data.assign(verify_data->span().begin(), verify_data->span().end());
    if (o.tamper_finished) fin.verify_data.at(0) ^= 0x80U;
    add(*fin.encode());
    ByteVec out;
    EXPECT_TRUE(writer.write(ContentType::handshake, messages, out));
    writer.set_protection(protection(p, params, c_ap));
    return out;
  }

  /// A record under the current write keys.
  ByteVec sealed(ContentType type, Bytes content) {
    ByteVec out;
    EXPECT_TRUE(writer.write(type, content, out));
    return out;
  }
};

/// What a server refusal looked like.
struct Refused {
  Alert alert = Alert::close_notify;
  Refusal refusal = Refusal::none;
  std::string field;
  friend bool operator==(const Refused&, const Refused&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Refused& r) {
    return os << "alert " << static_cast<int>(r.alert) << " refusal " << static_cast<int>(r.refusal)
              << " at " << r.field;
  }
};

struct ServerUnderTest {
  std::unique_ptr<crypto::LibcryptoProvider> provider = make_provider();
  std::vector<CertificateQuery> queries;
  std::optional<ServerHandshake> server;
  ByteVec out;
  ByteVec data;

  explicit ServerUnderTest(ServerParameters sp = {}, const Identity& id = identity(KeyKind::p256),
                           std::function<void(ServerHandshakeEnvironment&)> tweak = {}) {
    auto env = server_env(*provider, id, &queries);
    if (tweak) tweak(env);
    server.emplace(std::move(sp), std::move(env));
  }
  /// Feeds `in`; the server's records are appended to `out` (and returned for this call).
  Result<ByteVec> feed(Bytes in) {
    ByteVec written;
    WIRE_CHECK(server->receive(in, written, data));
    out.insert(out.end(), written.begin(), written.end());
    return written;
  }
  Refused refused(Bytes in) {
    ByteVec written;
    auto r = server->receive(in, written, data);
    EXPECT_FALSE(r) << "the server accepted";
    // Failures write nothing: the adapter sends the alert.
    EXPECT_TRUE(written.empty());
    if (r) return {};
    return {r.error().alert, r.error().refusal, std::string(r.error().field)};
  }
};

/// A full handshake with a manual client up to (not including) the client's second flight.
struct Manual {
  ServerUnderTest s;
  ManualClient c{*s.provider};
  explicit Manual(ServerParameters sp = {}, const Identity& id = identity(KeyKind::p256),
                  std::function<void(ServerHandshakeEnvironment&)> tweak = {})
      : s(std::move(sp), id, std::move(tweak)) {}
  void start() {
    auto flight = s.feed(c.hello());
    ASSERT_TRUE(flight) << flight.error().to_string();
    auto absorbed = c.absorb(*flight);
    ASSERT_TRUE(absorbed) << absorbed.error().to_string();
    ASSERT_TRUE(c.server_finished);
  }
};

TEST(server_manual_client, full_handshake_and_tickets) {
  ServerParameters sp;
  sp.tickets = 2;
  Manual m(sp);
  m.start();
  EXPECT_EQ(m.c.received, (std::vector<HandshakeType>{
                              HandshakeType::server_hello, HandshakeType::encrypted_extensions,
                              HandshakeType::certificate, HandshakeType::certificate_verify,
                              HandshakeType::finished}));
  EXPECT_FALSE(m.s.server->connected());
  // No 0.5-RTT data from us.
  EXPECT_FALSE(m.s.server->write(ByteVec{1}, m.s.out));
  auto after = m.s.feed(m.c.flight());
  ASSERT_TRUE(after) << after.error().to_string();
  EXPECT_TRUE(m.s.server->connected());
  ASSERT_TRUE(m.c.absorb(*after));
  ASSERT_EQ(m.c.tickets.size(), 2U);
  EXPECT_EQ(m.c.tickets[0].ticket_lifetime, 7200U);
  EXPECT_NE(m.c.tickets[0].ticket_nonce, m.c.tickets[1].ticket_nonce);
  EXPECT_NE(m.c.tickets[0].ticket, m.c.tickets[1].ticket);
  // Each ticket's randomness is its own (drawn together, never reused).
  EXPECT_NE(m.c.tickets[0].ticket_age_add, m.c.tickets[1].ticket_age_add);
  // Application data both ways.
  ASSERT_TRUE(m.s.feed(m.c.sealed(ContentType::application_data, ByteVec{'p', 'i', 'n', 'g'})));
  EXPECT_EQ(m.s.data, (ByteVec{'p', 'i', 'n', 'g'}));
  ByteVec pong;
  ASSERT_TRUE(m.s.server->write(ByteVec{'p', 'o', 'n', 'g'}, pong));
  ASSERT_TRUE(m.c.absorb(pong));
  EXPECT_EQ(m.c.application_data, (ByteVec{'p', 'o', 'n', 'g'}));
}

// ---------------------------------------------------------------------------------------------
// HelloRetryRequest

TEST(server_hello_retry_request, share_for_a_group_we_do_not_allow) {
  ServerParameters sp;
  sp.groups = {NamedGroup::secp256r1};
  Manual m(sp);
  auto hrr = m.s.feed(m.c.hello());
  ASSERT_TRUE(hrr) << hrr.error().to_string();
  ASSERT_TRUE(m.c.absorb(*hrr));
  ASSERT_TRUE(m.c.hello_retry_request);
  EXPECT_FALSE(m.c.server_hello);
  const auto& r = *m.c.hello_retry_request;
  EXPECT_EQ(r.random, msgs::hello_retry_request_random);
  EXPECT_EQ(r.cipher_suite, CipherSuite::tls_aes_128_gcm_sha256);
  EXPECT_TRUE(r.legacy_session_id_echo.empty());
  const auto* group = r.extensions.get<msgs::KeyShareHelloRetryRequest>(ExtensionType::key_share);
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(group->selected_group, NamedGroup::secp256r1);
  EXPECT_EQ(r.extensions.get<msgs::SelectedVersion>(ExtensionType::supported_versions)->version,
            tls13_version);
  // No change_cipher_spec without a session id (no compatibility mode).
  EXPECT_EQ(m.c.record_types, std::vector<ContentType>{ContentType::handshake});

  auto flight = m.s.feed(m.c.second_hello());
  ASSERT_TRUE(flight) << flight.error().to_string();
  // The manual client's transcript is message_hash(CH1), HRR, CH2, ...: the server's Finished
  // verifying proves the server used the same.
  auto absorbed = m.c.absorb(*flight);
  ASSERT_TRUE(absorbed) << absorbed.error().to_string();
  ASSERT_TRUE(m.c.server_finished);
  EXPECT_EQ(m.c.server_hello->extensions.get<msgs::KeyShareServerHello>(ExtensionType::key_share)
                ->share.group,
            NamedGroup::secp256r1);
  ASSERT_TRUE(m.s.feed(m.c.flight()));
  EXPECT_TRUE(m.s.server->connected());
  EXPECT_TRUE(m.s.server->info().hello_retry_request_sent);
  EXPECT_EQ(m.s.server->info().group, NamedGroup::secp256r1);
}

TEST(server_hello_retry_request, our_client_with_an_unacceptable_share) {
  // Our client's HRR support is not there yet in every tree: it either completes or refuses the
  // HelloRetryRequest itself (handshake_failure); the server must have sent one either way.
  ServerParameters sp;
  sp.groups = {NamedGroup::secp384r1};
  Pair pair(identity(KeyKind::p256), {}, sp);
  pair.pump();
  ASSERT_TRUE(pair.server_status) << pair.server_status.error().to_string();
  EXPECT_TRUE(pair.server->info().hello_retry_request_sent);
  RecordProperty("client_completed", pair.client_status ? "yes" : "no");
  if (pair.client_status) {
    EXPECT_TRUE(pair.server->connected());
    EXPECT_EQ(pair.server->info().group, NamedGroup::secp384r1);
  }
}

TEST(server_hello_retry_request, second_hello_without_the_selected_share) {
  ServerParameters sp;
  sp.groups = {NamedGroup::secp256r1};
  Manual m(sp);
  ASSERT_TRUE(m.c.absorb(*m.s.feed(m.c.hello())));
  // Another hello that would need another HelloRetryRequest.
  EXPECT_EQ(m.s.refused(m.c.second_hello(NamedGroup::x25519)),
            (Refused{Alert::illegal_parameter, Refusal::none, "ClientHello.key_share"}));
}

TEST(server_hello_retry_request, second_hello_with_two_shares) {
  ServerParameters sp;
  sp.groups = {NamedGroup::secp256r1};
  Manual m(sp);
  ASSERT_TRUE(m.c.absorb(*m.s.feed(m.c.hello())));
  m.c.set_shares({NamedGroup::secp256r1, NamedGroup::secp384r1});
  EXPECT_EQ(m.s.refused(m.c.hello()),
            (Refused{Alert::illegal_parameter, Refusal::none, "ClientHello.key_share"}));
}

TEST(server_hello_retry_request, second_hello_that_changed_more_than_the_share) {
  ServerParameters sp;
  sp.groups = {NamedGroup::secp256r1};
  Manual m(sp);
  ASSERT_TRUE(m.c.absorb(*m.s.feed(m.c.hello())));
  m.c.ch.cipher_suites.pop_back();
  EXPECT_EQ(m.s.refused(m.c.second_hello()),
            (Refused{Alert::illegal_parameter, Refusal::none, "ClientHello"}));
}

TEST(server_hello_retry_request, middlebox_compatibility_change_cipher_spec_once) {
  ServerParameters sp;
  sp.groups = {NamedGroup::secp256r1};
  Manual m(sp);
  m.c.ch.legacy_session_id = ByteVec(32, 0xab);
  ASSERT_TRUE(m.c.absorb(*m.s.feed(m.c.hello())));
  // RFC 8446 §D.4: the CCS right after the HelloRetryRequest ...
  EXPECT_EQ(m.c.record_types,
            (std::vector<ContentType>{ContentType::handshake, ContentType::change_cipher_spec}));
  EXPECT_EQ(m.c.hello_retry_request->legacy_session_id_echo, ByteVec(32, 0xab));
  // ... the client's one dummy CCS before its second hello is dropped ...
  const ByteVec ccs = plaintext_record(ContentType::change_cipher_spec, ByteVec{0x01});
  ASSERT_TRUE(m.s.feed(ccs));
  m.c.record_types.clear();
  ASSERT_TRUE(m.c.absorb(*m.s.feed(m.c.second_hello())));
  // ... and no second CCS after the ServerHello.
  for (std::size_t i = 1; i < m.c.record_types.size(); ++i) {
    EXPECT_NE(m.c.record_types[i], ContentType::change_cipher_spec);
  }
  ASSERT_TRUE(m.c.server_finished);
  // More dummy CCS records are dropped up to the bound, then refused.
  for (std::size_t i = 1; i < ServerHandshake::max_dummy_change_cipher_specs; ++i) {
    ASSERT_TRUE(m.s.feed(ccs)) << i;
  }
  EXPECT_EQ(m.s.refused(ccs),
            (Refused{Alert::unexpected_message, Refusal::none, "change_cipher_spec records"}));
}

TEST(server_bounds, user_canceled_alerts_are_dropped_up_to_the_bound) {
  Manual m;
  m.start();
  const ByteVec user_canceled = plaintext_record(ContentType::alert, ByteVec{1, 90});
  for (std::size_t i = 0; i < ServerHandshake::max_user_canceled_alerts; ++i) {
    ASSERT_TRUE(m.s.feed(user_canceled)) << i;
  }
  EXPECT_FALSE(m.s.server->peer_closed());
  EXPECT_EQ(m.s.refused(user_canceled),
            (Refused{Alert::unexpected_message, Refusal::none, "user_canceled alerts"}));
  EXPECT_FALSE(m.s.server->received_alert()) << "our refusal, not the peer's alert";
}

TEST(server_bounds, close_notify_before_the_handshake_leaves_the_server_unconnected) {
  // The state machine records the close; the core turns "closed but never connected" into a
  // failure on every engine (tests/conformance/handshake_close_test.cpp).
  Manual m;
  m.start();
  ASSERT_TRUE(m.s.feed(plaintext_record(ContentType::alert, ByteVec{1, 0})));
  EXPECT_TRUE(m.s.server->peer_closed());
  EXPECT_FALSE(m.s.server->connected());
}

// ---------------------------------------------------------------------------------------------
// X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem)

const std::vector<NamedGroup> engine_groups{NamedGroup::x25519mlkem768, NamedGroup::x25519,
                                            NamedGroup::secp256r1, NamedGroup::secp384r1};

ServerParameters with_groups(std::vector<NamedGroup> groups) {
  ServerParameters sp;
  sp.groups = std::move(groups);
  return sp;
}

/// A manual client listing `supported` and sending shares for `shares`.
void offer(ManualClient& c, const std::vector<NamedGroup>& supported,
           const std::vector<NamedGroup>& shares) {
  c.ext(ExtensionType::supported_groups)->body = msgs::NamedGroupList{supported};
  c.shares.clear();
  c.set_shares(shares);
}

NamedGroup server_hello_group(const ManualClient& c) {
  return c.server_hello->extensions.get<msgs::KeyShareServerHello>(ExtensionType::key_share)
      ->share.group;
}

std::size_t server_share_size(const ManualClient& c) {
  return c.server_hello->extensions.get<msgs::KeyShareServerHello>(ExtensionType::key_share)
      ->share.key_exchange.size();
}

TEST(server_x25519mlkem768, preferred_when_offered_beside_x25519) {
  Manual m(with_groups(engine_groups));
  offer(m.c, engine_groups, {NamedGroup::x25519, NamedGroup::x25519mlkem768});
  m.start();  // the server's Finished verifying proves both sides derived the same secret
  EXPECT_EQ(server_hello_group(m.c), NamedGroup::x25519mlkem768);
  EXPECT_EQ(server_share_size(m.c), 1120U);
  ASSERT_TRUE(m.s.feed(m.c.flight()));
  EXPECT_TRUE(m.s.server->connected());
  EXPECT_EQ(m.s.server->info().group, NamedGroup::x25519mlkem768);
  EXPECT_FALSE(m.s.server->info().hello_retry_request_sent);
}

TEST(server_x25519mlkem768, server_with_x25519_only_takes_the_x25519_share) {
  Manual m(with_groups({NamedGroup::x25519}));
  offer(m.c, engine_groups, {NamedGroup::x25519mlkem768, NamedGroup::x25519});
  m.start();
  EXPECT_EQ(server_hello_group(m.c), NamedGroup::x25519);
  ASSERT_TRUE(m.s.feed(m.c.flight()));
  EXPECT_FALSE(m.s.server->info().hello_retry_request_sent);
}

TEST(server_x25519mlkem768, listed_without_a_share_gets_a_hello_retry_request) {
  // The client lists the hybrid but sends an X25519 share only; this server has only ML-KEM.
  Manual m(with_groups({NamedGroup::x25519mlkem768}));
  offer(m.c, {NamedGroup::x25519, NamedGroup::x25519mlkem768}, {NamedGroup::x25519});
  auto hrr = m.s.feed(m.c.hello());
  ASSERT_TRUE(hrr) << hrr.error().to_string();
  ASSERT_TRUE(m.c.absorb(*hrr));
  ASSERT_TRUE(m.c.hello_retry_request);
  EXPECT_EQ(m.c.hello_retry_request->extensions
                .get<msgs::KeyShareHelloRetryRequest>(ExtensionType::key_share)
                ->selected_group,
            NamedGroup::x25519mlkem768);
  auto flight = m.s.feed(m.c.second_hello());
  ASSERT_TRUE(flight) << flight.error().to_string();
  auto absorbed = m.c.absorb(*flight);
  ASSERT_TRUE(absorbed) << absorbed.error().to_string();
  ASSERT_TRUE(m.c.server_finished);
  EXPECT_EQ(server_hello_group(m.c), NamedGroup::x25519mlkem768);
  ASSERT_TRUE(m.s.feed(m.c.flight()));
  EXPECT_TRUE(m.s.server->connected());
  EXPECT_TRUE(m.s.server->info().hello_retry_request_sent);
  EXPECT_EQ(m.s.server->info().group, NamedGroup::x25519mlkem768);
}

TEST(server_x25519mlkem768, client_hello_spanning_records) {
  // A 1.5 KB ClientHello in 100-byte handshake records (RFC 8446 §5.1: handshake messages may be
  // fragmented across records), then in one-byte records.
  for (const std::size_t piece : {std::size_t{100}, std::size_t{1}}) {
    Manual m(with_groups(engine_groups));
    offer(m.c, engine_groups, {NamedGroup::x25519mlkem768, NamedGroup::x25519});
    const ByteVec record = m.c.hello();
    const Bytes body = Bytes(record).subspan(record_header_length);
    ASSERT_GT(body.size(), 1216U + 32U);
    ByteVec records;
    for (std::size_t at = 0; at < body.size(); at += piece) {
      const ByteVec r = plaintext_record(ContentType::handshake,
                                         body.subspan(at, std::min(piece, body.size() - at)));
      records.insert(records.end(), r.begin(), r.end());
    }
    auto flight = m.s.feed(records);
    ASSERT_TRUE(flight) << piece << ": " << flight.error().to_string();
    ASSERT_TRUE(m.c.absorb(*flight));
    ASSERT_TRUE(m.c.server_finished) << piece;
    EXPECT_EQ(server_hello_group(m.c), NamedGroup::x25519mlkem768);
  }
}

// ---------------------------------------------------------------------------------------------
// Middlebox compatibility without HRR, ALPN, SNI, record_size_limit, certificate selection

TEST(server_features, middlebox_compatibility_mode) {
  Manual m;
  m.c.ch.legacy_session_id = ByteVec(32, 0x42);
  m.start();
  EXPECT_EQ(m.c.server_hello->legacy_session_id_echo, ByteVec(32, 0x42));
  ASSERT_GE(m.c.record_types.size(), 2U);
  EXPECT_EQ(m.c.record_types[0], ContentType::handshake);
  EXPECT_EQ(m.c.record_types[1], ContentType::change_cipher_spec);
  // The client's dummy CCS before its Finished is dropped.
  ASSERT_TRUE(m.s.feed(plaintext_record(ContentType::change_cipher_spec, ByteVec{0x01})));
  ASSERT_TRUE(m.s.feed(m.c.flight()));
  EXPECT_TRUE(m.s.server->connected());
}

// RFC 8446 §5.1: legacy_record_version "MUST be ignored for all purposes" in TLS 1.3, after the
// hellos too (unlike TLS 1.2, RFC 5246 §6.2.1: tests/native/tls12_replay_test.cpp). Server role:
// the client's plaintext compatibility ChangeCipherSpec may carry any {3,x}.
TEST(server_features, tls13_ignores_the_record_version_after_the_hellos) {
  for (const std::uint16_t version : {std::uint16_t{0x0300}, std::uint16_t{0x0301},
                                      std::uint16_t{0x0302}, std::uint16_t{0x0304}}) {
    Manual m;
    m.c.ch.legacy_session_id = ByteVec(32, 0x42);
    m.start();
    ByteVec ccs = plaintext_record(ContentType::change_cipher_spec, ByteVec{0x01});
    ccs[1] = static_cast<std::uint8_t>(version >> 8U);
    ccs[2] = static_cast<std::uint8_t>(version & 0xffU);
    auto fed = m.s.feed(ccs);
    ASSERT_TRUE(fed) << version << ": " << fed.error().to_string();
    ASSERT_TRUE(m.s.feed(m.c.flight()));
    EXPECT_TRUE(m.s.server->connected()) << version;
  }
}

// The same in the client role: the server's plaintext records (its ServerHello, and its
// compatibility ChangeCipherSpec when it sends one) may carry any {3,x} in TLS 1.3.
TEST(server_features, tls13_client_ignores_the_record_version_of_plaintext_records) {
  for (const std::uint16_t version :
       {std::uint16_t{0x0300}, std::uint16_t{0x0301}, std::uint16_t{0x0304}}) {
    Pair pair(identity(KeyKind::p256));
    ByteVec flight;
    ByteVec data;
    ASSERT_TRUE(pair.server->receive(pair.to_server, flight, data));
    pair.to_server.clear();
    std::size_t changed = 0;
    for (std::size_t off = 0; off + 5 <= flight.size();
         off += 5 + ((std::size_t{flight[off + 3]} << 8U) | flight[off + 4])) {
      if (flight[off] == static_cast<std::uint8_t>(ContentType::application_data)) continue;
      flight[off + 1] = static_cast<std::uint8_t>(version >> 8U);
      flight[off + 2] = static_cast<std::uint8_t>(version & 0xffU);
      ++changed;
    }
    ASSERT_GE(changed, 1U);
    ByteVec out;
    auto received = pair.client->receive(flight, out, data);
    ASSERT_TRUE(received) << version << ": " << received.error().to_string();
    EXPECT_TRUE(pair.client->connected()) << version;
  }
}

ServerParameters with_alpn() {
  ServerParameters sp;
  sp.alpn = {"h2", "http/1.1"};
  return sp;
}
void offer_alpn(ManualClient& c, std::vector<std::string> names) {
  msgs::ProtocolNameList list;
  for (const auto& n : names) list.names.emplace_back(n.begin(), n.end());
  c.ch.extensions.list().insert(c.ch.extensions.list().begin(),
                                {ExtensionType::application_layer_protocol_negotiation, list});
}

TEST(server_features, alpn_our_preference_sni_and_empty_server_name_answer) {
  Manual m(with_alpn());
  offer_alpn(m.c, {"http/1.1", "h2"});
  msgs::ServerName name;
  const std::string host = "Example.COM";
  name.name.assign(host.begin(), host.end());
  m.c.ch.extensions.list().insert(m.c.ch.extensions.list().begin(),
                                  {ExtensionType::server_name, msgs::ServerNameList{{name}}});
  m.start();
  EXPECT_EQ(m.s.server->info().alpn, "h2");
  EXPECT_EQ(m.s.server->info().server_name, "example.com");
  ASSERT_EQ(m.s.queries.size(), 1U);
  EXPECT_EQ(m.s.queries[0].server_name, "example.com");
  EXPECT_EQ(m.s.queries[0].signature_schemes.size(), 4U);
}

TEST(server_features, alpn_ignored_when_we_have_none_or_the_client_offers_none) {
  Manual ours_empty;
  offer_alpn(ours_empty.c, {"h2"});
  ours_empty.start();
  EXPECT_FALSE(ours_empty.s.server->info().alpn);
  Manual client_none(with_alpn());
  client_none.start();
  EXPECT_FALSE(client_none.s.server->info().alpn);
}

TEST(server_refuses, alpn_without_overlap) {
  ServerUnderTest s(with_alpn());
  ManualClient c(*s.provider);
  offer_alpn(c, {"spdy/3"});
  EXPECT_EQ(s.refused(c.hello()),
            (Refused{Alert::no_application_protocol, Refusal::no_shared_application_protocol,
                     "ClientHello.application_layer_protocol_negotiation"}));
}

TEST(server_features, record_size_limit_bounds_our_records) {
  ServerParameters sp;
  sp.record_size_limit = 1024;
  Manual m(sp);
  m.c.ch.extensions.list().push_back(
      {ExtensionType::record_size_limit, msgs::RecordSizeLimit{256}});
  m.start();
  // Our announced limit answers the client's.
  EXPECT_EQ(m.s.server->info().suite, CipherSuite::tls_aes_128_gcm_sha256);
  auto tickets = m.s.feed(m.c.flight());
  ASSERT_TRUE(tickets);
  ASSERT_TRUE(m.c.absorb(*tickets));
  ByteVec out;
  ASSERT_TRUE(m.s.server->write(ByteVec(1000, 7), out));
  // 255 content bytes per record (the limit counts the inner content type): 4 records.
  wire::Reader r(out);
  std::size_t records = 0;
  while (!r.empty()) {
    ASSERT_TRUE(r.u8("type") && r.u16("version"));
    auto body = r.vec16("body", {0, 0xffff});
    ASSERT_TRUE(body);
    EXPECT_LE(body->size(), 256U + crypto::aead_tag_length);
    ++records;
  }
  EXPECT_EQ(records, 4U);
  ASSERT_TRUE(m.c.absorb(out));
  EXPECT_EQ(m.c.application_data, ByteVec(1000, 7));
}

TEST(server_features, pending_certificate_selection_then_resume) {
  int asked = 0;
  bool ready = false;
  const Identity& id = identity(KeyKind::p256);
  Manual m({}, id, [&](ServerHandshakeEnvironment& env) {
    env.select_certificate = [&, key = signing_key(*m.s.provider, id)](const CertificateQuery&) {
      ++asked;
      return ready ? CertificateSelection::chosen({id.cert_der}, key)
                   : CertificateSelection::pending();
    };
  });
  auto nothing = m.s.feed(m.c.hello());
  ASSERT_TRUE(nothing);
  EXPECT_TRUE(nothing->empty());
  EXPECT_TRUE(m.s.server->waiting_for_certificate());
  ByteVec out;
  ByteVec data;
  ASSERT_TRUE(m.s.server->resume(out, data));
  EXPECT_TRUE(out.empty());
  ready = true;
  ASSERT_TRUE(m.s.server->resume(out, data));
  EXPECT_FALSE(m.s.server->waiting_for_certificate());
  EXPECT_EQ(asked, 3);
  ASSERT_TRUE(m.c.absorb(out));
  ASSERT_TRUE(m.c.server_finished);
  ASSERT_TRUE(m.s.feed(m.c.flight()));
  EXPECT_TRUE(m.s.server->connected());
}

TEST(server_refuses, certificate_store_declines_the_name) {
  ServerUnderTest s({}, identity(KeyKind::p256), [](ServerHandshakeEnvironment& env) {
    env.select_certificate = [](const CertificateQuery&) {
      return CertificateSelection::declined();
    };
  });
  ManualClient c(*s.provider);
  msgs::ServerName name;
  name.name = {'x', '.', 'y'};
  c.ch.extensions.list().insert(c.ch.extensions.list().begin(),
                                {ExtensionType::server_name, msgs::ServerNameList{{name}}});
  EXPECT_EQ(s.refused(c.hello()),
            (Refused{Alert::unrecognized_name, Refusal::no_certificate_for_name,
                     "ClientHello.server_name"}));
}

// ---------------------------------------------------------------------------------------------
// Client authentication

ServerParameters with_client_auth(ClientAuthMode mode) {
  ServerParameters sp;
  sp.client_auth = mode;
  sp.certificate_authorities = {ByteVec{0x30, 0x00}};
  return sp;
}

TEST(server_client_auth, certificate_and_signature_accepted) {
  std::vector<ByteVec> seen;
  Manual m(with_client_auth(ClientAuthMode::required), identity(KeyKind::p256),
           [&](ServerHandshakeEnvironment& env) {
             env.verify_client_chain = [&](std::span<const ByteVec> chain) {
               seen.assign(chain.begin(), chain.end());
               return Status{};
             };
           });
  m.start();
  ASSERT_TRUE(m.c.certificate_request);
  EXPECT_TRUE(m.c.certificate_request->certificate_request_context.empty());
  EXPECT_NE(m.c.certificate_request->extensions.get<msgs::SignatureSchemeList>(
                ExtensionType::signature_algorithms),
            nullptr);
  EXPECT_NE(m.c.certificate_request->extensions.get<msgs::CertificateAuthorities>(
                ExtensionType::certificate_authorities),
            nullptr);
  const Identity& client_id = identity(KeyKind::p384);
  FlightOptions o;
  o.certificate = &client_id;
  o.scheme = SignatureScheme::ecdsa_secp384r1_sha384;
  auto done = m.s.feed(m.c.flight(o));
  ASSERT_TRUE(done) << done.error().to_string();
  EXPECT_TRUE(m.s.server->connected());
  EXPECT_TRUE(m.s.server->info().client_certificate_presented);
  EXPECT_EQ(m.s.server->info().client_signature_scheme, SignatureScheme::ecdsa_secp384r1_sha384);
  EXPECT_EQ(seen, std::vector<ByteVec>{client_id.cert_der});
  EXPECT_EQ(m.s.server->info().client_chain, seen);
}

TEST(server_client_auth, optional_and_empty_certificate_continues) {
  Manual m(with_client_auth(ClientAuthMode::optional));
  m.start();
  ASSERT_TRUE(m.s.feed(m.c.flight()));
  EXPECT_TRUE(m.s.server->connected());
  EXPECT_FALSE(m.s.server->info().client_certificate_presented);
}

TEST(server_client_auth, our_client_answers_with_an_empty_certificate) {
  ServerParameters sp = with_client_auth(ClientAuthMode::optional);
  Pair pair(identity(KeyKind::ed25519), {}, sp);
  pair.pump();
  ASSERT_TRUE(pair.ok());
  EXPECT_TRUE(pair.server->connected());
}

TEST(server_refuses, missing_client_certificate_when_required) {
  Manual m(with_client_auth(ClientAuthMode::required));
  m.start();
  EXPECT_EQ(m.s.refused(m.c.flight()),
            (Refused{Alert::certificate_required, Refusal::missing_client_certificate,
                     "Certificate.certificate_list"}));
}

TEST(server_refuses, client_chain_refused_by_the_verifier) {
  Manual m(with_client_auth(ClientAuthMode::optional), identity(KeyKind::p256),
           [](ServerHandshakeEnvironment& env) {
             env.verify_client_chain = [](std::span<const ByteVec>) -> Status {
               return wire::fail(Alert::unknown_ca, "chain", "untrusted");
             };
           });
  m.start();
  FlightOptions o;
  o.certificate = &identity(KeyKind::p256);
  EXPECT_EQ(m.s.refused(m.c.flight(o)),
            (Refused{Alert::unknown_ca, Refusal::peer_chain_refused, "chain"}));
}

TEST(server_refuses, bad_client_certificate_verify) {
  Manual m(with_client_auth(ClientAuthMode::required));
  m.start();
  FlightOptions o;
  o.certificate = &identity(KeyKind::p256);
  o.tamper_signature = true;
  EXPECT_EQ(m.s.refused(m.c.flight(o)).alert, Alert::decrypt_error);
}

/// What a server requiring a client certificate and accepting only `accepted` answers to a
/// client flight with `key`'s certificate (signed with `scheme` when given).
Refused refuse_client_certificate_verify(SignatureScheme accepted, KeyKind key,
                                         std::optional<SignatureScheme> scheme = std::nullopt) {
  ServerParameters sp = with_client_auth(ClientAuthMode::required);
  sp.signature_algorithms = {accepted};
  Manual m(sp);
  m.start();
  FlightOptions o;
  o.certificate = &identity(key);
  if (scheme) o.scheme = *scheme;
  return m.s.refused(m.c.flight(o));
}

TEST(server_refuses, client_certificate_verify_scheme_not_offered) {
  EXPECT_EQ(refuse_client_certificate_verify(SignatureScheme::ed25519, KeyKind::p256),
            (Refused{Alert::illegal_parameter, Refusal::none, "CertificateVerify.algorithm"}));
}

TEST(server_refuses, client_certificate_verify_with_pkcs1_even_if_offered) {
  EXPECT_EQ(refuse_client_certificate_verify(SignatureScheme::rsa_pkcs1_sha256, KeyKind::rsa,
                                             SignatureScheme::rsa_pkcs1_sha256),
            (Refused{Alert::illegal_parameter, Refusal::none, "CertificateVerify.algorithm"}));
}

TEST(server_refuses, certificate_without_a_request) {
  Manual m;
  m.start();
  m.c.certificate_request = msgs::CertificateRequest{};  // pretend we were asked
  EXPECT_EQ(m.s.refused(m.c.flight()).alert, Alert::unexpected_message);
}

// ---------------------------------------------------------------------------------------------
// ClientHello refusals

Refused refuse_hello(const std::function<void(ManualClient&)>& edit, ServerParameters sp = {},
                     const Identity& id = identity(KeyKind::p256)) {
  ServerUnderTest s(std::move(sp), id);
  ManualClient c(*s.provider);
  edit(c);
  return s.refused(c.hello());
}

TEST(server_refuses, tls12_only_client) {
  EXPECT_EQ(refuse_hello([](ManualClient& c) {
              c.ext(ExtensionType::supported_versions)->body =
                  msgs::SupportedVersionsList{{0x0303, 0x0302}};
            }),
            (Refused{Alert::protocol_version, Refusal::tls12_only_peer,
                     "ClientHello.supported_versions"}));
  // A TLS 1.2 hello without supported_versions.
  EXPECT_EQ(refuse_hello([](ManualClient& c) { c.remove(ExtensionType::supported_versions); }),
            (Refused{Alert::protocol_version, Refusal::tls12_only_peer,
                     "ClientHello.supported_versions"}));
}

TEST(server_refuses, tls11_only_client) {
  EXPECT_EQ(refuse_hello([](ManualClient& c) {
              c.ext(ExtensionType::supported_versions)->body =
                  msgs::SupportedVersionsList{{0x0302, 0x0301}};
            }),
            (Refused{Alert::protocol_version, Refusal::forbidden_versions,
                     "ClientHello.supported_versions"}));
  EXPECT_EQ(refuse_hello([](ManualClient& c) {
              c.remove(ExtensionType::supported_versions);
              c.ch.legacy_version = 0x0302;
            }),
            (Refused{Alert::protocol_version, Refusal::forbidden_versions,
                     "ClientHello.supported_versions"}));
}

TEST(server_refuses, compression_methods_other_than_null) {
  EXPECT_EQ(refuse_hello([](ManualClient& c) {
              c.ch.legacy_compression_methods = {0, 1};
            }).alert,
            Alert::illegal_parameter);
}

TEST(server_refuses, no_common_cipher_suite) {
  ServerParameters sp;
  sp.cipher_suites = {CipherSuite::tls_chacha20_poly1305_sha256};
  EXPECT_EQ(
      refuse_hello(
          [](ManualClient& c) { c.ch.cipher_suites = {CipherSuite::tls_aes_128_gcm_sha256}; }, sp),
      (Refused{Alert::handshake_failure, Refusal::no_shared_cipher_suite,
               "ClientHello.cipher_suites"}));
}

TEST(server_refuses, no_common_group) {
  ServerParameters sp;
  sp.groups = {NamedGroup::secp384r1};
  EXPECT_EQ(refuse_hello(
                [](ManualClient& c) {
                  c.ext(ExtensionType::supported_groups)->body =
                      msgs::NamedGroupList{{NamedGroup::x25519}};
                },
                sp),
            (Refused{Alert::handshake_failure, Refusal::no_shared_group,
                     "ClientHello.supported_groups"}));
}

TEST(server_refuses, no_signature_scheme_for_our_key) {
  // An ECDSA P-256 key, a client that accepts only Ed25519 and RSA PKCS#1.
  EXPECT_EQ(refuse_hello([](ManualClient& c) {
              c.ext(ExtensionType::signature_algorithms)->body = msgs::SignatureSchemeList{
                  {SignatureScheme::ed25519, SignatureScheme::rsa_pkcs1_sha256}};
            }),
            (Refused{Alert::handshake_failure, Refusal::no_shared_signature_algorithm,
                     "ClientHello.signature_algorithms"}));
  // An RSA key, a client offering only PKCS#1 v1.5: RFC 8446 §4.4.3 forbids it.
  EXPECT_EQ(refuse_hello(
                [](ManualClient& c) {
                  c.ext(ExtensionType::signature_algorithms)->body =
                      msgs::SignatureSchemeList{{SignatureScheme::rsa_pkcs1_sha256}};
                },
                {}, identity(KeyKind::rsa)),
            (Refused{Alert::handshake_failure, Refusal::no_shared_signature_algorithm,
                     "ClientHello.signature_algorithms"}));
}

TEST(server_refuses, missing_mandatory_extensions) {
  EXPECT_EQ(refuse_hello([](ManualClient& c) { c.remove(ExtensionType::signature_algorithms); }),
            (Refused{Alert::missing_extension, Refusal::none, "ClientHello.signature_algorithms"}));
  EXPECT_EQ(refuse_hello([](ManualClient& c) { c.remove(ExtensionType::key_share); }).alert,
            Alert::missing_extension);
  EXPECT_EQ(refuse_hello([](ManualClient& c) { c.remove(ExtensionType::supported_groups); }).alert,
            Alert::missing_extension);
}

TEST(server_refuses, key_shares_breaking_the_rules) {
  // Two shares for one group.
  EXPECT_EQ(refuse_hello([](ManualClient& c) {
              c.set_shares({NamedGroup::x25519, NamedGroup::x25519});
            }).alert,
            Alert::illegal_parameter);  // the codec already refuses it
  // A share for a group not in supported_groups.
  EXPECT_EQ(refuse_hello([](ManualClient& c) {
              c.ext(ExtensionType::supported_groups)->body =
                  msgs::NamedGroupList{{NamedGroup::secp256r1}};
            }),
            (Refused{Alert::illegal_parameter, Refusal::none, "ClientHello.key_share"}));
  // An invalid X25519 public key (all zero gives an all-zero secret).
  EXPECT_EQ(refuse_hello([](ManualClient& c) {
              std::get<msgs::KeyShareClientHello>(c.ext(ExtensionType::key_share)->body)
                  .shares[0]
                  .key_exchange = ByteVec(32, 0);
            }).alert,
            Alert::illegal_parameter);
}

TEST(server_refuses, x25519mlkem768_share_of_the_wrong_length_or_with_an_unreduced_key) {
  const auto hybrid_share = [](ManualClient& c) -> ByteVec& {
    offer(c, engine_groups, {NamedGroup::x25519mlkem768});
    return std::get<msgs::KeyShareClientHello>(c.ext(ExtensionType::key_share)->body)
        .shares[0]
        .key_exchange;
  };
  // draft-ietf-tls-ecdhe-mlkem §3.1.2: every length is checked.
  for (const int delta : {-1, 1}) {
    EXPECT_EQ(refuse_hello(
                  [&](ManualClient& c) {
                    ByteVec& share = hybrid_share(c);
                    share.resize(static_cast<std::size_t>(static_cast<int>(share.size()) + delta));
                  },
                  with_groups(engine_groups)),
              (Refused{Alert::illegal_parameter, Refusal::none, "KeyShareEntry.key_exchange"}));
  }
  // §3.1.2: "the server MUST perform the encapsulation key check ... and abort with an
  // illegal_parameter alert if it fails."
  EXPECT_EQ(refuse_hello(
                [&](ManualClient& c) {
                  ByteVec& share = hybrid_share(c);
                  share[0] = 0xff;
                  share[1] = static_cast<std::uint8_t>(share[1] | 0x0fU);
                },
                with_groups(engine_groups)),
            (Refused{Alert::illegal_parameter, Refusal::none, "ML-KEM.encapsulation_key"}));
  // The X25519 part: an all-zero secret is refused (RFC 8446 §7.4.2).
  EXPECT_EQ(refuse_hello(
                [&](ManualClient& c) {
                  ByteVec& share = hybrid_share(c);
                  std::fill(share.begin() + 1184, share.end(), std::uint8_t{0});
                },
                with_groups(engine_groups))
                .alert,
            Alert::illegal_parameter);
}

TEST(server_refuses, duplicate_extension) {
  EXPECT_EQ(refuse_hello([](ManualClient& c) {
              c.ch.extensions.list().push_back(*c.ext(ExtensionType::signature_algorithms));
            }).alert,
            Alert::illegal_parameter);
}

TEST(server_features, psk_and_early_data_offers_are_ignored) {
  Manual m;
  m.c.ch.extensions.list().push_back(
      {ExtensionType::psk_key_exchange_modes, msgs::PskKeyExchangeModes{{1}}});
  m.c.ch.extensions.list().push_back({ExtensionType::early_data, msgs::EmptyExtension{}});
  msgs::OfferedPsks psks;
  psks.identities.push_back({ByteVec(16, 1), 0});
  psks.binders.push_back(ByteVec(32, 2));
  m.c.ch.extensions.list().push_back({ExtensionType::pre_shared_key, psks});
  m.start();
  EXPECT_FALSE(m.c.server_hello->extensions.contains(ExtensionType::pre_shared_key));
  ASSERT_TRUE(m.s.feed(m.c.flight()));
  EXPECT_TRUE(m.s.server->connected());
}

// ---------------------------------------------------------------------------------------------
// Resumption (RFC 8446 §2.2, §4.2.11, §4.6.1) and accepted 0-RTT (§2.3, §4.2.10): our client and
// our server, tickets sealed under a test key.

struct Tickets {
  TicketSealingKey key;
  std::vector<std::vector<std::uint8_t>> contexts_offered;
  bool accept = true;
  bool accept_early = true;
  std::vector<std::chrono::milliseconds> early_ages;
  ByteVec early_data;
  std::vector<ClientSessionState> sessions;

  Tickets() {
    key.name.fill(0x11);
    key.key = base::SecretBytes(ByteVec(32, 0x22));
  }
  std::function<void(ServerHandshakeEnvironment&)> server() {
    return [this](ServerHandshakeEnvironment& env) {
      env.ticket_sealing_key = [this]() -> Result<TicketSealingKey> { return key; };
      env.ticket_opening_key = [this](Bytes name) -> std::optional<TicketSealingKey> {
        if (!std::equal(name.begin(), name.end(), key.name.begin(), key.name.end())) {
          return std::nullopt;
        }
        return key;
      };
      env.ticket_context = [] { return std::vector<std::uint8_t>{1, 2, 3}; };
      env.accept_resumption = [this](Bytes context) {
        contexts_offered.emplace_back(context.begin(), context.end());
        return accept;
      };
      env.accept_early_data = [this](Bytes, std::chrono::milliseconds age,
                                     std::chrono::system_clock::time_point) {
        early_ages.push_back(age);
        return accept_early;
      };
      env.early_data_received = [this](Bytes data) {
        early_data.insert(early_data.end(), data.begin(), data.end());
      };
    };
  }
  /// server(), drawing from `provider` (e.g. draw_counting::counted_provider).
  std::function<void(ServerHandshakeEnvironment&)> server_with(
      const crypto::CryptoProvider& provider) {
    return [tickets = server(), &provider](ServerHandshakeEnvironment& env) {
      tickets(env);
      env.provider = &provider;
    };
  }
  std::function<void(ClientHandshakeEnvironment&)> client() {
    return [this](ClientHandshakeEnvironment& env) {
      env.session_ticket_received = [this](const ClientSessionState& s) { sessions.push_back(s); };
    };
  }
  /// A connection of our client with `cp` to a server with `sp`, both wired to these tickets.
  Pair connect(ClientHelloParameters cp, ServerParameters sp = {}) {
    return Pair(identity(KeyKind::p256), std::move(cp), std::move(sp), server(), client());
  }
  /// A ClientHello offering the first session, with `zero_rtt` as 0-RTT data when not empty.
  [[nodiscard]] ClientHelloParameters resuming_hello(ByteVec zero_rtt = {}) const {
    ClientHelloParameters cp;
    cp.resumption = sessions.at(0);
    cp.early_data = std::move(zero_rtt);
    return cp;
  }
  /// first_connection() to a server that accepts up to 1000 bytes of 0-RTT data; returns the
  /// server's parameters (for the resuming connection).
  ServerParameters first_connection_with_early_data() {
    ServerParameters with_early;
    with_early.max_early_data = 1000;
    first_connection(with_early);
    return with_early;
  }
  /// A full handshake that leaves sessions behind.
  void first_connection(ServerParameters sp = {}) {
    sp.tickets = 2;
    Pair pair(identity(KeyKind::p256), {}, sp, server(), client());
    pair.pump();
    ASSERT_TRUE(pair.ok());
    ASSERT_EQ(sessions.size(), 2U);
    EXPECT_FALSE(pair.server->info().resumed);
    EXPECT_FALSE(pair.client->info().resumed);
  }
};

TEST(server_resumption, resumed_without_certificate_then_data) {
  Tickets t;
  t.first_connection();
  EXPECT_NE(t.sessions[0].ticket, t.sessions[1].ticket);
  // Each ticket's ticket_age_add and AEAD nonce (after the 16-byte key name) are its own: drawn
  // together, never reused.
  EXPECT_NE(t.sessions[0].ticket_age_add, t.sessions[1].ticket_age_add);
  const auto nonce = [](const ByteVec& ticket) {
    return ByteVec(ticket.begin() + ticket_key_name_length,
                   ticket.begin() + ticket_key_name_length + crypto::aead_nonce_length);
  };
  EXPECT_NE(nonce(t.sessions[0].ticket), nonce(t.sessions[1].ticket));
  EXPECT_EQ(t.sessions[0].lifetime_seconds, 7200U);
  EXPECT_EQ(t.sessions[0].max_early_data, 0U);
  ClientHelloParameters cp = t.resuming_hello();
  ServerParameters sp;
  sp.tickets = 1;
  Pair pair = t.connect(cp, sp);
  pair.pump();
  ASSERT_TRUE(pair.ok());
  EXPECT_TRUE(pair.server->connected());
  EXPECT_TRUE(pair.server->info().resumed);
  EXPECT_TRUE(pair.client->info().resumed);
  // RFC 8446 §2.2: no certificate: the store was never asked.
  EXPECT_TRUE(pair.queries.empty());
  EXPECT_EQ(t.contexts_offered, (std::vector<std::vector<std::uint8_t>>{{1, 2, 3}}));
  // A resumed connection issues tickets too.
  EXPECT_EQ(t.sessions.size(), 3U);
  const auto& s = std::get<server::Connected>(pair.server->state());
  EXPECT_EQ(vec(s.exporter_master_secret), vec(pair.client->connected()->exporter_master_secret));
  ASSERT_TRUE(pair.client->write(ByteVec{'h', 'i'}, pair.to_server));
  pair.pump();
  EXPECT_EQ(pair.server_received, (ByteVec{'h', 'i'}));
}

// A server draws randomness once per handshake, full or resumed: its random, its key share and
// the NewSessionTickets' bytes come from one draw (key_share_seed.hpp; each draw is a getpid()
// system call in OpenSSL 3.0).
TEST(server_resumption, one_draw_per_handshake_tickets_included) {
  int draws = 0;
  const auto counted = draw_counting::counted_provider(draws);
  ASSERT_TRUE(counted);
  Tickets t;
  const auto counted_server = t.server_with(*counted);
  ServerParameters sp;
  sp.tickets = 2;
  Pair full(identity(KeyKind::p256), {}, sp, counted_server, t.client());
  full.pump();
  ASSERT_TRUE(full.ok());
  ASSERT_EQ(t.sessions.size(), 2U);
  EXPECT_EQ(draws, 1);
  draws = 0;
  Pair resumed(identity(KeyKind::p256), t.resuming_hello(), sp, counted_server, t.client());
  resumed.pump();
  ASSERT_TRUE(resumed.ok());
  EXPECT_TRUE(resumed.server->info().resumed);
  EXPECT_EQ(t.sessions.size(), 4U);
  EXPECT_EQ(draws, 1);
}

TEST(server_resumption, with_a_hello_retry_request_the_binder_is_recomputed) {
  Tickets t;
  t.first_connection();
  ClientHelloParameters cp = t.resuming_hello();
  ServerParameters sp;
  sp.groups = {NamedGroup::secp256r1};  // the client's x25519 share earns a HelloRetryRequest
  Pair pair = t.connect(cp, sp);
  pair.pump();
  ASSERT_TRUE(pair.ok());
  EXPECT_TRUE(pair.server->info().hello_retry_request_sent);
  EXPECT_TRUE(pair.server->info().resumed);
  EXPECT_TRUE(pair.client->info().resumed);
}

TEST(server_resumption, refused_context_expired_or_unknown_key_is_a_full_handshake) {
  Tickets t;
  t.first_connection();
  auto resume = [&](const ClientSessionState& session, ServerParameters sp = {}) {
    ClientHelloParameters cp;
    cp.resumption = session;
    Pair pair = t.connect(cp, sp);
    pair.pump();
    EXPECT_TRUE(pair.server_status) << pair.server_status.error().to_string();
    EXPECT_TRUE(pair.client_status) << pair.client_status.error().to_string();
    EXPECT_TRUE(pair.server->connected());
    const bool resumed = pair.server->info().resumed;
    EXPECT_EQ(pair.client->info().resumed, resumed);
    EXPECT_EQ(pair.queries.size(), resumed ? 0U : 1U);
    return resumed;
  };
  t.accept = false;
  EXPECT_FALSE(resume(t.sessions[0]));
  t.accept = true;
  // A server whose only key has another name (the ticket's key was rotated out).
  auto rotated = t.key;
  t.key.name.fill(0x99);
  EXPECT_FALSE(resume(t.sessions[1]));
  t.key = rotated;
  EXPECT_TRUE(resume(t.sessions[1]));
}

TEST(server_resumption, expired_ticket_is_a_full_handshake) {
  Tickets t;
  auto p = make_provider();
  // A ticket sealed two hours and one second ago (lifetime 7200 s).
  TicketContents contents;
  contents.suite = CipherSuite::tls_aes_128_gcm_sha256;
  contents.psk = base::SecretBytes(ByteVec(32, 0x55));
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  ClientSessionState session;
  session.suite = contents.suite;
  session.psk = contents.psk;
  session.lifetime_seconds = 7200;
  for (const std::int64_t age_ms : {7201000, 7000000}) {
    contents.issued_ms = static_cast<std::uint64_t>(now - age_ms);
    const std::array<std::uint8_t, 12> nonce{};
    auto sealed = seal_ticket(*p, t.key, nonce, contents);
    ASSERT_TRUE(sealed);
    session.ticket = *sealed;
    session.received_ms = contents.issued_ms;
    ClientHelloParameters cp;
    cp.resumption = session;
    Pair pair = t.connect(cp);
    pair.pump();
    ASSERT_TRUE(pair.server_status) << pair.server_status.error().to_string();
    EXPECT_EQ(pair.server->info().resumed, age_ms < 7200000) << age_ms;
  }
}

TEST(server_resumption, ticket_of_another_hash_is_a_full_handshake) {
  Tickets t;
  ServerParameters first;
  first.cipher_suites = {CipherSuite::tls_aes_256_gcm_sha384};
  t.first_connection(first);
  ASSERT_EQ(t.sessions[0].suite, CipherSuite::tls_aes_256_gcm_sha384);
  ClientHelloParameters cp = t.resuming_hello();
  Pair pair = t.connect(cp);  // prefers AES-128/SHA-256
  pair.pump();
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(pair.server->info().suite, CipherSuite::tls_aes_128_gcm_sha256);
  EXPECT_FALSE(pair.server->info().resumed);
  EXPECT_TRUE(t.contexts_offered.empty());
}

TEST(server_resumption, bad_binder_is_decrypt_error) {
  Tickets t;
  t.first_connection();
  ClientHelloParameters cp = t.resuming_hello();
  Pair pair = t.connect(cp);
  // The binder is the last byte of the ClientHello record.
  pair.to_server.back() ^= 0x01U;
  ByteVec out;
  ByteVec data;
  auto r = pair.server->receive(pair.to_server, out, data);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().alert, Alert::decrypt_error);
}

TEST(server_resumption, psk_offer_without_modes_or_with_psk_ke_only) {
  Tickets t;
  t.first_connection();
  auto offer = [&](std::optional<std::uint8_t> mode) {
    Manual m({}, identity(KeyKind::p256), t.server());
    if (mode) {
      m.c.ch.extensions.list().push_back(
          {ExtensionType::psk_key_exchange_modes, msgs::PskKeyExchangeModes{{*mode}}});
    }
    msgs::OfferedPsks psks;
    psks.identities.push_back({t.sessions[0].ticket, 0});
    psks.binders.push_back(ByteVec(32, 2));  // wrong: never checked when the PSK is ignored
    m.c.ch.extensions.list().push_back({ExtensionType::pre_shared_key, psks});
    return m.s.server->receive(m.c.hello(), m.s.out, m.s.data);
  };
  // RFC 8446 §4.2.9: pre_shared_key without psk_key_exchange_modes: abort.
  auto missing = offer(std::nullopt);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().alert, Alert::missing_extension);
  // psk_ke only: a full handshake, never an error.
  EXPECT_TRUE(offer(0));
  // psk_dhe_ke: the ticket opens and its (wrong) binder is checked.
  auto dhe = offer(1);
  ASSERT_FALSE(dhe);
  EXPECT_EQ(dhe.error().alert, Alert::decrypt_error);
}

TEST(client_resumption, selected_identity_out_of_range_is_illegal_parameter) {
  Tickets t;
  t.first_connection();
  ClientHelloParameters cp = t.resuming_hello();
  Pair pair = t.connect(cp);
  ByteVec flight;
  ByteVec data;
  ASSERT_TRUE(pair.server->receive(pair.to_server, flight, data));
  // ServerHello.pre_shared_key: 00 29 | 00 02 | 00 00 → selected_identity 1.
  const ByteVec psk_ext{0x00, 0x29, 0x00, 0x02, 0x00, 0x00};
  auto at = std::search(flight.begin(), flight.end(), psk_ext.begin(), psk_ext.end());
  ASSERT_NE(at, flight.end());
  *(at + 5) = 0x01;
  ByteVec out;
  auto r = pair.client->receive(flight, out, data);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().alert, Alert::illegal_parameter);
}

TEST(server_early_data, accepted_once_handed_over_separately) {
  Tickets t;
  ServerParameters with_early = t.first_connection_with_early_data();
  ASSERT_EQ(t.sessions[0].max_early_data, 1000U);
  ClientHelloParameters cp = t.resuming_hello(ByteVec{'G', 'E', 'T', ' ', '/'});
  std::vector<std::string> key_log;
  with_early.tickets = 0;
  Pair pair(
      identity(KeyKind::p256), cp, with_early,
      [&](ServerHandshakeEnvironment& env) {
        t.server()(env);
        env.key_log = [&](std::string_view label, Bytes, Bytes) { key_log.emplace_back(label); };
      },
      t.client());
  pair.pump();
  ASSERT_TRUE(pair.ok());
  EXPECT_TRUE(pair.server->connected());
  EXPECT_TRUE(pair.server->info().early_data_accepted);
  EXPECT_TRUE(pair.client->info().early_data_accepted);
  EXPECT_EQ(t.early_data, (ByteVec{'G', 'E', 'T', ' ', '/'}));
  EXPECT_TRUE(pair.server_received.empty());  // never mixed into the 1-RTT data
  ASSERT_EQ(t.early_ages.size(), 1U);
  EXPECT_LT(t.early_ages[0], std::chrono::seconds(10));
  EXPECT_NE(std::find(key_log.begin(), key_log.end(), "CLIENT_EARLY_TRAFFIC_SECRET"),
            key_log.end());
  ASSERT_TRUE(pair.client->write(ByteVec{'1'}, pair.to_server));
  pair.pump();
  EXPECT_EQ(pair.server_received, (ByteVec{'1'}));
}

TEST(server_early_data, refused_by_the_core_is_skipped) {
  Tickets t;
  ServerParameters with_early = t.first_connection_with_early_data();
  t.accept_early = false;
  ClientHelloParameters cp = t.resuming_hello(ByteVec(500, 'x'));
  Pair pair = t.connect(cp, with_early);
  pair.pump();
  ASSERT_TRUE(pair.ok());
  EXPECT_TRUE(pair.server->info().resumed);
  EXPECT_FALSE(pair.server->info().early_data_accepted);
  EXPECT_TRUE(pair.client->info().early_data_offered);
  EXPECT_FALSE(pair.client->info().early_data_accepted);
  EXPECT_TRUE(t.early_data.empty());
}

TEST(client_early_data, an_alert_after_a_rejection_goes_under_the_handshake_keys) {
  Tickets t;
  ServerParameters with_early = t.first_connection_with_early_data();
  t.accept_early = false;
  ClientHelloParameters cp = t.resuming_hello(ByteVec(100, 'x'));
  Pair pair = t.connect(cp, with_early);
  ByteVec flight;
  ByteVec data;
  ASSERT_TRUE(pair.server->receive(pair.to_server, flight, data));
  // The client fails on the server's flight (its last byte, in the Finished record, damaged).
  flight.back() ^= 0x01U;
  ByteVec out;
  ASSERT_FALSE(pair.client->receive(flight, out, data));
  ByteVec alert;
  ASSERT_TRUE(pair.client->send_alert(Alert::bad_record_mac, alert));
  // The server (skipping undecryptable early data) reads it: it was not sealed with early keys.
  ByteVec ignored;
  EXPECT_FALSE(pair.server->receive(alert, ignored, data));
  EXPECT_EQ(pair.server->received_alert(), Alert::bad_record_mac);
}

TEST(server_early_data, rejected_by_a_hello_retry_request_then_resumed) {
  Tickets t;
  ServerParameters with_early = t.first_connection_with_early_data();
  ClientHelloParameters cp = t.resuming_hello(ByteVec(300, 'y'));
  with_early.groups = {NamedGroup::secp256r1};
  Pair pair = t.connect(cp, with_early);
  pair.pump();
  ASSERT_TRUE(pair.ok());
  EXPECT_TRUE(pair.server->info().resumed);
  EXPECT_FALSE(pair.client->info().early_data_accepted);
  EXPECT_TRUE(t.early_data.empty());
}

TEST(server_early_data, more_than_max_early_data_size_is_unexpected_message) {
  Tickets t;
  ServerParameters with_early = t.first_connection_with_early_data();
  ClientHelloParameters cp = t.resuming_hello(ByteVec(1000, 'z'));  // what the ticket allows ...
  with_early.max_early_data = 10;  // ... but this server accepts 10 bytes
  Pair pair = t.connect(cp, with_early);
  pair.pump();
  ASSERT_FALSE(pair.server_status);
  EXPECT_EQ(pair.server_status.error().alert, Alert::unexpected_message);
}

// ---------------------------------------------------------------------------------------------
// Rejected 0-RTT (RFC 8446 §4.2.10): skipped, up to the limit, then the handshake completes

/// An early-data record as a server without the early keys sees it: application_data, opaque.
ByteVec early_record(std::size_t length, std::uint8_t fill = 0x5a) {
  return plaintext_record(ContentType::application_data, ByteVec(length, fill));
}

TEST(server_rejected_early_data, records_that_fail_to_decrypt_are_skipped) {
  Manual m;
  m.c.ch.extensions.list().push_back({ExtensionType::early_data, msgs::EmptyExtension{}});
  auto flight = m.s.feed(concat({m.c.hello(), early_record(100), early_record(300)}));
  ASSERT_TRUE(flight) << flight.error().to_string();
  ASSERT_TRUE(m.c.absorb(*flight));
  ASSERT_TRUE(m.c.server_finished);
  EXPECT_FALSE(m.c.server_hello->extensions.contains(ExtensionType::early_data));
  // More early data may arrive after the server's flight, before the client's Finished.
  auto after = m.s.feed(concat({early_record(50), m.c.flight()}));
  ASSERT_TRUE(after) << after.error().to_string();
  EXPECT_TRUE(m.s.server->connected());
  EXPECT_TRUE(m.s.server->info().early_data_offered);
  EXPECT_FALSE(m.s.server->info().early_data_accepted);
  // Skipping ended with the Finished record: a bad record now is bad_record_mac, not skipped.
  EXPECT_EQ(m.s.refused(early_record(40)).alert, Alert::bad_record_mac);
}

TEST(server_rejected_early_data, no_more_than_the_limit_is_skipped) {
  ServerParameters sp;
  sp.early_data_skip_limit = 200;
  Manual m(sp);
  m.c.ch.extensions.list().push_back({ExtensionType::early_data, msgs::EmptyExtension{}});
  // 2 × (116 - 16 tag bytes) = 200 bytes: at the limit, accepted.
  auto flight = m.s.feed(concat({m.c.hello(), early_record(116), early_record(116)}));
  ASSERT_TRUE(flight) << flight.error().to_string();
  // RFC 8446 §4.6.1: more than max_early_data_size is unexpected_message.
  EXPECT_EQ(m.s.refused(early_record(17)).alert, Alert::unexpected_message);
}

TEST(server_rejected_early_data, nothing_is_skipped_without_an_early_data_offer) {
  Manual m;
  auto flight = m.s.feed(m.c.hello());
  ASSERT_TRUE(flight);
  EXPECT_EQ(m.s.refused(early_record(100)).alert, Alert::bad_record_mac);
}

TEST(server_rejected_early_data, after_a_hello_retry_request_application_data_is_skipped) {
  ServerParameters sp;
  sp.groups = {NamedGroup::secp256r1};
  Manual m(sp);
  m.c.ch.extensions.list().push_back({ExtensionType::early_data, msgs::EmptyExtension{}});
  auto hrr = m.s.feed(concat({m.c.hello(), early_record(100), early_record(200)}));
  ASSERT_TRUE(hrr) << hrr.error().to_string();
  ASSERT_TRUE(m.c.absorb(*hrr));
  ASSERT_TRUE(m.c.hello_retry_request);
  // RFC 8446 §4.2.10: no early_data in the second ClientHello.
  auto& list = m.c.ch.extensions.list();
  list.erase(std::remove_if(list.begin(), list.end(),
                            [](const auto& e) { return e.type == ExtensionType::early_data; }),
             list.end());
  auto flight = m.s.feed(concat({early_record(100), m.c.second_hello()}));
  ASSERT_TRUE(flight) << flight.error().to_string();
  ASSERT_TRUE(m.c.absorb(*flight));
  ASSERT_TRUE(m.c.server_finished);
  ASSERT_TRUE(m.s.feed(m.c.flight()));
  EXPECT_TRUE(m.s.server->connected());
}

TEST(server_rejected_early_data, after_a_hello_retry_request_the_limit_holds) {
  ServerParameters sp;
  sp.groups = {NamedGroup::secp256r1};
  sp.early_data_skip_limit = 100;
  Manual m(sp);
  m.c.ch.extensions.list().push_back({ExtensionType::early_data, msgs::EmptyExtension{}});
  auto hrr = m.s.feed(concat({m.c.hello(), early_record(116)}));
  ASSERT_TRUE(hrr) << hrr.error().to_string();
  EXPECT_EQ(m.s.refused(early_record(17)).alert, Alert::unexpected_message);
}

// ---------------------------------------------------------------------------------------------
// Order, change_cipher_spec, application data, alerts, post-handshake

TEST(server_refuses, first_message_not_a_client_hello) {
  msgs::Finished fin;
  fin.verify_data = ByteVec(32, 0);
  ServerUnderTest s;
  EXPECT_EQ(s.refused(plaintext_record(ContentType::handshake, *fin.encode())).alert,
            Alert::unexpected_message);
}

TEST(server_refuses, second_client_hello_without_hello_retry_request) {
  Manual m;
  m.start();
  m.c.writer.set_protection(protection(*m.s.provider, m.c.params, m.c.c_hs));
  auto again = m.c.ch.encode();
  EXPECT_EQ(m.s.refused(m.c.sealed(ContentType::handshake, *again)).alert,
            Alert::unexpected_message);
}

TEST(server_refuses, change_cipher_spec_rules) {
  // Before any ClientHello.
  ServerUnderTest before;
  EXPECT_EQ(before.refused(plaintext_record(ContentType::change_cipher_spec, ByteVec{0x01})),
            (Refused{Alert::unexpected_message, Refusal::none, "change_cipher_spec"}));
  // A wrong value.
  Manual wrong;
  wrong.start();
  EXPECT_EQ(wrong.s.refused(plaintext_record(ContentType::change_cipher_spec, ByteVec{0x02})),
            (Refused{Alert::unexpected_message, Refusal::none, "change_cipher_spec"}));
  // After the handshake.
  Manual after;
  after.start();
  ASSERT_TRUE(after.s.feed(after.c.flight()));
  EXPECT_EQ(after.s.refused(plaintext_record(ContentType::change_cipher_spec, ByteVec{0x01})),
            (Refused{Alert::unexpected_message, Refusal::none, "change_cipher_spec"}));
}

TEST(server_refuses, application_data_before_the_client_finished) {
  Manual m;
  m.start();
  m.c.writer.set_protection(protection(*m.s.provider, m.c.params, m.c.c_hs));
  EXPECT_EQ(m.s.refused(m.c.sealed(ContentType::application_data, ByteVec{1})),
            (Refused{Alert::unexpected_message, Refusal::none, "application_data"}));
}

TEST(server_refuses, bad_client_finished) {
  Manual m;
  m.start();
  FlightOptions o;
  o.tamper_finished = true;
  EXPECT_EQ(m.s.refused(m.c.flight(o)),
            (Refused{Alert::decrypt_error, Refusal::none, "Finished.verify_data"}));
}

TEST(server_refuses, post_handshake_messages_other_than_key_update) {
  Manual m;
  m.start();
  ASSERT_TRUE(m.s.feed(m.c.flight()));
  msgs::NewSessionTicket t;
  t.ticket = ByteVec(8, 1);
  EXPECT_EQ(m.s.refused(m.c.sealed(ContentType::handshake, *t.encode())).alert,
            Alert::unexpected_message);
}

TEST(server_post_handshake, key_update_requested_by_the_client_and_flood_bound) {
  Manual m;
  m.start();
  auto tickets = m.s.feed(m.c.flight());
  ASSERT_TRUE(tickets);
  ASSERT_TRUE(m.c.absorb(*tickets));
  const KeyDerivation kd(*m.s.provider, m.c.params.hash);
  auto send_update = [&](KeyUpdateRequest req) {
    auto rec = m.c.sealed(ContentType::handshake, *msgs::KeyUpdate{req}.encode());
    auto next = kd.next_traffic_secret(m.c.c_ap.span());
    m.c.c_ap = std::move(*next);
    m.c.writer.set_protection(protection(*m.s.provider, m.c.params, m.c.c_ap));
    return rec;
  };
  // update_requested: the server answers with KeyUpdate(update_not_requested) and re-keys.
  auto answer = m.s.feed(send_update(KeyUpdateRequest::update_requested));
  ASSERT_TRUE(answer) << answer.error().to_string();
  m.c.received.clear();
  ASSERT_TRUE(m.c.absorb(*answer));
  EXPECT_EQ(m.c.received, std::vector<HandshakeType>{HandshakeType::key_update});
  auto next_server = kd.next_traffic_secret(m.c.s_ap.span());
  m.c.s_ap = std::move(*next_server);
  ASSERT_TRUE(m.c.reader.set_protection(protection(*m.s.provider, m.c.params, m.c.s_ap)));
  ByteVec out;
  ASSERT_TRUE(m.s.server->write(ByteVec{9}, out));
  ASSERT_TRUE(m.c.absorb(out));
  EXPECT_EQ(m.c.application_data, ByteVec{9});
  ASSERT_TRUE(m.s.feed(m.c.sealed(ContentType::application_data, ByteVec{8})));
  EXPECT_EQ(m.s.data, ByteVec{8});
  // Application data resets the count; then max_key_updates_in_a_row pass and one more fails.
  for (std::size_t i = 0; i < ServerHandshake::max_key_updates_in_a_row; ++i) {
    ASSERT_TRUE(m.s.feed(send_update(KeyUpdateRequest::update_not_requested))) << i;
  }
  EXPECT_EQ(m.s.refused(send_update(KeyUpdateRequest::update_not_requested)).alert,
            Alert::unexpected_message);
}

TEST(server_post_handshake, close_notify_and_fatal_alerts) {
  Manual m;
  m.start();
  ASSERT_TRUE(m.s.feed(m.c.flight()));
  const auto close = *msgs::AlertMessage{msgs::AlertLevel::warning, Alert::close_notify}.encode();
  auto r = m.s.feed(m.c.sealed(ContentType::alert, close));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
  EXPECT_TRUE(m.s.server->peer_closed());
  EXPECT_FALSE(m.s.server->received_alert());
  // Anything after close_notify is ignored.
  ASSERT_TRUE(m.s.feed(m.c.sealed(ContentType::application_data, ByteVec{1})));
  EXPECT_TRUE(m.s.data.empty());

  Manual f;
  f.start();
  f.c.writer.set_protection(protection(*f.s.provider, f.c.params, f.c.c_hs));
  const auto fatal = *msgs::AlertMessage{msgs::AlertLevel::fatal, Alert::bad_certificate}.encode();
  EXPECT_EQ(f.s.refused(f.c.sealed(ContentType::alert, fatal)).alert, Alert::bad_certificate);
  EXPECT_EQ(f.s.server->received_alert(), Alert::bad_certificate);
  // Nothing more after a failure.
  ByteVec out;
  ByteVec data;
  EXPECT_FALSE(f.s.server->receive(ByteVec{}, out, data));
}

// ---------------------------------------------------------------------------------------------
// RFC 8448 §3 from the server side: the RFC's server random and X25519 key injected, the RFC's
// ClientHello fed in, our ServerHello record and our encrypted flight record must equal the
// RFC's byte for byte. RSA-PSS signatures are randomized, so the signing key hands out the
// RFC's CertificateVerify signature, but only after checking it verifies over exactly the
// content we ask to sign (which proves our transcript up to the Certificate is the RFC's).

ByteVec rfc(std::string_view actor, std::string_view title, std::string_view label) {
  auto v = Rfc8448::get().value(3, actor, title, label);
  EXPECT_TRUE(v) << title << " / " << label;
  return v ? *v : ByteVec{};
}
ByteVec rfc_step(int index, std::string_view label) {
  for (const auto* st : Rfc8448::get().section(3)) {
    if (st->index == index && st->get(label) != nullptr) return *st->get(label);
  }
  ADD_FAILURE() << "no step " << index << " / " << label;
  return {};
}

class RfcServerRandom final : public crypto::RandomSource {
 public:
  RfcServerRandom() {
    const ByteVec hello = rfc("server", "construct a ServerHello", "ServerHello");
    bytes_.insert(bytes_.end(), hello.begin() + 6, hello.begin() + 38);
    const ByteVec priv = rfc("server", "create an ephemeral x25519", "private key");
    bytes_.insert(bytes_.end(), priv.begin(), priv.end());
  }
  void fill(std::span<std::uint8_t> out) override {
    // After the RFC's values (the tickets' randomness is not in the RFC): a counter.
    for (auto& b : out) {
      b = bytes_.empty() ? counter_++ : bytes_.front();
      if (!bytes_.empty()) bytes_.pop_front();
    }
  }

 private:
  std::deque<std::uint8_t> bytes_;
  std::uint8_t counter_ = 0;
};
class Clock2016 final : public crypto::Clock {
 public:
  [[nodiscard]] std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1466000000));
  }
};

class RfcSignature final : public crypto::SigningKey {
 public:
  RfcSignature(const crypto::CryptoProvider& p, ByteVec spki, ByteVec signature)
      : p_(&p), spki_(std::move(spki)), signature_(std::move(signature)) {}
  [[nodiscard]] bool supports(SignatureScheme scheme) const override {
    return scheme == SignatureScheme::rsa_pss_rsae_sha256 ||
           scheme == SignatureScheme::rsa_pss_rsae_sha384 ||
           scheme == SignatureScheme::rsa_pss_rsae_sha512;
  }
  Result<std::vector<std::uint8_t>> sign(SignatureScheme scheme, Bytes message) const override {
    WIRE_CHECK(p_->verify(scheme, spki_, message, signature_));
    return signature_;
  }

 private:
  const crypto::CryptoProvider* p_;
  ByteVec spki_;
  ByteVec signature_;
};

template <class T>
T rfc_message(std::string_view title, std::string_view label) {
  const ByteVec bytes = rfc("server", title, label);
  auto view = msgs::parse_handshake(bytes);
  EXPECT_TRUE(view);
  auto m = msgs::parse_message(*view, 32);
  EXPECT_TRUE(m);
  return std::get<T>(*m);
}

TEST(server_rfc8448, section_3_byte_for_byte) {
  auto made = crypto::LibcryptoProvider::hazmat_create_deterministic(
      std::make_unique<RfcServerRandom>(), std::make_unique<Clock2016>());
  ASSERT_TRUE(made);
  const auto provider = std::move(*made);

  const auto cert = rfc_message<msgs::Certificate>("construct a Certificate", "Certificate");
  const auto cv =
      rfc_message<msgs::CertificateVerify>("construct a CertificateVerify", "CertificateVerify");
  const auto ee = rfc_message<msgs::EncryptedExtensions>("construct an EncryptedExtensions",
                                                         "EncryptedExtensions");
  ASSERT_EQ(cert.certificate_list.size(), 1U);
  const ByteVec cert_der = cert.certificate_list[0].cert_data;
  auto spki = certificate_spki(cert_der);
  ASSERT_TRUE(spki);

  ServerParameters sp;
  sp.record_size_limit = 0x4001;
  // The RFC's server also announces its groups in EncryptedExtensions (first).
  sp.extra_encrypted_extensions = {*ee.extensions.find(ExtensionType::supported_groups)};
  sp.tickets = 1;
  ServerHandshakeEnvironment env;
  env.provider = provider.get();
  std::vector<CertificateQuery> queries;
  env.select_certificate = [&, key = std::make_shared<RfcSignature>(
                                   *provider, *spki, cv.signature)](const CertificateQuery& q) {
    queries.push_back(q);
    return CertificateSelection::chosen({cert_der}, key);
  };
  std::vector<std::string> key_log;
  env.key_log = [&](std::string_view label, Bytes, Bytes) { key_log.emplace_back(label); };
  ServerHandshake server(sp, env);

  ByteVec out;
  ByteVec data;
  ASSERT_TRUE(server.receive(rfc_step(2, "complete record"), out, data));
  EXPECT_EQ(to_hex(out),
            to_hex(concat({rfc_step(12, "complete record"), rfc_step(19, "complete record")})));
  ASSERT_EQ(queries.size(), 1U);
  EXPECT_EQ(queries[0].server_name, "server");
  EXPECT_EQ(server.info().signature_scheme, SignatureScheme::rsa_pss_rsae_sha256);

  // The RFC client's Finished completes the handshake: the secrets are the RFC's.
  out.clear();
  ASSERT_TRUE(server.receive(rfc_step(41, "complete record"), out, data));
  ASSERT_TRUE(server.connected());
  const auto& done = std::get<server::Connected>(server.state());
  EXPECT_EQ(to_hex(vec(done.client_application_traffic_secret)),
            to_hex(rfc("server", "derive secret \"tls13 c ap traffic\"", "expanded")));
  EXPECT_EQ(to_hex(vec(done.server_application_traffic_secret)),
            to_hex(rfc("server", "derive secret \"tls13 s ap traffic\"", "expanded")));
  EXPECT_EQ(to_hex(vec(done.exporter_master_secret)),
            to_hex(rfc("server", "derive secret \"tls13 exp master\"", "expanded")));
  EXPECT_EQ(to_hex(vec(done.resumption_master_secret)),
            to_hex(rfc("client", "derive secret \"tls13 res master\"", "expanded")));
  EXPECT_EQ(key_log, (std::vector<std::string>{
                         "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                         "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"}));
  // Our ticket (not the RFC's: ours carries no early_data extension) is one record, sequence 0
  // under the server application keys, as the RFC's, so the application data record that
  // follows is the RFC's byte for byte.
  // header, lifetime, age_add, nonce<1>, ticket<32>, no extensions, inner type, tag.
  EXPECT_EQ(out.size(), record_header_length + 4 + 4 + 4 + (1 + 1) + (2 + 32) + 2 + 1 +
                            crypto::aead_tag_length);
  ByteVec app;
  ASSERT_TRUE(server.write(rfc_step(52, "payload"), app));
  EXPECT_EQ(to_hex(app), to_hex(rfc_step(52, "complete record")));
  ASSERT_TRUE(server.receive(rfc_step(51, "complete record"), out, data));
  EXPECT_EQ(to_hex(data), to_hex(rfc_step(51, "payload")));
  ASSERT_TRUE(server.receive(rfc_step(53, "complete record"), out, data));
  EXPECT_TRUE(server.peer_closed());
  ByteVec alert;
  ASSERT_TRUE(server.close_notify(alert));
  EXPECT_EQ(to_hex(alert), to_hex(rfc_step(54, "complete record")));
}

// ---------------------------------------------------------------------------------------------
// TLS 1.2 session tickets (RFC 5077) with the extended master secret (RFC 7627 §5.3): our TLS 1.2
// client against our TLS 1.2 server, and hostile servers and tickets.

static_assert(!std::is_default_constructible_v<client12::VerifiedServerFinished12>);
static_assert(!std::is_default_constructible_v<server12::VerifiedClientFinished12>);

ClientHelloParameters tls12_hello() {
  ClientHelloParameters cp;
  cp.offer_tls13 = false;
  cp.tls12_cipher_suites = {CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256,
                            CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384};
  cp.tls12_session_tickets = true;
  return cp;
}

ServerParameters tls12_server() {
  ServerParameters sp;
  sp.tls12 = true;
  sp.tickets = 1;
  return sp;
}

/// A full TLS 1.2 handshake that leaves one more session in `t` (the last).
void first_tls12_connection(Tickets& t) {
  const std::size_t before = t.sessions.size();
  Pair pair(identity(KeyKind::p256), tls12_hello(), tls12_server(), t.server(), t.client());
  pair.pump();
  ASSERT_TRUE(pair.ok());
  ASSERT_TRUE(pair.client->handshake_complete());
  ASSERT_EQ(t.sessions.size(), before + 1) << "one NewSessionTicket per TLS 1.2 handshake";
  EXPECT_EQ(t.sessions.back().version, tls12_version);
  EXPECT_TRUE(t.sessions.back().extended_master_secret);
  EXPECT_EQ(t.sessions.back().psk.size(), 48U);
  EXPECT_EQ(t.sessions.back().lifetime_seconds, 7200U);
  EXPECT_FALSE(pair.server->info().resumed);
  EXPECT_FALSE(pair.client->info().resumed);
}

/// A second connection offering `session`: its pair, pumped.
std::unique_ptr<Pair> resume12(Tickets& t, const ClientSessionState& session,
                               ClientHelloParameters cp = tls12_hello()) {
  cp.resumption12 = session;
  auto pair = std::make_unique<Pair>(identity(KeyKind::p256), std::move(cp), tls12_server(),
                                     t.server(), t.client());
  pair->pump();
  return pair;
}

TEST(tls12_resumption, abbreviated_handshake_with_a_renewed_ticket_then_data) {
  Tickets t;
  first_tls12_connection(t);
  const auto pair = resume12(t, t.sessions[0]);
  ASSERT_TRUE(pair->server_status) << pair->server_status.error().to_string();
  ASSERT_TRUE(pair->client_status) << pair->client_status.error().to_string();
  EXPECT_TRUE(pair->server->info().resumed);
  EXPECT_TRUE(pair->client->info().resumed);
  EXPECT_TRUE(pair->server->info().tls12);
  // RFC 5246 §7.3 fig. 2: no Certificate: the store was never asked.
  EXPECT_TRUE(pair->queries.empty());
  EXPECT_EQ(t.contexts_offered, (std::vector<std::vector<std::uint8_t>>{{1, 2, 3}}));
  // The server renewed the ticket (RFC 5077 §3.1 fig. 2).
  ASSERT_EQ(t.sessions.size(), 2U);
  EXPECT_NE(t.sessions[1].ticket, t.sessions[0].ticket);
  // Same master secret: exporters agree, and equal the first session's secret.
  ASSERT_NE(pair->server->tls12(), nullptr);
  const auto* done = std::get_if<server12::Connected12>(&pair->server->tls12()->state());
  ASSERT_NE(done, nullptr);
  EXPECT_EQ(vec(done->master_secret), vec(t.sessions[0].psk));
  std::array<std::uint8_t, 32> a{};
  std::array<std::uint8_t, 32> b{};
  ASSERT_TRUE(pair->client->export_keying_material("EXPERIMENTAL x", std::nullopt, a));
  ASSERT_TRUE(pair->server->export_keying_material("EXPERIMENTAL x", std::nullopt, b));
  EXPECT_EQ(a, b);
  ASSERT_TRUE(pair->client->write(ByteVec{'h', 'i'}, pair->to_server));
  ASSERT_TRUE(pair->server->write(ByteVec{'y', 'o'}, pair->to_client));
  pair->pump();
  EXPECT_EQ(pair->server_received, (ByteVec{'h', 'i'}));
  EXPECT_EQ(pair->client_received, (ByteVec{'y', 'o'}));
  // The renewed ticket resumes too.
  const auto third = resume12(t, t.sessions[1]);
  ASSERT_TRUE(third->client_status) << third->client_status.error().to_string();
  EXPECT_TRUE(third->server->info().resumed);
}

// A TLS 1.2 server draws randomness once per handshake, full or abbreviated: the promised
// ticket's nonce comes with its random (and, full, its ECDHE key).
TEST(tls12_resumption, one_draw_per_handshake_ticket_included) {
  int draws = 0;
  const auto counted = draw_counting::counted_provider(draws);
  ASSERT_TRUE(counted);
  Tickets t;
  const auto counted_server = t.server_with(*counted);
  Pair full(identity(KeyKind::p256), tls12_hello(), tls12_server(), counted_server, t.client());
  full.pump();
  ASSERT_TRUE(full.ok());
  ASSERT_EQ(t.sessions.size(), 1U);
  EXPECT_EQ(draws, 1);
  draws = 0;
  ClientHelloParameters cp = tls12_hello();
  cp.resumption12 = t.sessions[0];
  Pair resumed(identity(KeyKind::p256), cp, tls12_server(), counted_server, t.client());
  resumed.pump();
  ASSERT_TRUE(resumed.ok());
  EXPECT_TRUE(resumed.server->info().resumed);
  ASSERT_EQ(t.sessions.size(), 2U);
  EXPECT_NE(t.sessions[1].ticket, t.sessions[0].ticket);
  EXPECT_EQ(draws, 1);
}

/// Expects a full TLS 1.2 handshake (no resumption) that completes.
void expect_full_handshake(const Pair& pair) {
  ASSERT_TRUE(pair.ok());
  EXPECT_TRUE(pair.client->handshake_complete());
  EXPECT_FALSE(pair.server->info().resumed);
  EXPECT_FALSE(pair.client->info().resumed);
  EXPECT_EQ(pair.queries.size(), 1U) << "a full handshake asks the certificate store";
}

TEST(tls12_resumption, tickets_that_do_not_open_are_full_handshakes) {
  Tickets t;
  first_tls12_connection(t);
  const ClientSessionState good = t.sessions[0];
  // Every tampered region: key name, nonce, ciphertext, tag.
  for (const std::size_t at :
       {std::size_t{0}, std::size_t{20}, std::size_t{40}, good.ticket.size() - 1}) {
    ClientSessionState bad = good;
    bad.ticket[at] ^= 0x01U;
    SCOPED_TRACE(at);
    expect_full_handshake(*resume12(t, bad));
  }
  // Truncated, one byte, and oversized (a 60000-byte ticket).
  ClientSessionState truncated = good;
  truncated.ticket.pop_back();
  expect_full_handshake(*resume12(t, truncated));
  ClientSessionState tiny = good;
  tiny.ticket.resize(1);
  expect_full_handshake(*resume12(t, tiny));
  ClientSessionState huge = good;
  huge.ticket.resize(60000, 0x42);
  expect_full_handshake(*resume12(t, huge));
  EXPECT_TRUE(t.contexts_offered.empty()) << "a ticket that did not open reached the core";
}

TEST(tls12_resumption, tls13_ticket_in_tls12_and_tls12_ticket_in_tls13_are_full_handshakes) {
  Tickets t;
  t.first_connection();  // two TLS 1.3 tickets
  first_tls12_connection(t);
  const ClientSessionState tls13 = t.sessions[0];
  const ClientSessionState tls12 = t.sessions[2];
  ASSERT_EQ(tls13.version, tls13_version);
  // The TLS 1.3 ticket dressed as a TLS 1.2 session: the server opens it as TLS 1.2 only.
  ClientSessionState dressed = tls12;
  dressed.ticket = tls13.ticket;
  expect_full_handshake(*resume12(t, dressed));
  // The TLS 1.2 ticket offered as a TLS 1.3 PSK: never opened as one (no binder check either).
  ClientSessionState as13 = tls13;
  as13.ticket = tls12.ticket;
  ClientHelloParameters cp;
  cp.resumption = as13;
  Pair pair = t.connect(cp);
  pair.pump();
  ASSERT_TRUE(pair.ok());
  EXPECT_FALSE(pair.server->info().resumed);
  EXPECT_TRUE(t.contexts_offered.empty());
}

TEST(tls12_resumption, suite_not_offered_again_or_refused_context_is_a_full_handshake) {
  Tickets t;
  first_tls12_connection(t);
  ASSERT_EQ(t.sessions[0].suite, CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256);
  ClientHelloParameters other_suite = tls12_hello();
  other_suite.tls12_cipher_suites = {CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384};
  expect_full_handshake(*resume12(t, t.sessions[0], other_suite));
  t.accept = false;
  expect_full_handshake(*resume12(t, t.sessions[0]));
  EXPECT_EQ(t.contexts_offered.size(), 1U);
}

TEST(tls12_resumption, ticket_of_a_session_without_extended_master_secret_is_not_resumed) {
  Tickets t;
  first_tls12_connection(t);
  auto provider = make_provider();
  // RFC 7627 §5.3: a session without the extended master secret never resumes, whatever the
  // rest of the ticket says (sealed under our own key).
  TicketContents contents;
  contents.version = tls12_version;
  contents.suite = CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256;
  contents.psk = SecretBytes(ByteVec(48, 0x33));
  contents.extended_master_secret = false;
  contents.issued_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(provider->now().time_since_epoch())
          .count());
  contents.context = {1, 2, 3};
  const std::array<std::uint8_t, 12> nonce{1};
  auto sealed = seal_ticket(*provider, t.key, nonce, contents);
  ASSERT_TRUE(sealed);
  ClientSessionState no_ems = t.sessions[0];
  no_ems.ticket = *sealed;
  expect_full_handshake(*resume12(t, no_ems));
  // The same ticket with the flag set resumes: the flag is what decided.
  contents.extended_master_secret = true;
  contents.psk = SecretBytes(t.sessions[0].psk.span());
  auto with_ems = seal_ticket(*provider, t.key, nonce, contents);
  ASSERT_TRUE(with_ems);
  ClientSessionState ems = t.sessions[0];
  ems.ticket = *with_ems;
  const auto pair = resume12(t, ems);
  ASSERT_TRUE(pair->client_status) << pair->client_status.error().to_string();
  EXPECT_TRUE(pair->server->info().resumed);
}

/// A TLS 1.2 client that offered `session` (or only asked for a ticket), and what it sent.
struct Client12UnderTest {
  std::unique_ptr<crypto::LibcryptoProvider> provider = make_provider();
  std::optional<ClientHandshake> client;
  ByteVec sent;
  ByteVec data;
  ByteVec session_id;
  std::vector<ClientSessionState> tickets;

  explicit Client12UnderTest(std::optional<ClientSessionState> session) {
    ClientHelloParameters cp = tls12_hello();
    cp.resumption12 = std::move(session);
    ClientHandshakeEnvironment env;
    env.provider = provider.get();
    env.verify_chain = [](std::span<const ByteVec>) { return Status{}; };
    env.session_ticket_received = [this](const ClientSessionState& s) { tickets.push_back(s); };
    auto started = ClientHandshake::start(std::move(cp), std::move(env), sent);
    EXPECT_TRUE(started) << started.error().to_string();
    if (started) client.emplace(std::move(*started));
    // The ClientHello: record header (5), handshake header (4), version (2), random (32).
    if (sent.size() > 44) {
      session_id.assign(sent.begin() + 44, sent.begin() + 44 + sent[43]);
    }
  }
  /// A TLS 1.2 ServerHello echoing `echo`, with session_ticket when `ticket`.
  static ByteVec server_hello(CipherSuite suite, const ByteVec& echo, bool ticket,
                              ByteVec ticket_body = {}) {
    msgs::ServerHello sh;
    sh.random.fill(0x5a);
    sh.legacy_session_id_echo = echo;
    sh.cipher_suite = suite;
    std::vector<msgs::Extension> list;
    auto ri = msgs::renegotiation_info_extension();
    EXPECT_TRUE(ri);
    list.push_back(std::move(*ri));
    list.push_back(msgs::extended_master_secret_extension());
    if (ticket) {
      list.push_back({ExtensionType::session_ticket, msgs::RawExtension{std::move(ticket_body)}});
    }
    sh.extensions = msgs::Extensions(std::move(list));
    auto bytes = sh.encode();
    EXPECT_TRUE(bytes);
    return plaintext_record(ContentType::handshake, *bytes);
  }
  Status feed(Bytes in) {
    ByteVec out;
    return client->receive(in, out, data);
  }
};

ClientSessionState stored_tls12_session() {
  ClientSessionState s;
  s.version = tls12_version;
  s.suite = CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256;
  s.psk = SecretBytes(ByteVec(48, 0x44));
  s.extended_master_secret = true;
  s.ticket = ByteVec(120, 0x55);
  s.lifetime_seconds = 7200;
  return s;
}

TEST(tls12_client_resumption, offers_the_ticket_with_a_fresh_session_id) {
  Client12UnderTest c(stored_tls12_session());
  ASSERT_EQ(c.session_id.size(), 32U) << "RFC 5077 §3.4: a session id to recognise acceptance";
  const ByteVec ticket(120, 0x55);
  EXPECT_NE(std::search(c.sent.begin(), c.sent.end(), ticket.begin(), ticket.end()), c.sent.end());
  Client12UnderTest other(stored_tls12_session());
  EXPECT_NE(other.session_id, c.session_id);
}

TEST(tls12_client_resumption, echoed_session_id_with_another_suite_is_illegal_parameter) {
  Client12UnderTest c(stored_tls12_session());
  auto r = c.feed(Client12UnderTest::server_hello(
      CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384, c.session_id, false));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().alert, Alert::illegal_parameter);
  EXPECT_EQ(r.error().field, "ServerHello.cipher_suite");
}

TEST(tls12_client_resumption, echoed_session_id_without_an_offered_ticket_is_illegal_parameter) {
  Client12UnderTest c(std::nullopt);
  ASSERT_FALSE(c.session_id.empty());
  auto r = c.feed(Client12UnderTest::server_hello(
      CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256, c.session_id, false));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().alert, Alert::illegal_parameter);
  EXPECT_EQ(r.error().field, "ServerHello.session_id");
}

TEST(tls12_client_resumption, abbreviated_flight_without_the_echo_is_unexpected_message) {
  Client12UnderTest c(stored_tls12_session());
  // A ServerHello that does not echo our session id, then ChangeCipherSpec as if resumed.
  ByteVec flight = Client12UnderTest::server_hello(
      CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256, ByteVec(32, 0x01), false);
  const ByteVec ccs = plaintext_record(ContentType::change_cipher_spec, ByteVec{0x01});
  flight.insert(flight.end(), ccs.begin(), ccs.end());
  auto r = c.feed(flight);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().alert, Alert::unexpected_message);
}

TEST(tls12_client_resumption, new_session_ticket_not_announced_is_unexpected_message) {
  Client12UnderTest c(stored_tls12_session());
  // Resumed (echo), but the ServerHello has no session_ticket: RFC 5077 §3.3 "MUST NOT" send it.
  ByteVec flight = Client12UnderTest::server_hello(
      CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256, c.session_id, false);
  auto nst = msgs::NewSessionTicket12{7200, ByteVec(50, 0x66)}.encode();
  ASSERT_TRUE(nst);
  const ByteVec record = plaintext_record(ContentType::handshake, *nst);
  flight.insert(flight.end(), record.begin(), record.end());
  auto r = c.feed(flight);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().alert, Alert::unexpected_message);
  EXPECT_EQ(r.error().field, "NewSessionTicket");
}

TEST(tls12_client_resumption, announced_ticket_missing_twice_truncated_or_oversized) {
  auto nst = msgs::NewSessionTicket12{7200, ByteVec(50, 0x66)}.encode();
  ASSERT_TRUE(nst);
  const ByteVec ticket = plaintext_record(ContentType::handshake, *nst);
  ByteVec cut = *nst;
  cut.resize(cut.size() - 1);
  cut[3] = static_cast<std::uint8_t>(cut[3] - 1);  // handshake length matches the bytes
  ByteVec longer = *nst;
  longer.push_back(0);
  longer[3] = static_cast<std::uint8_t>(longer[3] + 1);
  struct Case {
    const char* what;
    ByteVec ticket_extension;      // the ServerHello's session_ticket body
    std::vector<ByteVec> records;  // after the ServerHello (which announces a ticket)
    Alert alert;
  };
  const Case cases[] = {
      {"announced, then ChangeCipherSpec without it",
       {},
       {plaintext_record(ContentType::change_cipher_spec, ByteVec{0x01})},
       Alert::unexpected_message},
      {"two NewSessionTickets", {}, {ticket, ticket}, Alert::unexpected_message},
      {"truncated: the ticket's length says more than the message holds",
       {},
       {plaintext_record(ContentType::handshake, cut)},
       Alert::decode_error},
      {"oversized: a byte after the ticket",
       {},
       {plaintext_record(ContentType::handshake, longer)},
       Alert::decode_error},
      {"RFC 5077 §3.2: the server's SessionTicket extension is empty",
       ByteVec{1},
       {},
       Alert::decode_error},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Client12UnderTest client(stored_tls12_session());
    ByteVec flight =
        Client12UnderTest::server_hello(CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256,
                                        client.session_id, true, c.ticket_extension);
    for (const ByteVec& record : c.records)
      flight.insert(flight.end(), record.begin(), record.end());
    auto r = client.feed(flight);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().alert, c.alert);
  }
}

TEST(tls12_client_resumption, another_master_secret_fails_at_the_servers_finished) {
  Tickets t;
  first_tls12_connection(t);
  // The server resumes with the ticket's master secret; a client holding another one cannot
  // open the server's Finished record (RFC 5246 §7.2.2 bad_record_mac).
  ClientSessionState wrong = t.sessions[0];
  wrong.psk = SecretBytes(ByteVec(48, 0x01));
  const auto pair = resume12(t, wrong);
  ASSERT_FALSE(pair->client_status);
  EXPECT_EQ(pair->client_status.error().alert, Alert::bad_record_mac);
  EXPECT_TRUE(t.sessions.size() == 1U) << "a ticket reported before the Finished was verified";
}

// ---------------------------------------------------------------------------------------------
// TLS 1.2 client certificates answered later (WaitingForClientCertificate12).

TEST(tls12_client_certificate, pending_answer_waits_then_the_flight_goes_out) {
  const Identity& id = identity(KeyKind::p256);
  auto key_provider = make_provider();
  const auto key = signing_key(*key_provider, id);
  int asked = 0;
  bool ready = false;
  ServerParameters sp = tls12_server();
  sp.client_auth = ClientAuthMode::required;
  Pair pair(id, tls12_hello(), sp, {}, [&](ClientHandshakeEnvironment& env) {
    env.select_client_certificate = [&](const CertificateQuery&) {
      ++asked;
      return ready ? CertificateSelection::chosen({id.cert_der}, key)
                   : CertificateSelection::pending();
    };
  });
  pair.pump();
  ASSERT_TRUE(pair.ok());
  ASSERT_NE(pair.client->tls12(), nullptr);
  EXPECT_TRUE(pair.client->waiting_for_certificate());
  EXPECT_TRUE(pair.to_server.empty()) << "RFC 5246 §7.3: nothing of our flight before the answer";
  EXPECT_EQ(asked, 1);
  // Still pending: nothing sent, asked again.
  ByteVec out;
  ASSERT_TRUE(pair.client->resume(out, pair.client_received));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(asked, 2);
  EXPECT_TRUE(pair.client->waiting_for_certificate());
  ready = true;
  ASSERT_TRUE(pair.client->resume(pair.to_server, pair.client_received));
  EXPECT_FALSE(pair.client->waiting_for_certificate());
  EXPECT_FALSE(pair.to_server.empty());
  pair.pump();
  ASSERT_TRUE(pair.ok());
  EXPECT_TRUE(pair.client->handshake_complete());
  EXPECT_TRUE(pair.server->info().client_certificate_presented);
  EXPECT_TRUE(pair.client->info().client_certificate_sent);
}

TEST(tls12_client_certificate, input_while_waiting_is_bounded) {
  ServerParameters sp = tls12_server();
  sp.client_auth = ClientAuthMode::required;
  Pair pair(identity(KeyKind::p256), tls12_hello(), sp, {}, [](ClientHandshakeEnvironment& env) {
    env.select_client_certificate = [](const CertificateQuery&) {
      return CertificateSelection::pending();
    };
  });
  pair.pump();
  ASSERT_TRUE(pair.client->waiting_for_certificate());
  ByteVec out;
  ByteVec data;
  const ByteVec chunk(ClientHandshake::max_input_while_waiting, 0x17);
  ASSERT_TRUE(pair.client->receive(chunk, out, data)) << "kept for resume()";
  auto r = pair.client->receive(ByteVec{0x17}, out, data);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().alert, Alert::internal_error);
}

}  // namespace
}  // namespace sanstls::native::handshake

// SPDX-License-Identifier: Apache-2.0 OR MIT
// The TLS 1.3 client's features beyond RFC 8448's traces, against a small hand-built server made
// of the codec, the transcript and the key schedule: HelloRetryRequest (and every way a server
// can get it wrong), ALPN, middlebox compatibility, client certificates (chosen, declined,
// pending then resumed, with input arriving meanwhile), a KeyUpdate we start, close_notify and the
// bound on post-handshake floods.

#include "native/crypto/libcrypto_provider.hpp"
#include "native/handshake/client_states.hpp"
#include "native/msgs/alert.hpp"
#include "support/openssl_tls12_peer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

namespace sanstls::native::handshake {
namespace {

// ---------------------------------------------------------------------------------------------
// A P-256 certificate and key (self-signed; the client's verifier is a stub here).

using Credential = test::Tls12Credential;

const Credential& server_credential() {
  static const Credential c = test::make_self_signed_credential("server.test", false);
  return c;
}
const Credential& client_credential() {
  static const Credential c = test::make_self_signed_credential("client.test", false);
  return c;
}

const Credential& rsa_client_credential() {
  static const Credential c = test::make_self_signed_credential("rsa-client.test", true);
  return c;
}

ByteVec str(std::string_view s) { return ByteVec(s.begin(), s.end()); }

// ---------------------------------------------------------------------------------------------
// A minimal TLS 1.3 server, scripted by options.

struct ServerOptions {
  /// Answer the first ClientHello with a HelloRetryRequest carrying these.
  bool hello_retry_request = false;
  std::optional<NamedGroup> hrr_group;
  std::optional<ByteVec> hrr_cookie;
  std::optional<CipherSuite> hrr_suite;
  CipherSuite suite = CipherSuite::tls_aes_128_gcm_sha256;
  /// The ServerHello's key_share group (default: the client's first share).
  std::optional<NamedGroup> group;
  /// Send a dummy change_cipher_spec after the first server message (RFC 8446 §D.4).
  bool send_ccs = false;
  /// ALPN names in EncryptedExtensions (none: no extension).
  std::vector<ByteVec> alpn;
  bool certificate_request = false;
  ByteVec cr_context{7, 7};
  std::vector<SignatureScheme> cr_schemes{SignatureScheme::rsa_pkcs1_sha256,
                                          SignatureScheme::ecdsa_secp256r1_sha256};
  std::vector<ByteVec> cr_authorities;
};

/// What the client sent in its second flight, opened.
struct ClientFlight {
  bool change_cipher_spec = false;
  std::vector<ByteVec> messages;  // complete handshake messages under handshake keys
  /// Transcript hash before each message (for the CertificateVerify check).
  std::vector<std::vector<std::uint8_t>> hash_before;
};

class MiniServer {
 public:
  MiniServer(const crypto::CryptoProvider& p, ServerOptions o)
      : provider_(&p), options_(std::move(o)), transcript_(p) {}

  /// Reads the client's records up to a ClientHello; answers with a HelloRetryRequest or with
  /// ServerHello + encrypted flight.
  Result<ByteVec> answer(Bytes client_records) {
    reader_.feed(client_records);
    ByteVec hello;
    for (;;) {
      WIRE_TRY(auto unit, reader_.next());
      if (!unit) return wire::fail(Alert::internal_error, "MiniServer", "no ClientHello");
      if (unit->type == ContentType::change_cipher_spec) {
        client_ccs_seen_ = true;
        continue;
      }
      hello = unit->data;
      break;
    }
    WIRE_TRY(const auto view, msgs::parse_handshake(hello));
    WIRE_TRY(auto ch, msgs::ClientHello::parse(view.body));
    last_hello_ = ch;
    transcript_.add(hello);
    const auto params = suite_params(options_.suite);
    if (!params) return wire::fail(Alert::internal_error, "MiniServer", "suite");
    ByteVec out;
    if (options_.hello_retry_request && !retried_) {
      retried_ = true;
      msgs::ServerHello hrr;
      hrr.random = msgs::hello_retry_request_random;
      hrr.legacy_session_id_echo = ch.legacy_session_id;
      hrr.cipher_suite = options_.hrr_suite.value_or(options_.suite);
      std::vector<msgs::Extension> ext{
          {ExtensionType::supported_versions, msgs::SelectedVersion{tls13_version}}};
      if (options_.hrr_group) {
        ext.push_back(
            {ExtensionType::key_share, msgs::KeyShareHelloRetryRequest{*options_.hrr_group}});
      }
      if (options_.hrr_cookie)
        ext.push_back({ExtensionType::cookie, msgs::Cookie{*options_.hrr_cookie}});
      hrr.extensions = msgs::Extensions(std::move(ext));
      WIRE_TRY(auto bytes, hrr.encode());
      WIRE_CHECK(transcript_.select_hash(params->hash));
      WIRE_CHECK(transcript_.replace_with_message_hash());
      transcript_.add(bytes);
      WIRE_CHECK(writer_.write(ContentType::handshake, bytes, out));
      if (options_.send_ccs)
        WIRE_CHECK(writer_.write(ContentType::change_cipher_spec, ByteVec{1}, out));
      return out;
    }
    // ServerHello.
    const auto* shares = ch.extensions.get<msgs::KeyShareClientHello>(ExtensionType::key_share);
    if (shares == nullptr || shares->shares.empty()) {
      return wire::fail(Alert::internal_error, "MiniServer", "no key share");
    }
    // The client's first share, or its share for options_.group when it sent one.
    const msgs::KeyShareEntry* client_share = &shares->shares.front();
    for (const auto& entry : shares->shares) {
      if (options_.group && entry.group == *options_.group) client_share = &entry;
    }
    const NamedGroup group = options_.group.value_or(client_share->group);
    ByteVec pub;
    SecretBytes shared;
    if (group == client_share->group) {
      // A server's answer (an encapsulation for X25519MLKEM768).
      WIRE_TRY(auto response, provider_->respond_to_key_share(group, client_share->key_exchange));
      pub = std::move(response.key_exchange);
      shared = std::move(response.shared_secret);
    } else {
      WIRE_TRY(auto own, provider_->generate_key_share(group));
      pub.assign(own->public_key().begin(), own->public_key().end());
    }
    last_server_share_ = pub;
    msgs::ServerHello sh;
    provider_->random(sh.random);
    sh.legacy_session_id_echo = ch.legacy_session_id;
    sh.cipher_suite = options_.suite;
    sh.extensions =
        msgs::Extensions({{ExtensionType::supported_versions, msgs::SelectedVersion{tls13_version}},
                          {ExtensionType::key_share,
                           msgs::KeyShareServerHello{{group, ByteVec(pub.begin(), pub.end())}}}});
    WIRE_TRY(auto sh_bytes, sh.encode());
    if (!transcript_.hash_algorithm()) WIRE_CHECK(transcript_.select_hash(params->hash));
    transcript_.add(sh_bytes);
    WIRE_CHECK(writer_.write(ContentType::handshake, sh_bytes, out));
    if (options_.send_ccs && !options_.hello_retry_request) {
      WIRE_CHECK(writer_.write(ContentType::change_cipher_spec, ByteVec{1}, out));
    }
    if (group != client_share->group) return out;  // a tampered ServerHello: stop here

    params_ = *params;
    schedule_.emplace(*provider_, params->hash);
    WIRE_CHECK(schedule_->derive_early_secret({}));
    WIRE_CHECK(schedule_->derive_handshake_secret(shared.span()));
    WIRE_TRY(const auto hello_hash, transcript_.current_hash());
    WIRE_TRY(c_hs_, schedule_->client_handshake_traffic_secret(hello_hash));
    WIRE_TRY(s_hs_, schedule_->server_handshake_traffic_secret(hello_hash));
    WIRE_TRY(auto s_hs_prot, protection(s_hs_));
    writer_.set_protection(std::move(s_hs_prot));

    msgs::EncryptedExtensions ee;
    if (!options_.alpn.empty()) {
      ee.extensions.list().push_back({ExtensionType::application_layer_protocol_negotiation,
                                      msgs::ProtocolNameList{options_.alpn}});
    }
    WIRE_CHECK(send(ee.encode(), out));
    if (options_.certificate_request) {
      msgs::CertificateRequest cr;
      cr.certificate_request_context = options_.cr_context;
      cr.extensions.list().push_back(
          {ExtensionType::signature_algorithms, msgs::SignatureSchemeList{options_.cr_schemes}});
      if (!options_.cr_authorities.empty()) {
        cr.extensions.list().push_back({ExtensionType::certificate_authorities,
                                        msgs::CertificateAuthorities{options_.cr_authorities}});
      }
      WIRE_CHECK(send(cr.encode(), out));
    }
    msgs::Certificate cert;
    cert.certificate_list.push_back({server_credential().cert_der, {}});
    WIRE_CHECK(send(cert.encode(), out));
    WIRE_TRY(const auto cert_hash, transcript_.current_hash());
    WIRE_TRY(const auto content, msgs::certificate_verify_content(true, cert_hash));
    WIRE_TRY(auto key, provider_->load_signing_key(server_credential().pkcs8_der));
    WIRE_TRY(auto sig, key->sign(SignatureScheme::ecdsa_secp256r1_sha256, content));
    WIRE_CHECK(send(msgs::CertificateVerify{SignatureScheme::ecdsa_secp256r1_sha256,
                                            ByteVec(sig.begin(), sig.end())}
                        .encode(),
                    out));
    WIRE_TRY(const auto fin_hash, transcript_.current_hash());
    const auto& kd = schedule_->derivation();
    WIRE_TRY(auto verify_data, kd.finished_verify_data(s_hs_.span(), fin_hash));
    msgs::Finished fin;
    fin.verify_data.assign(verify_data.span().begin(), verify_data.span().end());
    WIRE_CHECK(send(fin.encode(), out));
    WIRE_TRY(const auto server_finished_hash, transcript_.current_hash());
    WIRE_CHECK(schedule_->derive_master_secret());
    WIRE_TRY(c_ap_, schedule_->client_application_traffic_secret(server_finished_hash));
    WIRE_TRY(s_ap_, schedule_->server_application_traffic_secret(server_finished_hash));
    WIRE_TRY(auto s_ap_prot, protection(s_ap_));
    writer_.set_protection(std::move(s_ap_prot));
    return out;
  }

  /// Opens the client's second flight (and checks its Finished); then reads application data.
  Result<ClientFlight> read_client_flight(Bytes records) {
    ClientFlight flight;
    const ByteVec ccs{0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
    if (records.size() >= ccs.size() && std::equal(ccs.begin(), ccs.end(), records.begin())) {
      reader_.feed(records.first(ccs.size()));
      WIRE_TRY(auto unit, reader_.next());
      flight.change_cipher_spec = unit && unit->type == ContentType::change_cipher_spec;
      records = records.subspan(ccs.size());
    }
    WIRE_TRY(auto c_hs_prot, protection(c_hs_));
    WIRE_CHECK(reader_.set_protection(std::move(c_hs_prot)));
    reader_.feed(records);
    for (;;) {
      WIRE_TRY(auto unit, reader_.next());
      if (!unit) return wire::fail(Alert::internal_error, "MiniServer", "no client Finished");
      if (unit->type == ContentType::change_cipher_spec) {
        flight.change_cipher_spec = true;
        continue;
      }
      WIRE_TRY(auto hash, transcript_.current_hash());
      flight.hash_before.emplace_back(hash.begin(), hash.end());
      flight.messages.push_back(unit->data);
      if (unit->data.at(0) == static_cast<std::uint8_t>(HandshakeType::finished)) {
        const auto& kd = schedule_->derivation();
        WIRE_TRY(auto expected, kd.finished_verify_data(c_hs_.span(), hash));
        const ByteVec want = concat_header(expected.span());
        if (want != unit->data) {
          return wire::fail(Alert::decrypt_error, "MiniServer", "client Finished");
        }
        transcript_.add(unit->data);
        break;
      }
      transcript_.add(unit->data);
    }
    WIRE_TRY(auto c_ap_prot, protection(c_ap_));
    WIRE_CHECK(reader_.set_protection(std::move(c_ap_prot)));
    return flight;
  }

  /// Opens application-protected records from the client; returns (type, content) units.
  Result<std::vector<record::Inbound>> read(Bytes records) {
    reader_.feed(records);
    std::vector<record::Inbound> units;
    for (;;) {
      WIRE_TRY(auto unit, reader_.next());
      if (!unit) return units;
      units.push_back(std::move(*unit));
    }
  }
  /// Moves our own writer to the next generation (after we sent a KeyUpdate).
  Status next_server_keys() {
    const KeyDerivation kd(*provider_, params_.hash);
    WIRE_TRY(s_ap_, kd.next_traffic_secret(s_ap_.span()));
    WIRE_TRY(auto prot, protection(s_ap_));
    writer_.set_protection(std::move(prot));
    return {};
  }
  /// Installs the next generation of the client's application keys on our reader.
  Status next_client_keys() {
    const KeyDerivation kd(*provider_, params_.hash);
    WIRE_TRY(c_ap_, kd.next_traffic_secret(c_ap_.span()));
    WIRE_TRY(auto prot, protection(c_ap_));
    return reader_.set_protection(std::move(prot));
  }

  Result<ByteVec> write(ContentType type, Bytes payload) {
    ByteVec out;
    WIRE_CHECK(writer_.write(type, payload, out));
    return out;
  }
  Result<ByteVec> write_handshake(Result<ByteVec> message) {
    if (!message) return tl::unexpected<Error>(message.error());
    return write(ContentType::handshake, *message);
  }

  [[nodiscard]] const msgs::ClientHello& last_hello() const { return last_hello_; }
  [[nodiscard]] bool client_ccs_seen() const { return client_ccs_seen_; }
  [[nodiscard]] const ByteVec& last_server_share() const { return last_server_share_; }
  [[nodiscard]] const crypto::CryptoProvider& provider() const { return *provider_; }

 private:
  Status send(Result<ByteVec> message, ByteVec& out) {
    if (!message) return tl::unexpected<Error>(message.error());
    transcript_.add(*message);
    return writer_.write(ContentType::handshake, *message, out);
  }
  Result<record::Protection> protection(const SecretBytes& secret) {
    const KeyDerivation kd(*provider_, params_.hash);
    WIRE_TRY(auto keys, kd.traffic_keys(secret.span(), params_.aead));
    return record::Protection::create(*provider_, params_.aead, keys);
  }
  static ByteVec concat_header(Bytes verify_data) {
    ByteVec out{static_cast<std::uint8_t>(HandshakeType::finished), 0, 0,
                static_cast<std::uint8_t>(verify_data.size())};
    out.insert(out.end(), verify_data.begin(), verify_data.end());
    return out;
  }

  const crypto::CryptoProvider* provider_;
  ServerOptions options_;
  Transcript transcript_;
  record::RecordReader reader_;
  record::RecordWriter writer_;
  msgs::ClientHello last_hello_;
  ByteVec last_server_share_;
  bool retried_ = false;
  bool client_ccs_seen_ = false;
  SuiteParams params_{};
  std::optional<KeySchedule> schedule_;
  SecretBytes c_hs_, s_hs_, c_ap_, s_ap_;
};

// ---------------------------------------------------------------------------------------------
// The client under test, with our policy's defaults unless a test changes them.

struct Pair {
  std::unique_ptr<crypto::LibcryptoProvider> provider;
  std::optional<MiniServer> server;
  std::optional<ClientHandshake> client;
  ByteVec client_hello;
  CertificateSelection selection = CertificateSelection::declined();
  std::vector<CertificateQuery> queries;

  explicit Pair(ServerOptions options, ClientHelloParameters params = {}) {
    auto p = crypto::LibcryptoProvider::create();
    EXPECT_TRUE(p);
    provider = std::move(*p);
    server.emplace(*provider, std::move(options));
    ClientHandshakeEnvironment env;
    env.provider = provider.get();
    env.verify_chain = [](std::span<const ByteVec> chain) -> Status {
      EXPECT_EQ(chain.size(), 1U);
      return {};
    };
    env.select_client_certificate = [this](const CertificateQuery& q) {
      queries.push_back(q);
      return selection;
    };
    auto started = ClientHandshake::start(std::move(params), std::move(env), client_hello);
    EXPECT_TRUE(started) << started.error().to_string();
    if (started) client.emplace(std::move(*started));
  }

  Result<ByteVec> to_client(Bytes in, ByteVec* application_data = nullptr) {
    ByteVec out;
    ByteVec data;
    WIRE_CHECK(client->receive(in, out, data));
    if (application_data != nullptr) *application_data = data;
    return out;
  }

  /// ClientHello → server flight → the client's second flight.
  Result<ByteVec> run_to_client_flight() {
    WIRE_TRY(auto first, server->answer(client_hello));
    return to_client(first);
  }

  /// ClientHello → HelloRetryRequest → ClientHello2 → the server's answer to it.
  Result<ByteVec> run_through_retry() {
    WIRE_TRY(auto retry, server->answer(client_hello));
    WIRE_TRY(auto second, to_client(retry));
    return server->answer(second);
  }

  /// run_through_retry() → the client's flight.
  Result<ByteVec> run_to_client_flight_after_retry() {
    WIRE_TRY(auto answer, run_through_retry());
    return to_client(answer);
  }
};

ServerOptions defaults() { return {}; }

Error refusal_of(const Result<ByteVec>& r) {
  EXPECT_FALSE(r) << "accepted";
  return r ? Error{Alert::close_notify, "accepted", ""} : r.error();
}

ByteVec ccs_record() { return {0x14, 0x03, 0x03, 0x00, 0x01, 0x01}; }

// ---------------------------------------------------------------------------------------------
// A plain handshake against the mini server (the baseline every feature test varies).

TEST(client_features, plain_handshake_with_our_defaults) {
  Pair p(defaults());
  auto flight = p.run_to_client_flight();
  ASSERT_TRUE(flight) << flight.error().to_string();
  auto opened = p.server->read_client_flight(*flight);
  ASSERT_TRUE(opened) << opened.error().to_string();
  ASSERT_NE(p.client->connected(), nullptr);
  const auto info = p.client->info();
  EXPECT_EQ(info.cipher_suite, CipherSuite::tls_aes_128_gcm_sha256);
  EXPECT_EQ(info.group, NamedGroup::x25519);
  EXPECT_FALSE(info.hello_retry_request);
  EXPECT_FALSE(info.alpn_protocol);
  EXPECT_FALSE(info.certificate_requested);
  EXPECT_FALSE(info.client_certificate_sent);
  EXPECT_TRUE(info.handshake_complete);
  // Our policy: one X25519 share; X25519, P-256, P-384 supported.
  const auto& ch = p.server->last_hello();
  const auto* shares = ch.extensions.get<msgs::KeyShareClientHello>(ExtensionType::key_share);
  ASSERT_NE(shares, nullptr);
  ASSERT_EQ(shares->shares.size(), 1U);
  EXPECT_EQ(shares->shares[0].group, NamedGroup::x25519);
  const auto* groups = ch.extensions.get<msgs::NamedGroupList>(ExtensionType::supported_groups);
  ASSERT_NE(groups, nullptr);
  EXPECT_EQ(groups->groups, (std::vector<NamedGroup>{NamedGroup::x25519, NamedGroup::secp256r1,
                                                     NamedGroup::secp384r1}));
}

// ---------------------------------------------------------------------------------------------
// Middlebox compatibility (RFC 8446 §D.4)

// key_share is a TLS 1.3 extension (RFC 8446 §4.2.8): a TLS 1.2-only hello (hazmat max_version)
// carries none, and makes no key share (the ECDHE key comes with the ServerKeyExchange).
TEST(client_features, tls12_only_hello_has_no_key_share) {
  ClientHelloParameters params;
  params.offer_tls13 = false;
  params.tls12_cipher_suites = {CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256};
  Pair p(defaults(), params);
  ASSERT_GT(p.client_hello.size(), 5U);
  const auto view = msgs::parse_handshake(Bytes(p.client_hello).subspan(5));
  ASSERT_TRUE(view) << view.error().to_string();
  const auto ch = msgs::ClientHello::parse(view->body);
  ASSERT_TRUE(ch) << ch.error().to_string();
  EXPECT_FALSE(ch->extensions.contains(ExtensionType::key_share));
  EXPECT_TRUE(ch->extensions.contains(ExtensionType::supported_versions));
  // With TLS 1.3 offered, the key share is there.
  Pair both(defaults());
  const auto view13 = msgs::parse_handshake(Bytes(both.client_hello).subspan(5));
  ASSERT_TRUE(view13);
  const auto ch13 = msgs::ClientHello::parse(view13->body);
  ASSERT_TRUE(ch13);
  EXPECT_TRUE(ch13->extensions.contains(ExtensionType::key_share));
}

TEST(client_features, middlebox_compatibility_session_id_and_one_ccs) {
  ServerOptions o;
  o.send_ccs = true;  // and the server's dummy CCS after its ServerHello is dropped
  Pair p(o);
  auto flight = p.run_to_client_flight();
  ASSERT_TRUE(flight) << flight.error().to_string();
  EXPECT_EQ(p.server->last_hello().legacy_session_id.size(), 32U);
  ASSERT_GE(flight->size(), 6U);
  EXPECT_EQ(ByteVec(flight->begin(), flight->begin() + 6), ccs_record());
  auto opened = p.server->read_client_flight(*flight);
  ASSERT_TRUE(opened) << opened.error().to_string();
  EXPECT_TRUE(opened->change_cipher_spec);
  EXPECT_EQ(opened->messages.size(), 1U);  // Finished only
}

TEST(client_features, middlebox_compatibility_off_sends_no_ccs_and_no_session_id) {
  ClientHelloParameters params;
  params.middlebox_compatibility = false;
  Pair p(defaults(), params);
  auto flight = p.run_to_client_flight();
  ASSERT_TRUE(flight) << flight.error().to_string();
  EXPECT_TRUE(p.server->last_hello().legacy_session_id.empty());
  EXPECT_NE(ByteVec(flight->begin(), flight->begin() + 6), ccs_record());
  auto opened = p.server->read_client_flight(*flight);
  ASSERT_TRUE(opened) << opened.error().to_string();
  EXPECT_FALSE(opened->change_cipher_spec);
}

TEST(client_features, explicit_session_id_is_kept) {
  ClientHelloParameters params;
  params.legacy_session_id = ByteVec(32, 0x5a);
  Pair p(defaults(), params);
  ASSERT_TRUE(p.run_to_client_flight());
  EXPECT_EQ(p.server->last_hello().legacy_session_id, ByteVec(32, 0x5a));
}

// ---------------------------------------------------------------------------------------------
// HelloRetryRequest (RFC 8446 §4.1.4)

ServerOptions hrr_for(std::optional<NamedGroup> group, std::optional<ByteVec> cookie = {}) {
  ServerOptions o;
  o.hello_retry_request = true;
  o.hrr_group = group;
  o.hrr_cookie = std::move(cookie);
  return o;
}

TEST(client_hello_retry_request, new_share_and_cookie_then_handshake_completes) {
  auto o = hrr_for(NamedGroup::secp256r1, ByteVec{1, 2, 3, 4});
  o.send_ccs = true;  // the server's dummy CCS after its HelloRetryRequest
  Pair p(o);
  auto first = p.server->answer(p.client_hello);
  ASSERT_TRUE(first);
  const msgs::ClientHello hello1 = p.server->last_hello();
  auto second = p.to_client(*first);
  ASSERT_TRUE(second) << second.error().to_string();
  EXPECT_TRUE(p.client->info().hello_retry_request);
  // RFC 8446 §D.4: our one dummy CCS goes before ClientHello2.
  ASSERT_GE(second->size(), 6U);
  EXPECT_EQ(ByteVec(second->begin(), second->begin() + 6), ccs_record());

  auto flight_in = p.server->answer(*second);
  ASSERT_TRUE(flight_in) << flight_in.error().to_string();
  EXPECT_TRUE(p.server->client_ccs_seen());
  const msgs::ClientHello& hello2 = p.server->last_hello();
  // ClientHello2 = ClientHello1 with one P-256 share and the cookie.
  EXPECT_EQ(hello2.random, hello1.random);
  EXPECT_EQ(hello2.legacy_session_id, hello1.legacy_session_id);
  EXPECT_EQ(hello2.cipher_suites, hello1.cipher_suites);
  const auto* shares = hello2.extensions.get<msgs::KeyShareClientHello>(ExtensionType::key_share);
  ASSERT_NE(shares, nullptr);
  ASSERT_EQ(shares->shares.size(), 1U);
  EXPECT_EQ(shares->shares[0].group, NamedGroup::secp256r1);
  const auto* cookie = hello2.extensions.get<msgs::Cookie>(ExtensionType::cookie);
  ASSERT_NE(cookie, nullptr);
  EXPECT_EQ(cookie->data, (ByteVec{1, 2, 3, 4}));
  EXPECT_EQ(hello2.extensions.list().size(), hello1.extensions.list().size() + 1);

  auto flight = p.to_client(*flight_in);
  ASSERT_TRUE(flight) << flight.error().to_string();
  auto opened = p.server->read_client_flight(*flight);
  ASSERT_TRUE(opened) << opened.error().to_string();
  EXPECT_FALSE(opened->change_cipher_spec) << "only one CCS";
  const auto info = p.client->info();
  EXPECT_TRUE(info.handshake_complete);
  EXPECT_EQ(info.group, NamedGroup::secp256r1);
  EXPECT_TRUE(info.hello_retry_request);
}

TEST(client_hello_retry_request, cookie_only_keeps_the_share) {
  Pair p(hrr_for(std::nullopt, ByteVec{9}));
  auto flight_in = p.run_through_retry();
  ASSERT_TRUE(flight_in) << flight_in.error().to_string();
  const auto* shares =
      p.server->last_hello().extensions.get<msgs::KeyShareClientHello>(ExtensionType::key_share);
  ASSERT_NE(shares, nullptr);
  EXPECT_EQ(shares->shares.at(0).group, NamedGroup::x25519);
  auto flight = p.to_client(*flight_in);
  ASSERT_TRUE(flight) << flight.error().to_string();
  EXPECT_TRUE(p.server->read_client_flight(*flight));
}

Error hrr_refusal(ServerOptions o) {
  Pair p(std::move(o));
  auto first = p.server->answer(p.client_hello);
  EXPECT_TRUE(first);
  return refusal_of(p.to_client(*first));
}

TEST(client_hello_retry_request, for_a_group_we_already_sent_a_share_for) {
  const Error e = hrr_refusal(hrr_for(NamedGroup::x25519));
  EXPECT_EQ(e.alert, Alert::illegal_parameter);
  EXPECT_EQ(e.field, "HelloRetryRequest.key_share");
  EXPECT_EQ(e.reason, "group we already sent a share for");
}

TEST(client_hello_retry_request, for_a_group_not_in_supported_groups) {
  const Error e = hrr_refusal(hrr_for(NamedGroup::secp521r1));
  EXPECT_EQ(e.alert, Alert::illegal_parameter);
  EXPECT_EQ(e.field, "HelloRetryRequest.key_share");
  EXPECT_EQ(e.reason, "group not offered");
}

TEST(client_hello_retry_request, that_changes_nothing) {
  const Error e = hrr_refusal(hrr_for(std::nullopt));
  EXPECT_EQ(e.alert, Alert::illegal_parameter);
  EXPECT_EQ(e.field, "HelloRetryRequest");
}

TEST(client_hello_retry_request, with_a_suite_we_did_not_offer) {
  auto o = hrr_for(NamedGroup::secp256r1);
  o.hrr_suite = static_cast<CipherSuite>(0x1304);
  const Error e = hrr_refusal(o);
  EXPECT_EQ(e.alert, Alert::illegal_parameter);
  EXPECT_EQ(e.refusal, wire::Refusal::unoffered_cipher_suite);
}

TEST(client_hello_retry_request, a_second_one_is_unexpected) {
  Pair p(hrr_for(NamedGroup::secp256r1));
  auto first = p.server->answer(p.client_hello);
  ASSERT_TRUE(first);
  ASSERT_TRUE(p.to_client(*first));
  // The same HelloRetryRequest again (now even asking for the group we just sent).
  const Error e = refusal_of(p.to_client(*first));
  EXPECT_EQ(e.alert, Alert::unexpected_message);
  EXPECT_EQ(e.field, "HelloRetryRequest");
}

TEST(client_hello_retry_request, server_hello_with_another_suite) {
  auto o = hrr_for(NamedGroup::secp256r1);
  o.hrr_suite = CipherSuite::tls_aes_256_gcm_sha384;  // offered, but the ServerHello picks 0x1301
  Pair p(o);
  auto sh = p.run_through_retry();
  ASSERT_TRUE(sh) << sh.error().to_string();
  const Error e = refusal_of(p.to_client(*sh));
  EXPECT_EQ(e.alert, Alert::illegal_parameter);
  EXPECT_EQ(e.field, "ServerHello.cipher_suite");
  EXPECT_EQ(e.reason, "not the HelloRetryRequest's");
}

TEST(client_hello_retry_request, server_hello_with_another_group) {
  auto o = hrr_for(NamedGroup::secp256r1);
  o.group = NamedGroup::x25519;  // the ServerHello answers in the group of our first share
  Pair p(o);
  auto sh = p.run_through_retry();
  ASSERT_TRUE(sh) << sh.error().to_string();
  const Error e = refusal_of(p.to_client(*sh));
  EXPECT_EQ(e.alert, Alert::illegal_parameter);
  EXPECT_EQ(e.field, "ServerHello.key_share");
  EXPECT_EQ(e.reason, "not the HelloRetryRequest's group");
}

// ---------------------------------------------------------------------------------------------
// X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem): the engine's default groups

const std::vector<NamedGroup> engine_groups{NamedGroup::x25519mlkem768, NamedGroup::x25519,
                                            NamedGroup::secp256r1, NamedGroup::secp384r1};

ClientHelloParameters with_engine_groups(std::vector<NamedGroup> groups = engine_groups) {
  ClientHelloParameters params;
  params.key_share_groups = initial_key_share_groups(groups);
  params.supported_groups = std::move(groups);
  return params;
}

TEST(client_x25519mlkem768, initial_key_shares) {
  EXPECT_EQ(initial_key_share_groups(engine_groups),
            (std::vector<NamedGroup>{NamedGroup::x25519mlkem768, NamedGroup::x25519}));
  EXPECT_EQ(initial_key_share_groups({NamedGroup::x25519mlkem768, NamedGroup::secp256r1}),
            std::vector<NamedGroup>{NamedGroup::x25519mlkem768});
  EXPECT_EQ(initial_key_share_groups({NamedGroup::x25519, NamedGroup::x25519mlkem768}),
            std::vector<NamedGroup>{NamedGroup::x25519});
  EXPECT_EQ(initial_key_share_groups({NamedGroup::secp384r1}),
            std::vector<NamedGroup>{NamedGroup::secp384r1});
  EXPECT_TRUE(initial_key_share_groups({}).empty());
}

// The captured ClientHello: 0x11EC is the first key share (1216 bytes), X25519 the second; the
// server, having ML-KEM, answers in the hybrid group.
TEST(client_x25519mlkem768, first_share_is_the_hybrid_then_x25519_and_the_server_takes_it) {
  Pair p(defaults(), with_engine_groups());
  ASSERT_GT(p.client_hello.size(), 1216U + 32U);
  const ByteVec captured = p.client_hello;
  // The record's bytes, by hand: the hybrid's code point precedes its 1216-byte key_exchange.
  const ByteVec hybrid_entry_head{0x11, 0xec, 0x04, 0xc0};
  const ByteVec x25519_entry_head{0x00, 0x1d, 0x00, 0x20};
  const auto hybrid_at = std::search(captured.begin(), captured.end(), hybrid_entry_head.begin(),
                                     hybrid_entry_head.end());
  ASSERT_NE(hybrid_at, captured.end());
  EXPECT_TRUE(std::equal(x25519_entry_head.begin(), x25519_entry_head.end(), hybrid_at + 4 + 1216));

  auto flight = p.run_to_client_flight();
  ASSERT_TRUE(flight) << flight.error().to_string();
  const auto& ch = p.server->last_hello();
  const auto* shares = ch.extensions.get<msgs::KeyShareClientHello>(ExtensionType::key_share);
  ASSERT_NE(shares, nullptr);
  ASSERT_EQ(shares->shares.size(), 2U);
  EXPECT_EQ(shares->shares[0].group, NamedGroup::x25519mlkem768);
  EXPECT_EQ(static_cast<std::uint16_t>(shares->shares[0].group), 0x11ecU);
  EXPECT_EQ(shares->shares[0].key_exchange.size(), 1216U);
  EXPECT_EQ(shares->shares[1].group, NamedGroup::x25519);
  EXPECT_EQ(shares->shares[1].key_exchange.size(), 32U);
  const auto* groups = ch.extensions.get<msgs::NamedGroupList>(ExtensionType::supported_groups);
  ASSERT_NE(groups, nullptr);
  EXPECT_EQ(groups->groups, engine_groups);
  EXPECT_EQ(p.server->last_server_share().size(), 1120U);
  auto opened = p.server->read_client_flight(*flight);
  ASSERT_TRUE(opened) << opened.error().to_string();  // the Finished proves the same secret
  EXPECT_EQ(p.client->info().group, NamedGroup::x25519mlkem768);
  EXPECT_FALSE(p.client->info().hello_retry_request);
}

TEST(client_x25519mlkem768, server_without_ml_kem_takes_the_x25519_share_without_retry) {
  ServerOptions o;
  o.group = NamedGroup::x25519;
  Pair p(o, with_engine_groups());
  auto flight = p.run_to_client_flight();
  ASSERT_TRUE(flight) << flight.error().to_string();
  ASSERT_TRUE(p.server->read_client_flight(*flight));
  EXPECT_EQ(p.client->info().group, NamedGroup::x25519);
  EXPECT_FALSE(p.client->info().hello_retry_request);
}

TEST(client_x25519mlkem768, hello_retry_request_for_the_hybrid) {
  // Our client with X25519 preferred (one X25519 share); the server wants the hybrid.
  Pair p(hrr_for(NamedGroup::x25519mlkem768),
         with_engine_groups({NamedGroup::x25519, NamedGroup::x25519mlkem768}));
  auto flight_in = p.run_through_retry();
  ASSERT_TRUE(flight_in) << flight_in.error().to_string();
  const auto* shares =
      p.server->last_hello().extensions.get<msgs::KeyShareClientHello>(ExtensionType::key_share);
  ASSERT_EQ(shares->shares.size(), 1U);
  EXPECT_EQ(shares->shares[0].group, NamedGroup::x25519mlkem768);
  EXPECT_EQ(shares->shares[0].key_exchange.size(), 1216U);
  auto flight = p.to_client(*flight_in);
  ASSERT_TRUE(flight) << flight.error().to_string();
  ASSERT_TRUE(p.server->read_client_flight(*flight));
  EXPECT_EQ(p.client->info().group, NamedGroup::x25519mlkem768);
  EXPECT_TRUE(p.client->info().hello_retry_request);
}

TEST(client_x25519mlkem768, hello_retry_request_away_from_the_hybrid) {
  // A server with neither ML-KEM nor X25519 asks for P-256.
  Pair p(hrr_for(NamedGroup::secp256r1), with_engine_groups());
  auto flight = p.run_to_client_flight_after_retry();
  ASSERT_TRUE(flight) << flight.error().to_string();
  ASSERT_TRUE(p.server->read_client_flight(*flight));
  EXPECT_EQ(p.client->info().group, NamedGroup::secp256r1);
}

TEST(client_x25519mlkem768, server_share_of_the_wrong_length_is_illegal_parameter) {
  Pair p(defaults(), with_engine_groups());
  auto sh = p.server->answer(p.client_hello);
  ASSERT_TRUE(sh);
  // Instead of the server's answer, a ServerHello whose hybrid share is one byte short.
  msgs::ServerHello hello;
  hello.legacy_session_id_echo = p.server->last_hello().legacy_session_id;
  hello.cipher_suite = CipherSuite::tls_aes_128_gcm_sha256;
  ByteVec share = p.server->last_server_share();
  share.pop_back();
  hello.extensions = msgs::Extensions(
      {{ExtensionType::supported_versions, msgs::SelectedVersion{tls13_version}},
       {ExtensionType::key_share,
        msgs::KeyShareServerHello{{NamedGroup::x25519mlkem768, std::move(share)}}}});
  auto bytes = hello.encode();
  ASSERT_TRUE(bytes);
  record::RecordWriter w;
  ByteVec record;
  ASSERT_TRUE(w.write(ContentType::handshake, *bytes, record));
  const Error e = refusal_of(p.to_client(record));
  EXPECT_EQ(e.alert, Alert::illegal_parameter);
  EXPECT_EQ(e.field, "KeyShareEntry.key_exchange");
}

// ---------------------------------------------------------------------------------------------
// ALPN (RFC 7301)

ClientHelloParameters with_alpn() {
  ClientHelloParameters params;
  params.alpn_protocols = {"h2", "http/1.1"};
  return params;
}

TEST(client_alpn, the_servers_choice_is_reported) {
  ServerOptions o;
  o.alpn = {str("http/1.1")};
  Pair p(o, with_alpn());
  auto flight = p.run_to_client_flight();
  ASSERT_TRUE(flight) << flight.error().to_string();
  EXPECT_EQ(p.client->info().alpn_protocol, "http/1.1");
  const auto* offered = p.server->last_hello().extensions.get<msgs::ProtocolNameList>(
      ExtensionType::application_layer_protocol_negotiation);
  ASSERT_NE(offered, nullptr);
  EXPECT_EQ(offered->names, (std::vector<ByteVec>{str("h2"), str("http/1.1")}));
  EXPECT_TRUE(p.server->read_client_flight(*flight));
}

TEST(client_alpn, no_answer_means_no_protocol) {
  Pair p(defaults(), with_alpn());
  ASSERT_TRUE(p.run_to_client_flight());
  EXPECT_TRUE(p.client->info().handshake_complete);
  EXPECT_FALSE(p.client->info().alpn_protocol);
}

TEST(client_alpn, a_protocol_we_did_not_offer) {
  ServerOptions o;
  o.alpn = {str("spdy/3")};
  Pair p(o, with_alpn());
  const Error e = refusal_of(p.run_to_client_flight());
  EXPECT_EQ(e.alert, Alert::illegal_parameter);
  EXPECT_EQ(e.refusal, wire::Refusal::server_chose_no_offered_protocol);
}

TEST(client_alpn, more_than_one_name) {
  ServerOptions o;
  o.alpn = {str("h2"), str("http/1.1")};
  Pair p(o, with_alpn());
  const Error e = refusal_of(p.run_to_client_flight());
  EXPECT_EQ(e.alert, Alert::illegal_parameter);
  EXPECT_EQ(e.refusal, wire::Refusal::server_chose_no_offered_protocol);
}

TEST(client_alpn, an_answer_when_we_offered_none) {
  ServerOptions o;
  o.alpn = {str("h2")};
  Pair p(o);
  const Error e = refusal_of(p.run_to_client_flight());
  EXPECT_EQ(e.alert, Alert::unsupported_extension);  // RFC 8446 §4.2
  EXPECT_EQ(e.refusal, wire::Refusal::server_chose_no_offered_protocol);
}

TEST(client_alpn, an_empty_protocol_name_is_not_offered) {
  ClientHelloParameters params;
  params.alpn_protocols = {""};
  auto provider = crypto::LibcryptoProvider::create();
  ASSERT_TRUE(provider);
  ClientHandshakeEnvironment env;
  env.provider = provider->get();
  ByteVec out;
  auto started = ClientHandshake::start(params, env, out);
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().alert, Alert::internal_error);
}

// ---------------------------------------------------------------------------------------------
// Client certificates (RFC 8446 §4.3.2, §4.4.2, §4.4.3)

ServerOptions asks_for_a_certificate() {
  ServerOptions o;
  o.certificate_request = true;
  o.cr_authorities = {ByteVec{0x30, 0x00}};
  return o;
}

CertificateSelection our_certificate(const crypto::CryptoProvider& provider) {
  auto key = provider.load_signing_key(client_credential().pkcs8_der);
  EXPECT_TRUE(key);
  return CertificateSelection::chosen({client_credential().cert_der},
                                      std::shared_ptr<const crypto::SigningKey>(std::move(*key)));
}

/// Checks the CertificateVerify of a flight carrying Certificate + CertificateVerify + Finished:
/// signed with `scheme` by `cert_der`'s key, as a client's signature (RFC 8446 §4.4.3) and not
/// as a server's.
void expect_client_certificate_verify(const MiniServer& server, const ClientFlight& flight,
                                      const ByteVec& cert_der, SignatureScheme scheme) {
  ASSERT_EQ(flight.messages.size(), 3U);
  auto view = msgs::parse_handshake(flight.messages[1]);
  ASSERT_TRUE(view);
  auto cv = msgs::CertificateVerify::parse(view->body);
  ASSERT_TRUE(cv);
  EXPECT_EQ(cv->algorithm, scheme);
  auto spki = certificate_spki(cert_der);
  ASSERT_TRUE(spki);
  auto content = msgs::certificate_verify_content(false, flight.hash_before[1]);
  ASSERT_TRUE(content);
  EXPECT_TRUE(server.provider().verify(cv->algorithm, *spki, *content, cv->signature));
  auto server_content = msgs::certificate_verify_content(true, flight.hash_before[1]);
  ASSERT_TRUE(server_content);
  EXPECT_FALSE(server.provider().verify(cv->algorithm, *spki, *server_content, cv->signature));
}

/// Checks a flight carrying Certificate + CertificateVerify + Finished.
void expect_certificate_flight(const MiniServer& server, const ClientFlight& flight) {
  ASSERT_EQ(flight.messages.size(), 3U);
  auto cert_view = msgs::parse_handshake(flight.messages[0]);
  ASSERT_TRUE(cert_view);
  auto cert = msgs::Certificate::parse(cert_view->body);
  ASSERT_TRUE(cert);
  EXPECT_EQ(cert->certificate_request_context, (ByteVec{7, 7}));
  ASSERT_EQ(cert->certificate_list.size(), 1U);
  EXPECT_EQ(cert->certificate_list[0].cert_data, client_credential().cert_der);
  // The first scheme of the CertificateRequest that is allowed and the key can do: not
  // rsa_pkcs1_sha256 (PKCS#1 v1.5 is forbidden in CertificateVerify).
  expect_client_certificate_verify(server, flight, client_credential().cert_der,
                                   SignatureScheme::ecdsa_secp256r1_sha256);
}

TEST(client_certificate, chosen_certificate_and_a_verifiable_signature) {
  Pair p(asks_for_a_certificate());
  p.selection = our_certificate(*p.provider);
  auto flight = p.run_to_client_flight();
  ASSERT_TRUE(flight) << flight.error().to_string();
  ASSERT_EQ(p.queries.size(), 1U);
  EXPECT_EQ(p.queries[0].signature_schemes,
            (std::vector<SignatureScheme>{SignatureScheme::rsa_pkcs1_sha256,
                                          SignatureScheme::ecdsa_secp256r1_sha256}));
  EXPECT_EQ(p.queries[0].certificate_authorities, (std::vector<ByteVec>{{0x30, 0x00}}));
  EXPECT_FALSE(p.queries[0].server_name);
  auto opened = p.server->read_client_flight(*flight);
  ASSERT_TRUE(opened) << opened.error().to_string();
  expect_certificate_flight(*p.server, *opened);
  const auto info = p.client->info();
  EXPECT_TRUE(info.certificate_requested);
  EXPECT_TRUE(info.client_certificate_sent);
  EXPECT_TRUE(info.handshake_complete);
}

TEST(client_certificate, declined_sends_an_empty_certificate) {
  Pair p(asks_for_a_certificate());
  p.selection = CertificateSelection::declined();
  auto flight = p.run_to_client_flight();
  ASSERT_TRUE(flight) << flight.error().to_string();
  auto opened = p.server->read_client_flight(*flight);
  ASSERT_TRUE(opened) << opened.error().to_string();
  ASSERT_EQ(opened->messages.size(), 2U);
  EXPECT_EQ(opened->messages[0], (ByteVec{0x0b, 0, 0, 6, 2, 7, 7, 0, 0, 0}));
  EXPECT_TRUE(p.client->info().certificate_requested);
  EXPECT_FALSE(p.client->info().client_certificate_sent);
}

TEST(client_certificate, no_signature_scheme_our_key_can_use) {
  auto o = asks_for_a_certificate();
  o.cr_schemes = {SignatureScheme::rsa_pss_rsae_sha256, SignatureScheme::rsa_pkcs1_sha256};
  Pair p(o);
  p.selection = our_certificate(*p.provider);
  const Error e = refusal_of(p.run_to_client_flight());
  EXPECT_EQ(e.alert, Alert::handshake_failure);
  EXPECT_EQ(e.refusal, wire::Refusal::no_shared_signature_algorithm);
}

TEST(client_certificate, rsa_key_signs_with_pss_never_pkcs1) {
  auto o = asks_for_a_certificate();
  o.cr_schemes = {SignatureScheme::rsa_pkcs1_sha256, SignatureScheme::rsa_pss_rsae_sha384};
  Pair p(o);
  auto key = p.provider->load_signing_key(rsa_client_credential().pkcs8_der);
  ASSERT_TRUE(key);
  ASSERT_TRUE((*key)->supports(SignatureScheme::rsa_pkcs1_sha256));
  p.selection =
      CertificateSelection::chosen({rsa_client_credential().cert_der},
                                   std::shared_ptr<const crypto::SigningKey>(std::move(*key)));
  auto flight = p.run_to_client_flight();
  ASSERT_TRUE(flight) << flight.error().to_string();
  auto opened = p.server->read_client_flight(*flight);
  ASSERT_TRUE(opened) << opened.error().to_string();
  expect_client_certificate_verify(*p.server, *opened, rsa_client_credential().cert_der,
                                   SignatureScheme::rsa_pss_rsae_sha384);
}

TEST(client_certificate, rsa_key_and_only_pkcs1_offered) {
  auto o = asks_for_a_certificate();
  o.cr_schemes = {SignatureScheme::rsa_pkcs1_sha256};
  Pair p(o);
  auto key = p.provider->load_signing_key(rsa_client_credential().pkcs8_der);
  ASSERT_TRUE(key);
  p.selection =
      CertificateSelection::chosen({rsa_client_credential().cert_der},
                                   std::shared_ptr<const crypto::SigningKey>(std::move(*key)));
  const Error e = refusal_of(p.run_to_client_flight());
  EXPECT_EQ(e.alert, Alert::handshake_failure);
  EXPECT_EQ(e.refusal, wire::Refusal::no_shared_signature_algorithm);
}

TEST(client_certificate, pending_then_resumed) {
  Pair p(asks_for_a_certificate());
  p.selection = CertificateSelection::pending();
  auto nothing = p.run_to_client_flight();
  ASSERT_TRUE(nothing) << nothing.error().to_string();
  EXPECT_TRUE(nothing->empty()) << "nothing is sent while waiting";
  EXPECT_TRUE(p.client->waiting_for_certificate());
  EXPECT_EQ(p.client->connected(), nullptr);
  ByteVec out;
  ByteVec data;
  // Still pending: resume() asks again and keeps waiting.
  ASSERT_TRUE(p.client->resume(out, data));
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(p.client->waiting_for_certificate());
  EXPECT_EQ(p.queries.size(), 2U);
  ByteVec app;
  EXPECT_FALSE(p.client->write(ByteVec{1}, app));

  p.selection = our_certificate(*p.provider);
  ASSERT_TRUE(p.client->resume(out, data));
  EXPECT_FALSE(p.client->waiting_for_certificate());
  ASSERT_NE(p.client->connected(), nullptr);
  auto opened = p.server->read_client_flight(out);
  ASSERT_TRUE(opened) << opened.error().to_string();
  expect_certificate_flight(*p.server, *opened);
  // resume() when not waiting does nothing.
  ByteVec more;
  ASSERT_TRUE(p.client->resume(more, data));
  EXPECT_TRUE(more.empty());
}

TEST(client_certificate, pending_with_input_arriving_meanwhile) {
  Pair p(asks_for_a_certificate());
  p.selection = CertificateSelection::pending();
  ASSERT_TRUE(p.run_to_client_flight());
  ASSERT_TRUE(p.client->waiting_for_certificate());
  // 0.5-RTT data from the server, then a NewSessionTicket; both wait for our flight.
  auto early = p.server->write(ContentType::application_data, str("half-rtt"));
  msgs::NewSessionTicket ticket;
  ticket.ticket_lifetime = 60;
  ticket.ticket_nonce = {1};
  ticket.ticket = {1, 2, 3};
  auto nst = p.server->write_handshake(ticket.encode());
  ASSERT_TRUE(early && nst);
  ByteVec data;
  auto held = p.to_client(*early, &data);
  ASSERT_TRUE(held) << held.error().to_string();
  EXPECT_TRUE(held->empty());
  EXPECT_TRUE(data.empty());
  ASSERT_TRUE(p.to_client(*nst));
  p.selection = CertificateSelection::declined();
  ByteVec out;
  ASSERT_TRUE(p.client->resume(out, data));
  EXPECT_EQ(data, str("half-rtt"));
  ASSERT_NE(p.client->connected(), nullptr);
  EXPECT_EQ(p.client->connected()->tickets_received, 1U);
  auto opened = p.server->read_client_flight(out);
  ASSERT_TRUE(opened) << opened.error().to_string();
  EXPECT_EQ(opened->messages.size(), 2U);
}

TEST(client_certificate, input_while_waiting_is_bounded) {
  Pair p(asks_for_a_certificate());
  p.selection = CertificateSelection::pending();
  ASSERT_TRUE(p.run_to_client_flight());
  const ByteVec chunk(16 * 1024, 0x17);
  Status last;
  for (std::size_t sent = 0; sent <= ClientHandshake::max_input_while_waiting;
       sent += chunk.size()) {
    ByteVec out;
    ByteVec data;
    last = p.client->receive(chunk, out, data);
    if (!last) break;
  }
  ASSERT_FALSE(last);
  EXPECT_EQ(last.error().field, "ClientHandshake");
}

TEST(client_certificate, without_a_select_function_we_decline) {
  // A fresh client whose environment has no select function.
  auto provider = crypto::LibcryptoProvider::create();
  ASSERT_TRUE(provider);
  MiniServer server(**provider, asks_for_a_certificate());
  ClientHandshakeEnvironment env;
  env.provider = provider->get();
  env.verify_chain = [](std::span<const ByteVec>) -> Status { return {}; };
  ByteVec hello;
  auto client = ClientHandshake::start({}, env, hello);
  ASSERT_TRUE(client);
  auto first = server.answer(hello);
  ASSERT_TRUE(first);
  ByteVec out;
  ByteVec data;
  ASSERT_TRUE(client->receive(*first, out, data));
  auto opened = server.read_client_flight(out);
  ASSERT_TRUE(opened) << opened.error().to_string();
  EXPECT_EQ(opened->messages.size(), 2U);
}

// ---------------------------------------------------------------------------------------------
// Post-handshake: our KeyUpdate, close_notify, flood bound

struct ConnectedPair {
  Pair p;
  explicit ConnectedPair(ServerOptions o = {}) : p(std::move(o)) {
    auto flight = p.run_to_client_flight();
    EXPECT_TRUE(flight) << flight.error().to_string();
    if (flight) {
      EXPECT_TRUE(p.server->read_client_flight(*flight));
    }
  }
};

TEST(client_post_handshake, key_update_we_start) {
  ConnectedPair c;
  ByteVec out;
  ASSERT_TRUE(c.p.client->key_update(true, out));
  auto units = c.p.server->read(out);
  ASSERT_TRUE(units) << units.error().to_string();
  ASSERT_EQ(units->size(), 1U);
  EXPECT_EQ((*units)[0].type, ContentType::handshake);
  EXPECT_EQ((*units)[0].data, (ByteVec{0x18, 0, 0, 1, 1}));  // update_requested, old keys
  // Our next records use application_traffic_secret_1.
  ByteVec data_record;
  ASSERT_TRUE(c.p.client->write(str("after"), data_record));
  EXPECT_FALSE(c.p.server->read(data_record)) << "still readable with the old keys";
  ConnectedPair d;
  ByteVec update;
  ASSERT_TRUE(d.p.client->key_update(false, update));
  auto opened = d.p.server->read(update);
  ASSERT_TRUE(opened);
  EXPECT_EQ((*opened)[0].data, (ByteVec{0x18, 0, 0, 1, 0}));
  ASSERT_TRUE(d.p.server->next_client_keys());
  ByteVec rec;
  ASSERT_TRUE(d.p.client->write(str("after"), rec));
  auto after = d.p.server->read(rec);
  ASSERT_TRUE(after) << after.error().to_string();
  ASSERT_EQ(after->size(), 1U);
  EXPECT_EQ((*after)[0].data, str("after"));
}

TEST(client_post_handshake, key_update_before_connected_is_refused) {
  Pair p(defaults());
  ByteVec out;
  EXPECT_FALSE(p.client->key_update(false, out));
  EXPECT_TRUE(out.empty());
}

TEST(client_post_handshake, close_notify) {
  ConnectedPair c;
  ByteVec out;
  ASSERT_TRUE(c.p.client->close_notify(out));
  EXPECT_TRUE(c.p.client->close_notify_sent());
  auto units = c.p.server->read(out);
  ASSERT_TRUE(units) << units.error().to_string();
  ASSERT_EQ(units->size(), 1U);
  EXPECT_EQ((*units)[0].type, ContentType::alert);
  EXPECT_EQ((*units)[0].data, (ByteVec{1, 0}));  // warning, close_notify
  ByteVec more;
  EXPECT_FALSE(c.p.client->write(ByteVec{1}, more));
  EXPECT_FALSE(c.p.client->key_update(false, more));
  EXPECT_TRUE(more.empty());
  // The server's data still arrives (half-close).
  auto data_record = c.p.server->write(ContentType::application_data, str("bye"));
  ASSERT_TRUE(data_record);
  ByteVec data;
  ASSERT_TRUE(c.p.to_client(*data_record, &data));
  EXPECT_EQ(data, str("bye"));
}

TEST(client_post_handshake, nothing_written_after_close_notify_even_a_requested_key_update) {
  ConnectedPair c;
  ByteVec out;
  ASSERT_TRUE(c.p.client->close_notify(out));
  auto update =
      c.p.server->write_handshake(msgs::KeyUpdate{KeyUpdateRequest::update_requested}.encode());
  ASSERT_TRUE(update);
  auto answer = c.p.to_client(*update);
  ASSERT_TRUE(answer) << answer.error().to_string();
  EXPECT_TRUE(answer->empty());
  // The server's next records use its next keys, and the client reads them.
  ASSERT_TRUE(c.p.server->next_server_keys());
  auto data_record = c.p.server->write(ContentType::application_data, str("late"));
  ASSERT_TRUE(data_record);
  ByteVec data;
  ASSERT_TRUE(c.p.to_client(*data_record, &data));
  EXPECT_EQ(data, str("late"));
}

Result<ByteVec> ticket_record(MiniServer& server) {
  msgs::NewSessionTicket ticket;
  ticket.ticket_lifetime = 60;
  ticket.ticket_nonce = {1};
  ticket.ticket = {1, 2, 3};
  return server.write_handshake(ticket.encode());
}

TEST(client_post_handshake, ticket_flood_is_bounded) {
  ConnectedPair c;
  const std::size_t limit = ClientHandshake::max_post_handshake_messages_without_data;
  for (std::size_t i = 0; i < limit; ++i) {
    auto rec = ticket_record(*c.p.server);
    ASSERT_TRUE(rec);
    ASSERT_TRUE(c.p.to_client(*rec)) << i;
  }
  // Application data resets the count.
  auto data = c.p.server->write(ContentType::application_data, str("x"));
  ASSERT_TRUE(data);
  ASSERT_TRUE(c.p.to_client(*data));
  for (std::size_t i = 0; i < limit; ++i) {
    auto rec = ticket_record(*c.p.server);
    ASSERT_TRUE(rec);
    ASSERT_TRUE(c.p.to_client(*rec)) << i;
  }
  auto one_more = ticket_record(*c.p.server);
  ASSERT_TRUE(one_more);
  const Error e = refusal_of(c.p.to_client(*one_more));
  EXPECT_EQ(e.alert, Alert::unexpected_message);
  EXPECT_EQ(e.field, "post-handshake messages");
  EXPECT_EQ(c.p.client->connected()->tickets_received, 2 * limit);
}

TEST(client_post_handshake, key_update_flood_is_bounded) {
  ConnectedPair c;
  // The server's KeyUpdates (update_not_requested), each sealed with the next keys: the limit
  // is accepted, one more is refused.
  const auto update = msgs::KeyUpdate{KeyUpdateRequest::update_not_requested}.encode();
  ASSERT_TRUE(update);
  std::size_t accepted = 0;
  Result<ByteVec> last = ByteVec{};
  for (std::size_t i = 0; i <= ClientHandshake::max_post_handshake_messages_without_data; ++i) {
    auto rec = c.p.server->write_handshake(*update);
    ASSERT_TRUE(rec);
    last = c.p.to_client(*rec);
    if (!last) break;
    ++accepted;
    // The client now reads with the next server keys; the mini server must follow.
    ASSERT_TRUE(c.p.server->next_server_keys());
  }
  EXPECT_EQ(accepted, ClientHandshake::max_post_handshake_messages_without_data);
  ASSERT_FALSE(last);
  EXPECT_EQ(last.error().alert, Alert::unexpected_message);
}

// ---------------------------------------------------------------------------------------------
// Bounds on what the client drops before the handshake completes (issue 12 item 4)

ByteVec user_canceled_record() { return {0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 90}; }

TEST(client_bounds, dummy_change_cipher_specs_are_dropped_up_to_the_bound) {
  Pair p(defaults());
  for (std::size_t i = 0; i < ClientHandshake::max_dummy_change_cipher_specs; ++i) {
    auto dropped = p.to_client(ccs_record());
    ASSERT_TRUE(dropped) << i << ": " << dropped.error().to_string();
    EXPECT_TRUE(dropped->empty());
  }
  // The handshake still completes.
  auto flight = p.run_to_client_flight();
  ASSERT_TRUE(flight) << flight.error().to_string();
  EXPECT_NE(p.client->connected(), nullptr);
}

TEST(client_bounds, one_change_cipher_spec_more_is_refused) {
  Pair p(defaults());
  ByteVec flood;
  for (std::size_t i = 0; i <= ClientHandshake::max_dummy_change_cipher_specs; ++i) {
    const ByteVec rec = ccs_record();
    flood.insert(flood.end(), rec.begin(), rec.end());
  }
  const Error e = refusal_of(p.to_client(flood));
  EXPECT_EQ(e.alert, Alert::unexpected_message);
  EXPECT_EQ(e.field, "change_cipher_spec records");
  EXPECT_EQ(e.reason, "a second one before the handshake completed");
  EXPECT_EQ(ClientHandshake::max_dummy_change_cipher_specs, 1U) << "RFC 8446 §D.4 sends one";
}

TEST(client_bounds, change_cipher_specs_count_across_the_handshake) {
  // The server's own §D.4 CCS after its ServerHello counts too: 7 before it, then the flight.
  ServerOptions o;
  o.send_ccs = true;
  Pair p(o);
  for (std::size_t i = 1; i < ClientHandshake::max_dummy_change_cipher_specs; ++i) {
    ASSERT_TRUE(p.to_client(ccs_record())) << i;
  }
  auto first = p.server->answer(p.client_hello);
  ASSERT_TRUE(first) << first.error().to_string();
  ByteVec with_one_more = ccs_record();
  with_one_more.insert(with_one_more.end(), first->begin(), first->end());
  const Error e = refusal_of(p.to_client(with_one_more));
  EXPECT_EQ(e.field, "change_cipher_spec records");
}

TEST(client_bounds, user_canceled_alerts_are_dropped_up_to_the_bound) {
  Pair p(defaults());
  for (std::size_t i = 0; i < ClientHandshake::max_user_canceled_alerts; ++i) {
    auto dropped = p.to_client(user_canceled_record());
    ASSERT_TRUE(dropped) << i << ": " << dropped.error().to_string();
  }
  EXPECT_FALSE(p.client->peer_closed());
  const Error e = refusal_of(p.to_client(user_canceled_record()));
  EXPECT_EQ(e.alert, Alert::unexpected_message);
  EXPECT_EQ(e.field, "user_canceled alerts");
  EXPECT_EQ(e.reason, "more than 8 before the handshake completed (a flood)");
  EXPECT_EQ(ClientHandshake::max_user_canceled_alerts, 8U) << "the reason names the bound";
  EXPECT_FALSE(p.client->received_alert()) << "our refusal, not the peer's alert";
}

TEST(client_bounds, close_notify_before_the_handshake_leaves_the_client_unconnected) {
  // The state machine records the close; the core turns "closed but never connected" into a
  // failure on every engine (tests/conformance/handshake_close_test.cpp).
  Pair p(defaults());
  auto first = p.server->answer(p.client_hello);
  ASSERT_TRUE(first);
  const ByteVec server_hello(first->begin(),
                             first->begin() + 5 + (((*first)[3] << 8) | (*first)[4]));
  ASSERT_TRUE(p.to_client(server_hello));
  ASSERT_TRUE(p.to_client(ByteVec{0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00}));
  EXPECT_TRUE(p.client->peer_closed());
  EXPECT_EQ(p.client->connected(), nullptr);
}

}  // namespace
}  // namespace sanstls::native::handshake

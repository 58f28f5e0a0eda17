// SPDX-License-Identifier: Apache-2.0 OR MIT
// The TLS 1.3 client state machine against RFC 8448 §3 (Simple 1-RTT Handshake): with the RFC's
// client random and X25519 key injected, our ClientHello record must equal the RFC's; fed the
// RFC's server records, the client must produce the RFC's Finished record, derive the RFC's
// application traffic keys, open the server's application data and seal its own byte for byte.
// Then every MUST the client enforces is exercised with a tampered server message.

#include "native/crypto/libcrypto_provider.hpp"
#include "native/handshake/client_states.hpp"
#include "native/handshake/key_share_seed.hpp"
#include "native/msgs/alert.hpp"
#include "rfc8448_data.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <ostream>
#include <type_traits>

namespace sanstls::native::handshake {
namespace {

using testing::Rfc8448;
using testing::Step;
using testing::to_hex;

// The proofs can only be made by the code that checks them.
static_assert(!std::is_default_constructible_v<VerifiedServerChain>);
static_assert(!std::is_default_constructible_v<VerifiedServerSignature>);
static_assert(!std::is_default_constructible_v<VerifiedServerFinished>);
static_assert(!std::is_constructible_v<Connected, Negotiated>);
static_assert(!std::is_constructible_v<ExpectFinished, HandshakeSecrets>);

ByteVec concat(std::initializer_list<ByteVec> parts) {
  ByteVec out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
ByteVec vec(const base::SecretBytes& s) { return ByteVec(s.span().begin(), s.span().end()); }

ByteVec rfc(std::string_view actor, std::string_view title, std::string_view label,
            int section = 3) {
  auto v = Rfc8448::get().value(section, actor, title, label);
  EXPECT_TRUE(v) << title << " / " << label;
  return v ? *v : ByteVec{};
}
/// A field of the §3 step with this index (for titles that repeat, like "send handshake record").
ByteVec step(int index, std::string_view label, int section = 3) {
  for (const auto* s : Rfc8448::get().section(section)) {
    if (s->index == index && s->get(label) != nullptr) return *s->get(label);
  }
  ADD_FAILURE() << "no step " << index << " / " << label;
  return {};
}

constexpr int client_hello_record = 2;
constexpr int server_hello_record = 12;
constexpr int server_flight_record = 19;
constexpr int client_finished_record = 41;
constexpr int ticket_record = 49;
constexpr int client_data_record = 51;
constexpr int server_data_record = 52;
constexpr int server_alert_record = 54;

/// Hands out the RFC's client random, then its X25519 private key.
class Scripted final : public crypto::RandomSource {
 public:
  explicit Scripted(int section) {
    const ByteVec hello = rfc("client", "construct a ClientHello", "ClientHello", section);
    bytes_.insert(bytes_.end(), hello.begin() + 6, hello.begin() + 38);
    const ByteVec priv = rfc("client", "create an ephemeral x25519", "private key", section);
    bytes_.insert(bytes_.end(), priv.begin(), priv.end());
    if (section == 5) {  // after the HelloRetryRequest, a P-256 share
      const ByteVec p256 = rfc("client", "create an ephemeral P-256", "private key", section);
      bytes_.insert(bytes_.end(), p256.begin(), p256.end());
    }
  }
  void fill(std::span<std::uint8_t> out) override {
    for (auto& b : out) {
      EXPECT_FALSE(bytes_.empty()) << "more randomness drawn than the RFC shows";
      b = bytes_.empty() ? 0 : bytes_.front();
      if (!bytes_.empty()) bytes_.pop_front();
    }
  }

 private:
  std::deque<std::uint8_t> bytes_;
};
class Clock2016 final : public crypto::Clock {
 public:
  [[nodiscard]] std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1466000000));
  }
};

/// The RFC's ClientHello, expressed as parameters.
ClientHelloParameters rfc_parameters(int section) {
  // §4 shows its hello first truncated (without the binders), whole in the record it sends.
  const ByteVec bytes = section == 4
                            ? step(4, "payload", 4)
                            : rfc("client", "construct a ClientHello", "ClientHello", section);
  auto rfc_hello = msgs::ClientHello::parse(Bytes(bytes).subspan(4));
  EXPECT_TRUE(rfc_hello);
  ClientHelloParameters p;
  p.cipher_suites = {CipherSuite::tls_aes_128_gcm_sha256, CipherSuite::tls_chacha20_poly1305_sha256,
                     CipherSuite::tls_aes_256_gcm_sha384};
  p.server_name = "server";
  p.middlebox_compatibility = false;  // RFC 8448's client sends no session id and no CCS
  const auto* groups =
      rfc_hello->extensions.get<msgs::NamedGroupList>(ExtensionType::supported_groups);
  EXPECT_NE(groups, nullptr);
  if (groups != nullptr) p.supported_groups = groups->groups;
  p.key_share_groups = {NamedGroup::x25519};
  p.signature_algorithms.clear();
  for (int s : {0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601,
                0x0201, 0x0402, 0x0502, 0x0602, 0x0202}) {
    p.signature_algorithms.push_back(static_cast<SignatureScheme>(static_cast<std::uint16_t>(s)));
  }
  p.record_size_limit = 0x4001;
  for (auto type : {ExtensionType::renegotiation_info, ExtensionType::session_ticket,
                    ExtensionType::psk_key_exchange_modes}) {
    if (const auto* e = rfc_hello->extensions.find(type)) p.extra_extensions.push_back(*e);
  }
  if (section == 5) {
    // §5's ClientHello2 adds a cookie and a padding extension; its order covers both hellos.
    const Step* second = nullptr;
    for (const Step* st : Rfc8448::get().section(section)) {
      if (st->actor == "client" && st->starts_with("construct a ClientHello")) second = st;
    }
    EXPECT_NE(second, nullptr);
    if (second == nullptr) return p;
    auto hello2 = msgs::ClientHello::parse(Bytes(*second->get("ClientHello")).subspan(4));
    EXPECT_TRUE(hello2);
    if (!hello2) return p;
    for (const auto& e : hello2->extensions.list()) p.extension_order.push_back(e.type);
    if (const auto* pad = hello2->extensions.find(ExtensionType::padding)) {
      p.retry_extra_extensions.push_back(*pad);
    }
    return p;
  }
  // The order is the RFC hello's: section 3's spelled out, others read from the hello.
  if (section != 3) {
    for (const auto& e : rfc_hello->extensions.list()) p.extension_order.push_back(e.type);
    return p;
  }
  p.extension_order = {ExtensionType::server_name,
                       ExtensionType::renegotiation_info,
                       ExtensionType::supported_groups,
                       ExtensionType::session_ticket,
                       ExtensionType::key_share,
                       ExtensionType::supported_versions,
                       ExtensionType::signature_algorithms,
                       ExtensionType::psk_key_exchange_modes,
                       ExtensionType::record_size_limit};
  return p;
}

struct Client {
  std::unique_ptr<crypto::LibcryptoProvider> provider;
  std::optional<ClientHandshake> handshake;
  ByteVec client_hello_record;
  std::vector<std::string> key_log;
  int chains_verified = 0;

  explicit Client(std::function<Status(std::span<const ByteVec>)> verifier = {}, int section = 3,
                  std::optional<ClientHelloParameters> parameters = std::nullopt) {
    auto p = crypto::LibcryptoProvider::hazmat_create_deterministic(
        std::make_unique<Scripted>(section), std::make_unique<Clock2016>());
    EXPECT_TRUE(p);
    provider = std::move(*p);
    ClientHandshakeEnvironment env;
    env.provider = provider.get();
    // The RFC's certificate is for "server" and expired in 2026; chain validation is not what
    // this test is about, so the verifier accepts it (and counts the call).
    env.verify_chain = verifier ? std::move(verifier) : [this](std::span<const ByteVec> chain) {
      EXPECT_EQ(chain.size(), 1U);
      ++chains_verified;
      return Status{};
    };
    env.key_log = [this, section](std::string_view label, Bytes random, Bytes secret) {
      const ByteVec hello = step(section == 4 ? 2 : 1, "ClientHello", section);
      EXPECT_EQ(to_hex(ByteVec(random.begin(), random.end())),
                to_hex(ByteVec(hello.begin() + 6, hello.begin() + 38)));
      EXPECT_FALSE(secret.empty());
      key_log.emplace_back(label);
    };
    auto started =
        ClientHandshake::start(parameters ? std::move(*parameters) : rfc_parameters(section),
                               std::move(env), client_hello_record);
    EXPECT_TRUE(started) << started.error().to_string();
    handshake.emplace(std::move(*started));
  }

  /// Feeds `in`; returns the records the client wrote, or the error.
  Result<ByteVec> feed(Bytes in, ByteVec* application_data = nullptr) {
    ByteVec out;
    ByteVec data;
    WIRE_CHECK(handshake->receive(in, out, data));
    if (application_data != nullptr) *application_data = data;
    return out;
  }
};

// ---------------------------------------------------------------------------------------------

class rfc8448_client_handshake : public ::testing::TestWithParam<std::size_t> {};

// RFC 8448 §4 "Resumed 0-RTT Handshake": §3's ticket offered with the §4 ClientHello (binder),
// the early data record, and after the server's flight our EndOfEarlyData and Finished, byte for
// byte.
TEST(rfc8448_client_resumption, replays_section_4_byte_for_byte) {
  const ByteVec nst_bytes = rfc("server", "construct a NewSessionTicket", "NewSessionTicket", 3);
  auto nst = msgs::NewSessionTicket::parse(Bytes(nst_bytes).subspan(4));
  ASSERT_TRUE(nst) << nst.error().to_string();
  const ByteVec hello_bytes = step(4, "payload", 4);  // the whole ClientHello
  auto hello = msgs::ClientHello::parse(Bytes(hello_bytes).subspan(4));
  ASSERT_TRUE(hello) << hello.error().to_string();
  const auto* offered = hello->extensions.get<msgs::OfferedPsks>(ExtensionType::pre_shared_key);
  ASSERT_NE(offered, nullptr);

  ClientSessionState session;
  session.suite = CipherSuite::tls_aes_128_gcm_sha256;
  session.psk = base::SecretBytes(
      rfc("server", "generate resumption secret \"tls13 resumption\"", "expanded", 3));
  session.ticket = nst->ticket;
  session.ticket_age_add = nst->ticket_age_add;
  session.lifetime_seconds = nst->ticket_lifetime;
  const auto* early = nst->extensions.get<msgs::MaxEarlyDataSize>(ExtensionType::early_data);
  ASSERT_NE(early, nullptr);
  session.max_early_data = early->value;
  // The RFC's ticket age: obfuscated_ticket_age - ticket_age_add, before Clock2016's now.
  const std::uint32_t age = offered->identities.at(0).obfuscated_ticket_age - nst->ticket_age_add;
  session.received_ms = std::uint64_t{1466000000} * 1000 - age;

  ClientHelloParameters p = rfc_parameters(4);
  if (const auto* pad = hello->extensions.find(ExtensionType::padding)) {
    p.extra_extensions.push_back(*pad);
  }
  p.resumption = session;
  p.early_data = step(8, "payload", 4);
  Client c({}, 4, std::move(p));
  ASSERT_TRUE(c.handshake);
  // ClientHello (binder included), then the early data record.
  EXPECT_EQ(to_hex(c.client_hello_record),
            to_hex(concat({step(4, "complete record", 4), step(8, "complete record", 4)})));

  auto a = c.feed(step(21, "complete record", 4));
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_TRUE(a->empty());
  auto b = c.feed(step(26, "complete record", 4));
  ASSERT_TRUE(b) << b.error().to_string();
  // EndOfEarlyData under the early keys, then Finished under the handshake keys.
  EXPECT_EQ(to_hex(*b),
            to_hex(concat({step(44, "complete record", 4), step(49, "complete record", 4)})));
  EXPECT_EQ(c.chains_verified, 0);  // RFC 8446 §2.2: no certificate on resumption
  const auto info = c.handshake->info();
  EXPECT_TRUE(info.resumed);
  EXPECT_TRUE(info.early_data_accepted);
  EXPECT_EQ(c.key_log.front(), "CLIENT_EARLY_TRAFFIC_SECRET");
  const Connected* done = c.handshake->connected();
  ASSERT_NE(done, nullptr);
  EXPECT_EQ(to_hex(vec(done->client_application_traffic_secret)),
            to_hex(rfc("server", "derive secret \"tls13 c ap traffic\"", "expanded", 4)));
  EXPECT_EQ(to_hex(vec(done->resumption_master_secret)),
            to_hex(rfc("client", "derive secret \"tls13 res master\"", "expanded", 4)));
}

TEST_P(rfc8448_client_handshake, replays_section_3_byte_for_byte) {
  const std::size_t chunk = GetParam();  // 0: whole records
  Client c;
  ASSERT_TRUE(c.handshake);
  EXPECT_EQ(to_hex(c.client_hello_record), to_hex(step(client_hello_record, "complete record")));

  // The server's records, delivered whole or in `chunk`-byte pieces.
  ByteVec server_bytes = step(server_hello_record, "complete record");
  const ByteVec flight = step(server_flight_record, "complete record");
  server_bytes.insert(server_bytes.end(), flight.begin(), flight.end());
  ByteVec written;
  if (chunk == 0) {
    auto a = c.feed(step(server_hello_record, "complete record"));
    ASSERT_TRUE(a) << a.error().to_string();
    EXPECT_TRUE(a->empty());
    EXPECT_TRUE(std::holds_alternative<ExpectEncryptedExtensions>(c.handshake->state()));
    auto b = c.feed(flight);
    ASSERT_TRUE(b) << b.error().to_string();
    written = *b;
  } else {
    for (std::size_t off = 0; off < server_bytes.size(); off += chunk) {
      auto part =
          c.feed(Bytes(server_bytes).subspan(off, std::min(chunk, server_bytes.size() - off)));
      ASSERT_TRUE(part) << part.error().to_string();
      written.insert(written.end(), part->begin(), part->end());
    }
  }
  EXPECT_EQ(c.chains_verified, 1);
  EXPECT_EQ(to_hex(written), to_hex(step(client_finished_record, "complete record")));

  const Connected* done = c.handshake->connected();
  ASSERT_NE(done, nullptr);
  EXPECT_EQ(done->negotiated.suite, CipherSuite::tls_aes_128_gcm_sha256);
  EXPECT_EQ(to_hex(vec(done->client_application_traffic_secret)),
            to_hex(rfc("server", "derive secret \"tls13 c ap traffic\"", "expanded")));
  EXPECT_EQ(to_hex(vec(done->server_application_traffic_secret)),
            to_hex(rfc("server", "derive secret \"tls13 s ap traffic\"", "expanded")));
  EXPECT_EQ(to_hex(vec(done->exporter_master_secret)),
            to_hex(rfc("server", "derive secret \"tls13 exp master\"", "expanded")));
  EXPECT_EQ(to_hex(vec(done->resumption_master_secret)),
            to_hex(rfc("client", "derive secret \"tls13 res master\"", "expanded")));
  const KeyDerivation kd(*c.provider, crypto::HashAlgorithm::sha256);
  auto client_keys = kd.traffic_keys(done->client_application_traffic_secret.span(),
                                     crypto::AeadAlgorithm::aes_128_gcm);
  auto server_keys = kd.traffic_keys(done->server_application_traffic_secret.span(),
                                     crypto::AeadAlgorithm::aes_128_gcm);
  ASSERT_TRUE(client_keys && server_keys);
  EXPECT_EQ(to_hex(vec(client_keys->key)), to_hex(step(42, "key expanded")));
  EXPECT_EQ(to_hex(vec(client_keys->iv)), to_hex(step(42, "iv expanded")));
  EXPECT_EQ(to_hex(vec(server_keys->key)), to_hex(step(23, "key expanded")));
  EXPECT_EQ(to_hex(vec(server_keys->iv)), to_hex(step(23, "iv expanded")));
  EXPECT_EQ(c.key_log,
            (std::vector<std::string>{"CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                                      "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
                                      "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"}));

  // The NewSessionTicket, then the server's application data.
  auto ticket = c.feed(step(ticket_record, "complete record"));
  ASSERT_TRUE(ticket) << ticket.error().to_string();
  EXPECT_TRUE(ticket->empty());
  EXPECT_EQ(c.handshake->connected()->tickets_received, 1U);
  ByteVec data;
  auto app = c.feed(step(server_data_record, "complete record"), &data);
  ASSERT_TRUE(app) << app.error().to_string();
  EXPECT_EQ(to_hex(data), to_hex(step(server_data_record, "payload")));

  ByteVec ours;
  ASSERT_TRUE(c.handshake->write(step(client_data_record, "payload"), ours));
  EXPECT_EQ(to_hex(ours), to_hex(step(client_data_record, "complete record")));

  // The server's close_notify ends the connection; anything after it is ignored.
  auto closed = c.feed(step(server_alert_record, "complete record"));
  ASSERT_TRUE(closed) << closed.error().to_string();
  EXPECT_TRUE(c.handshake->peer_closed());
  EXPECT_FALSE(c.handshake->received_alert());
  ByteVec after;
  EXPECT_TRUE(c.feed(step(server_data_record, "complete record"), &after));
  EXPECT_TRUE(after.empty());
}

INSTANTIATE_TEST_SUITE_P(feeding, rfc8448_client_handshake, ::testing::Values(0, 1, 7, 100),
                         [](const auto& p) {
                           return p.param == 0 ? std::string("whole_records")
                                               : "chunks_of_" + std::to_string(p.param);
                         });

// ---------------------------------------------------------------------------------------------
// Tampered servers. The ServerHello is re-encoded plaintext; the encrypted flight is re-sealed
// with the RFC's server handshake keys (valid as long as the ServerHello is the RFC's).

ByteVec plaintext_record(ContentType type, Bytes payload) {
  record::RecordWriter w;
  ByteVec out;
  EXPECT_TRUE(w.write(type, payload, out));
  return out;
}

msgs::ServerHello rfc_server_hello() {
  const ByteVec bytes = rfc("server", "construct a ServerHello", "ServerHello");
  auto sh = msgs::ServerHello::parse(Bytes(bytes).subspan(4));
  EXPECT_TRUE(sh);
  return *sh;
}

ByteVec encode(const msgs::HandshakeMessage& m) {
  auto e = msgs::encode_message(m);
  EXPECT_TRUE(e);
  return e ? *e : ByteVec{};
}

template <class T>
T rfc_message(std::string_view title, std::string_view label, std::size_t hash_length = 32) {
  const ByteVec bytes = rfc("server", title, label);
  auto view = msgs::parse_handshake(bytes);
  EXPECT_TRUE(view);
  auto m = msgs::parse_message(*view, hash_length);
  EXPECT_TRUE(m);
  return std::get<T>(*m);
}

struct Flight {
  msgs::EncryptedExtensions ee = rfc_message<msgs::EncryptedExtensions>(
      "construct an EncryptedExtensions", "EncryptedExtensions");
  msgs::Certificate cert = rfc_message<msgs::Certificate>("construct a Certificate", "Certificate");
  msgs::CertificateVerify cv =
      rfc_message<msgs::CertificateVerify>("construct a CertificateVerify", "CertificateVerify");
  msgs::Finished fin = rfc_message<msgs::Finished>("construct a Finished", "Finished");
};

/// Records sealed with the RFC's server handshake key, one per payload.
ByteVec sealed(const crypto::CryptoProvider& p,
               const std::vector<std::pair<ContentType, ByteVec>>& payloads) {
  TrafficKeys keys{base::SecretBytes(step(13, "key expanded")),
                   base::SecretBytes(step(13, "iv expanded"))};
  auto prot = record::Protection::create(p, crypto::AeadAlgorithm::aes_128_gcm, keys);
  EXPECT_TRUE(prot);
  ByteVec out;
  for (const auto& [type, payload] : payloads) {
    auto rec = prot->seal(type, payload);
    EXPECT_TRUE(rec);
    out.insert(out.end(), rec->begin(), rec->end());
  }
  return out;
}

/// Drives a fresh client with the given ServerHello, then (if not empty) the given flight.
/// The alert a refusal carries and the field it names (so the intended check fired).
struct Refusal {
  Alert alert;
  std::string_view field;
  friend bool operator==(const Refusal&, const Refusal&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Refusal& r) {
    return os << "alert " << static_cast<int>(r.alert) << " at " << r.field;
  }
};

Refusal refused_with(const msgs::ServerHello& sh,
                     const std::vector<std::pair<ContentType, ByteVec>>& flight = {},
                     std::function<Status(std::span<const ByteVec>)> verifier = {}) {
  Client c(std::move(verifier));
  auto hello = c.feed(plaintext_record(ContentType::handshake, encode(sh)));
  if (!hello) {
    return {hello.error().alert, hello.error().field};
  }
  auto rest = c.feed(sealed(*c.provider, flight));
  EXPECT_FALSE(rest) << "tampered server accepted";
  return rest ? Refusal{Alert::close_notify, "accepted"}
              : Refusal{rest.error().alert, rest.error().field};
}

std::vector<std::pair<ContentType, ByteVec>> handshake_flight(const Flight& f) {
  return {{ContentType::handshake,
           concat({encode(f.ee), encode(f.cert), encode(f.cv), encode(f.fin)})}};
}

/// Randomness that counts 0, 1, 2, ...: which byte went where shows in the hello. `draws`, if
/// given, counts the calls.
class Counting final : public crypto::RandomSource {
 public:
  explicit Counting(int* draws = nullptr) : draws_(draws) {}
  void fill(std::span<std::uint8_t> out) override {
    if (draws_ != nullptr) ++*draws_;
    for (auto& b : out) b = next_++;
  }

 private:
  int* draws_;
  std::uint8_t next_ = 0;
};

// The client random, the session id and the key share come from consecutive, distinct bytes of
// the random stream (the random and the session id from one draw): none is reused, and the
// order known-answer tests rely on (random, session id, key share) holds.
TEST(rfc8448_client_randomness, random_session_id_and_key_share_are_consecutive_and_distinct) {
  for (const bool session_id : {true, false}) {
    auto provider = crypto::LibcryptoProvider::hazmat_create_deterministic(
        std::make_unique<Counting>(), std::make_unique<Clock2016>());
    ASSERT_TRUE(provider);
    ClientHandshakeEnvironment env;
    env.provider = provider->get();
    env.verify_chain = [](std::span<const ByteVec>) { return Status{}; };
    ClientHelloParameters params = rfc_parameters(3);
    params.middlebox_compatibility = session_id;
    ByteVec record;
    auto started = ClientHandshake::start(std::move(params), std::move(env), record);
    ASSERT_TRUE(started) << started.error().to_string();
    auto hello = msgs::ClientHello::parse(Bytes(record).subspan(5 + 4));
    ASSERT_TRUE(hello) << hello.error().to_string();
    const auto counting = [](std::size_t from, std::size_t n) {
      ByteVec bytes(n);
      for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<std::uint8_t>(from + i);
      return bytes;
    };
    EXPECT_EQ(ByteVec(hello->random.begin(), hello->random.end()), counting(0, 32));
    EXPECT_EQ(hello->legacy_session_id, session_id ? counting(32, 32) : ByteVec{});
    const auto* shares = hello->extensions.get<msgs::KeyShareClientHello>(ExtensionType::key_share);
    ASSERT_NE(shares, nullptr);
    ASSERT_EQ(shares->shares.size(), 1U);
    auto expected =
        (*provider)->key_share_from_private(NamedGroup::x25519, counting(session_id ? 64 : 32, 32));
    ASSERT_TRUE(expected);
    EXPECT_EQ(to_hex(shares->shares[0].key_exchange),
              to_hex(ByteVec((*expected)->public_key().begin(), (*expected)->public_key().end())))
        << "session id " << session_id;
  }
}

// A ClientHello that offers TLS 1.2 too draws its random, session id, key share and the private
// key of a TLS 1.2 ECDHE share in one call (key_share_seed.hpp: each draw is a system call in
// OpenSSL 3.0), and nothing more before the server answers.
TEST(rfc8448_client_randomness, one_draw_for_the_whole_hello_tls12_key_included) {
  int draws = 0;
  auto provider = crypto::LibcryptoProvider::hazmat_create_deterministic(
      std::make_unique<Counting>(&draws), std::make_unique<Clock2016>());
  ASSERT_TRUE(provider);
  ClientHandshakeEnvironment env;
  env.provider = provider->get();
  env.verify_chain = [](std::span<const ByteVec>) { return Status{}; };
  ClientHelloParameters params;
  params.middlebox_compatibility = true;
  params.tls12_cipher_suites = {CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256};
  ByteVec record;
  auto started = ClientHandshake::start(std::move(params), std::move(env), record);
  ASSERT_TRUE(started) << started.error().to_string();
  auto hello = msgs::ClientHello::parse(Bytes(record).subspan(5 + 4));
  ASSERT_TRUE(hello) << hello.error().to_string();
  EXPECT_EQ(hello->legacy_session_id.size(), 32U);
  EXPECT_TRUE(hello->extensions.contains(ExtensionType::key_share));
  EXPECT_EQ(draws, 1);
}

// A key share from drawn bytes is the provider's share of that private key; a P-256 scalar out
// of range is replaced by a fresh share rather than refused.
TEST(key_share_seed, shares_come_from_the_seed_or_afresh_when_it_is_unusable) {
  auto provider = crypto::LibcryptoProvider::create();
  ASSERT_TRUE(provider);
  const auto& p = **provider;
  EXPECT_EQ(key_share_seed_length(NamedGroup::x25519), 32U);
  EXPECT_EQ(key_share_seed_length(NamedGroup::secp384r1), 48U);
  EXPECT_EQ(key_share_seed_length(NamedGroup::x25519mlkem768), 96U);
  EXPECT_EQ(key_share_seed_length(NamedGroup::x448), 0U);
  for (const NamedGroup group :
       {NamedGroup::x25519, NamedGroup::secp256r1, NamedGroup::x25519mlkem768}) {
    const ByteVec seed(key_share_seed_length(group), 0x07);
    auto from_seed = key_share_from_seed(p, group, seed);
    auto expected = p.key_share_from_private(group, seed);
    ASSERT_TRUE(from_seed && expected);
    EXPECT_EQ(to_hex(ByteVec((*from_seed)->public_key().begin(), (*from_seed)->public_key().end())),
              to_hex(ByteVec((*expected)->public_key().begin(), (*expected)->public_key().end())));
  }
  // All-ones is above P-256's order n: not a private key.
  const ByteVec too_large(32, 0xff);
  ASSERT_FALSE(p.key_share_from_private(NamedGroup::secp256r1, too_large));
  auto fresh = key_share_from_seed(p, NamedGroup::secp256r1, too_large);
  ASSERT_TRUE(fresh) << fresh.error().to_string();
  EXPECT_EQ((*fresh)->group(), NamedGroup::secp256r1);
  EXPECT_EQ((*fresh)->public_key().size(), 65U);
}

TEST(rfc8448_client_refuses, untampered_flight_is_accepted) {
  Client c;
  ASSERT_TRUE(c.feed(plaintext_record(ContentType::handshake, encode(rfc_server_hello()))));
  auto out = c.feed(sealed(*c.provider, handshake_flight(Flight{})));
  ASSERT_TRUE(out) << out.error().to_string();
  EXPECT_EQ(to_hex(*out), to_hex(step(client_finished_record, "complete record")));
}

TEST(rfc8448_client_refuses, wrong_session_id_echo) {
  auto sh = rfc_server_hello();
  sh.legacy_session_id_echo = ByteVec(32, 0x42);
  EXPECT_EQ(refused_with(sh),
            (Refusal{Alert::illegal_parameter, "ServerHello.legacy_session_id_echo"}));
}

TEST(rfc8448_client_refuses, unoffered_cipher_suite) {
  auto sh = rfc_server_hello();
  sh.cipher_suite = static_cast<CipherSuite>(0x1304);  // TLS_AES_128_CCM_SHA256, not offered
  EXPECT_EQ(refused_with(sh), (Refusal{Alert::illegal_parameter, "ServerHello.cipher_suite"}));
}

TEST(rfc8448_client_refuses, tls12_downgrade_sentinels) {
  for (const std::uint8_t last : {std::uint8_t{0x00}, std::uint8_t{0x01}}) {
    msgs::ServerHello sh = rfc_server_hello();
    sh.has_extensions = false;
    sh.extensions = {};
    const std::array<std::uint8_t, 8> sentinel{0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, last};
    std::copy(sentinel.begin(), sentinel.end(), sh.random.begin() + 24);
    EXPECT_EQ(refused_with(sh), (Refusal{Alert::illegal_parameter, "ServerHello.random"}))
        << int{last};
  }
  // Without the sentinel a TLS 1.2 answer is simply a version we did not offer.
  msgs::ServerHello sh = rfc_server_hello();
  sh.has_extensions = false;
  sh.extensions = {};
  EXPECT_EQ(refused_with(sh), (Refusal{Alert::protocol_version, "ServerHello.legacy_version"}));
}

TEST(rfc8448_client_refuses, supported_versions_below_tls13) {
  // RFC 8446 §4.2.1 (illegal_parameter). A supported_versions that does not select TLS 1.3 makes
  // the hello a TLS 1.2 one, where the codec's §4.2 table already refuses the extension; the
  // state machine checks again (defence in depth), unreachable through the codec.
  auto sh = rfc_server_hello();
  for (auto& e : sh.extensions.list()) {
    if (e.type == ExtensionType::supported_versions) e.body = msgs::SelectedVersion{0x0303};
  }
  EXPECT_EQ(refused_with(sh), (Refusal{Alert::illegal_parameter, "extensions"}));
}

TEST(rfc8448_client_refuses, key_share_for_a_group_we_sent_no_share_for) {
  auto sh = rfc_server_hello();
  for (auto& e : sh.extensions.list()) {
    if (e.type == ExtensionType::key_share) {
      ByteVec point(65, 0x01);
      point[0] = 0x04;
      e.body = msgs::KeyShareServerHello{{NamedGroup::secp256r1, point}};
    }
  }
  EXPECT_EQ(refused_with(sh), (Refusal{Alert::illegal_parameter, "ServerHello.key_share"}));
}

TEST(rfc8448_client_refuses, missing_key_share) {
  auto sh = rfc_server_hello();
  auto& list = sh.extensions.list();
  list.erase(std::remove_if(list.begin(), list.end(),
                            [](const auto& e) { return e.type == ExtensionType::key_share; }),
             list.end());
  EXPECT_EQ(refused_with(sh), (Refusal{Alert::missing_extension, "ServerHello.key_share"}));
}

TEST(rfc8448_client_refuses, unsolicited_pre_shared_key) {
  auto sh = rfc_server_hello();
  sh.extensions.list().push_back({ExtensionType::pre_shared_key, msgs::SelectedIdentity{0}});
  EXPECT_EQ(refused_with(sh), (Refusal{Alert::unsupported_extension, "ServerHello.extensions"}));
}

TEST(rfc8448_client_refuses, forbidden_extension_in_encrypted_extensions) {
  Flight f;
  f.ee.extensions.list().push_back(
      {ExtensionType::key_share, msgs::KeyShareServerHello{{NamedGroup::x25519, ByteVec(32, 9)}}});
  EXPECT_EQ(refused_with(rfc_server_hello(), handshake_flight(f)),
            (Refusal{Alert::illegal_parameter, "extensions"}));
}

TEST(rfc8448_client_refuses, unsolicited_alpn_in_encrypted_extensions) {
  Flight f;
  f.ee.extensions.list().push_back({ExtensionType::application_layer_protocol_negotiation,
                                    msgs::ProtocolNameList{{ByteVec{'h', '2'}}}});
  EXPECT_EQ(refused_with(rfc_server_hello(), handshake_flight(f)),
            (Refusal{Alert::unsupported_extension, "EncryptedExtensions.extensions"}));
}

TEST(rfc8448_client_refuses, empty_certificate) {
  Flight f;
  f.cert.certificate_list.clear();
  EXPECT_EQ(refused_with(rfc_server_hello(), handshake_flight(f)),
            (Refusal{Alert::decode_error, "Certificate.certificate_list"}));
}

TEST(rfc8448_client_refuses, server_certificate_with_a_request_context) {
  Flight f;
  f.cert.certificate_request_context = ByteVec{1};
  EXPECT_EQ(refused_with(rfc_server_hello(), handshake_flight(f)),
            (Refusal{Alert::illegal_parameter, "Certificate.certificate_request_context"}));
}

TEST(rfc8448_client_refuses, second_certificate_request) {
  const Flight f;
  msgs::CertificateRequest cr;
  cr.extensions =
      msgs::Extensions({{ExtensionType::signature_algorithms,
                         msgs::SignatureSchemeList{{SignatureScheme::ecdsa_secp256r1_sha256}}}});
  EXPECT_EQ(refused_with(rfc_server_hello(), {{ContentType::handshake,
                                               concat({encode(f.ee), encode(cr), encode(cr)})}}),
            (Refusal{Alert::unexpected_message, "Certificate"}));
}

TEST(rfc8448_client_refuses, chain_rejected_by_verifier) {
  EXPECT_EQ(refused_with(rfc_server_hello(), handshake_flight(Flight{}),
                         [](std::span<const ByteVec>) -> Status {
                           return wire::fail(Alert::bad_certificate, "chain", "untrusted");
                         }),
            (Refusal{Alert::bad_certificate, "chain"}));
}

TEST(rfc8448_client_refuses, bad_certificate_verify_signature) {
  Flight f;
  f.cv.signature.at(10) ^= 0x01U;
  EXPECT_EQ(refused_with(rfc_server_hello(), handshake_flight(f)),
            (Refusal{Alert::decrypt_error, "CertificateVerify.signature"}));
}

TEST(rfc8448_client_refuses, certificate_verify_scheme_not_offered) {
  Flight f;
  f.cv.algorithm = SignatureScheme::ed448;
  EXPECT_EQ(refused_with(rfc_server_hello(), handshake_flight(f)),
            (Refusal{Alert::illegal_parameter, "CertificateVerify.algorithm"}));
}

TEST(rfc8448_client_refuses, certificate_verify_with_pkcs1_even_if_offered) {
  Flight f;  // the RFC's hello offers rsa_pkcs1_sha256 (for certificates)
  f.cv.algorithm = SignatureScheme::rsa_pkcs1_sha256;
  EXPECT_EQ(refused_with(rfc_server_hello(), handshake_flight(f)),
            (Refusal{Alert::illegal_parameter, "CertificateVerify.algorithm"}));
}

TEST(rfc8448_client_refuses, bad_finished) {
  Flight f;
  f.fin.verify_data.back() ^= 0x80U;
  EXPECT_EQ(refused_with(rfc_server_hello(), handshake_flight(f)),
            (Refusal{Alert::decrypt_error, "Finished.verify_data"}));
}

TEST(rfc8448_client_refuses, messages_out_of_order) {
  const Flight f;
  // Certificate before EncryptedExtensions.
  EXPECT_EQ(refused_with(rfc_server_hello(),
                         {{ContentType::handshake, concat({encode(f.cert), encode(f.ee)})}}),
            (Refusal{Alert::unexpected_message, "EncryptedExtensions"}));
  // Finished without CertificateVerify.
  EXPECT_EQ(refused_with(
                rfc_server_hello(),
                {{ContentType::handshake, concat({encode(f.ee), encode(f.cert), encode(f.fin)})}}),
            (Refusal{Alert::unexpected_message, "CertificateVerify"}));
  // Finished without any authentication.
  EXPECT_EQ(refused_with(rfc_server_hello(),
                         {{ContentType::handshake, concat({encode(f.ee), encode(f.fin)})}}),
            (Refusal{Alert::unexpected_message, "Certificate"}));
  // A second ServerHello.
  EXPECT_EQ(
      refused_with(rfc_server_hello(), {{ContentType::handshake, encode(rfc_server_hello())}}),
      (Refusal{Alert::unexpected_message, "EncryptedExtensions"}));
}

TEST(rfc8448_client_refuses, application_data_before_server_finished) {
  const Flight f;
  EXPECT_EQ(refused_with(rfc_server_hello(),
                         {{ContentType::handshake, concat({encode(f.ee), encode(f.cert)})},
                          {ContentType::application_data, ByteVec{'h', 'i'}}}),
            (Refusal{Alert::unexpected_message, "application_data"}));
}

TEST(rfc8448_client_refuses, first_message_not_server_hello) {
  Client c;
  const Flight f;
  auto r = c.feed(plaintext_record(ContentType::handshake, encode(f.ee)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().alert, Alert::unexpected_message);
}

TEST(rfc8448_client_refuses, change_cipher_spec_with_wrong_value) {
  Client c;
  auto ok = c.feed(plaintext_record(ContentType::change_cipher_spec, ByteVec{0x01}));
  EXPECT_TRUE(ok) << "a 0x01 change_cipher_spec before the server's Finished is dropped";
  Client d;
  auto bad = d.feed(plaintext_record(ContentType::change_cipher_spec, ByteVec{0x02}));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().alert, Alert::unexpected_message);
}

TEST(rfc8448_client_refuses, change_cipher_spec_record_holding_two) {
  // RFC 8446 §5: only "a record of type change_cipher_spec consisting of the single byte value
  // 0x01" is dropped; "01 01" (two CCS messages in one record) is "any other
  // change_cipher_spec value": unexpected_message. Of two separate 0x01 records, the first (the
  // one a §D.4 server sends) is dropped and the second refused (max_dummy_change_cipher_specs).
  Client two_records;
  EXPECT_TRUE(two_records.feed(plaintext_record(ContentType::change_cipher_spec, ByteVec{0x01})));
  auto second = two_records.feed(plaintext_record(ContentType::change_cipher_spec, ByteVec{0x01}));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().alert, Alert::unexpected_message);
  Client one_record;
  auto bad =
      one_record.feed(plaintext_record(ContentType::change_cipher_spec, ByteVec{0x01, 0x01}));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().alert, Alert::unexpected_message);
}

}  // namespace
}  // namespace sanstls::native::handshake

namespace sanstls::native::handshake {
namespace {

void complete_handshake(Client& c) {
  ASSERT_TRUE(c.feed(step(server_hello_record, "complete record")));
  auto finished = c.feed(step(server_flight_record, "complete record"));
  ASSERT_TRUE(finished) << finished.error().to_string();
  ASSERT_NE(c.handshake->connected(), nullptr);
}

record::Protection protection(const crypto::CryptoProvider& p, Bytes secret) {
  const KeyDerivation kd(p, crypto::HashAlgorithm::sha256);
  auto keys = kd.traffic_keys(secret, crypto::AeadAlgorithm::aes_128_gcm);
  EXPECT_TRUE(keys);
  auto prot = record::Protection::create(p, crypto::AeadAlgorithm::aes_128_gcm, *keys);
  EXPECT_TRUE(prot);
  return std::move(*prot);
}

/// Opens every record in `records` with `prot`; returns (type, content) of the last one.
std::pair<ContentType, ByteVec> open_all(record::Protection prot, Bytes records) {
  record::RecordReader reader;
  EXPECT_TRUE(reader.set_protection(std::move(prot)));
  reader.feed(records);
  std::pair<ContentType, ByteVec> last{ContentType::invalid, {}};
  for (;;) {
    auto in = reader.next();
    EXPECT_TRUE(in) << in.error().to_string();
    if (!in || !*in) break;
    last = {(*in)->type, (*in)->data};
  }
  return last;
}

TEST(rfc8448_client_post_handshake, key_update_requested_by_the_server) {
  Client c;
  complete_handshake(c);
  if (::testing::Test::HasFatalFailure()) return;
  EXPECT_EQ(c.handshake->connected()->negotiated.peer_record_size_limit, 0x4001);
  ASSERT_TRUE(c.feed(step(ticket_record, "complete record")));
  ASSERT_TRUE(c.feed(step(server_data_record, "complete record")));

  // The server's writer has sealed two records (ticket, data); its third is the KeyUpdate.
  const ByteVec s_ap = rfc("server", "derive secret \"tls13 s ap traffic\"", "expanded");
  const ByteVec c_ap = rfc("server", "derive secret \"tls13 c ap traffic\"", "expanded");
  auto server = protection(*c.provider, s_ap);
  ASSERT_TRUE(server.seal(ContentType::application_data, ByteVec{1}));
  ASSERT_TRUE(server.seal(ContentType::application_data, ByteVec{2}));
  auto update = msgs::KeyUpdate{KeyUpdateRequest::update_requested}.encode();
  ASSERT_TRUE(update);
  auto update_record = server.seal(ContentType::handshake, *update);
  ASSERT_TRUE(update_record);
  auto answer = c.feed(*update_record);
  ASSERT_TRUE(answer) << answer.error().to_string();

  // RFC 8446 §4.6.3: the client answers update_not_requested under its current keys...
  const auto [type, content] = open_all(protection(*c.provider, c_ap), *answer);
  EXPECT_EQ(type, ContentType::handshake);
  EXPECT_EQ(to_hex(content), "1800000100");

  // ...and both directions move to application_traffic_secret_1.
  const KeyDerivation kd(*c.provider, crypto::HashAlgorithm::sha256);
  auto s_ap1 = kd.next_traffic_secret(s_ap);
  auto c_ap1 = kd.next_traffic_secret(c_ap);
  ASSERT_TRUE(s_ap1 && c_ap1);
  auto server1 = protection(*c.provider, s_ap1->span());
  auto data_record = server1.seal(ContentType::application_data, ByteVec{'a', 'f', 't'});
  ASSERT_TRUE(data_record);
  ByteVec data;
  ASSERT_TRUE(c.feed(*data_record, &data));
  EXPECT_EQ(data, (ByteVec{'a', 'f', 't'}));
  ByteVec ours;
  ASSERT_TRUE(c.handshake->write(ByteVec{'p', 'i', 'n', 'g'}, ours));
  const auto [type1, content1] = open_all(protection(*c.provider, c_ap1->span()), ours);
  EXPECT_EQ(type1, ContentType::application_data);
  EXPECT_EQ(content1, (ByteVec{'p', 'i', 'n', 'g'}));
}

TEST(rfc8448_client_post_handshake, change_cipher_spec_after_handshake_is_refused) {
  Client c;
  complete_handshake(c);
  if (::testing::Test::HasFatalFailure()) return;
  auto r = c.feed(plaintext_record(ContentType::change_cipher_spec, ByteVec{0x01}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().alert, Alert::unexpected_message);
}

TEST(rfc8448_client_refuses, encrypted_extensions_in_the_server_hello_record) {
  // RFC 8446 §5.1: messages preceding a key change must end at a record boundary.
  Client c;
  const Flight f;
  auto r = c.feed(
      plaintext_record(ContentType::handshake, concat({encode(rfc_server_hello()), encode(f.ee)})));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().alert, Alert::unexpected_message);
  EXPECT_EQ(r.error().field, "Handshake");
}

TEST(rfc8448_client_refuses, nothing_after_a_failure) {
  Client c;
  auto sh = rfc_server_hello();
  sh.cipher_suite = static_cast<CipherSuite>(0x1304);
  ASSERT_FALSE(c.feed(plaintext_record(ContentType::handshake, encode(sh))));
  auto again = c.feed(step(server_hello_record, "complete record"));
  ASSERT_FALSE(again);
  ByteVec out;
  EXPECT_FALSE(c.handshake->write(ByteVec{1}, out));
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace sanstls::native::handshake

namespace sanstls::native::handshake {
namespace {

/// RFC 8448 §6: the server asks for a client certificate. We have none yet, so we answer with an
/// empty Certificate (RFC 8446 §4.4.2) and our Finished; everything up to the server's Finished
/// must still match the RFC, and our two messages must be what the transcript says.
TEST(rfc8448_client_handshake_section_6, certificate_request_gets_an_empty_certificate) {
  constexpr int s6 = 6;
  Client c({}, s6);
  ASSERT_TRUE(c.handshake);
  EXPECT_EQ(to_hex(c.client_hello_record), to_hex(step(2, "complete record", s6)));
  ASSERT_TRUE(c.feed(step(12, "complete record", s6)));
  auto out = c.feed(step(20, "complete record", s6));
  ASSERT_TRUE(out) << out.error().to_string();
  const Connected* done = c.handshake->connected();
  ASSERT_NE(done, nullptr);
  EXPECT_EQ(to_hex(vec(done->client_application_traffic_secret)),
            to_hex(rfc("server", "derive secret \"tls13 c ap traffic\"", "expanded", s6)));
  EXPECT_EQ(to_hex(vec(done->server_application_traffic_secret)),
            to_hex(rfc("server", "derive secret \"tls13 s ap traffic\"", "expanded", s6)));

  // What we sent, opened with the RFC's client handshake keys.
  const ByteVec c_hs = rfc("server", "derive secret \"tls13 c hs traffic\"", "expanded", s6);
  record::RecordReader reader;
  ASSERT_TRUE(reader.set_protection(protection(*c.provider, c_hs)));
  reader.feed(*out);
  std::vector<ByteVec> sent;
  for (;;) {
    auto in = reader.next();
    ASSERT_TRUE(in) << in.error().to_string();
    if (!*in) break;
    EXPECT_EQ((*in)->type, ContentType::handshake);
    sent.push_back((*in)->data);
  }
  ASSERT_EQ(sent.size(), 2U);
  EXPECT_EQ(to_hex(sent[0]), "0b00000400000000");  // empty context, no certificates

  Transcript t(*c.provider);
  ASSERT_TRUE(t.select_hash(crypto::HashAlgorithm::sha256));
  t.add(rfc("client", "construct a ClientHello", "ClientHello", s6));
  for (const char* title :
       {"construct a ServerHello handshake", "construct an EncryptedExtensions handshake",
        "construct a CertificateRequest handshake", "construct a Certificate handshake",
        "construct a CertificateVerify handshake", "construct a Finished handshake"}) {
    const Step* found = nullptr;
    for (const Step* st : Rfc8448::get().section(s6)) {
      if (st->actor == "server" && st->title.rfind(title, 0) == 0) {
        found = st;
        break;
      }
    }
    ASSERT_NE(found, nullptr) << title;
    t.add(found->fields.front().value);
  }
  t.add(sent[0]);
  auto h = t.current_hash();
  ASSERT_TRUE(h);
  const KeyDerivation kd(*c.provider, crypto::HashAlgorithm::sha256);
  auto verify_data = kd.finished_verify_data(c_hs, *h);
  ASSERT_TRUE(verify_data);
  EXPECT_EQ(to_hex(sent[1]), "14000020" + to_hex(vec(*verify_data)));
}

}  // namespace
}  // namespace sanstls::native::handshake

namespace sanstls::native::handshake {
namespace {

TEST(rfc8448_client_refuses, a_fatal_alert_from_the_server_is_reported_not_echoed) {
  Client c;
  msgs::AlertMessage alert{msgs::AlertLevel::fatal, Alert::handshake_failure};
  auto bytes = alert.encode();
  ASSERT_TRUE(bytes);
  auto r = c.feed(plaintext_record(ContentType::alert, *bytes));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().alert, Alert::handshake_failure);
  EXPECT_EQ(c.handshake->received_alert(), Alert::handshake_failure);
}

}  // namespace
}  // namespace sanstls::native::handshake

namespace sanstls::native::handshake {
namespace {

/// RFC 8448 §5: the client offers X25519, the server prefers P-256 and sends a HelloRetryRequest
/// with a cookie. Our ClientHello2 (P-256 share, cookie, the RFC's padding), our Finished over
/// message_hash(ClientHello1) || HelloRetryRequest || ... and the application secrets must be
/// the RFC's byte for byte.
TEST(rfc8448_client_handshake_section_5, hello_retry_request_replayed_byte_for_byte) {
  constexpr int s5 = 5;
  Client c({}, s5);
  ASSERT_TRUE(c.handshake);
  EXPECT_EQ(to_hex(c.client_hello_record), to_hex(step(2, "complete record", s5)));
  auto hello2 = c.feed(step(4, "complete record", s5));
  ASSERT_TRUE(hello2) << hello2.error().to_string();
  EXPECT_EQ(to_hex(*hello2), to_hex(step(7, "complete record", s5)));
  EXPECT_TRUE(c.handshake->info().hello_retry_request);
  EXPECT_FALSE(c.handshake->info().cipher_suite);

  auto sh = c.feed(step(17, "complete record", s5));
  ASSERT_TRUE(sh) << sh.error().to_string();
  EXPECT_TRUE(sh->empty());
  auto fin = c.feed(step(24, "complete record", s5));
  ASSERT_TRUE(fin) << fin.error().to_string();
  EXPECT_EQ(to_hex(*fin), to_hex(step(46, "complete record", s5)));
  EXPECT_EQ(c.chains_verified, 1);

  const Connected* done = c.handshake->connected();
  ASSERT_NE(done, nullptr);
  EXPECT_EQ(to_hex(vec(done->client_application_traffic_secret)),
            to_hex(rfc("server", "derive secret \"tls13 c ap traffic\"", "expanded", s5)));
  EXPECT_EQ(to_hex(vec(done->server_application_traffic_secret)),
            to_hex(rfc("server", "derive secret \"tls13 s ap traffic\"", "expanded", s5)));
  EXPECT_EQ(to_hex(vec(done->exporter_master_secret)),
            to_hex(rfc("server", "derive secret \"tls13 exp master\"", "expanded", s5)));
  EXPECT_EQ(to_hex(vec(done->resumption_master_secret)),
            to_hex(rfc("client", "derive secret \"tls13 res master\"", "expanded", s5)));
  const auto info = c.handshake->info();
  EXPECT_EQ(info.cipher_suite, CipherSuite::tls_aes_128_gcm_sha256);
  EXPECT_EQ(info.group, NamedGroup::secp256r1);
  EXPECT_TRUE(info.hello_retry_request);
  EXPECT_TRUE(info.handshake_complete);
  EXPECT_FALSE(info.alpn_protocol);

  // The server's close_notify (§5 ends with alerts both ways).
  ASSERT_TRUE(c.feed(step(53, "complete record", s5)));
  EXPECT_TRUE(c.handshake->peer_closed());
  ByteVec ours;
  ASSERT_TRUE(c.handshake->close_notify(ours));
  EXPECT_EQ(to_hex(ours), to_hex(step(52, "complete record", s5)));
}

}  // namespace
}  // namespace sanstls::native::handshake

namespace sanstls::native::handshake {
namespace {

/// The Error (with its Refusal tag) a tampered ServerHello / flight ends in.
Error error_of(const msgs::ServerHello& sh,
               const std::vector<std::pair<ContentType, ByteVec>>& flight = {},
               std::function<Status(std::span<const ByteVec>)> verifier = {}) {
  Client c(std::move(verifier));
  auto hello = c.feed(plaintext_record(ContentType::handshake, encode(sh)));
  if (!hello) return hello.error();
  auto rest = c.feed(sealed(*c.provider, flight));
  EXPECT_FALSE(rest) << "tampered server accepted";
  return rest ? Error{Alert::close_notify, "accepted", ""} : rest.error();
}

TEST(rfc8448_client_refusal_tags, versions) {
  msgs::ServerHello tls12 = rfc_server_hello();
  tls12.has_extensions = false;
  tls12.extensions = {};
  const Error e12 = error_of(tls12);
  EXPECT_EQ(e12.alert, Alert::protocol_version);
  EXPECT_EQ(e12.refusal, wire::Refusal::tls12_only_peer);

  msgs::ServerHello tls11 = tls12;
  tls11.legacy_version = 0x0302;
  const Error e11 = error_of(tls11);
  EXPECT_EQ(e11.alert, Alert::protocol_version);
  EXPECT_EQ(e11.refusal, wire::Refusal::forbidden_versions);

  // A downgrade sentinel is an attack, not an old peer: illegal_parameter, untagged.
  msgs::ServerHello sentinel = tls12;
  const std::array<std::uint8_t, 8> downgrd{0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x01};
  std::copy(downgrd.begin(), downgrd.end(), sentinel.random.begin() + 24);
  const Error es = error_of(sentinel);
  EXPECT_EQ(es.alert, Alert::illegal_parameter);
  EXPECT_EQ(es.refusal, wire::Refusal::none);
}

TEST(rfc8448_client_refusal_tags, unoffered_cipher_suite) {
  auto sh = rfc_server_hello();
  sh.cipher_suite = static_cast<CipherSuite>(0x1304);
  EXPECT_EQ(error_of(sh).refusal, wire::Refusal::unoffered_cipher_suite);
}

TEST(rfc8448_client_refusal_tags, missing_server_certificate) {
  Flight f;
  f.cert.certificate_list.clear();
  const Error e = error_of(rfc_server_hello(), handshake_flight(f));
  EXPECT_EQ(e.alert, Alert::decode_error);
  EXPECT_EQ(e.refusal, wire::Refusal::missing_server_certificate);
}

TEST(rfc8448_client_refusal_tags, peer_chain_refused_keeps_the_verifiers_error) {
  const Error e = error_of(rfc_server_hello(), handshake_flight(Flight{}),
                           [](std::span<const ByteVec>) -> Status {
                             return wire::fail(Alert::certificate_expired, "chain", "expired");
                           });
  EXPECT_EQ(e.alert, Alert::certificate_expired);
  EXPECT_EQ(e.field, "chain");
  EXPECT_EQ(e.reason, "expired");
  EXPECT_EQ(e.refusal, wire::Refusal::peer_chain_refused);
}

}  // namespace
}  // namespace sanstls::native::handshake

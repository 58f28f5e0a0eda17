// SPDX-License-Identifier: Apache-2.0 OR MIT
// Post-handshake floods on encrypted records (docs/limits.md, issue #7): a TLS 1.3 peer that,
// once the handshake is done, sends KeyUpdate or NewSessionTicket storms, endless empty
// records, warning alerts or a post-handshake message that never completes gets a clear error
// and a closed session — never unbounded memory or CPU.
//
// A forged peer needs the session keys: a real handshake runs between the victim (every
// engine, client and server) and a sanstls peer whose hazmat key log hands us its application
// traffic secret. The native engine's key schedule and record protection then seal records as
// that peer, continuing its sequence numbers (sanstls servers send no tickets, so neither side
// sent a record under the application keys when the handshake ends; the first forged record
// is application data the victim must read, which proves the keys and sequence are right).
//
// Memory is measured with mallinfo2() as in limits_test.cpp; CPU is bounded by counting what
// the victim did per input byte (records, receive calls, output bytes), never by timing.
#include <sanstls/hazmat/hazmat.hpp>
#include <sanstls/sanstls.hpp>

#include "core/limits.hpp"
#include "native/crypto/libcrypto_provider.hpp"
#include "native/key_schedule.hpp"
#include "native/msgs/key_update.hpp"
#include "native/msgs/new_session_ticket.hpp"
#include "native/record/protection.hpp"
#include "support/engines.hpp"
#include "support/session_pair.hpp"
#include "support/test_pki.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iostream>
#include <malloc.h>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sanstls::test {
namespace {

namespace limits = core::limits;
using Bytes = std::vector<std::byte>;
using native::ContentType;

/// Heap growth a flooded session may cause (docs/limits.md).
constexpr std::size_t memory_cap = 2 * 1024 * 1024;

std::size_t heap_in_use() { return mallinfo2().uordblks; }

Bytes to_std_bytes(const std::vector<std::uint8_t>& in) {
  Bytes out(in.size());
  std::transform(in.begin(), in.end(), out.begin(), [](std::uint8_t b) { return std::byte{b}; });
  return out;
}

/// The secret of an NSS key log line "LABEL <client_random> <secret>", or nothing.
std::optional<std::vector<std::uint8_t>> secret_from_key_log(const std::vector<std::string>& lines,
                                                             std::string_view label) {
  const std::string prefix = std::string(label) + " ";
  for (const auto& line : lines) {
    if (!line.starts_with(prefix)) continue;
    const auto space = line.rfind(' ');
    const std::string hex = line.substr(space + 1);
    if (hex.size() % 2 != 0) return std::nullopt;
    std::vector<std::uint8_t> secret;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
      secret.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    }
    return secret;
  }
  return std::nullopt;
}

/// Seals records as one side of an established TLS 1.3 session, from its application traffic
/// secret: what a malicious peer with its own keys can send.
class Forger {
 public:
  static std::unique_ptr<Forger> create(CipherSuite suite, std::vector<std::uint8_t> secret) {
    auto params = native::suite_params(static_cast<native::CipherSuite>(suite));
    auto provider = native::crypto::LibcryptoProvider::create();
    if (!params || !provider) return nullptr;
    auto forger = std::unique_ptr<Forger>(new Forger(std::move(*provider), *params));
    forger->secret_ = native::SecretBytes(std::span<const std::uint8_t>(secret));
    if (!forger->rekey()) return nullptr;
    return forger;
  }

  /// One protected record carrying `content` of `type` and `padding` zeros.
  Bytes seal(ContentType type, std::span<const std::uint8_t> content, std::size_t padding = 0) {
    auto sealed = protection_->seal(type, content, padding);
    EXPECT_TRUE(sealed) << "sealing failed";
    return sealed ? to_std_bytes(*sealed) : Bytes{};
  }

  /// A KeyUpdate, after which this side sends under its next traffic secret (RFC 8446 §7.2).
  Bytes key_update(bool update_requested) {
    native::msgs::KeyUpdate update{
        .request_update = update_requested ? native::KeyUpdateRequest::update_requested
                                           : native::KeyUpdateRequest::update_not_requested};
    Bytes out = seal(ContentType::handshake, *update.encode());
    auto next = derivation_.next_traffic_secret(secret_.span());
    EXPECT_TRUE(next);
    secret_ = std::move(*next);
    EXPECT_TRUE(rekey());
    return out;
  }

  /// A well-formed NewSessionTicket with a distinct nonce and ticket.
  Bytes new_session_ticket(std::size_t i) {
    native::msgs::NewSessionTicket ticket;
    ticket.ticket_lifetime = 7200;
    ticket.ticket_age_add = static_cast<std::uint32_t>(i * 2654435761U);
    ticket.ticket_nonce = {static_cast<std::uint8_t>(i >> 8U), static_cast<std::uint8_t>(i)};
    ticket.ticket.assign(64, static_cast<std::uint8_t>(i));
    auto encoded = ticket.encode();
    EXPECT_TRUE(encoded);
    return seal(ContentType::handshake, *encoded);
  }

  Bytes alert(std::uint8_t level, Alert description) {
    const std::array<std::uint8_t, 2> body{level, static_cast<std::uint8_t>(description)};
    return seal(ContentType::alert, body);
  }

  Bytes application_data(std::string_view text) {
    return seal(ContentType::application_data,
                {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  }

 private:
  Forger(std::unique_ptr<native::crypto::LibcryptoProvider> provider, native::SuiteParams params)
      : provider_(std::move(provider)), params_(params), derivation_(*provider_, params.hash) {}

  bool rekey() {
    auto keys = derivation_.traffic_keys(secret_.span(), params_.aead);
    if (!keys) return false;
    auto protection = native::record::Protection::create(*provider_, params_.aead, *keys);
    if (!protection) return false;
    protection_.emplace(std::move(*protection));
    return true;
  }

  std::unique_ptr<native::crypto::LibcryptoProvider> provider_;
  native::SuiteParams params_;
  native::KeyDerivation derivation_;
  native::SecretBytes secret_;
  std::optional<native::record::Protection> protection_;
};

/// A TLS 1.3 session between a victim and a real peer, established, plus a Forger that sends as
/// the peer.
class Established {
 public:
  Established(Backend victim_engine, bool victim_is_server, Backend peer_engine)
      : victim_is_server_(victim_is_server) {
    const TestPki& pki = TestPki::shared();
    auto settings = std::make_shared<hazmat::Settings>();
    settings->key_log = [this](std::string_view line) { key_log_.emplace_back(line); };
    ClientOptions client_options{.trust = pki.trust_store(),
                                 .policy = Policy::tls13_only(),
                                 .backend = victim_is_server ? peer_engine : victim_engine};
    ServerOptions server_options{.policy = Policy::tls13_only(),
                                 .backend = victim_is_server ? victim_engine : peer_engine};
    (victim_is_server ? client_options.hazmat : server_options.hazmat) = settings;
    // The forged records continue the server's write sequence from the end of the handshake:
    // the server sends no tickets of its own (they would take those sequence numbers).
    server_options.session_tickets = 0;
    client_tls_ = std::make_unique<ClientTLS>("localhost", client_options);
    server_tls_ = std::make_unique<ServerTLS>(pki.server(), server_options);
    pair_ = std::make_unique<SessionPair>(*client_tls_, *server_tls_);
  }
  Established(const Established&) = delete;
  Established& operator=(const Established&) = delete;

  /// Runs the handshake, builds the forger and proves it with one application data record.
  void start() {
    ASSERT_TRUE(pair_->handshake())
        << (pair_->first_error() ? pair_->first_error()->to_string() : std::string{"no error"});
    ASSERT_TRUE(pair_->client().outbox.empty() && pair_->server().outbox.empty());
    const SessionInfo& info = victim().session->info();
    ASSERT_EQ(info.version, ProtocolVersion::tls13);
    ASSERT_TRUE(info.cipher_suite.has_value());
    auto secret = secret_from_key_log(
        key_log_, victim_is_server_ ? "CLIENT_TRAFFIC_SECRET_0" : "SERVER_TRAFFIC_SECRET_0");
    ASSERT_TRUE(secret) << "no traffic secret in the peer's key log";
    forger_ = Forger::create(*info.cipher_suite, *secret);
    ASSERT_TRUE(forger_);
    auto received = victim().session->receive_data(forger_->application_data("forged hello"));
    ASSERT_TRUE(received) << received.error().to_string();
    ASSERT_EQ(std::string(reinterpret_cast<const char*>(received->data()), received->size()),
              "forged hello");
  }

  Endpoint& victim() { return victim_is_server_ ? pair_->server() : pair_->client(); }
  Forger& forger() { return *forger_; }

 private:
  bool victim_is_server_;
  std::vector<std::string> key_log_;
  std::unique_ptr<ClientTLS> client_tls_;
  std::unique_ptr<ServerTLS> server_tls_;
  std::unique_ptr<SessionPair> pair_;
  std::unique_ptr<Forger> forger_;
};

struct FloodResult {
  std::optional<Error> error;
  std::size_t fed = 0;
  std::size_t records = 0;
  std::size_t calls = 0;
  std::size_t output = 0;
  std::size_t write_calls = 0;
  std::size_t data = 0;
  std::size_t peak_heap_growth = 0;
  SessionState state = SessionState::established;
  bool closed = false;
};

/// Feeds pieces of `records_per_piece` records made by `next(i)` to the victim until it fails or
/// `max_records` were fed.
FloodResult flood(Endpoint& victim, const std::function<Bytes(std::size_t)>& next,
                  std::size_t records_per_piece, std::size_t max_records) {
  FloodResult result;
  const std::size_t heap_before = heap_in_use();
  const std::size_t writes_before = victim.write_calls;
  const std::size_t closes_before = victim.closes.size();
  Bytes application_data;
  while (result.records < max_records) {
    // The piece is the harness's memory, not the victim's: measured and left out.
    const std::size_t heap_before_piece = heap_in_use();
    Bytes piece;
    for (std::size_t k = 0; k < records_per_piece; ++k) {
      const Bytes r = next(result.records + k);
      piece.insert(piece.end(), r.begin(), r.end());
    }
    const std::size_t heap_after_piece = heap_in_use();
    const std::size_t harness =
        heap_after_piece > heap_before_piece ? heap_after_piece - heap_before_piece : 0;
    auto received = victim.session->receive_data(piece, application_data);
    result.fed += piece.size();
    result.records += records_per_piece;
    ++result.calls;
    result.output += victim.outbox.size();
    Bytes().swap(victim.outbox);  // what the victim sent is the transport's, not its memory
    result.data += application_data.size();
    Bytes().swap(application_data);
    const std::size_t heap = heap_in_use();
    result.peak_heap_growth = std::max(
        result.peak_heap_growth, heap > heap_before + harness ? heap - heap_before - harness : 0);
    if (!received) {
      result.error = received.error();
      break;
    }
  }
  result.write_calls = victim.write_calls - writes_before;
  result.state = victim.session->state();
  result.closed = victim.closes.size() > closes_before;
  return result;
}

std::string describe(const FloodResult& r) {
  return fmt::format(
      "{} after {} records / {} bytes in {} calls; victim sent {} bytes in {} writes; heap +{} "
      "KiB",
      r.error ? r.error->to_string() : std::string{"no error"}, r.records, r.fed, r.calls, r.output,
      r.write_calls, r.peak_heap_growth / 1024);
}

/// How a victim ends a flood: the code, the alert it sent (none: std::nullopt) and a fragment
/// of the message.
struct Outcome {
  Errc code;
  std::optional<Alert> alert;
  std::string_view fragment;
};

/// The core's own bounds (core/limits.hpp), which stop a flood that the engine lets through.
constexpr Outcome core_record_bound{Errc::limit_exceeded, std::nullopt,
                                    "records in a row without application data"};
constexpr Outcome core_byte_bound{Errc::limit_exceeded, std::nullopt,
                                  "KiB in a row without application data"};
/// An engine's own flood limit, said alike by every engine (core::refusals).
constexpr std::string_view too_many_post_handshake =
    "the peer sent too many KeyUpdate or other post-handshake messages in a row (a flood)";
constexpr std::string_view unexpected_message_text =
    "the peer sent an unexpected TLS message (one not allowed at this point) (unexpected_message "
    "alert sent)";

/// The session failed with `expected`, within the records the core allows in a row without
/// data (plus the piece in which that happened).
void expect_bounded_failure(const FloodResult& r, std::size_t records_per_piece,
                            const Outcome& expected) {
  std::cout << "    " << describe(r) << "\n";
  ASSERT_TRUE(r.error) << "the flood was accepted: " << describe(r);
  EXPECT_EQ(r.error->code, expected.code) << describe(r);
  EXPECT_EQ(r.error->alert_sent, expected.alert) << describe(r);
  EXPECT_NE(r.error->message.find(expected.fragment), std::string::npos)
      << "expected '" << expected.fragment << "': " << describe(r);
  EXPECT_EQ(r.state, SessionState::invalidated);
  EXPECT_TRUE(r.closed) << "the close callback must run";
  EXPECT_LE(r.records, limits::max_records_without_data + records_per_piece) << describe(r);
  EXPECT_LE(r.peak_heap_growth, memory_cap) << describe(r);
  // Work per input byte: the victim's answers never outgrow what it was fed, and it wrote at
  // most once per call (coalesced output).
  EXPECT_LE(r.output, r.fed + 1024) << describe(r);
  EXPECT_LE(r.write_calls, r.calls) << describe(r);
}

/// The peer engine: OpenSSL when this build has it (tickets off, so it sends nothing after its
/// Finished), else the victim's own engine.
Backend peer_engine(Backend victim) {
  const auto engines = available_engines();
  return std::find(engines.begin(), engines.end(), Backend::openssl) != engines.end()
             ? Backend::openssl
             : victim;
}

class PostHandshakeFloodTest : public ::testing::TestWithParam<std::tuple<Backend, bool>> {
 protected:
  void SetUp() override {
    const auto [engine, victim_is_server] = GetParam();
    std::cout << "    victim: " << backend_name(engine)
              << (victim_is_server ? " server" : " client")
              << ", peer: " << backend_name(peer_engine(engine)) << "\n";
    session_ = std::make_unique<Established>(engine, victim_is_server, peer_engine(engine));
    session_->start();
  }
  [[nodiscard]] bool victim_is_server() const { return std::get<1>(GetParam()); }
  [[nodiscard]] Backend engine() const { return std::get<0>(GetParam()); }
  /// The outcome on the victim's engine. Engines differ where their TLS library applies a
  /// bound of its own before the core's (GnuTLS: its handshake-packet counter; OpenSSL: empty
  /// records and oversized messages; native: its post-handshake message counters): each then
  /// reports its own bound, in its own words.
  [[nodiscard]] Outcome on(const Outcome& openssl, const Outcome& gnutls,
                           const Outcome& native) const {
    switch (engine()) {
      case Backend::openssl:
        return openssl;
      case Backend::gnutls:
        return gnutls;
      case Backend::native:
        return native;
    }
    return {Errc::internal_error, std::nullopt, "unknown engine"};
  }
  /// GnuTLS's and the native engine's own KeyUpdate bounds. GnuTLS's is said in the shared
  /// limit_exceeded text; the native engine names its RFC step.
  [[nodiscard]] Outcome key_update_storm() const {
    return on(
        core_record_bound,
        // GnuTLS picks the alert for its own limit: internal_error.
        {Errc::limit_exceeded, Alert::internal_error, too_many_post_handshake},
        victim_is_server()
            ? Outcome{Errc::bad_tls_data, Alert::unexpected_message, "KeyUpdate: too many in a row"}
            : Outcome{Errc::bad_tls_data, Alert::unexpected_message,
                      "post-handshake messages: too many without application data"});
  }
  /// Tickets: a server refuses the first (each engine in its words); clients count them.
  [[nodiscard]] Outcome ticket_storm() const {
    if (victim_is_server()) {
      // OpenSSL and GnuTLS say it by the alert sent; the native engine names its RFC step.
      const Outcome unexpected{Errc::bad_tls_data, Alert::unexpected_message,
                               unexpected_message_text};
      return on(unexpected, unexpected,
                {Errc::bad_tls_data, Alert::unexpected_message,
                 "post-handshake: unexpected handshake message (unexpected_message alert sent)"});
    }
    return on(core_record_bound, core_record_bound,
              {Errc::bad_tls_data, Alert::unexpected_message,
               "post-handshake messages: too many without application data"});
  }
  /// A post-handshake message announcing 16 MiB: OpenSSL and native refuse the length, GnuTLS
  /// buffers until the core's byte bound.
  [[nodiscard]] Outcome never_completing_message() const {
    return on({Errc::limit_exceeded, Alert::illegal_parameter,
               "the peer sent a handshake message larger than allowed (a message that never "
               "completes, or a flood)"},
              core_byte_bound,
              {Errc::bad_tls_data, Alert::decode_error,
               "Handshake.length: message larger than allowed (decode_error alert sent)"});
  }
  Endpoint& victim() { return session_->victim(); }
  Forger& forger() { return session_->forger(); }

  std::unique_ptr<Established> session_;
};

constexpr std::size_t records_per_piece = 64;
constexpr std::size_t max_flood_records = 16 * 1024;

TEST_P(PostHandshakeFloodTest, KeyUpdateStormWithUpdateRequested) {
  auto r = flood(
      victim(), [&](std::size_t) { return forger().key_update(true); }, records_per_piece,
      max_flood_records);
  expect_bounded_failure(r, records_per_piece, key_update_storm());
}

TEST_P(PostHandshakeFloodTest, KeyUpdateStormWithoutRequests) {
  auto r = flood(
      victim(), [&](std::size_t) { return forger().key_update(false); }, records_per_piece,
      max_flood_records);
  expect_bounded_failure(r, records_per_piece, key_update_storm());
}

TEST_P(PostHandshakeFloodTest, NewSessionTicketStorm) {
  // A client must accept tickets; a server must refuse the first one (RFC 8446 §4.6.1: only
  // servers send them).
  auto r = flood(
      victim(), [&](std::size_t i) { return forger().new_session_ticket(i); }, records_per_piece,
      max_flood_records);
  expect_bounded_failure(r, records_per_piece, ticket_storm());
  if (victim_is_server()) {
    EXPECT_EQ(r.records, records_per_piece) << "a server must refuse the first ticket";
  }
}

TEST_P(PostHandshakeFloodTest, NewSessionTicketBurstInOneCall) {
  // The same storm, 1024 tickets per receive_data() call: however many post-handshake messages
  // one call carries, the engine reports the limit it applies, never an internal error (GnuTLS
  // returns "again" after each ticket; that alone must not look like a stuck library).
  constexpr std::size_t burst = 1024;
  auto r = flood(
      victim(), [&](std::size_t i) { return forger().new_session_ticket(i); }, burst,
      max_flood_records);
  expect_bounded_failure(r, burst, ticket_storm());
}

TEST_P(PostHandshakeFloodTest, EmptyApplicationDataRecords) {
  auto r = flood(
      victim(), [&](std::size_t) { return forger().seal(ContentType::application_data, {}); },
      records_per_piece, max_flood_records);
  // OpenSSL refuses empty application data records itself; the others count them.
  expect_bounded_failure(r, records_per_piece,
                         on({Errc::limit_exceeded, Alert::unexpected_message,
                             "the peer sent too many empty records in a row (a flood)"},
                            core_record_bound, core_record_bound));
}

TEST_P(PostHandshakeFloodTest, EmptyRecordsWithMaximalPadding) {
  // Each record is a full 16 KiB of ciphertext yielding nothing: the work is decryption, still
  // cut off after the same number of records.
  auto r = flood(
      victim(),
      [&](std::size_t) {
        return forger().seal(ContentType::application_data, {}, native::max_plaintext_length - 1);
      },
      8, 2048);
  expect_bounded_failure(r, 8, core_byte_bound);
}

TEST_P(PostHandshakeFloodTest, UserCanceledWarningAlerts) {
  // RFC 8446 §6.1: user_canceled is the one alert besides close_notify that is not an error; a
  // peer repeating it forever must still be cut off.
  auto r = flood(
      victim(), [&](std::size_t) { return forger().alert(1, Alert::user_canceled); },
      records_per_piece, max_flood_records);
  // OpenSSL and GnuTLS end the session at the first one (and report it as fatal; libssl answers
  // it with unexpected_message, GnuTLS with nothing); the native engine skips them like empty
  // records until the core's bound.
  const std::string_view ended = "the peer sent a fatal user_canceled alert";
  expect_bounded_failure(r, records_per_piece,
                         on({Errc::alert_received, Alert::unexpected_message, ended},
                            {Errc::alert_received, std::nullopt, ended}, core_record_bound));
}

TEST_P(PostHandshakeFloodTest, WarningLevelErrorAlertIsFatal) {
  // RFC 8446 §6: the alerts of §6.2 "MUST be treated as error alerts when received regardless of
  // the AlertLevel in the message".
  auto r = flood(
      victim(), [&](std::size_t) { return forger().alert(1, Alert::unexpected_message); }, 1,
      max_flood_records);
  expect_bounded_failure(
      r, 1, {Errc::alert_received, std::nullopt, "the peer sent a fatal unexpected_message alert"});
  EXPECT_EQ(r.records, 1U) << describe(r);
}

TEST_P(PostHandshakeFloodTest, PostHandshakeMessageThatNeverCompletes) {
  // A NewSessionTicket (to a server: a KeyUpdate) announcing 16 MiB, sent in full records that
  // never finish it: engines buffer what they may, the core stops the records.
  const auto type = static_cast<std::uint8_t>(victim_is_server() ? 24 : 4);
  auto r = flood(
      victim(),
      [&](std::size_t i) {
        std::vector<std::uint8_t> body(native::max_plaintext_length, 0x5a);
        if (i == 0) {
          body[0] = type;
          body[1] = body[2] = body[3] = 0xff;
        }
        return forger().seal(ContentType::handshake, body);
      },
      8, 2048);
  expect_bounded_failure(r, 8, never_completing_message());
}

TEST_P(PostHandshakeFloodTest, PostHandshakeMessageThatNeverCompletesInOneCall) {
  // The same in one receive_data() call of 4 MiB that starts with application data: the engine
  // must not be handed all of it.
  const auto type = static_cast<std::uint8_t>(victim_is_server() ? 24 : 4);
  auto r = flood(
      victim(),
      [&](std::size_t i) {
        if (i == 0) return forger().application_data("x");
        std::vector<std::uint8_t> body(native::max_plaintext_length, 0x5a);
        if (i == 1) {
          body[0] = type;
          body[1] = body[2] = body[3] = 0xff;
        }
        return forger().seal(ContentType::handshake, body);
      },
      257, 257);
  expect_bounded_failure(r, 257, never_completing_message());
}

TEST_P(PostHandshakeFloodTest, ManyTinyRecordsAreADataStream) {
  // One byte of application data per record: a legitimate (if wasteful) data stream. Not cut
  // off, but the victim's memory stays bounded and it does nothing beyond decrypting each record:
  // no output, every byte delivered.
  auto r = flood(
      victim(), [&](std::size_t) { return forger().application_data("x"); }, 512, 8 * 1024);
  std::cout << "    " << describe(r) << "\n";
  ASSERT_FALSE(r.error) << describe(r);
  EXPECT_EQ(r.data, r.records);
  EXPECT_EQ(r.output, 0U);
  EXPECT_EQ(r.write_calls, 0U);
  EXPECT_LE(r.peak_heap_growth, memory_cap) << describe(r);
  EXPECT_EQ(r.state, SessionState::established);
}

TEST_P(PostHandshakeFloodTest, DataInterleavedWithKeyUpdatesStaysProportional) {
  // A peer that mixes data with KeyUpdates (requested) is a data stream to the core: it is not
  // cut off by the count, but what the victim sends stays proportional to what it received, and
  // its memory stays bounded. GnuTLS alone refuses it: it accepts at most 8 KeyUpdates per
  // second, data or not (docs/backends.md, KeyUpdate).
  auto r = flood(
      victim(),
      [&](std::size_t i) {
        return i % 2 == 0 ? forger().key_update(true) : forger().application_data("x");
      },
      64, 4096);
  std::cout << "    " << describe(r) << "\n";
  if (engine() == Backend::gnutls) {
    ASSERT_TRUE(r.error) << "GnuTLS accepted more than 8 KeyUpdates in a second: " << describe(r);
    EXPECT_EQ(r.error->code, Errc::limit_exceeded) << describe(r);
    EXPECT_EQ(r.error->alert_sent, Alert::internal_error) << describe(r);
    EXPECT_NE(r.error->message.find(too_many_post_handshake), std::string::npos) << describe(r);
    EXPECT_EQ(r.state, SessionState::invalidated);
  } else {
    ASSERT_FALSE(r.error) << describe(r);
    EXPECT_EQ(r.data, r.records / 2);
  }
  EXPECT_LE(r.output, r.fed + 1024) << describe(r);
  EXPECT_LE(r.write_calls, r.calls) << describe(r);
  EXPECT_LE(r.peak_heap_growth, memory_cap) << describe(r);
}

std::vector<std::tuple<Backend, bool>> victims() {
  std::vector<std::tuple<Backend, bool>> out;
  for (Backend engine : available_engines()) {
    for (bool server : {false, true}) out.emplace_back(engine, server);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Victims, PostHandshakeFloodTest, ::testing::ValuesIn(victims()),
                         [](const auto& param_info) {
                           return std::string(backend_name(std::get<0>(param_info.param))) +
                                  (std::get<1>(param_info.param) ? "_server" : "_client");
                         });

}  // namespace
}  // namespace sanstls::test

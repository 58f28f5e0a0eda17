// SPDX-License-Identifier: Apache-2.0 OR MIT
// Conformance: session resumption with tickets (RFC 8446 §2.2, §4.6.1; RFC 5077 with RFC 7627)
// on every engine pair. A case is skipped, with the reason, when an engine of the pair does not
// report the capability (BackendCapabilities::resumption / ticket_key_history); it runs as soon
// as the engine reports it.

#include "conformance/conformance.hpp"
#include "conformance/hello_records.hpp"

#include <fmt/format.h>

#include <functional>
#include <mutex>
#include <set>

namespace sanstls::test {
namespace {

using hello_records::join_records;
using hello_records::parse_hello;
using hello_records::serialize_hello;
using hello_records::split_records;

/// Why the pair cannot run a `version` resumption case, or nullopt.
std::optional<std::string> missing_resumption(const EnginePair& engines, ProtocolVersion version) {
  for (const Backend backend : {engines.client, engines.server}) {
    const auto versions = backend_capabilities(backend).resumption;
    if (std::find(versions.begin(), versions.end(), version) == versions.end()) {
      return fmt::format("the {} engine does not resume {} sessions (backends() capabilities)",
                         backend_name(backend), version_name(version));
    }
  }
  return std::nullopt;
}

#define SANSTLS_SKIP_UNLESS_RESUMING(version)                        \
  if (const auto reason = missing_resumption(GetParam(), version)) { \
    GTEST_SKIP() << *reason;                                         \
  }

/// A SessionStore that records what it hands out (to prove a ticket is offered once) and can
/// leak: with `keep_on_forget` it keeps copies of what forget() should drop (to offer a ticket
/// the client would have forgotten, and see the server refuse it).
class RecordingStore final : public SessionStore {
 public:
  void put(std::string_view key, StoredSession session) override {
    std::lock_guard lock(mutex_);
    ++puts;
    last_key_ = key;
    if (keep_on_forget) {
      leaked_.emplace_back(session.bytes().begin(), session.bytes().end());
    }
    inner_.put(key, std::move(session));
  }
  StoredSession take(std::string_view key) override {
    std::lock_guard lock(mutex_);
    StoredSession session = inner_.take(key);
    if (!session.empty()) {
      const std::vector<std::byte> bytes(session.bytes().begin(), session.bytes().end());
      reused = reused || !taken_.insert(bytes).second;
      ++takes;
    }
    return session;
  }
  void forget(std::string_view key) override {
    std::lock_guard lock(mutex_);
    ++forgets;
    inner_.forget(key);
  }
  /// Puts the leaked copies back (newest last).
  void restore_leaked() {
    std::lock_guard lock(mutex_);
    for (const auto& bytes : leaked_) {
      inner_.put(last_key_,
                 StoredSession(bytes, std::chrono::system_clock::now() + std::chrono::hours(1)));
    }
  }
  [[nodiscard]] std::size_t size() const { return inner_.size(); }

  bool keep_on_forget = false;
  std::size_t puts = 0;
  std::size_t takes = 0;
  std::size_t forgets = 0;
  bool reused = false;

 private:
  mutable std::mutex mutex_;
  MemorySessionStore inner_;
  std::set<std::vector<std::byte>> taken_;
  std::vector<std::vector<std::byte>> leaked_;
  std::string last_key_;
};

/// A clock the test moves.
struct TestClock {
  std::shared_ptr<std::chrono::system_clock::time_point> now =
      std::make_shared<std::chrono::system_clock::time_point>(std::chrono::system_clock::now());
  Clock clock() const {
    return [now = now] { return *now; };
  }
};

/// Which side of a session sends the fatal alert.
enum class AlertFrom { client, server };

class ResumptionTest : public Conformance {
 protected:
  struct Outcome {
    bool ok = false;
    SessionInfo client;
    SessionInfo server;
    std::string error;
    std::string server_error;
  };

  /// One connection: handshake, a round trip of data (the client reads its tickets), and a
  /// clean close on both sides.
  static Outcome connect(const ClientTLS& client_tls, const ServerTLS& server_tls) {
    SessionPair pair(client_tls, server_tls);
    Outcome outcome;
    // Flights delivered in pieces first: an engine that says "resumed" before it read the
    // server's ALPN failed the core's check (GnuTLS reports resumption from the ServerHello).
    for (int step = 0; step < 20; ++step) {
      pair.pump([](std::size_t waiting) { return waiting / 2 + 1; });
    }
    if (!pair.handshake()) {
      outcome.error = pair.first_error() ? pair.first_error()->to_string() : "no handshake";
      if (pair.server().error) outcome.server_error = pair.server().error->to_string();
      return outcome;
    }
    outcome.client = pair.client().session->info();
    outcome.server = pair.server().session->info();
    if (!pair.client().session->write_data("ping") || !pair.server().session->write_data("pong")) {
      outcome.error = "write_data failed";
      return outcome;
    }
    pair.pump();
    (void)pair.client().session->finish();
    pair.pump();
    (void)pair.server().session->finish();
    pair.pump();
    outcome.ok = pair.first_error() == nullptr && pair.client().received_text() == "pong" &&
                 pair.server().received_text() == "ping";
    if (!outcome.ok) {
      outcome.error = pair.first_error() ? pair.first_error()->to_string() : "data lost";
    }
    return outcome;
  }

  static std::vector<std::vector<std::byte>> ders(const std::vector<Certificate>& chain) {
    std::vector<std::vector<std::byte>> out;
    for (const auto& certificate : chain) {
      const auto der = certificate.der();
      out.emplace_back(der.begin(), der.end());
    }
    return out;
  }

  /// The pair's client options for a `version` case: capped at TLS 1.2 for TLS 1.2, the
  /// defaults (which negotiate TLS 1.3) otherwise.
  [[nodiscard]] ClientOptions client_options_for(ProtocolVersion version) const {
    return version == ProtocolVersion::tls12 ? tls12_client_options() : client_options();
  }

  /// A full handshake then a resumed one with the same configurations; checks both sides say
  /// resumed and the resumed session keeps ALPN, SNI and both peer chains.
  void expect_resumes(ClientOptions client_opts, ServerOptions server_opts) {
    client_opts.alpn = {"h2"};
    server_opts.alpn = {"http/1.1", "h2"};
    const ClientTLS client_tls = client(client_opts);
    const ServerTLS server_tls = server(server_opts);
    const Outcome first = connect(client_tls, server_tls);
    ASSERT_TRUE(first.ok) << first.error;
    EXPECT_FALSE(first.client.resumed);
    EXPECT_FALSE(first.server.resumed);
    const Outcome second = connect(client_tls, server_tls);
    ASSERT_TRUE(second.ok) << second.error << " (server: " << second.server_error << ")";
    EXPECT_TRUE(second.client.resumed) << "the client did not resume";
    EXPECT_TRUE(second.server.resumed) << "the server did not resume";
    EXPECT_EQ(second.client.version, first.client.version);
    EXPECT_EQ(second.client.alpn, "h2");
    EXPECT_EQ(second.server.alpn, "h2");
    EXPECT_EQ(second.server.server_name, "localhost");
    EXPECT_EQ(second.client.server_name, first.client.server_name);
    EXPECT_TRUE(second.client.peer_verified);
    EXPECT_FALSE(second.client.peer_certificates.empty());
    EXPECT_EQ(ders(second.client.peer_certificates), ders(first.client.peer_certificates));
    EXPECT_EQ(ders(second.server.peer_certificates), ders(first.server.peer_certificates));
    EXPECT_EQ(second.server.peer_verified, first.server.peer_verified);
  }

  /// expect_resumes() with a client certificate the server requires.
  void expect_resumes_with_client_certificate(ProtocolVersion version) {
    ClientOptions client_opts = client_options_for(version);
    client_opts.client_certificates = std::make_shared<ClientCertificateChain>(pki().client());
    ServerOptions server_opts = server_options();
    server_opts.client_auth = ClientAuth::required;
    server_opts.client_trust = pki().trust_store();
    expect_resumes(client_opts, server_opts);
  }

  /// A ticket is offered once (RFC 8446 §C.4; RFC 5077 tickets alike): the offered ticket leaves
  /// the store when the session starts, and every generation of tickets keeps the ALPN.
  void expect_ticket_offered_once(ProtocolVersion version) {
    const bool tls13 = version == ProtocolVersion::tls13;
    // Two TLS 1.3 tickets by default (RFC 8446 §4.6.1), one RFC 5077 ticket per TLS 1.2
    // handshake.
    const std::size_t tickets = tls13 ? 2U : 1U;
    auto store = std::make_shared<RecordingStore>();
    ClientOptions client_opts = client_options_for(version);
    client_opts.session_store = store;
    client_opts.alpn = {"h2", "http/1.1"};  // kept through every generation of tickets
    const ClientTLS client_tls = client(client_opts);
    ServerOptions server_opts = server_options();
    server_opts.alpn = {"http/1.1"};
    const ServerTLS server_tls = server(server_opts);
    ASSERT_TRUE(connect(client_tls, server_tls).ok);
    ASSERT_EQ(store->size(), tickets)
        << "tickets after a full " << version_name(version) << " handshake";
    {
      // The offered ticket leaves the store when the session starts.
      SessionPair pair(client_tls, server_tls);
      EXPECT_EQ(store->size(), tickets - 1);
      ASSERT_TRUE(pair.handshake());
      EXPECT_TRUE(pair.client().session->info().resumed);
      EXPECT_EQ(pair.client().session->info().version, version);
      ASSERT_TRUE(pair.client().session->finish());
      pair.pump();
      ASSERT_TRUE(pair.server().session->finish());
      pair.pump();
    }
    constexpr std::size_t connections = 4;
    for (std::size_t i = 0; i < connections; ++i) {
      const Outcome next = connect(client_tls, server_tls);
      ASSERT_TRUE(next.ok) << next.error;
      EXPECT_EQ(next.client.version, version);
      // A TLS 1.2 server need not renew the ticket of a resumed session (RFC 5077 §3.3): the
      // client may make a full handshake between two resumptions.
      if (tls13) {
        EXPECT_TRUE(next.client.resumed) << "connection " << i << ", store " << store->size();
      }
      EXPECT_EQ(next.client.alpn, "http/1.1");
      EXPECT_EQ(next.server.alpn, "http/1.1");
    }
    if (tls13) {
      EXPECT_EQ(store->takes, 1U + connections);
    } else {
      EXPECT_GE(store->takes, 2U);
    }
    EXPECT_FALSE(store->reused) << "a " << version_name(version) << " ticket was offered twice";
  }

  /// A key rotated out still opens its tickets (when the engine keeps a key history) until the
  /// ticket lifetime has passed; then its tickets lead to full handshakes.
  void expect_rotated_key_opens_its_tickets_until_they_expire(ProtocolVersion version) {
    TestClock time;
    TicketKeys::Options key_options;
    key_options.clock = time.clock();
    key_options.rotation_interval = std::chrono::hours(1);
    key_options.ticket_lifetime = std::chrono::hours(2);
    auto keys = TicketKeys::create(key_options);
    ASSERT_TRUE(keys);
    ServerOptions server_opts = server_options();
    server_opts.ticket_keys = *keys;
    server_opts.session_tickets = 1;
    const ServerTLS server_tls = server(server_opts);
    // Two clients with a store each, both holding one ticket sealed under the first key.
    const ClientTLS first_client = client(client_options_for(version));
    const ClientTLS second_client = client(client_options_for(version));
    ASSERT_TRUE(connect(first_client, server_tls).ok);
    ASSERT_TRUE(connect(second_client, server_tls).ok);
    (*keys)->rotate();
    const Outcome after_rotation = connect(first_client, server_tls);
    ASSERT_TRUE(after_rotation.ok) << after_rotation.error;
    EXPECT_EQ(after_rotation.client.version, version);
    if (backend_capabilities(GetParam().server).ticket_key_history) {
      EXPECT_TRUE(after_rotation.server.resumed) << "a rotated-out key must open its tickets";
    } else {
      EXPECT_FALSE(after_rotation.server.resumed)
          << "the engine reports ticket_key_history=false but opened an old key's ticket";
    }
    // The ticket lifetime after the rotation has passed: the old key is erased and its ticket
    // refused, the handshake is a full one (the client still offers it: its own clock has not
    // moved).
    *time.now += std::chrono::hours(3);
    const Outcome expired = connect(second_client, server_tls);
    ASSERT_TRUE(expired.ok) << expired.error;
    EXPECT_FALSE(expired.server.resumed) << "a ticket of an erased key resumed";
    EXPECT_FALSE(expired.client.resumed);
  }

  /// A session that ends in a fatal alert, sent by `from`, drops its tickets: the client forgets
  /// them, and the server no longer resumes them when a store that leaked them offers them.
  void expect_tickets_dropped_after_fatal_alert(ProtocolVersion version, AlertFrom from) {
    const bool client_alerts = from == AlertFrom::client;
    if ((client_alerts ? GetParam().client : GetParam().server) == Backend::openssl) {
      GTEST_SKIP() << "the OpenSSL engine cannot send an alert on request (docs/backends.md)";
    }
    auto store = std::make_shared<RecordingStore>();
    store->keep_on_forget = true;
    ClientOptions client_opts = client_options_for(version);
    client_opts.session_store = store;
    const ClientTLS client_tls = client(client_opts);
    const ServerTLS server_tls = default_server();
    {
      SessionPair pair(client_tls, server_tls);
      ASSERT_TRUE(pair.handshake());
      ASSERT_TRUE(pair.client().session->write_data("ping"));
      if (client_alerts) {
        ASSERT_TRUE(pair.server().session->write_data("pong"));
      }
      pair.pump();
      ASSERT_GT(store->size(), 0U);
      if (client_alerts) {
        ASSERT_TRUE(pair.client().session->alert(Alert::internal_error));
        EXPECT_EQ(store->size(), 0U) << "tickets kept after our fatal alert";
        pair.pump();
        ASSERT_TRUE(pair.server().error) << "the server did not see the alert";
      } else {
        ASSERT_TRUE(pair.server().session->alert(Alert::internal_error));
        pair.pump();
        ASSERT_TRUE(pair.client().error) << "the client did not see the alert";
        EXPECT_EQ(store->size(), 0U) << "tickets kept after the peer's fatal alert";
      }
    }
    // The server saw the session end in an alert: its tickets no longer resume (offered through
    // a store that leaked them).
    store->restore_leaked();
    const Outcome second = connect(client_tls, server_tls);
    ASSERT_TRUE(second.ok) << second.error;
    EXPECT_FALSE(second.server.resumed) << "the server resumed a session that ended in an alert";
  }

  /// What a server made of a resuming ClientHello that the test rewrote.
  struct RewrittenHelloAnswer {
    hello_records::Hello client_hello;  // as sent
    bool accepted = false;              // the server read it without failing
    std::optional<Error> failure;       // the server's failure, when it did not accept
    bool server_resumed = false;
    std::optional<hello_records::Hello> server_hello;  // its answer, when it accepted
  };

  /// Gives `client_tls` a ticket from `server_tls`, takes the resuming ClientHello, lets
  /// `rewrite` change it (a fatal failure in `rewrite` ends the case) and hands it to a new
  /// session of `server_tls`. Call through ASSERT_NO_FATAL_FAILURE.
  static void send_rewritten_resuming_hello(
      const ClientTLS& client_tls, const ServerTLS& server_tls,
      const std::function<void(hello_records::Hello&)>& rewrite, RewrittenHelloAnswer& answer) {
    ASSERT_TRUE(connect(client_tls, server_tls).ok);
    SessionPair resuming(client_tls, server_tls);
    auto records = split_records(resuming.client().outbox);
    ASSERT_TRUE(records && !records->empty());
    auto hello = parse_hello(records->front().fragment);
    ASSERT_TRUE(hello);
    rewrite(*hello);
    if (HasFatalFailure()) return;
    records->front().fragment = serialize_hello(*hello);
    answer.client_hello = *hello;
    auto server = server_tls.start(resuming.server().callbacks());
    ASSERT_TRUE(server);
    std::vector<std::byte> ignored;
    answer.accepted = static_cast<bool>(server->receive_data(join_records(*records), ignored));
    if (server->failure() != nullptr) answer.failure = *server->failure();
    answer.server_resumed = server->info().resumed;
    if (answer.accepted) {
      auto records_back = split_records(resuming.server().outbox);
      ASSERT_TRUE(records_back && !records_back->empty());
      answer.server_hello = parse_hello(records_back->front().fragment);
      ASSERT_TRUE(answer.server_hello);
    }
  }
};
SANSTLS_INSTANTIATE_CONFORMANCE(ResumptionTest);

// Each check below runs for TLS 1.3 and, in a TestName with the Tls12 prefix, for TLS 1.2 (RFC
// 5077 tickets, RFC 7627 §5.3) through one body parameterised by the version.

TEST_P(ResumptionTest, ResumesTls13) {
  SANSTLS_SKIP_UNLESS_RESUMING(ProtocolVersion::tls13);
  expect_resumes(client_options(), server_options());
}

TEST_P(ResumptionTest, ResumesTls12WithExtendedMasterSecret) {
  SANSTLS_SKIP_UNLESS_RESUMING(ProtocolVersion::tls12);
  expect_resumes(tls12_client_options(), server_options());
}

TEST_P(ResumptionTest, TheResumedSessionsVerifyCallbackJudgesTheOriginalChain) {
  SANSTLS_SKIP_UNLESS_RESUMING(ProtocolVersion::tls13);
  const ClientTLS client_tls = client(client_options());
  const ServerTLS server_tls = server(server_options());
  ASSERT_TRUE(connect(client_tls, server_tls).ok);
  // Callbacks are per session: a later session's stricter callback must see the chain it
  // would resume with, and can refuse it.
  SessionCallbacks strict;
  std::vector<std::string> seen;
  strict.verify = [&seen](std::span<const Certificate> chain, const SessionInfo&) -> Result<void> {
    seen.push_back(chain.empty() ? std::string{} : chain.front().subject());
    return fail(Errc::certificate_rejected, "not the pinned key");
  };
  SessionPair pair(client_tls, server_tls, strict);
  EXPECT_FALSE(pair.handshake());
  ASSERT_TRUE(pair.client().error);
  EXPECT_EQ(pair.client().error->certificate_problem, CertificateProblem::rejected_by_callback)
      << pair.client().error->to_string();
  EXPECT_NE(pair.client().error->message.find("not the pinned key"), std::string::npos);
  ASSERT_EQ(seen.size(), 1U) << "the callback runs once, full handshake or resumed";
  EXPECT_NE(seen.front().find("localhost"), std::string::npos) << seen.front();
}

TEST_P(ResumptionTest, ResumedSessionKeepsTheClientCertificate) {
  SANSTLS_SKIP_UNLESS_RESUMING(ProtocolVersion::tls13);
  expect_resumes_with_client_certificate(ProtocolVersion::tls13);
}

TEST_P(ResumptionTest, Tls12ResumedSessionKeepsTheClientCertificate) {
  SANSTLS_SKIP_UNLESS_RESUMING(ProtocolVersion::tls12);
  expect_resumes_with_client_certificate(ProtocolVersion::tls12);
}

TEST_P(ResumptionTest, NoTicketsNoResumption) {
  SANSTLS_SKIP_UNLESS_RESUMING(ProtocolVersion::tls13);
  ServerOptions server_opts = server_options();
  server_opts.session_tickets = 0;
  auto store = std::make_shared<RecordingStore>();
  ClientOptions client_opts = client_options();
  client_opts.session_store = store;
  const ClientTLS client_tls = client(client_opts);
  const ServerTLS server_tls = server(server_opts);
  ASSERT_TRUE(connect(client_tls, server_tls).ok);
  EXPECT_EQ(store->puts, 0U) << "a server with session_tickets = 0 sent a ticket";
  const Outcome second = connect(client_tls, server_tls);
  ASSERT_TRUE(second.ok) << second.error;
  EXPECT_FALSE(second.client.resumed);
}

TEST_P(ResumptionTest, TicketCountIsTheConfigured) {
  SANSTLS_SKIP_UNLESS_RESUMING(ProtocolVersion::tls13);
  for (const std::uint8_t count : {std::uint8_t{1}, std::uint8_t{3}}) {
    ServerOptions server_opts = server_options();
    server_opts.session_tickets = count;
    auto store = std::make_shared<RecordingStore>();
    ClientOptions client_opts = client_options();
    client_opts.session_store = store;
    ASSERT_TRUE(connect(client(client_opts), server(server_opts)).ok);
    EXPECT_EQ(store->puts, count) << "RFC 8446 §4.6.1 NewSessionTicket count";
  }
}

TEST_P(ResumptionTest, TicketIsOfferedOnce) {
  SANSTLS_SKIP_UNLESS_RESUMING(ProtocolVersion::tls13);
  expect_ticket_offered_once(ProtocolVersion::tls13);
}

TEST_P(ResumptionTest, Tls12TicketIsNotReused) {
  SANSTLS_SKIP_UNLESS_RESUMING(ProtocolVersion::tls12);
  expect_ticket_offered_once(ProtocolVersion::tls12);
}

TEST_P(ResumptionTest, ResumptionOffMeansFullHandshakes) {
  SANSTLS_SKIP_UNLESS_RESUMING(ProtocolVersion::tls13);
  ClientOptions client_opts = client_options();
  client_opts.resumption = false;
  const ClientTLS client_tls = client(client_opts);
  const ServerTLS server_tls = default_server();
  ASSERT_TRUE(connect(client_tls, server_tls).ok);
  const Outcome second = connect(client_tls, server_tls);
  ASSERT_TRUE(second.ok) << second.error;
  EXPECT_FALSE(second.client.resumed);
  EXPECT_FALSE(second.server.resumed);
}

TEST_P(ResumptionTest, RevokedKeysRefuseTheirTickets) {
  SANSTLS_SKIP_UNLESS_RESUMING(ProtocolVersion::tls13);
  auto keys = TicketKeys::create();
  ASSERT_TRUE(keys);
  ServerOptions server_opts = server_options();
  server_opts.ticket_keys = *keys;
  const ClientTLS client_tls = default_client();
  const ServerTLS server_tls = server(server_opts);
  ASSERT_TRUE(connect(client_tls, server_tls).ok);
  (*keys)->revoke_all();
  const Outcome second = connect(client_tls, server_tls);
  ASSERT_TRUE(second.ok) << "a refused ticket must lead to a full handshake: " << second.error;
  EXPECT_FALSE(second.client.resumed);
  EXPECT_FALSE(second.server.resumed);
  // The full handshake brought fresh tickets under a new key.
  const Outcome third = connect(client_tls, server_tls);
  ASSERT_TRUE(third.ok) << third.error;
  EXPECT_TRUE(third.server.resumed);
}

TEST_P(ResumptionTest, ConfigurationsWithOtherKeysDoNotResume) {
  SANSTLS_SKIP_UNLESS_RESUMING(ProtocolVersion::tls13);
  const ClientTLS client_tls = default_client();
  ASSERT_TRUE(connect(client_tls, default_server()).ok);
  const Outcome second = connect(client_tls, default_server());  // its own TicketKeys
  ASSERT_TRUE(second.ok) << second.error;
  EXPECT_FALSE(second.server.resumed);
  EXPECT_FALSE(second.client.resumed);
}

TEST_P(ResumptionTest, RotatedKeyOpensItsTicketsUntilTheyExpire) {
  SANSTLS_SKIP_UNLESS_RESUMING(ProtocolVersion::tls13);
  expect_rotated_key_opens_its_tickets_until_they_expire(ProtocolVersion::tls13);
}

TEST_P(ResumptionTest, Tls12RotatedKeyOpensItsTicketsUntilTheyExpire) {
  SANSTLS_SKIP_UNLESS_RESUMING(ProtocolVersion::tls12);
  expect_rotated_key_opens_its_tickets_until_they_expire(ProtocolVersion::tls12);
}

TEST_P(ResumptionTest, TicketsDroppedAfterTheClientSendsAFatalAlert) {
  SANSTLS_SKIP_UNLESS_RESUMING(ProtocolVersion::tls13);
  expect_tickets_dropped_after_fatal_alert(ProtocolVersion::tls13, AlertFrom::client);
}

TEST_P(ResumptionTest, Tls12TicketsDroppedAfterTheClientSendsAFatalAlert) {
  SANSTLS_SKIP_UNLESS_RESUMING(ProtocolVersion::tls12);
  expect_tickets_dropped_after_fatal_alert(ProtocolVersion::tls12, AlertFrom::client);
}

TEST_P(ResumptionTest, TicketsDroppedAfterTheServerSendsAFatalAlert) {
  SANSTLS_SKIP_UNLESS_RESUMING(ProtocolVersion::tls13);
  expect_tickets_dropped_after_fatal_alert(ProtocolVersion::tls13, AlertFrom::server);
}

TEST_P(ResumptionTest, Tls12TicketsDroppedAfterTheServerSendsAFatalAlert) {
  SANSTLS_SKIP_UNLESS_RESUMING(ProtocolVersion::tls12);
  expect_tickets_dropped_after_fatal_alert(ProtocolVersion::tls12, AlertFrom::server);
}

TEST_P(ResumptionTest, TicketsDroppedAfterATruncation) {
  SANSTLS_SKIP_UNLESS_RESUMING(ProtocolVersion::tls13);
  auto store = std::make_shared<RecordingStore>();
  ClientOptions client_opts = client_options();
  client_opts.session_store = store;
  const ClientTLS client_tls = client(client_opts);
  const ServerTLS server_tls = default_server();
  SessionPair pair(client_tls, server_tls);
  ASSERT_TRUE(pair.handshake());
  ASSERT_TRUE(pair.server().session->write_data("pong"));
  pair.pump();
  ASSERT_GT(store->size(), 0U);
  // The transport ends without close_notify (RFC 8446 §6.1: a truncation).
  (void)pair.client().session->receive_eof();
  EXPECT_EQ(store->size(), 0U) << "tickets kept after a truncation";
  EXPECT_GT(store->forgets, 0U);
}

TEST_P(ResumptionTest, PskKeOnlyOfferGetsAFullHandshake) {
  SANSTLS_SKIP_UNLESS_RESUMING(ProtocolVersion::tls13);
  // The resuming ClientHello, its psk_key_exchange_modes changed from psk_dhe_ke to psk_ke
  // (same length). RFC 8446 §4.2.9 and the policy: no resumption without (EC)DHE, so the server
  // ignores the PSK (its binder never checked) and answers with a full handshake.
  const auto psk_ke_only = [](hello_records::Hello& hello) {
    bool rewritten = false;
    bool offers_psk = false;
    for (auto& extension : hello.extensions) {
      const bool dhe =
          extension.type == 45 &&
          std::find(extension.body.begin() + 1, extension.body.end(), 1) != extension.body.end();
      if (dhe) {
        std::fill(extension.body.begin() + 1, extension.body.end(), 0);  // psk_ke only
        rewritten = true;
      }
      offers_psk = offers_psk || extension.type == 41;
    }
    ASSERT_TRUE(rewritten && offers_psk) << "the client did not offer the ticket with psk_dhe_ke";
  };
  RewrittenHelloAnswer answer;
  ASSERT_NO_FATAL_FAILURE(
      send_rewritten_resuming_hello(default_client(), default_server(), psk_ke_only, answer));
  ASSERT_TRUE(answer.accepted) << (answer.failure ? answer.failure->to_string() : "");
  for (const auto& extension : answer.server_hello->extensions) {
    EXPECT_NE(extension.type, 41) << "the server accepted a psk_ke-only resumption";
  }
}

TEST_P(ResumptionTest, Tls12TicketWithoutExtendedMasterSecretDoesNotResume) {
  SANSTLS_SKIP_UNLESS_RESUMING(ProtocolVersion::tls12);
  // The resuming ClientHello without extended_master_secret (23). RFC 7627 §5.3: "If the
  // original session used the "extended_master_secret" extension but the new ClientHello does
  // not contain it, the server MUST abort the abbreviated handshake."
  const auto without_extended_master_secret = [](hello_records::Hello& hello) {
    bool offers_ticket = false;
    for (const auto& extension : hello.extensions) {
      offers_ticket = offers_ticket || (extension.type == 35 && !extension.body.empty());
    }
    ASSERT_TRUE(offers_ticket) << "the client did not offer its TLS 1.2 ticket";
    const auto before = hello.extensions.size();
    std::erase_if(hello.extensions, [](const auto& e) { return e.type == 23; });
    ASSERT_EQ(hello.extensions.size(), before - 1);
  };
  RewrittenHelloAnswer answer;
  ASSERT_NO_FATAL_FAILURE(send_rewritten_resuming_hello(
      client(tls12_client_options()), default_server(), without_extended_master_secret, answer));
  // sanstls requires the extended master secret in every TLS 1.2 handshake: the hello is refused
  // outright, or at least never resumed (no ServerHello echoing the session id).
  if (answer.accepted) {
    const auto& session_id = answer.server_hello->session_id;
    EXPECT_TRUE(session_id.empty() || session_id != answer.client_hello.session_id)
        << "the server resumed a session without the extended master secret";
  } else {
    ASSERT_TRUE(answer.failure);
    EXPECT_FALSE(answer.server_resumed);
  }
}

}  // namespace
}  // namespace sanstls::test

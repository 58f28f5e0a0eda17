// SPDX-License-Identifier: Apache-2.0 OR MIT
// Conformance: certificate stores that answer at once, later, twice, never, decline, or answer
// after the session is gone; for the server's ServerCertificates and the client's
// ClientCertificateStore.

#include "conformance/conformance.hpp"

namespace sanstls::test {
namespace {

/// A store that keeps every query and responder, and answers only when told to.
struct Recorded {
  std::vector<std::string> server_names;
  std::vector<ClientCertificateQuery> client_queries;
  std::vector<CertificateResponder> responders;
};

/// How a recording store answers inside select().
enum class Answer : std::uint8_t { later, now, twice_now, decline };

/// What a recording store keeps, and how it answers inside select().
class Recorder {
 public:
  Recorder(Answer answer, CertificateChain chain) : answer_(answer), chain_(std::move(chain)) {}

  Recorded record;
  std::optional<Result<void>> first;
  std::optional<Result<void>> second;

 protected:
  /// Keeps `responder` and answers through it as told.
  void respond(CertificateResponder responder) {
    record.responders.push_back(responder);
    switch (answer_) {
      case Answer::later:
        break;
      case Answer::now:
        first = responder.provide(chain_);
        break;
      case Answer::twice_now:
        first = responder.provide(chain_);
        second = responder.provide(chain_);
        break;
      case Answer::decline:
        first = responder.decline();
        break;
    }
  }

 private:
  Answer answer_;
  CertificateChain chain_;
};

class RecordingServerStore final : public ServerCertificates, public Recorder {
 public:
  using Recorder::Recorder;
  void select(const ServerCertificateQuery& query, CertificateResponder responder) override {
    record.server_names.push_back(query.server_name);
    respond(std::move(responder));
  }
};

class RecordingClientStore final : public ClientCertificateStore, public Recorder {
 public:
  using Recorder::Recorder;
  void select(const ClientCertificateQuery& query, CertificateResponder responder) override {
    record.client_queries.push_back(query);
    respond(std::move(responder));
  }
};

/// One TLS 1.3 ChangeCipherSpec record (RFC 8446 §5: a peer must drop it during the handshake).
const std::vector<std::byte> change_cipher_spec = {std::byte{20}, std::byte{3}, std::byte{3},
                                                   std::byte{0},  std::byte{1}, std::byte{1}};

class CertificateStoresTest : public Conformance {
 protected:
  [[nodiscard]] ServerTLS server_with(std::shared_ptr<ServerCertificates> store) const {
    return ServerTLS{std::move(store), server_options()};
  }
  /// A server that requires a client certificate issued under the shared root.
  [[nodiscard]] ServerTLS mutual_server() const {
    ServerOptions options = server_options();
    options.client_auth = ClientAuth::required;
    options.client_trust = pki().trust_store();
    return server(options);
  }
  [[nodiscard]] ClientTLS client_with(std::shared_ptr<ClientCertificateStore> store) const {
    ClientOptions options = client_options();
    options.client_certificates = std::move(store);
    return client(options);
  }
  /// Delivers the ClientHello and the server's answer, stopping where the client would have to
  /// choose its certificate.
  static void deliver_hello_and_server_flight(SessionPair& pair) {
    std::vector<std::byte> hello;
    hello.swap(pair.client().outbox);
    ASSERT_TRUE(pair.server().session->receive_data(hello, pair.server().received));
    std::vector<std::byte> flight;
    flight.swap(pair.server().outbox);
    ASSERT_FALSE(flight.empty());
    auto received = pair.client().session->receive_data(flight, pair.client().received);
    if (!received) {
      pair.client().error = received.error();
    }
  }
};
SANSTLS_INSTANTIATE_CONFORMANCE(CertificateStoresTest);

// ---- ServerCertificates ----------------------------------------------------------------------

TEST_P(CertificateStoresTest, ServerStoreAnswersSynchronously) {
  auto store = std::make_shared<RecordingServerStore>(Answer::now, pki().server());
  SessionPair pair(default_client(), server_with(store));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  ASSERT_TRUE(store->first);
  EXPECT_TRUE(*store->first) << store->first->error().to_string();
  EXPECT_EQ(store->record.server_names, std::vector<std::string>{"localhost"});
  EXPECT_EQ(pair.client().session->info().peer_certificates[0], pki().server().leaf());
}

TEST_P(CertificateStoresTest, ServerStoreAnswersLater) {
  auto store = std::make_shared<RecordingServerStore>(Answer::later, pki().server());
  SessionPair pair(default_client(), server_with(store));
  pair.pump();
  ASSERT_FALSE(pair.first_error()) << pair.first_error()->to_string();
  ASSERT_EQ(store->record.responders.size(), 1U);
  EXPECT_EQ(store->record.server_names, std::vector<std::string>{"localhost"});
  EXPECT_EQ(pair.server().session->state(), SessionState::waiting_for_certificate);
  EXPECT_EQ(pair.client().session->state(), SessionState::handshaking);
  EXPECT_TRUE(pair.server().outbox.empty()) << "nothing is sent before the certificate is known";
  EXPECT_EQ(pair.server().write_calls, 0U);
  // Written while the store thinks: queued, sent once the handshake completed.
  ASSERT_TRUE(pair.server().session->write_data("early"));
  EXPECT_TRUE(pair.server().outbox.empty());

  // The answer drives the handshake on this thread: the ServerHello goes out inside provide().
  auto provided = store->record.responders[0].provide(pki().server());
  ASSERT_TRUE(provided) << provided.error().to_string();
  EXPECT_FALSE(pair.server().outbox.empty());
  EXPECT_EQ(pair.server().write_calls, 1U);
  EXPECT_EQ(pair.server().session->state(), SessionState::handshaking);
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_TRUE(pair.client().session->info().peer_verified);
  EXPECT_EQ(pair.server().session->info().server_name, "localhost");
  EXPECT_EQ(pair.client().received_text(), "early");
}

TEST_P(CertificateStoresTest, ServerStoreAnswersLaterWithHelloInPieces) {
  auto store = std::make_shared<RecordingServerStore>(Answer::later, pki().server());
  SessionPair pair(default_client(), server_with(store));
  pair.pump([](std::size_t) { return std::size_t{7}; });
  ASSERT_FALSE(pair.first_error()) << pair.first_error()->to_string();
  ASSERT_EQ(store->record.responders.size(), 1U) << "select() runs once, on the whole hello";
  ASSERT_TRUE(store->record.responders[0].provide(pki().server()));
  ASSERT_TRUE(pair.handshake([](std::size_t) { return std::size_t{7}; }))
      << (pair.first_error() ? pair.first_error()->to_string() : "");
}

TEST_P(CertificateStoresTest, ServerStoreAnswersTwiceInsideSelect) {
  auto store = std::make_shared<RecordingServerStore>(Answer::twice_now, pki().server());
  SessionPair pair(default_client(), server_with(store));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  ASSERT_TRUE(store->first && store->second);
  EXPECT_TRUE(*store->first);
  EXPECT_SANSTLS_ERROR(*store->second, Errc::invalidated, "answered twice");
}

TEST_P(CertificateStoresTest, ServerStoreAnswersTwiceLater) {
  auto store = std::make_shared<RecordingServerStore>(Answer::later, pki().server());
  SessionPair pair(default_client(), server_with(store));
  pair.pump();
  ASSERT_EQ(store->record.responders.size(), 1U);
  const CertificateResponder copy = store->record.responders[0];  // copies share the answer
  ASSERT_TRUE(store->record.responders[0].provide(pki().server()));
  const std::size_t sent = pair.server().outbox.size();
  EXPECT_SANSTLS_ERROR((copy.provide(pki().server(testing::KeyAlgorithm::rsa_2048))),
                       Errc::invalidated, "answered twice");
  EXPECT_SANSTLS_ERROR((copy.decline()), Errc::invalidated, "answered twice");
  EXPECT_EQ(pair.server().outbox.size(), sent) << "the second answer sends nothing";
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.client().session->info().peer_certificates[0], pki().server().leaf())
      << "the first answer counts";
  // And once established, a late answer is still refused without harm.
  EXPECT_SANSTLS_ERROR((copy.provide(pki().server())), Errc::invalidated, "answered twice");
  ASSERT_TRUE(pair.client().session->write_data("still fine"));
  pair.pump();
  EXPECT_EQ(pair.server().received_text(), "still fine");
}

TEST_P(CertificateStoresTest, ServerStoreNeverAnswers) {
  auto store = std::make_shared<RecordingServerStore>(Answer::later, pki().server());
  SessionPair pair(default_client(), server_with(store));
  pair.pump();
  ASSERT_EQ(store->record.responders.size(), 1U);
  EXPECT_EQ(pair.server().session->state(), SessionState::waiting_for_certificate);
  // More bytes from the client do not break the wait: nothing, then a ChangeCipherSpec that
  // RFC 8446 §5 tells the server to drop. (Not to the native server: it drops one dummy CCS
  // only, and the client sends its own §D.4 CCS later, which would then be a second one.)
  std::vector<std::byte> out;
  EXPECT_TRUE(pair.server().session->receive_data(std::span<const std::byte>{}, out));
  if (GetParam().server != Backend::native) {
    auto fed = pair.server().session->receive_data(change_cipher_spec, out);
    EXPECT_TRUE(fed) << fed.error().to_string();
  }
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(pair.server().session->state(), SessionState::waiting_for_certificate);
  EXPECT_TRUE(pair.server().outbox.empty());
  EXPECT_TRUE(pair.server().closes.empty());
  EXPECT_EQ(store->record.responders.size(), 1U) << "select() is not asked again";
  // The wait can still end well.
  ASSERT_TRUE(store->record.responders[0].provide(pki().server()));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
}

TEST_P(CertificateStoresTest, ServerStoreDeclines) {
  auto store = std::make_shared<RecordingServerStore>(Answer::decline, pki().server());
  SessionPair pair(default_client(), server_with(store));
  EXPECT_FALSE(pair.handshake());
  ASSERT_TRUE(store->first);
  EXPECT_TRUE(*store->first);
  ASSERT_TRUE(pair.server().error);
  EXPECT_EQ(pair.server().error->code, Errc::handshake_failure) << pair.server().error->to_string();
  EXPECT_EQ(pair.server().error->alert_sent, Alert::unrecognized_name);
  EXPECT_NE(pair.server().error->message.find("no certificate for server name 'localhost'"),
            std::string::npos)
      << pair.server().error->to_string();
  ASSERT_TRUE(pair.client().error);
  EXPECT_EQ(pair.client().error->code, Errc::alert_received) << pair.client().error->to_string();
  EXPECT_EQ(pair.client().error->alert_received, Alert::unrecognized_name);
}

TEST_P(CertificateStoresTest, ServerStoreDeclinesLater) {
  auto store = std::make_shared<RecordingServerStore>(Answer::later, pki().server());
  SessionPair pair(default_client(), server_with(store));
  pair.pump();
  ASSERT_EQ(store->record.responders.size(), 1U);
  auto declined = store->record.responders[0].decline();
  // The answer itself was delivered; the handshake it drove failed.
  EXPECT_SANSTLS_ERROR(declined, Errc::handshake_failure, "'localhost'");
  EXPECT_EQ(pair.server().session->state(), SessionState::invalidated);
  ASSERT_NE(pair.server().session->failure(), nullptr);
  EXPECT_EQ(pair.server().session->failure()->alert_sent, Alert::unrecognized_name);
  pair.pump();
  ASSERT_TRUE(pair.client().error);
  EXPECT_EQ(pair.client().error->alert_received, Alert::unrecognized_name);
}

TEST_P(CertificateStoresTest, ServerResponderOutlivesTheSession) {
  auto store = std::make_shared<RecordingServerStore>(Answer::later, pki().server());
  {
    SessionPair pair(default_client(), server_with(store));
    pair.pump();
    ASSERT_EQ(store->record.responders.size(), 1U);
  }
  EXPECT_SANSTLS_ERROR((store->record.responders[0].provide(pki().server())), Errc::closed,
                       "no longer exists");
  EXPECT_SANSTLS_ERROR((store->record.responders[0].decline()), Errc::closed, "no longer exists");
}

// ---- ClientCertificateStore ------------------------------------------------------------------

TEST_P(CertificateStoresTest, ClientStoreAnswersSynchronously) {
  auto store = std::make_shared<RecordingClientStore>(Answer::now, pki().client());
  SessionPair pair(client_with(store), mutual_server());
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  ASSERT_TRUE(store->first);
  EXPECT_TRUE(*store->first);
  ASSERT_EQ(store->record.client_queries.size(), 1U);
  EXPECT_EQ(store->record.client_queries[0].server_name, "localhost");
  EXPECT_TRUE(pair.server().session->info().peer_verified);
  ASSERT_FALSE(pair.server().session->info().peer_certificates.empty());
  EXPECT_EQ(pair.server().session->info().peer_certificates[0], pki().client().leaf());
}

TEST_P(CertificateStoresTest, ClientStoreIsNotAskedWhenTheServerRequestsNothing) {
  auto store = std::make_shared<RecordingClientStore>(Answer::now, pki().client());
  SessionPair pair(client_with(store), default_server());
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_TRUE(store->record.client_queries.empty());
  EXPECT_TRUE(pair.server().session->info().peer_certificates.empty());
}

TEST_P(CertificateStoresTest, ClientStoreAnswersLater) {
  auto store = std::make_shared<RecordingClientStore>(Answer::later, pki().client());
  SessionPair pair(client_with(store), mutual_server());
  deliver_hello_and_server_flight(pair);
  ASSERT_EQ(store->record.responders.size(), 1U);
  if (!backend_capabilities(GetParam().client).async_client_certificates) {
    // The engine says it cannot wait: it must fail clearly instead of hanging or guessing.
    ASSERT_TRUE(pair.client().error) << "an engine without async_client_certificates waited";
    EXPECT_EQ(pair.client().error->code, Errc::unsupported) << pair.client().error->to_string();
    EXPECT_NE(pair.client().error->message.find("later"), std::string::npos)
        << pair.client().error->to_string();
    EXPECT_EQ(pair.client().session->state(), SessionState::invalidated);
    return;
  }
  ASSERT_FALSE(pair.client().error) << pair.client().error->to_string();
  EXPECT_EQ(pair.client().session->state(), SessionState::waiting_for_certificate);
  EXPECT_TRUE(pair.client().outbox.empty());
  auto provided = store->record.responders[0].provide(pki().client());
  ASSERT_TRUE(provided) << provided.error().to_string();
  EXPECT_FALSE(pair.client().outbox.empty()) << "the client's flight goes out inside provide()";
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_TRUE(pair.server().session->info().peer_verified);
  EXPECT_EQ(pair.server().session->info().peer_certificates[0], pki().client().leaf());
}

TEST_P(CertificateStoresTest, Tls12ClientStoreAnswersLater) {
  if (!tls12_supported_or_reported()) return;
  auto store = std::make_shared<RecordingClientStore>(Answer::later, pki().client());
  ClientOptions options = client_options();
  options.client_certificates = store;
  options.hazmat = tls12_cap();
  SessionPair pair(client(options), mutual_server());
  deliver_hello_and_server_flight(pair);
  ASSERT_EQ(store->record.responders.size(), 1U);
  if (!backend_capabilities(GetParam().client).async_client_certificates) {
    ASSERT_TRUE(pair.client().error) << "an engine without async_client_certificates waited";
    EXPECT_EQ(pair.client().error->code, Errc::unsupported) << pair.client().error->to_string();
    return;
  }
  ASSERT_FALSE(pair.client().error) << pair.client().error->to_string();
  EXPECT_EQ(pair.client().session->state(), SessionState::waiting_for_certificate);
  // RFC 5246 §7.3: nothing of our flight (Certificate, ClientKeyExchange, ...) goes out before
  // the store answers; input meanwhile changes nothing.
  EXPECT_TRUE(pair.client().outbox.empty());
  std::vector<std::byte> out;
  EXPECT_TRUE(pair.client().session->receive_data(std::span<const std::byte>{}, out));
  EXPECT_EQ(pair.client().session->state(), SessionState::waiting_for_certificate);
  auto provided = store->record.responders[0].provide(pki().client());
  ASSERT_TRUE(provided) << provided.error().to_string();
  EXPECT_FALSE(pair.client().outbox.empty()) << "the client's flight goes out inside provide()";
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.client().session->info().version, ProtocolVersion::tls12);
  EXPECT_TRUE(pair.server().session->info().peer_verified);
  EXPECT_EQ(pair.server().session->info().peer_certificates[0], pki().client().leaf());
}

TEST_P(CertificateStoresTest, ClientStoreAnswersTwice) {
  auto store = std::make_shared<RecordingClientStore>(Answer::twice_now, pki().client());
  SessionPair pair(client_with(store), mutual_server());
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  ASSERT_TRUE(store->first && store->second);
  EXPECT_TRUE(*store->first);
  EXPECT_SANSTLS_ERROR(*store->second, Errc::invalidated, "answered twice");
  EXPECT_TRUE(pair.server().session->info().peer_verified);
}

TEST_P(CertificateStoresTest, ClientStoreNeverAnswers) {
  auto store = std::make_shared<RecordingClientStore>(Answer::later, pki().client());
  SessionPair pair(client_with(store), mutual_server());
  deliver_hello_and_server_flight(pair);
  if (!backend_capabilities(GetParam().client).async_client_certificates) {
    ASSERT_TRUE(pair.client().error);
    EXPECT_EQ(pair.client().error->code, Errc::unsupported) << pair.client().error->to_string();
    return;
  }
  ASSERT_FALSE(pair.client().error) << pair.client().error->to_string();
  EXPECT_EQ(pair.client().session->state(), SessionState::waiting_for_certificate);
  std::vector<std::byte> out;
  EXPECT_TRUE(pair.client().session->receive_data(std::span<const std::byte>{}, out));
  EXPECT_EQ(pair.client().session->state(), SessionState::waiting_for_certificate);
  EXPECT_TRUE(pair.client().outbox.empty());
  EXPECT_TRUE(pair.client().closes.empty());
  EXPECT_EQ(pair.server().session->state(), SessionState::handshaking);
}

TEST_P(CertificateStoresTest, ClientStoreDeclinesAndTheServerDecides) {
  auto store = std::make_shared<RecordingClientStore>(Answer::decline, pki().client());
  {
    // Optional client authentication: declining is fine.
    ServerOptions options = server_options();
    options.client_auth = ClientAuth::optional;
    options.client_trust = pki().trust_store();
    SessionPair pair(client_with(store), server(options));
    ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
    EXPECT_TRUE(pair.server().session->info().peer_certificates.empty());
    EXPECT_FALSE(pair.server().session->info().peer_verified);
  }
  {
    // Required: the server refuses.
    SessionPair pair(client_with(store), mutual_server());
    EXPECT_FALSE(pair.handshake());
    ASSERT_TRUE(pair.server().error);
    EXPECT_EQ(pair.server().error->code, Errc::certificate_rejected)
        << pair.server().error->to_string();
    EXPECT_EQ(pair.server().error->certificate_problem, CertificateProblem::missing)
        << pair.server().error->to_string();
    EXPECT_EQ(pair.server().error->alert_sent, Alert::certificate_required)
        << pair.server().error->to_string();
    ASSERT_TRUE(pair.client().error);
    EXPECT_EQ(pair.client().error->alert_received, Alert::certificate_required)
        << pair.client().error->to_string();
  }
}

TEST_P(CertificateStoresTest, ClientResponderOutlivesTheSession) {
  auto store = std::make_shared<RecordingClientStore>(Answer::later, pki().client());
  {
    SessionPair pair(client_with(store), mutual_server());
    deliver_hello_and_server_flight(pair);
    ASSERT_EQ(store->record.responders.size(), 1U);
  }
  EXPECT_SANSTLS_ERROR((store->record.responders[0].provide(pki().client())), Errc::closed,
                       "no longer exists");
}

}  // namespace
}  // namespace sanstls::test

// SPDX-License-Identifier: Apache-2.0 OR MIT
// The native engine's TLS 1.3 resumption and 0-RTT through the public API, native client and
// native server (the cross-engine cases are in resumption_test.cpp and early_data_test.cpp):
// resumed on both sides with the peer chain restored, a ticket used once, 0-RTT accepted once
// and refused on replay, rejected 0-RTT skipped.

#include "conformance/conformance.hpp"

namespace sanstls::test {
namespace {

const TestPki& pki() { return TestPki::shared(); }

ClientOptions native_client_options(std::shared_ptr<SessionStore> store) {
  ClientOptions options;
  options.backend = Backend::native;
  options.trust = pki().trust_store();
  options.session_store = std::move(store);
  return options;
}

ServerOptions native_server_options() {
  ServerOptions options;
  options.backend = Backend::native;
  return options;
}

/// One connection driven by hand (SessionPair has no early data).
struct Connection {
  Endpoint client;
  Endpoint server;
  std::vector<std::byte> early_received;

  Connection(const ClientTLS& client_tls, const ServerTLS& server_tls,
             std::span<const std::byte> early = {}) {
    SessionCallbacks server_callbacks = server.callbacks();
    server_callbacks.early_data = [this](std::span<const std::byte> data) {
      early_received.insert(early_received.end(), data.begin(), data.end());
    };
    auto s = server_tls.start(std::move(server_callbacks));
    EXPECT_TRUE(s) << s.error().to_string();
    if (s) server.session.emplace(std::move(*s));
    auto c = early.empty() ? client_tls.start(client.callbacks())
                           : client_tls.start(client.callbacks(), early);
    EXPECT_TRUE(c) << c.error().to_string();
    if (c) client.session.emplace(std::move(*c));
  }
  static bool deliver(Endpoint& from, Endpoint& to) {
    if (from.outbox.empty() || !to.session || to.error) return false;
    std::vector<std::byte> waiting;
    waiting.swap(from.outbox);
    auto received = to.session->receive_data(waiting);
    if (!received) {
      to.error = received.error();
      return true;
    }
    to.received.insert(to.received.end(), received->begin(), received->end());
    return true;
  }
  bool handshake() {
    for (int i = 0; i < 20; ++i) {
      // Both directions every round, whatever the first one did.
      const bool sent = deliver(client, server);
      const bool answered = deliver(server, client);
      if (!sent && !answered) break;
    }
    return client.session && server.session && !client.error && !server.error &&
           client.session->handshake_complete() && server.session->handshake_complete();
  }
};

TEST(NativeResumption, ResumedOnBothSidesWithThePeerChainRestored) {
  auto store = std::make_shared<MemorySessionStore>();
  const ClientTLS client_tls("localhost", native_client_options(store));
  const ServerTLS server_tls(pki().server(testing::KeyAlgorithm::ecdsa_p256),
                             native_server_options());
  {
    Connection first(client_tls, server_tls);
    ASSERT_TRUE(first.handshake()) << (first.client.error ? first.client.error->to_string() : "")
                                   << (first.server.error ? first.server.error->to_string() : "");
    EXPECT_FALSE(first.client.session->info().resumed);
    EXPECT_FALSE(first.server.session->info().resumed);
    ASSERT_TRUE(first.client.session->finish());
    Connection::deliver(first.client, first.server);
  }
  EXPECT_EQ(store->size(), 2U);  // two tickets (ServerOptions::session_tickets)
  Connection second(client_tls, server_tls);
  ASSERT_TRUE(second.handshake()) << (second.client.error ? second.client.error->to_string() : "")
                                  << (second.server.error ? second.server.error->to_string() : "");
  const SessionInfo& client_info = second.client.session->info();
  EXPECT_TRUE(client_info.resumed);
  EXPECT_TRUE(second.server.session->info().resumed);
  EXPECT_EQ(client_info.backend, Backend::native);
  // The server's chain as verified in the first handshake.
  EXPECT_TRUE(client_info.peer_verified);
  EXPECT_FALSE(client_info.peer_certificates.empty());
  EXPECT_EQ(client_info.early_data, EarlyDataStatus::none);
  ASSERT_TRUE(second.client.session->write_data("after resumption"));
  second.handshake();
  EXPECT_EQ(second.server.received_text(), "after resumption");
}

TEST(NativeResumption, EarlyDataAcceptedOnceAndRefusedOnReplay) {
  auto store = std::make_shared<MemorySessionStore>();
  const ClientTLS client_tls("localhost", native_client_options(store));
  ServerOptions server_options = native_server_options();
  server_options.early_data.enabled = true;
  server_options.early_data.max_size = 1000;
  const ServerTLS server_tls(pki().server(testing::KeyAlgorithm::ecdsa_p256), server_options);
  {
    Connection first(client_tls, server_tls);
    ASSERT_TRUE(first.handshake());
    ASSERT_TRUE(first.client.session->finish());
    Connection::deliver(first.client, first.server);
  }
  const auto early = to_bytes("GET / HTTP/1.1\r\n\r\n");
  Connection second(client_tls, server_tls, early);
  // The ClientHello and the early data record left together.
  auto replay = second.client.outbox;
  ASSERT_TRUE(second.handshake()) << (second.client.error ? second.client.error->to_string() : "")
                                  << (second.server.error ? second.server.error->to_string() : "");
  EXPECT_TRUE(second.client.session->info().resumed);
  EXPECT_EQ(second.client.session->info().early_data, EarlyDataStatus::accepted);
  EXPECT_EQ(second.server.session->info().early_data, EarlyDataStatus::accepted);
  EXPECT_EQ(second.early_received, early);
  EXPECT_TRUE(second.server.received.empty());

  // The same ClientHello and early data again (an attacker's replay): the early data is refused
  // (RFC 8446 §8), and skipped; the replayed flight cannot finish the handshake.
  Connection replayed(client_tls, server_tls);
  replayed.client.session.reset();
  replayed.client.outbox = std::move(replay);
  Connection::deliver(replayed.client, replayed.server);
  EXPECT_TRUE(replayed.early_received.empty());
  EXPECT_FALSE(replayed.server.error.has_value())
      << replayed.server.error->to_string();  // skipped, not an error
}

TEST(NativeResumption, EarlyDataRejectedWhenTheServerHasItOff) {
  auto store = std::make_shared<MemorySessionStore>();
  const ClientTLS client_tls("localhost", native_client_options(store));
  ServerOptions with_early = native_server_options();
  with_early.early_data.enabled = true;
  auto keys = TicketKeys::create();
  ASSERT_TRUE(keys);
  with_early.ticket_keys = *keys;
  ServerOptions without_early = native_server_options();
  without_early.ticket_keys = *keys;
  const ServerTLS issuing(pki().server(testing::KeyAlgorithm::ecdsa_p256), with_early);
  const ServerTLS refusing(pki().server(testing::KeyAlgorithm::ecdsa_p256), without_early);
  {
    Connection first(client_tls, issuing);
    ASSERT_TRUE(first.handshake());
    ASSERT_TRUE(first.client.session->finish());
    Connection::deliver(first.client, first.server);
  }
  const auto early = to_bytes("early");
  Connection second(client_tls, refusing, early);
  ASSERT_TRUE(second.handshake()) << (second.client.error ? second.client.error->to_string() : "")
                                  << (second.server.error ? second.server.error->to_string() : "");
  EXPECT_TRUE(second.client.session->info().resumed);
  EXPECT_EQ(second.client.session->info().early_data, EarlyDataStatus::rejected);
  EXPECT_EQ(second.server.session->info().early_data, EarlyDataStatus::rejected);
  EXPECT_TRUE(second.early_received.empty());
}

}  // namespace
}  // namespace sanstls::test

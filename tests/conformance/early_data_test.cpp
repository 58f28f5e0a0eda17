// SPDX-License-Identifier: Apache-2.0 OR MIT
// Conformance: 0-RTT early data (RFC 8446 §2.3, §4.2.10, §8) on every engine pair: accepted
// once and refused on replay, rejected early data skipped with the handshake completing, and
// early data only ever in SessionCallbacks::early_data. Skipped, with the reason, for pairs
// with an engine that does not report BackendCapabilities::early_data.

#include "conformance/conformance.hpp"

#include <fmt/format.h>

namespace sanstls::test {
namespace {

std::optional<std::string> missing_early_data(const EnginePair& engines) {
  for (const Backend backend : {engines.client, engines.server}) {
    if (!backend_capabilities(backend).early_data) {
      return fmt::format("the {} engine does not do 0-RTT (backends() capabilities)",
                         backend_name(backend));
    }
  }
  return std::nullopt;
}

#define SANSTLS_SKIP_UNLESS_EARLY_DATA()                    \
  if (const auto reason = missing_early_data(GetParam())) { \
    GTEST_SKIP() << *reason;                                \
  }

class EarlyDataTest : public Conformance {
 protected:
  /// Early data the server's callback received.
  struct Collected {
    std::string text;
    int calls = 0;
  };

  [[nodiscard]] static SessionCallbacks collecting(const std::shared_ptr<Collected>& into) {
    SessionCallbacks callbacks;
    callbacks.early_data = [into](std::span<const std::byte> data) {
      into->text.append(reinterpret_cast<const char*>(data.data()), data.size());
      ++into->calls;
    };
    return callbacks;
  }

  [[nodiscard]] ServerOptions early_server_options(std::shared_ptr<TicketKeys> keys) const {
    ServerOptions options = server_options();
    options.ticket_keys = std::move(keys);
    options.early_data.enabled = true;
    return options;
  }

  /// A full connection that leaves tickets in the client's store.
  static void first_connection(const ClientTLS& client_tls, const ServerTLS& server_tls) {
    SessionPair pair(client_tls, server_tls);
    ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
    ASSERT_TRUE(pair.server().session->write_data("welcome"));
    pair.pump();
    ASSERT_EQ(pair.client().received_text(), "welcome");
    ASSERT_TRUE(pair.client().session->finish());
    pair.pump();
  }

  static std::shared_ptr<TicketKeys> new_keys() {
    auto keys = TicketKeys::create();
    return keys ? *keys : nullptr;
  }
};
SANSTLS_INSTANTIATE_CONFORMANCE(EarlyDataTest);

TEST_P(EarlyDataTest, AcceptedOnceThenRefusedOnReplay) {
  SANSTLS_SKIP_UNLESS_EARLY_DATA();
  const ServerTLS server_tls = server(early_server_options(new_keys()));
  const ClientTLS client_tls = default_client();
  first_connection(client_tls, server_tls);

  auto collected = std::make_shared<Collected>();
  const auto request = to_bytes("GET /index.html");
  SessionPair pair(client_tls, server_tls, {}, collecting(collected), request);
  ASSERT_FALSE(pair.start_error) << pair.start_error->to_string();
  // The client's first flight (ClientHello + early data), as an attacker would capture it.
  const std::vector<std::byte> flight = pair.client().outbox;
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(collected->text, "GET /index.html");
  EXPECT_TRUE(pair.server().received.empty()) << "early data reached receive_data()'s output";
  EXPECT_EQ(pair.client().session->info().early_data, EarlyDataStatus::accepted);
  EXPECT_EQ(pair.server().session->info().early_data, EarlyDataStatus::accepted);
  EXPECT_TRUE(pair.server().session->info().resumed);
  // 1-RTT data still flows, and only as 1-RTT data.
  ASSERT_TRUE(pair.client().session->write_data("after"));
  pair.pump();
  EXPECT_EQ(pair.server().received_text(), "after");
  EXPECT_GE(collected->calls, 1);
  const int calls = collected->calls;

  // RFC 8446 §8: the same flight replayed to a fresh session of the same configuration must not
  // deliver the early data again (the configuration's replay register).
  auto replay_collected = std::make_shared<Collected>();
  Endpoint replay_endpoint;
  SessionCallbacks callbacks = replay_endpoint.callbacks();
  callbacks.early_data = collecting(replay_collected).early_data;
  auto replayed = server_tls.start(std::move(callbacks));
  ASSERT_TRUE(replayed);
  std::vector<std::byte> data;
  (void)replayed->receive_data(flight, data);
  EXPECT_EQ(replay_collected->calls, 0)
      << "replayed early data was accepted: " << replay_collected->text;
  EXPECT_TRUE(data.empty()) << "replayed early data reached receive_data()'s output";
  EXPECT_EQ(collected->calls, calls);
}

TEST_P(EarlyDataTest, RejectedEarlyDataIsSkippedAndTheHandshakeCompletes) {
  SANSTLS_SKIP_UNLESS_EARLY_DATA();
  // One TicketKeys, two configurations: the first allows 0-RTT in its tickets, the second has
  // early data off and must skip the early records (RFC 8446 §4.2.10).
  const auto keys = new_keys();
  const ServerTLS accepting = server(early_server_options(keys));
  ServerOptions refusing_options = server_options();
  refusing_options.ticket_keys = keys;
  const ServerTLS refusing = server(refusing_options);
  const ClientTLS client_tls = default_client();
  first_connection(client_tls, accepting);

  auto collected = std::make_shared<Collected>();
  SessionPair pair(client_tls, refusing, {}, collecting(collected), to_bytes("GET /"));
  ASSERT_FALSE(pair.start_error) << pair.start_error->to_string();
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(collected->calls, 0);
  EXPECT_TRUE(pair.server().received.empty()) << "rejected early data reached the server";
  EXPECT_EQ(pair.client().session->info().early_data, EarlyDataStatus::rejected);
  EXPECT_EQ(pair.server().session->info().early_data, EarlyDataStatus::rejected);
  // The client sends it again as 1-RTT data.
  ASSERT_TRUE(pair.client().session->write_data("GET /"));
  pair.pump();
  EXPECT_EQ(pair.server().received_text(), "GET /");
}

TEST_P(EarlyDataTest, ServerWithoutEarlyDataCallbackRejects) {
  SANSTLS_SKIP_UNLESS_EARLY_DATA();
  const ServerTLS server_tls = server(early_server_options(new_keys()));
  const ClientTLS client_tls = default_client();
  first_connection(client_tls, server_tls);
  SessionPair pair(client_tls, server_tls, {}, {}, to_bytes("GET /"));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.client().session->info().early_data, EarlyDataStatus::rejected);
  EXPECT_TRUE(pair.server().received.empty());
}

TEST_P(EarlyDataTest, NoStoredSessionMeansNoEarlyData) {
  SANSTLS_SKIP_UNLESS_EARLY_DATA();
  const ServerTLS server_tls = server(early_server_options(new_keys()));
  auto collected = std::make_shared<Collected>();
  SessionPair pair(default_client(), server_tls, {}, collecting(collected), to_bytes("GET /"));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.client().session->info().early_data, EarlyDataStatus::none);
  EXPECT_EQ(pair.server().session->info().early_data, EarlyDataStatus::none);
  EXPECT_EQ(collected->calls, 0);
}

TEST_P(EarlyDataTest, Tls12ResumptionCarriesNoEarlyData) {
  SANSTLS_SKIP_UNLESS_EARLY_DATA();
  for (const Backend backend : {GetParam().client, GetParam().server}) {
    const auto versions = backend_capabilities(backend).resumption;
    if (std::find(versions.begin(), versions.end(), ProtocolVersion::tls12) == versions.end()) {
      GTEST_SKIP() << "the " << backend_name(backend) << " engine does not resume TLS 1.2";
    }
  }
  // 0-RTT exists only in TLS 1.3 (RFC 8446 §2.3): a resumed TLS 1.2 session never carries early
  // data, whatever the application gives; it is sent after the handshake instead.
  const ServerTLS server_tls = server(early_server_options(new_keys()));
  const ClientTLS client_tls = client(tls12_client_options());
  first_connection(client_tls, server_tls);
  auto collected = std::make_shared<Collected>();
  SessionPair pair(client_tls, server_tls, {}, collecting(collected), to_bytes("GET /"));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_EQ(pair.client().session->info().version, ProtocolVersion::tls12);
  EXPECT_TRUE(pair.client().session->info().resumed);
  EXPECT_TRUE(pair.server().session->info().resumed);
  EXPECT_EQ(pair.client().session->info().early_data, EarlyDataStatus::none);
  EXPECT_EQ(pair.server().session->info().early_data, EarlyDataStatus::none);
  EXPECT_EQ(collected->calls, 0);
  EXPECT_TRUE(pair.server().received.empty());
}

}  // namespace
}  // namespace sanstls::test

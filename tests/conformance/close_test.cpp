// SPDX-License-Identifier: Apache-2.0 OR MIT
// Conformance: close_notify in each direction, truncation, invalidation, API misuse.

#include "conformance/conformance.hpp"

namespace sanstls::test {
namespace {

using CloseTest = Conformance;
SANSTLS_INSTANTIATE_CONFORMANCE(CloseTest);

TEST_P(CloseTest, ClientFinishesFirst) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  ASSERT_TRUE(pair.client().session->write_data("last words"));
  ASSERT_TRUE(pair.client().session->finish());
  EXPECT_EQ(pair.client().session->state(), SessionState::closing);
  EXPECT_SANSTLS_ERROR((pair.client().session->write_data("more")), Errc::closed, "after finish()");
  pair.pump();
  EXPECT_EQ(pair.server().received_text(), "last words");
  EXPECT_EQ(pair.server().session->state(), SessionState::peer_closed);
  // Half-close: the server may still answer, then finish.
  ASSERT_TRUE(pair.server().session->write_data("goodbye"));
  ASSERT_TRUE(pair.server().session->finish());
  EXPECT_EQ(pair.server().session->state(), SessionState::closed);
  ASSERT_EQ(pair.server().closes, std::vector<CloseMode>{CloseMode::after_flush});
  pair.pump();
  EXPECT_EQ(pair.client().received_text(), "goodbye");
  EXPECT_EQ(pair.client().session->state(), SessionState::closed);
  EXPECT_EQ(pair.client().closes, std::vector<CloseMode>{CloseMode::after_flush});
  // End of stream after both close_notify messages is clean.
  EXPECT_TRUE(pair.client().session->receive_eof());
  EXPECT_TRUE(pair.server().session->receive_eof());
  EXPECT_EQ(pair.client().closes.size(), 1U) << "close runs once";
}

TEST_P(CloseTest, ServerFinishesFirst) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  ASSERT_TRUE(pair.server().session->finish());
  pair.pump();
  EXPECT_EQ(pair.client().session->state(), SessionState::peer_closed);
  ASSERT_TRUE(pair.client().session->finish());
  pair.pump();
  EXPECT_EQ(pair.client().session->state(), SessionState::closed);
  EXPECT_EQ(pair.server().session->state(), SessionState::closed);
}

TEST_P(CloseTest, FinishTwiceIsHarmless) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  ASSERT_TRUE(pair.client().session->finish());
  const std::size_t sent = pair.client().outbox.size();
  EXPECT_TRUE(pair.client().session->finish());
  EXPECT_EQ(pair.client().outbox.size(), sent) << "close_notify is sent once";
}

TEST_P(CloseTest, EndOfStreamBeforeCloseNotifyIsTruncation) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  ASSERT_TRUE(pair.server().session->write_data("partial"));
  pair.pump();
  EXPECT_SANSTLS_ERROR((pair.client().session->receive_eof()), Errc::truncated,
                       "before the peer's close_notify");
  EXPECT_EQ(pair.client().session->state(), SessionState::invalidated);
  EXPECT_EQ(pair.client().closes, std::vector<CloseMode>{CloseMode::immediate});
  EXPECT_SANSTLS_ERROR((pair.client().session->write_data("x")), Errc::invalidated, "truncated");
}

TEST_P(CloseTest, EndOfStreamDuringHandshake) {
  SessionPair pair(default_client(), default_server());
  EXPECT_SANSTLS_ERROR((pair.client().session->receive_eof()), Errc::truncated,
                       "during the handshake");
}

TEST_P(CloseTest, GarbageAfterHandshakeInvalidatesTheSession) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  const std::vector<std::byte> garbage(64, std::byte{0x17});  // looks like app data, isn't
  std::vector<std::byte> out;
  auto received = pair.server().session->receive_data(garbage, out);
  ASSERT_FALSE(received);
  EXPECT_EQ(received.error().code, Errc::bad_tls_data) << received.error().to_string();
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(pair.server().session->state(), SessionState::invalidated);
  ASSERT_NE(pair.server().session->failure(), nullptr);
  ASSERT_EQ(pair.server().closes.size(), 1U);
  // The alert reaches the client as a fatal alert.
  pair.pump();
  ASSERT_TRUE(pair.client().error);
  EXPECT_EQ(pair.client().error->code, Errc::alert_received) << pair.client().error->to_string();
  // Every later call fails with invalidated, naming the original failure.
  EXPECT_SANSTLS_ERROR((pair.server().session->write_data("x")), Errc::invalidated, "");
  EXPECT_SANSTLS_ERROR((pair.server().session->receive_data(garbage, out)), Errc::invalidated, "");
  EXPECT_SANSTLS_ERROR((pair.server().session->finish()), Errc::invalidated, "");
}

TEST_P(CloseTest, TamperedRecordIsRejected) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  ASSERT_TRUE(pair.client().session->write_data("integrity"));
  std::vector<std::byte> record;
  record.swap(pair.client().outbox);
  record.back() ^= std::byte{1};
  std::vector<std::byte> out;
  auto received = pair.server().session->receive_data(record, out);
  ASSERT_FALSE(received);
  EXPECT_EQ(received.error().code, Errc::bad_tls_data);
  EXPECT_EQ(received.error().alert_sent, Alert::bad_record_mac);
  EXPECT_TRUE(out.empty());
}

TEST_P(CloseTest, FatalAlertFromThePeer) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  // A plaintext handshake record after the handshake makes the server abort with an alert.
  const std::vector<std::byte> junk = {std::byte{22}, std::byte{3}, std::byte{3},
                                       std::byte{0},  std::byte{1}, std::byte{1}};
  std::vector<std::byte> out;
  ASSERT_FALSE(pair.server().session->receive_data(junk, out));
  pair.pump();
  ASSERT_TRUE(pair.client().error);
  EXPECT_EQ(pair.client().error->code, Errc::alert_received);
  EXPECT_TRUE(pair.client().error->alert_received.has_value());
  EXPECT_NE(pair.client().error->message.find("fatal"), std::string::npos);
  EXPECT_EQ(pair.client().session->state(), SessionState::invalidated);
}

TEST_P(CloseTest, ApiMisuseIsReportedNotFatal) {
  SessionPair pair(default_client(), default_server());
  EXPECT_SANSTLS_ERROR((pair.client().session->finish()), Errc::api_misuse,
                       "before the handshake finished");
  // Misuse does not invalidate: the handshake still completes.
  ASSERT_TRUE(pair.handshake());
}

TEST_P(CloseTest, CallsFromInsideACallbackAreRefused) {
  // A server whose write callback calls back into its own session.
  std::optional<Error> nested;
  Session* self = nullptr;
  SessionCallbacks callbacks;
  std::vector<std::byte> to_client;
  callbacks.write = [&](std::span<const std::byte> bytes) {
    to_client.insert(to_client.end(), bytes.begin(), bytes.end());
    if (self != nullptr && !nested) {
      auto r = self->finish();
      if (!r) {
        nested = r.error();
      }
    }
  };
  auto started = default_server().start(callbacks);
  ASSERT_TRUE(started);
  Session server = std::move(*started);
  self = &server;
  std::vector<std::byte> client_hello;
  auto client = default_client().start(SessionCallbacks{
      .write = [&](std::span<const std::byte> b) { client_hello.assign(b.begin(), b.end()); },
      .close = {},
      .verify = {}});
  ASSERT_TRUE(client);
  ASSERT_TRUE(server.receive_data(client_hello));
  ASSERT_TRUE(nested);
  EXPECT_EQ(nested->code, Errc::api_misuse);
  EXPECT_NE(nested->message.find("inside one of this session's callbacks"), std::string::npos);
}

TEST_P(CloseTest, MissingWriteCallbackIsMisuse) {
  auto started = default_client().start(SessionCallbacks{});
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, Errc::api_misuse);
}

}  // namespace
}  // namespace sanstls::test

// Conformance: Session::update_keys() (TLS 1.3 KeyUpdate, RFC 8446 §4.6.3) from either side,
// the peer's answer, and the calls it refuses.

#include "conformance/conformance.hpp"

namespace sanstls::test {
namespace {

using KeyUpdateTest = Conformance;
SANSTLS_INSTANTIATE_CONFORMANCE(KeyUpdateTest);

/// One round trip after the update: both sides must have switched keys in step, or the
/// records would not decrypt.
void expect_round_trip(SessionPair& pair, const std::string& tag) {
  auto ping = pair.client().session->write_data("ping " + tag);
  ASSERT_TRUE(ping) << tag << ": " << ping.error().to_string();
  auto pong = pair.server().session->write_data("pong " + tag);
  ASSERT_TRUE(pong) << tag << ": " << pong.error().to_string();
  pair.pump();
  ASSERT_FALSE(pair.first_error()) << tag << ": " << pair.first_error()->to_string();
  EXPECT_NE(pair.server().received_text().find("ping " + tag), std::string::npos) << tag;
  EXPECT_NE(pair.client().received_text().find("pong " + tag), std::string::npos) << tag;
}

TEST_P(KeyUpdateTest, ClientUpdatesItsKeysAndTheServerFollows) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  pair.client().outbox.clear();
  ASSERT_TRUE(pair.client().session->update_keys());
  EXPECT_FALSE(pair.client().outbox.empty()) << "the KeyUpdate goes out at once";
  pair.pump();
  // The server answered update_requested with a KeyUpdate of its own (RFC 8446 §4.6.3).
  expect_round_trip(pair, "after the client's update");
  EXPECT_EQ(pair.client().session->state(), SessionState::established);
  EXPECT_EQ(pair.server().session->state(), SessionState::established);
}

TEST_P(KeyUpdateTest, ServerUpdatesItsKeysAndTheClientFollows) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  ASSERT_TRUE(pair.server().session->update_keys());
  pair.pump();
  expect_round_trip(pair, "after the server's update");
}

TEST_P(KeyUpdateTest, ManyUpdatesFromBothSidesWithDataInBetween) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  // GnuTLS 3.7 accepts at most 8 KeyUpdates per second from its peer (each update_requested
  // also brings the answer back): 6 rounds stay within every engine's flood bound.
  for (int i = 0; i < 6; ++i) {
    Session& side = i % 2 == 0 ? *pair.client().session : *pair.server().session;
    auto updated = side.update_keys();
    ASSERT_TRUE(updated) << i << ": " << updated.error().to_string();
    pair.pump();
    expect_round_trip(pair, std::to_string(i));
  }
}

TEST_P(KeyUpdateTest, BothSidesUpdateAtTheSameTime) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  if (GetParam().client == Backend::gnutls || GetParam().server == Backend::gnutls) {
    // RFC 8446 §4.6.3 allows crossed updates, but GnuTLS 3.7 refuses an update_requested that
    // arrives while its own is unanswered (illegal_parameter; docs/backends.md). The session
    // must still end cleanly with that error, never hang or accept garbage.
    ASSERT_TRUE(pair.client().session->update_keys());
    ASSERT_TRUE(pair.server().session->update_keys());
    pair.pump();
    ASSERT_TRUE(pair.first_error()) << "GnuTLS accepted crossed KeyUpdates: update this test";
    EXPECT_TRUE(pair.client().session->state() == SessionState::invalidated ||
                pair.server().session->state() == SessionState::invalidated);
    return;
  }
  auto client_updated = pair.client().session->update_keys();
  ASSERT_TRUE(client_updated) << client_updated.error().to_string();
  auto server_updated = pair.server().session->update_keys();
  ASSERT_TRUE(server_updated) << server_updated.error().to_string();
  pair.pump();
  expect_round_trip(pair, "crossed updates");
}

TEST_P(KeyUpdateTest, RefusedBeforeTheHandshakeAndAfterFinish) {
  SessionPair pair(default_client(), default_server());
  EXPECT_SANSTLS_ERROR((pair.client().session->update_keys()), Errc::api_misuse,
                       "before the handshake finished");
  ASSERT_TRUE(pair.handshake());
  ASSERT_TRUE(pair.client().session->finish());
  EXPECT_SANSTLS_ERROR((pair.client().session->update_keys()), Errc::closed, "after finish()");
}

TEST_P(KeyUpdateTest, Tls12HasNoKeyUpdate) {
  if (!tls12_supported_or_reported()) return;
  ClientOptions options = tls12_client_options();
  SessionPair pair(client(options), default_server());
  ASSERT_TRUE(pair.handshake());
  EXPECT_SANSTLS_ERROR((pair.client().session->update_keys()), Errc::unsupported,
                       "TLS 1.2 has no KeyUpdate");
  EXPECT_SANSTLS_ERROR((pair.server().session->update_keys()), Errc::unsupported,
                       "TLS 1.2 has no KeyUpdate");
  // Refusing is not a failure of the session.
  expect_round_trip(pair, "TLS 1.2");
}

TEST_P(KeyUpdateTest, CapabilitiesSayKeyUpdate) {
  EXPECT_TRUE(backend_capabilities(GetParam().client).key_update);
  EXPECT_TRUE(backend_capabilities(GetParam().server).key_update);
}

}  // namespace
}  // namespace sanstls::test

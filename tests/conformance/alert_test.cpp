// SPDX-License-Identifier: Apache-2.0 OR MIT
// Conformance: Session::alert() (the proposal's Session.alert(alert_code, level)) on every
// engine pair: level checks, close_notify as finish(), user_canceled, fatal alerts reaching the
// peer, and the OpenSSL engine's documented refusal.

#include "conformance/conformance.hpp"

namespace sanstls::test {
namespace {

using AlertTest = Conformance;
SANSTLS_INSTANTIATE_CONFORMANCE(AlertTest);

/// OpenSSL has no call that sends an arbitrary alert (docs/backends.md).
bool sends_alerts(Backend backend) { return backend != Backend::openssl; }

TEST_P(AlertTest, LevelTheAlertDoesNotAllowIsRefused) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  auto& client = *pair.client().session;
  // RFC 8446 §6: only close_notify and user_canceled are warnings; close_notify is never fatal.
  EXPECT_SANSTLS_ERROR(client.alert(Alert::decode_error, AlertLevel::warning),
                       Errc::invalid_alert_level, "invalid alert level");
  EXPECT_SANSTLS_ERROR(client.alert(Alert::handshake_failure, AlertLevel::warning),
                       Errc::invalid_alert_level, "handshake_failure");
  EXPECT_SANSTLS_ERROR(client.alert(Alert::close_notify, AlertLevel::fatal),
                       Errc::invalid_alert_level, "invalid alert level");
  // Refused before anything was sent: the session goes on.
  EXPECT_TRUE(pair.client().outbox.empty());
  EXPECT_EQ(client.state(), SessionState::established);
  ASSERT_TRUE(client.write_data("still here"));
  pair.pump();
  EXPECT_EQ(pair.server().received_text(), "still here");
}

TEST_P(AlertTest, CloseNotifyIsFinish) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  ASSERT_TRUE(pair.client().session->alert(Alert::close_notify));
  EXPECT_EQ(pair.client().session->state(), SessionState::closing);
  pair.pump();
  EXPECT_EQ(pair.server().session->state(), SessionState::peer_closed);
  ASSERT_TRUE(pair.server().session->alert(Alert::close_notify, AlertLevel::warning));
  pair.pump();
  EXPECT_EQ(pair.client().session->state(), SessionState::closed);
  EXPECT_EQ(pair.server().session->state(), SessionState::closed);
}

TEST_P(AlertTest, FatalAlertReachesThePeerAndEndsTheSession) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  auto& client = *pair.client().session;
  auto sent = client.alert(Alert::access_denied);
  if (!sends_alerts(GetParam().client)) {
    EXPECT_SANSTLS_ERROR(sent, Errc::unsupported, "cannot send a access_denied alert");
    EXPECT_EQ(client.state(), SessionState::established) << "refused, nothing changed";
    EXPECT_TRUE(pair.client().outbox.empty());
    ASSERT_TRUE(client.write_data("goes on"));
    pair.pump();
    EXPECT_EQ(pair.server().received_text(), "goes on");
    return;
  }
  ASSERT_TRUE(sent) << sent.error().to_string();
  EXPECT_EQ(client.state(), SessionState::invalidated);
  ASSERT_NE(client.failure(), nullptr);
  EXPECT_EQ(client.failure()->code, Errc::closed);
  EXPECT_EQ(client.failure()->alert_sent, Alert::access_denied);
  EXPECT_EQ(pair.client().closes, std::vector<CloseMode>{CloseMode::after_flush});
  EXPECT_SANSTLS_ERROR(client.write_data("more"), Errc::invalidated, "access_denied");
  pair.pump();
  ASSERT_TRUE(pair.server().error);
  EXPECT_EQ(pair.server().error->code, Errc::alert_received) << pair.server().error->to_string();
  EXPECT_EQ(pair.server().error->alert_received, Alert::access_denied);
}

TEST_P(AlertTest, ServerSendsFatalAlert) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  auto sent = pair.server().session->alert(Alert::internal_error, AlertLevel::fatal);
  if (!sends_alerts(GetParam().server)) {
    EXPECT_SANSTLS_ERROR(sent, Errc::unsupported, "OpenSSL");
    return;
  }
  ASSERT_TRUE(sent) << sent.error().to_string();
  pair.pump();
  ASSERT_TRUE(pair.client().error);
  EXPECT_EQ(pair.client().error->alert_received, Alert::internal_error);
}

TEST_P(AlertTest, FatalAlertDuringTheHandshake) {
  SessionPair pair(default_client(), default_server());
  // The ClientHello is out; the client gives up before the server answered.
  auto sent = pair.client().session->alert(Alert::handshake_failure);
  if (!sends_alerts(GetParam().client)) {
    EXPECT_SANSTLS_ERROR(sent, Errc::unsupported, "handshake_failure");
    EXPECT_TRUE(pair.handshake()) << "the refused alert changed nothing";
    return;
  }
  ASSERT_TRUE(sent) << sent.error().to_string();
  EXPECT_EQ(pair.client().session->state(), SessionState::invalidated);
  EXPECT_FALSE(pair.client().session->handshake_complete());
  EXPECT_EQ(pair.client().session->failure()->alert_sent, Alert::handshake_failure);
  pair.pump();
  ASSERT_TRUE(pair.server().error);
  EXPECT_EQ(pair.server().error->alert_received, Alert::handshake_failure)
      << pair.server().error->to_string();
  EXPECT_FALSE(pair.server().session->handshake_complete());
  EXPECT_EQ(pair.server().session->state(), SessionState::invalidated);
}

TEST_P(AlertTest, UserCanceledAfterTheHandshakeIsFollowedByCloseNotify) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  auto sent = pair.client().session->alert(Alert::user_canceled);
  if (!sends_alerts(GetParam().client)) {
    EXPECT_SANSTLS_ERROR(sent, Errc::unsupported, "user_canceled");
    return;
  }
  ASSERT_TRUE(sent) << sent.error().to_string();
  EXPECT_EQ(pair.client().session->state(), SessionState::closing);
  EXPECT_SANSTLS_ERROR(pair.client().session->alert(Alert::user_canceled), Errc::closed,
                       "after finish()");
  pair.pump();
  if (GetParam().server == Backend::gnutls) {
    // GnuTLS's record layer (3.7) makes every TLS 1.3 alert but close_notify fatal, also a
    // user_canceled warning: a GnuTLS peer reports the alert and ends the session there.
    ASSERT_TRUE(pair.server().error);
    EXPECT_EQ(pair.server().error->alert_received, Alert::user_canceled);
    return;
  }
  // OpenSSL and native ignore the user_canceled warning (RFC 8446 §6.1) and see the
  // close_notify that follows it.
  EXPECT_FALSE(pair.server().error) << pair.server().error->to_string();
  EXPECT_EQ(pair.server().session->state(), SessionState::peer_closed);
}

}  // namespace
}  // namespace sanstls::test

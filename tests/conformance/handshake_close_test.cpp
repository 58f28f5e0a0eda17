// SPDX-License-Identifier: Apache-2.0 OR MIT
// Conformance: the peer's close_notify and the end of the handshake, on every engine pair.
//
// - A close_notify before the handshake completes is a failure, never a clean close (an on-path
//   attacker can forge a plaintext one): Errc::handshake_failure, one message, no alert sent
//   back, the session invalidated (issue 12 items 1 and 8).
// - The peer's last flight, its first data and its close_notify in one receive_data(): the data
//   is delivered, the state is peer_closed, and handshake_complete() is true (issue 13).

#include "conformance/conformance.hpp"

namespace sanstls::test {
namespace {

using HandshakeCloseTest = Conformance;
SANSTLS_INSTANTIATE_CONFORMANCE(HandshakeCloseTest);

/// A plaintext close_notify alert record: alert(21), legacy version 3.3, length 2, warning(1),
/// close_notify(0). Anyone on the path can send it before the handshake keys are in use.
const std::vector<std::byte> plaintext_close_notify = {
    std::byte{0x15}, std::byte{0x03}, std::byte{0x03}, std::byte{0x00},
    std::byte{0x02}, std::byte{0x01}, std::byte{0x00}};

constexpr std::string_view closed_before_handshake =
    "the peer closed the connection (close_notify) before the handshake finished; no TLS "
    "session was established";

/// The first record of `bytes` (header included).
std::vector<std::byte> first_record(const std::vector<std::byte>& bytes) {
  EXPECT_GE(bytes.size(), 5U);
  if (bytes.size() < 5) return {};
  const std::size_t length =
      (std::to_integer<std::size_t>(bytes[3]) << 8U) | std::to_integer<std::size_t>(bytes[4]);
  EXPECT_GE(bytes.size(), 5 + length);
  return {bytes.begin(),
          bytes.begin() + static_cast<std::ptrdiff_t>(std::min(bytes.size(), 5 + length))};
}

/// Feeds `bytes` to `side` in one receive_data() and checks the failure every engine reports
/// for a close_notify before the end of the handshake.
void expect_closed_before_handshake(Endpoint& side, const std::vector<std::byte>& bytes) {
  side.outbox.clear();
  auto received = side.session->receive_data(bytes, side.received);
  ASSERT_FALSE(received) << "a close_notify before the handshake's end was taken as a clean close";
  const Error& error = received.error();
  EXPECT_EQ(error.code, Errc::handshake_failure) << error.to_string();
  EXPECT_EQ(error.message, closed_before_handshake) << error.to_string();
  EXPECT_EQ(error.alert_received, Alert::close_notify) << error.to_string();
  EXPECT_FALSE(error.alert_sent.has_value()) << error.to_string();
  EXPECT_TRUE(side.outbox.empty()) << "nothing is sent back, on every engine: the peer left";
  EXPECT_EQ(side.session->state(), SessionState::invalidated);
  EXPECT_FALSE(side.session->handshake_complete());
  EXPECT_TRUE(side.received.empty());
  EXPECT_EQ(side.closes, std::vector<CloseMode>{CloseMode::immediate});
  ASSERT_NE(side.session->failure(), nullptr);
  EXPECT_EQ(side.session->failure()->code, Errc::handshake_failure);
  // End of stream afterwards is no clean close either.
  auto eof = side.session->receive_eof();
  ASSERT_FALSE(eof) << "receive_eof() reported a clean close without a handshake";
  EXPECT_EQ(eof.error().code, Errc::invalidated) << eof.error().to_string();
  EXPECT_NE(eof.error().message.find(closed_before_handshake), std::string::npos)
      << eof.error().to_string();
}

/// Delivers everything `from` has written to `to` in one receive_data().
void deliver_all(Endpoint& from, Endpoint& to) {
  std::vector<std::byte> bytes;
  bytes.swap(from.outbox);
  auto received = to.session->receive_data(bytes, to.received);
  ASSERT_TRUE(received) << received.error().to_string();
}

TEST_P(HandshakeCloseTest, ClientGetsCloseNotifyAsFirstRecord) {
  SessionPair pair(default_client(), default_server());
  ASSERT_FALSE(pair.start_error);
  expect_closed_before_handshake(pair.client(), plaintext_close_notify);
}

TEST_P(HandshakeCloseTest, ClientGetsCloseNotifyAfterServerHello) {
  SessionPair pair(default_client(), default_server());
  ASSERT_FALSE(pair.start_error);
  deliver_all(pair.client(), pair.server());
  // TLS 1.3: the ServerHello is the server's only plaintext handshake message, in a record of
  // its own; what follows is protected, so a plaintext close_notify here is forgeable.
  std::vector<std::byte> bytes = first_record(pair.server().outbox);
  ASSERT_EQ(bytes.at(0), std::byte{0x16}) << "the server's first record is not a handshake record";
  ASSERT_EQ(bytes.at(5), std::byte{0x02}) << "the server's first message is not a ServerHello";
  bytes.insert(bytes.end(), plaintext_close_notify.begin(), plaintext_close_notify.end());
  expect_closed_before_handshake(pair.client(), bytes);
}

TEST_P(HandshakeCloseTest, ClientGetsCloseNotifyAfterServerHelloInItsOwnCall) {
  SessionPair pair(default_client(), default_server());
  ASSERT_FALSE(pair.start_error);
  deliver_all(pair.client(), pair.server());
  const std::vector<std::byte> server_hello = first_record(pair.server().outbox);
  ASSERT_TRUE(pair.client().session->receive_data(server_hello, pair.client().received));
  EXPECT_EQ(pair.client().session->state(), SessionState::handshaking);
  expect_closed_before_handshake(pair.client(), plaintext_close_notify);
}

TEST_P(HandshakeCloseTest, ServerGetsCloseNotifyAsFirstRecord) {
  SessionPair pair(default_client(), default_server());
  ASSERT_FALSE(pair.start_error);
  expect_closed_before_handshake(pair.server(), plaintext_close_notify);
}

TEST_P(HandshakeCloseTest, ServerGetsCloseNotifyAfterClientHello) {
  SessionPair pair(default_client(), default_server());
  ASSERT_FALSE(pair.start_error);
  deliver_all(pair.client(), pair.server());
  EXPECT_FALSE(pair.server().outbox.empty()) << "the server answered the ClientHello";
  expect_closed_before_handshake(pair.server(), plaintext_close_notify);
}

TEST_P(HandshakeCloseTest, ServerGetsClientHelloAndCloseNotifyInOneCall) {
  SessionPair pair(default_client(), default_server());
  ASSERT_FALSE(pair.start_error);
  std::vector<std::byte> bytes;
  bytes.swap(pair.client().outbox);
  bytes.insert(bytes.end(), plaintext_close_notify.begin(), plaintext_close_notify.end());
  expect_closed_before_handshake(pair.server(), bytes);
}

TEST_P(HandshakeCloseTest, Tls12CloseNotifyAfterTheServerFlight) {
  // TLS 1.2: alerts are plaintext until ChangeCipherSpec, so here the engines read the
  // close_notify as an alert (OpenSSL: SSL_ERROR_ZERO_RETURN; GnuTLS: a warning alert) and
  // report the close themselves.
  if (!tls12_supported_or_reported()) return;
  SessionPair pair(client(tls12_client_options()), default_server());
  ASSERT_FALSE(pair.start_error);
  deliver_all(pair.client(), pair.server());  // ClientHello
  std::vector<std::byte> bytes;
  bytes.swap(pair.server().outbox);  // ServerHello ... ServerHelloDone
  bytes.insert(bytes.end(), plaintext_close_notify.begin(), plaintext_close_notify.end());
  expect_closed_before_handshake(pair.client(), bytes);
}

TEST_P(HandshakeCloseTest, Tls12CloseNotifyAfterTheClientHello) {
  if (!tls12_supported_or_reported()) return;
  SessionPair pair(client(tls12_client_options()), default_server());
  ASSERT_FALSE(pair.start_error);
  deliver_all(pair.client(), pair.server());  // ClientHello
  expect_closed_before_handshake(pair.server(), plaintext_close_notify);
}

TEST_P(HandshakeCloseTest, ClientFinishedDataAndCloseNotifyInOneRead) {
  SessionPair pair(default_client(), default_server());
  ASSERT_FALSE(pair.start_error);
  deliver_all(pair.client(), pair.server());  // ClientHello
  deliver_all(pair.server(), pair.client());  // the server's flight; the client answers
  ASSERT_TRUE(pair.client().session->handshake_complete());
  ASSERT_TRUE(pair.client().session->write_data("GET / HTTP/1.0\r\n\r\n"));
  ASSERT_TRUE(pair.client().session->finish());
  ASSERT_FALSE(pair.server().session->handshake_complete());
  // Finished, the request and close_notify, in one read.
  deliver_all(pair.client(), pair.server());
  Endpoint& server = pair.server();
  EXPECT_EQ(server.received_text(), "GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(server.session->state(), SessionState::peer_closed);
  EXPECT_TRUE(server.session->handshake_complete());
  EXPECT_FALSE(server.session->established()) << "established() is the wrong test here";
  ASSERT_NE(server.session->info().version, std::nullopt);
  EXPECT_EQ(server.session->info().version, ProtocolVersion::tls13);
  // The server answers, then closes: a clean end on both sides.
  ASSERT_TRUE(server.session->write_data("HTTP/1.0 200 OK\r\n\r\n"));
  ASSERT_TRUE(server.session->finish());
  EXPECT_EQ(server.session->state(), SessionState::closed);
  EXPECT_TRUE(server.session->receive_eof());
  pair.pump();
  EXPECT_FALSE(pair.first_error()) << pair.first_error()->to_string();
  EXPECT_EQ(pair.client().received_text(), "HTTP/1.0 200 OK\r\n\r\n");
  EXPECT_EQ(pair.client().session->state(), SessionState::closed);
  EXPECT_TRUE(pair.client().session->receive_eof());
}

TEST_P(HandshakeCloseTest, ServerLastFlightDataAndCloseNotifyInOneRead) {
  // TLS 1.2: the server's last flight (ChangeCipherSpec, Finished) ends its handshake, so its
  // first data and close_notify can follow in the same read. (In TLS 1.3 the server's flight
  // is not its last: it waits for the client's Finished before it sends data.)
  if (!tls12_supported_or_reported()) return;
  SessionPair pair(client(tls12_client_options()), default_server());
  ASSERT_FALSE(pair.start_error);
  deliver_all(pair.client(), pair.server());  // ClientHello
  deliver_all(pair.server(), pair.client());  // ServerHello ... ServerHelloDone
  deliver_all(pair.client(), pair.server());  // ClientKeyExchange, ChangeCipherSpec, Finished
  Endpoint& server = pair.server();
  ASSERT_TRUE(server.session->handshake_complete());
  ASSERT_TRUE(server.session->write_data("hello from the server"));
  ASSERT_TRUE(server.session->finish());
  ASSERT_FALSE(pair.client().session->handshake_complete());
  deliver_all(pair.server(), pair.client());  // ChangeCipherSpec, Finished, data, close_notify
  Endpoint& client = pair.client();
  EXPECT_EQ(client.received_text(), "hello from the server");
  EXPECT_EQ(client.session->state(), SessionState::peer_closed);
  EXPECT_TRUE(client.session->handshake_complete());
  EXPECT_EQ(client.session->info().version, ProtocolVersion::tls12);
  ASSERT_TRUE(client.session->finish());
  EXPECT_EQ(client.session->state(), SessionState::closed);
  EXPECT_TRUE(client.session->receive_eof());
}

TEST_P(HandshakeCloseTest, HandshakeCompleteStaysTrueAfterAFailure) {
  SessionPair pair(default_client(), default_server());
  ASSERT_TRUE(pair.handshake());
  const std::vector<std::byte> garbage(64, std::byte{0x17});
  ASSERT_FALSE(pair.server().session->receive_data(garbage, pair.server().received));
  EXPECT_EQ(pair.server().session->state(), SessionState::invalidated);
  EXPECT_TRUE(pair.server().session->handshake_complete());
}

}  // namespace
}  // namespace sanstls::test

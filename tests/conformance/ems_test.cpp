// SPDX-License-Identifier: Apache-2.0 OR MIT
// Conformance: a TLS 1.2 client refuses a server that does not negotiate the extended master
// secret (RFC 7627). The server here is real (the pair's server engine); its ServerHello loses
// the extended_master_secret extension (type 23) on the way, every length fixed, before the
// client sees it. RFC 7627 §5.3: a client that does not wish to interoperate with legacy servers
// "MUST abort the handshake" when the ServerHello lacks the extension; sanstls always does for
// TLS 1.2, at once, before it sends anything of its own.

#include "conformance/conformance.hpp"
#include "conformance/hello_records.hpp"

#include <algorithm>

namespace sanstls::test {
namespace {

namespace hr = hello_records;

constexpr std::uint16_t kExtendedMasterSecret = 23;
constexpr std::uint16_t kRenegotiationInfo = 0xff01;

class ExtendedMasterSecretTest : public Conformance {
 protected:
  /// Starts a TLS 1.2-capped client and the pair's server, and hands the ClientHello to the
  /// server. Returns the server's first flight (ServerHello ... ServerHelloDone).
  std::vector<std::byte> first_server_flight() {
    auto client_started = client(tls12_client_options()).start(client_.callbacks());
    EXPECT_TRUE(client_started) << client_started.error().to_string();
    if (!client_started) return {};
    client_.session.emplace(std::move(*client_started));
    auto server_started = default_server().start(server_.callbacks());
    EXPECT_TRUE(server_started) << server_started.error().to_string();
    if (!server_started) return {};
    server_.session.emplace(std::move(*server_started));
    auto received =
        server_.session->receive_data(std::exchange(client_.outbox, {}), server_.received);
    EXPECT_TRUE(received) << received.error().to_string();
    return std::exchange(server_.outbox, {});
  }

  /// `flight` with the ServerHello (the first message of the first record) taken apart and put
  /// together again without the extensions `drop` (every length recomputed). Fails the test if
  /// the flight does not start with a TLS 1.2 ServerHello that carries extended_master_secret.
  static std::vector<std::byte> rewrite_server_hello(const std::vector<std::byte>& flight,
                                                     std::vector<std::uint16_t> drop) {
    auto records = hr::split_records(flight);
    EXPECT_TRUE(records && !records->empty()) << "the server's flight is not whole records";
    if (!records || records->empty()) return {};
    hr::Record& first = records->front();
    EXPECT_EQ(first.type, hr::kHandshakeRecord);
    auto hello = hr::parse_hello(first.fragment);
    EXPECT_TRUE(hello && hello->handshake_type == hr::kServerHello)
        << "the first record does not start with a whole ServerHello";
    if (!hello) return {};
    EXPECT_EQ(hello->legacy_version, 0x0303) << "not a TLS 1.2 ServerHello";
    const auto has = [&](std::uint16_t type) {
      return std::any_of(hello->extensions.begin(), hello->extensions.end(),
                         [&](const hr::Extension& e) { return e.type == type; });
    };
    EXPECT_TRUE(has(kExtendedMasterSecret))
        << "the real server did not negotiate the extended master secret";
    std::erase_if(hello->extensions, [&](const hr::Extension& e) {
      return std::find(drop.begin(), drop.end(), e.type) != drop.end();
    });
    first.fragment = hr::serialize_hello(*hello);
    return hr::join_records(*records);
  }

  Endpoint client_;
  Endpoint server_;
};
SANSTLS_INSTANTIATE_CONFORMANCE(ExtendedMasterSecretTest);

TEST_P(ExtendedMasterSecretTest, RewrittenServerHelloWithTheExtensionIsAccepted) {
  // The control: the same rewriting, dropping nothing, leaves a handshake that completes.
  if (!tls12_supported_or_reported()) return;
  const auto flight = rewrite_server_hello(first_server_flight(), {});
  ASSERT_FALSE(flight.empty());
  auto received = client_.session->receive_data(flight, client_.received);
  ASSERT_TRUE(received) << received.error().to_string();
  // Deliver the rest both ways until the handshake completes.
  for (int round = 0; round < 8; ++round) {
    if (!client_.outbox.empty()) {
      auto r = server_.session->receive_data(std::exchange(client_.outbox, {}), server_.received);
      ASSERT_TRUE(r) << r.error().to_string();
    }
    if (!server_.outbox.empty()) {
      auto r = client_.session->receive_data(std::exchange(server_.outbox, {}), client_.received);
      ASSERT_TRUE(r) << r.error().to_string();
    }
  }
  EXPECT_TRUE(client_.session->handshake_complete());
  EXPECT_TRUE(server_.session->handshake_complete());
  EXPECT_EQ(client_.session->info().version, ProtocolVersion::tls12);
}

TEST_P(ExtendedMasterSecretTest, ClientRefusesServerHelloWithoutTheExtension) {
  if (!tls12_supported_or_reported()) return;
  const auto flight = rewrite_server_hello(first_server_flight(), {kExtendedMasterSecret});
  ASSERT_FALSE(flight.empty());
  auto received = client_.session->receive_data(flight, client_.received);
  ASSERT_FALSE(received) << "the client accepted a TLS 1.2 server without the extended master "
                            "secret";
  const Error& error = received.error();
  EXPECT_EQ(error.code, Errc::forbidden_by_policy) << error.to_string();
  EXPECT_EQ(error.message,
            "the server does not support the extended master secret (RFC 7627), which sanstls "
            "requires for TLS 1.2")
      << error.to_string();
  EXPECT_EQ(client_.session->state(), SessionState::invalidated);
  EXPECT_FALSE(client_.session->handshake_complete());
  // At once: nothing of the client's own key exchange, only one fatal handshake_failure alert.
  auto records = hr::split_records(client_.outbox);
  ASSERT_TRUE(records) << "the client's output is not whole records";
  ASSERT_EQ(records->size(), 1U) << "no alert, or more than one record";
  EXPECT_EQ(records->front().type, hr::kAlertRecord)
      << "the client sent a record of type " << int{records->front().type}
      << " after the ServerHello";
  ASSERT_EQ(records->front().fragment.size(), 2U) << "a plaintext alert";
  EXPECT_EQ(records->front().fragment[0], 2) << "fatal";
  EXPECT_EQ(static_cast<Alert>(records->front().fragment[1]), Alert::handshake_failure)
      << alert_name(static_cast<Alert>(records->front().fragment[1]));
  EXPECT_EQ(error.alert_sent, Alert::handshake_failure) << error.to_string();
}

// The same way for RFC 5746: a TLS 1.2 ServerHello without renegotiation_info. RFC 5746 §4.1: a
// client that wishes to connect only to servers supporting secure renegotiation "MUST terminate
// the connection" when the extension is missing; every sanstls client does (issue 13).
TEST_P(ExtendedMasterSecretTest, ClientRefusesServerHelloWithoutRenegotiationInfo) {
  if (!tls12_supported_or_reported()) return;
  const auto flight = rewrite_server_hello(first_server_flight(), {kRenegotiationInfo});
  ASSERT_FALSE(flight.empty());
  auto received = client_.session->receive_data(flight, client_.received);
  ASSERT_FALSE(received) << "the client accepted a TLS 1.2 server without renegotiation_info";
  const Error& error = received.error();
  EXPECT_EQ(error.code, Errc::forbidden_by_policy) << error.to_string();
  EXPECT_EQ(error.message,
            "the server does not support secure renegotiation indication (RFC 5746), which "
            "sanstls requires from TLS 1.2 servers")
      << error.to_string();
  EXPECT_EQ(client_.session->state(), SessionState::invalidated);
  auto records = hr::split_records(client_.outbox);
  ASSERT_TRUE(records) << "the client's output is not whole records";
  ASSERT_EQ(records->size(), 1U) << "no alert, or more than one record";
  EXPECT_EQ(records->front().type, hr::kAlertRecord);
  ASSERT_EQ(records->front().fragment.size(), 2U) << "a plaintext alert";
  EXPECT_EQ(records->front().fragment[0], 2) << "fatal";
  EXPECT_EQ(static_cast<Alert>(records->front().fragment[1]), Alert::handshake_failure)
      << alert_name(static_cast<Alert>(records->front().fragment[1]));
  EXPECT_EQ(error.alert_sent, Alert::handshake_failure) << error.to_string();
}

}  // namespace
}  // namespace sanstls::test

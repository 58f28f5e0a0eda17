// SPDX-License-Identifier: Apache-2.0 OR MIT
// Conformance: attacks on the TLS 1.3 handshake's authentication, every engine as the target.
// An on-path attacker who knows the handshake traffic secrets (the hazmat key log hands them to
// the test) decrypts a flight in transit, flips one bit of a Finished or CertificateVerify,
// encrypts it again and delivers it. The record layer cannot notice (the records are validly
// protected), so only the message's own check stands between the attacker and a session:
//
//   RFC 8446 §4.4.3: "If the verification fails, the receiver MUST terminate the handshake with
//   a "decrypt_error" alert."  (CertificateVerify)
//   RFC 8446 §4.4.4: "Recipients of Finished messages MUST verify that the contents are correct
//   and if incorrect MUST terminate the connection with a "decrypt_error" alert."
//
// The record tampering lives in support/tls_oracle.* and shares no code with the library.

#include "conformance/conformance.hpp"
#include "support/tls_oracle.hpp"

namespace sanstls::test {
namespace {

using oracle::BodyByte;
using oracle::KeyLogRecorder;

constexpr std::uint8_t certificate_verify_message = 15;
constexpr std::uint8_t finished_message = 20;

enum class Check : std::uint8_t { finished, certificate_verify };

/// How the victim names the failed check. Code, alert and the closing "(decrypt_error alert
/// sent)" are the same on every engine. The OpenSSL and GnuTLS engines describe the failure by
/// the alert they sent (core::refusals::invalid_tls_data), so they say the same for a Finished
/// and a CertificateVerify: their libraries' texts were internals. The native engine still
/// names the RFC field that failed (docs/backends.md, "Known remaining differences").
std::string_view detail(Backend victim, Check check) {
  const bool fin = check == Check::finished;
  switch (victim) {
    case Backend::openssl:
    case Backend::gnutls:
      return "a signature or Finished message from the peer did not verify (decrypt_error alert "
             "sent)";
    case Backend::native:
      return fin ? "sent invalid TLS: Finished.verify_data: mismatch (decrypt_error alert sent)"
                 : "sent invalid TLS: CertificateVerify.signature: verification failed "
                   "(decrypt_error alert sent)";
  }
  return "unknown engine";
}

/// Moves `from`'s outbox into `to` in one receive_data call; records `to`'s first error.
void deliver(Endpoint& from, Endpoint& to) {
  std::vector<std::byte> waiting;
  waiting.swap(from.outbox);
  if (waiting.empty() || !to.session || to.error) return;
  auto received = to.session->receive_data(waiting, to.received);
  if (!received) to.error = received.error();
}

class HandshakeAttacksTest : public Conformance {
 protected:
  /// A pair whose both ends log their secrets into `log`; the client presents a certificate
  /// and the server requires one when `client_auth`.
  [[nodiscard]] std::unique_ptr<SessionPair> logged_pair(KeyLogRecorder& log,
                                                         bool client_auth = false,
                                                         bool tls12 = false) const {
    ClientOptions client_opts = client_options();
    auto client_settings = log.settings();
    if (tls12) client_settings->max_version = ProtocolVersion::tls12;
    client_opts.hazmat = client_settings;
    ServerOptions server_opts = server_options();
    server_opts.hazmat = log.settings();
    if (client_auth) {
      client_opts.client_certificates = std::make_shared<ClientCertificateChain>(pki().client());
      server_opts.client_auth = ClientAuth::required;
      server_opts.client_trust = pki().trust_store();
    }
    return std::make_unique<SessionPair>(client(client_opts), server(server_opts));
  }

  /// ClientHello to the server; returns the cipher suite of the ServerHello in the answer.
  static std::uint16_t send_client_hello(SessionPair& pair) {
    deliver(pair.client(), pair.server());
    EXPECT_FALSE(pair.server().error) << pair.server().error->to_string();
    const auto hello = oracle::parse_hello(pair.server().outbox);
    EXPECT_TRUE(hello) << "no ServerHello in the server's first flight";
    return hello ? hello->cipher_suite : 0;
  }

  /// TLS 1.2: the ClientHello to the server; returns both hellos as they went over the wire.
  static std::pair<oracle::Hello, oracle::Hello> send_tls12_client_hello(SessionPair& pair) {
    const auto client_hello = oracle::parse_hello(pair.client().outbox);
    EXPECT_TRUE(client_hello) << "no ClientHello";
    deliver(pair.client(), pair.server());
    EXPECT_FALSE(pair.server().error) << pair.server().error->to_string();
    const auto server_hello = oracle::parse_hello(pair.server().outbox);
    EXPECT_TRUE(server_hello) << "no ServerHello";
    return {client_hello.value_or(oracle::Hello{}), server_hello.value_or(oracle::Hello{})};
  }

  /// TLS 1.2: flips a bit of the Finished in `flight`, sent by the client when `from_client`.
  static void tamper_tls12_finished(std::vector<std::byte>& flight, const KeyLogRecorder& log,
                                    const std::pair<oracle::Hello, oracle::Hello>& hellos,
                                    bool from_client) {
    const auto master_secret = log.secret("CLIENT_RANDOM");
    ASSERT_TRUE(master_secret) << "no CLIENT_RANDOM line in the key log";
    const std::string failed = oracle::tamper_tls12_finished(
        flight, *master_secret, hellos.first.random, hellos.second.random,
        hellos.second.cipher_suite, from_client);
    ASSERT_EQ(failed, "") << "could not tamper with the flight";
  }

  /// Flips a bit of `message_type` in `flight`, protected with the key-log secret `label`.
  static void tamper(std::vector<std::byte>& flight, const KeyLogRecorder& log,
                     std::string_view label, std::uint8_t message_type, BodyByte where,
                     std::uint16_t suite) {
    const auto secret = log.secret(label);
    ASSERT_TRUE(secret) << "no " << label << " in the key log";
    const std::string failed =
        oracle::tamper_tls13_handshake(flight, *secret, suite, message_type, where);
    ASSERT_EQ(failed, "") << "could not tamper with the flight";
  }

  /// The victim refused with Errc::bad_tls_data, sent decrypt_error and named the failed
  /// check; the other end heard the alert; the victim is not established.
  static void expect_decrypt_error(Backend victim_engine, const Endpoint& victim,
                                   const Endpoint& other, Check check) {
    ASSERT_TRUE(victim.error) << "the victim accepted the forged message";
    const Error& error = *victim.error;
    EXPECT_EQ(error.code, Errc::bad_tls_data) << error.to_string();
    EXPECT_EQ(error.alert_sent, Alert::decrypt_error) << error.to_string();
    EXPECT_NE(error.message.find("(decrypt_error alert sent)"), std::string::npos)
        << error.to_string();
    EXPECT_NE(error.message.find(detail(victim_engine, check)), std::string::npos)
        << error.to_string();
    EXPECT_EQ(victim.session->state(), SessionState::invalidated);
    EXPECT_FALSE(victim.session->established());
    ASSERT_TRUE(other.error) << "the attacked peer never heard of the refusal";
    EXPECT_EQ(other.error->code, Errc::alert_received) << other.error->to_string();
    EXPECT_EQ(other.error->alert_received, Alert::decrypt_error) << other.error->to_string();
  }
};
SANSTLS_INSTANTIATE_CONFORMANCE(HandshakeAttacksTest);

TEST_P(HandshakeAttacksTest, UntamperedFlightsStillConnect) {
  // The control: decrypting and re-encrypting without a change (two flips of the same bit)
  // leaves a handshake that succeeds, so the failures below come from the flipped bit alone.
  KeyLogRecorder log;
  auto pair = logged_pair(log);
  const std::uint16_t suite = send_client_hello(*pair);
  for (int i = 0; i < 2; ++i) {
    tamper(pair->server().outbox, log, "SERVER_HANDSHAKE_TRAFFIC_SECRET", finished_message,
           BodyByte::first, suite);
  }
  ASSERT_TRUE(pair->handshake()) << (pair->first_error() ? pair->first_error()->to_string() : "");
}

TEST_P(HandshakeAttacksTest, CorruptedServerFinished) {
  KeyLogRecorder log;
  auto pair = logged_pair(log);
  const std::uint16_t suite = send_client_hello(*pair);
  tamper(pair->server().outbox, log, "SERVER_HANDSHAKE_TRAFFIC_SECRET", finished_message,
         BodyByte::first, suite);
  pair->pump();
  expect_decrypt_error(GetParam().client, pair->client(), pair->server(), Check::finished);
}

TEST_P(HandshakeAttacksTest, CorruptedClientFinished) {
  KeyLogRecorder log;
  auto pair = logged_pair(log);
  const std::uint16_t suite = send_client_hello(*pair);
  deliver(pair->server(), pair->client());
  ASSERT_FALSE(pair->client().error) << pair->client().error->to_string();
  tamper(pair->client().outbox, log, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", finished_message,
         BodyByte::first, suite);
  pair->pump();
  expect_decrypt_error(GetParam().server, pair->server(), pair->client(), Check::finished);
}

TEST_P(HandshakeAttacksTest, CorruptedServerCertificateVerify) {
  KeyLogRecorder log;
  auto pair = logged_pair(log);
  const std::uint16_t suite = send_client_hello(*pair);
  // The last byte of the signature: the signature stays well-formed (for ECDSA, a DER integer
  // keeps its encoding) but no longer verifies.
  tamper(pair->server().outbox, log, "SERVER_HANDSHAKE_TRAFFIC_SECRET", certificate_verify_message,
         BodyByte::last, suite);
  pair->pump();
  expect_decrypt_error(GetParam().client, pair->client(), pair->server(),
                       Check::certificate_verify);
}

TEST_P(HandshakeAttacksTest, CorruptedClientCertificateVerify) {
  KeyLogRecorder log;
  auto pair = logged_pair(log, /*client_auth=*/true);
  const std::uint16_t suite = send_client_hello(*pair);
  deliver(pair->server(), pair->client());
  ASSERT_FALSE(pair->client().error) << pair->client().error->to_string();
  tamper(pair->client().outbox, log, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", certificate_verify_message,
         BodyByte::last, suite);
  pair->pump();
  expect_decrypt_error(GetParam().server, pair->server(), pair->client(),
                       Check::certificate_verify);
}

TEST_P(HandshakeAttacksTest, ServerKeyDoesNotMatchItsCertificate) {
  // The server signs with another P-256 key than the one its certificate names.
  testing::LeafOptions other_options;
  other_options.names = {"localhost"};
  auto other = pki().intermediate().issue_leaf_parts(other_options);
  ASSERT_TRUE(other) << other.error().to_string();
  const CertificateChain mismatched =
      hazmat::make_unchecked_chain(pki().server_parts().certificates, other->key);
  SessionPair pair(default_client(), ServerTLS{mismatched, server_options()});
  ASSERT_FALSE(pair.start_error) << pair.start_error->to_string();
  EXPECT_FALSE(pair.handshake());
  if (GetParam().server == Backend::openssl) {
    // libssl compares the key with the certificate when the engine hands it the chain
    // (SSL_use_cert_and_key) and refuses; the client only hears internal_error. The GnuTLS and
    // native servers sign with the key they were given, and the client's CertificateVerify
    // check refuses it (docs/backends.md).
    ASSERT_TRUE(pair.server().error) << "the OpenSSL server used a key its certificate lacks";
    EXPECT_EQ(pair.server().error->code, Errc::bad_configuration)
        << pair.server().error->to_string();
    EXPECT_NE(pair.server().error->message.find("OpenSSL refused the certificate chain"),
              std::string::npos)
        << pair.server().error->to_string();
    ASSERT_TRUE(pair.client().error) << "the client connected";
    EXPECT_EQ(pair.client().error->code, Errc::alert_received) << pair.client().error->to_string();
    EXPECT_EQ(pair.client().error->alert_received, Alert::internal_error)
        << pair.client().error->to_string();
    EXPECT_FALSE(pair.client().session->established());
    return;
  }
  expect_decrypt_error(GetParam().client, pair.client(), pair.server(), Check::certificate_verify);
}

// TLS 1.2 (RFC 5246): the Finished messages are encrypted under the key block; the server's
// ServerKeyExchange signature and the client's CertificateVerify travel in plaintext.
// RFC 5246 §7.2.2: decrypt_error: "A handshake cryptographic operation failed, including being
// unable to correctly verify a signature or validate a Finished message."

TEST_P(HandshakeAttacksTest, Tls12UntamperedFinishedStillConnects) {
  if (!tls12_supported_or_reported()) return;
  KeyLogRecorder log;
  auto pair = logged_pair(log, false, /*tls12=*/true);
  const auto hellos = send_tls12_client_hello(*pair);
  deliver(pair->server(), pair->client());
  for (int i = 0; i < 2; ++i) {
    tamper_tls12_finished(pair->client().outbox, log, hellos, /*from_client=*/true);
  }
  ASSERT_TRUE(pair->handshake()) << (pair->first_error() ? pair->first_error()->to_string() : "");
  EXPECT_EQ(pair->client().session->info().version, ProtocolVersion::tls12);
}

TEST_P(HandshakeAttacksTest, Tls12CorruptedClientFinished) {
  if (!tls12_supported_or_reported()) return;
  KeyLogRecorder log;
  auto pair = logged_pair(log, false, /*tls12=*/true);
  const auto hellos = send_tls12_client_hello(*pair);
  deliver(pair->server(), pair->client());
  ASSERT_FALSE(pair->client().error) << pair->client().error->to_string();
  tamper_tls12_finished(pair->client().outbox, log, hellos, /*from_client=*/true);
  pair->pump();
  expect_decrypt_error(GetParam().server, pair->server(), pair->client(), Check::finished);
}

TEST_P(HandshakeAttacksTest, Tls12CorruptedServerFinished) {
  if (!tls12_supported_or_reported()) return;
  KeyLogRecorder log;
  auto pair = logged_pair(log, false, /*tls12=*/true);
  const auto hellos = send_tls12_client_hello(*pair);
  deliver(pair->server(), pair->client());
  deliver(pair->client(), pair->server());
  ASSERT_FALSE(pair->server().error) << pair->server().error->to_string();
  tamper_tls12_finished(pair->server().outbox, log, hellos, /*from_client=*/false);
  pair->pump();
  expect_decrypt_error(GetParam().client, pair->client(), pair->server(), Check::finished);
}

TEST_P(HandshakeAttacksTest, Tls12CorruptedServerKeyExchangeSignature) {
  if (!tls12_supported_or_reported()) return;
  KeyLogRecorder log;
  auto pair = logged_pair(log, false, /*tls12=*/true);
  (void)send_tls12_client_hello(*pair);
  constexpr std::uint8_t server_key_exchange = 12;
  const std::string failed = oracle::tamper_plaintext_handshake(
      pair->server().outbox, server_key_exchange, BodyByte::last);
  ASSERT_EQ(failed, "");
  pair->pump();
  expect_decrypt_error(GetParam().client, pair->client(), pair->server(),
                       Check::certificate_verify);
}

TEST_P(HandshakeAttacksTest, Tls12CorruptedClientCertificateVerify) {
  if (!tls12_supported_or_reported()) return;
  KeyLogRecorder log;
  auto pair = logged_pair(log, /*client_auth=*/true, /*tls12=*/true);
  (void)send_tls12_client_hello(*pair);
  deliver(pair->server(), pair->client());
  ASSERT_FALSE(pair->client().error) << pair->client().error->to_string();
  const std::string failed = oracle::tamper_plaintext_handshake(
      pair->client().outbox, certificate_verify_message, BodyByte::last);
  ASSERT_EQ(failed, "");
  pair->pump();
  expect_decrypt_error(GetParam().server, pair->server(), pair->client(),
                       Check::certificate_verify);
}

}  // namespace
}  // namespace sanstls::test

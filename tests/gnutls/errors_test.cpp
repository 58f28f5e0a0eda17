// SPDX-License-Identifier: Apache-2.0 OR MIT
// Each GnuTLS error code the engine maps, and what it becomes.

#include "backends/gnutls/errors.hpp"

#include <gnutls/gnutls.h>
#include <gtest/gtest.h>

namespace sanstls::gnutls_backend {
namespace {

struct Expectation {
  int code;
  bool server;
  Errc errc;
  std::optional<Alert> alert;
  std::string_view fragment;
};

TEST(GnutlsErrors, EveryMappedCode) {
  const Expectation cases[] = {
      {GNUTLS_E_NO_CIPHER_SUITES, true, Errc::forbidden_by_policy, Alert::handshake_failure,
       "no cipher suite in common"},
      {GNUTLS_E_INSUFFICIENT_SECURITY, false, Errc::forbidden_by_policy, Alert::handshake_failure,
       "no cipher suite in common"},
      {GNUTLS_E_UNKNOWN_CIPHER_SUITE, false, Errc::forbidden_by_policy, Alert::illegal_parameter,
       "did not offer"},
      {GNUTLS_E_NO_COMMON_KEY_SHARE, true, Errc::forbidden_by_policy, Alert::handshake_failure,
       "no key-exchange group in common"},
      {GNUTLS_E_ECC_NO_SUPPORTED_CURVES, true, Errc::forbidden_by_policy, Alert::handshake_failure,
       "no key-exchange group"},
      {GNUTLS_E_UNSUPPORTED_SIGNATURE_ALGORITHM, false, Errc::forbidden_by_policy,
       Alert::handshake_failure, "no signature algorithm in common"},
      {GNUTLS_E_SAFE_RENEGOTIATION_FAILED, true, Errc::forbidden_by_policy,
       Alert::handshake_failure, "RFC 5746"},
      {GNUTLS_E_NO_APPLICATION_PROTOCOL, true, Errc::no_application_protocol,
       Alert::no_application_protocol, "none in common with this server's (h2)"},
      {GNUTLS_E_NO_APPLICATION_PROTOCOL, false, Errc::no_application_protocol,
       Alert::no_application_protocol, "chose no ALPN protocol"},
      {GNUTLS_E_CERTIFICATE_REQUIRED, true, Errc::certificate_rejected, Alert::certificate_required,
       "requires one"},
      {GNUTLS_E_INSUFFICIENT_CREDENTIALS, true, Errc::handshake_failure, Alert::handshake_failure,
       "certificate suits none"},
      {GNUTLS_E_DECRYPTION_FAILED, false, Errc::bad_tls_data, Alert::bad_record_mac,
       "failed its integrity check"},
      {GNUTLS_E_UNEXPECTED_PACKET_LENGTH, false, Errc::bad_tls_data, Alert::decode_error,
       "the peer sent a malformed TLS message (decode_error alert sent)"},
      {GNUTLS_E_UNEXPECTED_PACKET, true, Errc::bad_tls_data, Alert::unexpected_message,
       "unexpected TLS message"},
      {GNUTLS_E_ERROR_IN_FINISHED_PACKET, true, Errc::bad_tls_data, Alert::decrypt_error,
       "did not verify"},
      {GNUTLS_E_INTERNAL_ERROR, true, Errc::internal_error, Alert::internal_error,
       "the GnuTLS engine failed inside the library"},
  };
  for (const auto& c : cases) {
    ErrorContext context;
    context.server = c.server;
    context.alpn = {"h2"};
    const Error error = classify_gnutls_error(c.code, context);
    EXPECT_EQ(error.code, c.errc) << gnutls_strerror_name(c.code) << ": " << error.to_string();
    EXPECT_EQ(error.alert_sent, c.alert) << gnutls_strerror_name(c.code);
    EXPECT_NE(error.message.find(c.fragment), std::string::npos)
        << gnutls_strerror_name(c.code) << ": " << error.message;
  }
}

TEST(GnutlsErrors, NoMessageQuotesGnutls) {
  // Issue 13: messages say what happened in TLS terms, never GnuTLS's own texts ("(GnuTLS: An
  // unexpected TLS packet was received.)"), which differ from the other engines' for the same
  // input. Every error code GnuTLS defines, both roles.
  for (int code = -1; code >= -500; --code) {
    const char* name = gnutls_strerror_name(code);
    if (name == nullptr) continue;
    for (const bool server : {true, false}) {
      ErrorContext context;
      context.server = server;
      const Error error = classify_gnutls_error(code, context);
      EXPECT_EQ(error.message.find("GnuTLS:"), std::string::npos) << name << ": " << error.message;
      EXPECT_EQ(error.message.find(gnutls_strerror(code)), std::string::npos)
          << name << ": " << error.message;
    }
  }
}

TEST(GnutlsErrors, ReceivedAlertIsReportedNotAnswered) {
  ErrorContext context;
  context.alert_received = Alert::certificate_required;
  const Error error = classify_gnutls_error(GNUTLS_E_FATAL_ALERT_RECEIVED, context);
  EXPECT_EQ(error.code, Errc::alert_received);
  EXPECT_EQ(error.alert_received, Alert::certificate_required);
  EXPECT_FALSE(error.alert_sent);
  EXPECT_EQ(error.message,
            "the peer sent a fatal certificate_required alert (it requires a client certificate)");
}

TEST(GnutlsErrors, VersionErrorsNameWhatThePeerOffered) {
  HelloSummary hello;
  hello.versions = {0x0301, 0x0302};
  ErrorContext context;
  context.server = true;
  context.peer_hello = &hello;
  Error error = classify_gnutls_error(GNUTLS_E_UNSUPPORTED_VERSION_PACKET, context);
  EXPECT_EQ(error.code, Errc::forbidden_by_policy);
  EXPECT_EQ(error.alert_sent, Alert::protocol_version);
  EXPECT_EQ(error.message,
            "the peer offered only TLS 1.0 and TLS 1.1; sanstls requires TLS 1.2 or newer");

  HelloSummary server_hello;
  server_hello.versions = {0x0303};
  context.server = false;
  context.peer_hello = &server_hello;
  context.tls13_only = true;
  error = classify_gnutls_error(GNUTLS_E_UNSUPPORTED_VERSION_PACKET, context);
  EXPECT_EQ(error.message, "the server chose TLS 1.2; sanstls requires TLS 1.3");

  // After the handshake a wrong record version is malformed data, not a version choice.
  context.handshaking = false;
  error = classify_gnutls_error(GNUTLS_E_UNSUPPORTED_VERSION_PACKET, context);
  EXPECT_EQ(error.code, Errc::bad_tls_data);
  EXPECT_EQ(error.message, "the peer sent a record with an invalid protocol version field");

  // So is one during a handshake whose hello chose a version we accept (RFC 5246 §6.2.1: after
  // the hellos a TLS 1.2 record carries {3,3}), in the words of every engine.
  context.handshaking = true;
  context.tls13_only = false;
  error = classify_gnutls_error(GNUTLS_E_UNSUPPORTED_VERSION_PACKET, context);
  EXPECT_EQ(error.code, Errc::bad_tls_data);
  EXPECT_EQ(error.alert_sent, Alert::protocol_version);
  EXPECT_EQ(error.message, "the peer sent a record with an invalid protocol version field");
}

}  // namespace
}  // namespace sanstls::gnutls_backend

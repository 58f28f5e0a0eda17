// SPDX-License-Identifier: Apache-2.0 OR MIT
// See refusals.hpp.

#include "core/refusals.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace sanstls::core::refusals {
namespace {

Error make(Errc code, Alert alert, std::string message) {
  Error error = make_error(code, std::move(message));
  error.alert_sent = alert;
  return error;
}

}  // namespace

Error alert_received(Alert alert) {
  Error error = make_error(Errc::alert_received,
                           fmt::format("the peer sent a fatal {} alert", alert_name(alert)));
  error.alert_received = alert;
  // The most common reason: say what to check.
  if (alert == Alert::certificate_required) {
    error.message += " (it requires a client certificate)";
  }
  return error;
}

Error no_shared_cipher_suite() {
  return make(Errc::forbidden_by_policy, Alert::handshake_failure,
              "no cipher suite in common: the peer offered none of the AEAD suites sanstls "
              "allows (CBC, RC4, 3DES, static-RSA and NULL suites are refused)");
}

Error unoffered_cipher_suite() {
  return make(Errc::forbidden_by_policy, Alert::illegal_parameter,
              "the server chose a cipher suite sanstls did not offer");
}

Error no_shared_group() {
  return make(Errc::forbidden_by_policy, Alert::handshake_failure,
              "no key-exchange group in common: sanstls uses x25519, secp256r1 and secp384r1 "
              "only (finite-field DHE and static RSA are refused)");
}

Error no_shared_signature_algorithm() {
  return make(Errc::forbidden_by_policy, Alert::handshake_failure,
              "no signature algorithm in common: the peer offered only algorithms sanstls "
              "refuses (SHA-1 and PKCS#1 v1.5 in TLS 1.3 are refused)");
}

Error no_shared_application_protocol(const std::vector<std::string>& ours) {
  // RFC 7301 §3.2: the server "MUST respond with a fatal 'no_application_protocol' alert".
  return make(Errc::no_application_protocol, Alert::no_application_protocol,
              fmt::format("the client's ALPN protocols have none in common with this server's "
                          "({})",
                          fmt::join(ours, ", ")));
}

Error server_chose_no_offered_protocol() {
  return make(Errc::no_application_protocol, Alert::no_application_protocol,
              "the server chose no ALPN protocol we offered");
}

Error no_secure_renegotiation(bool peer_is_server) {
  // RFC 5746 §4.1: a client that wishes to connect only to servers supporting secure
  // renegotiation "MUST terminate the connection" when the ServerHello lacks renegotiation_info.
  return make(Errc::forbidden_by_policy, Alert::handshake_failure,
              peer_is_server ? "the server does not support secure renegotiation indication (RFC "
                               "5746), which sanstls requires from TLS 1.2 servers"
                             : "the client does not support secure renegotiation indication (RFC "
                               "5746)");
}

Error missing_client_certificate(bool tls13) {
  Error error = make(Errc::certificate_rejected,
                     tls13 ? Alert::certificate_required : Alert::handshake_failure,
                     "the client sent no certificate, but this server requires one");
  error.certificate_problem = CertificateProblem::missing;
  return error;
}

Error missing_server_certificate() {
  Error error =
      make(Errc::certificate_rejected, Alert::handshake_failure, "the server sent no certificate");
  error.certificate_problem = CertificateProblem::missing;
  return error;
}

Error no_extended_master_secret(bool peer_is_server) {
  // RFC 7627 §5.2/§5.3: an endpoint that does not wish to interoperate with legacy peers
  // aborts when the extension is missing; sanstls always does for TLS 1.2 (TLS 1.3 always
  // binds the transcript).
  return make(Errc::forbidden_by_policy, Alert::handshake_failure,
              fmt::format("the {} does not support the extended master secret (RFC 7627), which "
                          "sanstls requires for TLS 1.2",
                          peer_is_server ? "server" : "client"));
}

Error no_certificate_for_name(std::string_view server_name) {
  return make(Errc::handshake_failure, Alert::unrecognized_name,
              server_name.empty()
                  ? std::string{"no certificate for clients that send no server name (SNI)"}
                  : fmt::format("no certificate for server name '{}'", server_name));
}

Error renegotiation_refused(bool peer_is_client, bool tls13) {
  const std::string_view what = peer_is_client ? "a new ClientHello" : "a HelloRequest";
  if (tls13) {
    // RFC 8446 §4: "If an implementation receives an unexpected message, it MUST abort the
    // handshake with an "unexpected_message" alert"; TLS 1.3 has no renegotiation.
    return make(Errc::bad_tls_data, Alert::unexpected_message,
                fmt::format("the peer tried to renegotiate ({} after the handshake); TLS 1.3 has "
                            "no renegotiation",
                            what));
  }
  // RFC 5246 §7.4.1.1/§7.2.2: a peer that does not wish to renegotiate answers with the
  // no_renegotiation alert, "always a warning". Going on would leave the peer waiting for a
  // handshake that never comes, so the session ends: never renegotiating, sanstls needs no
  // RFC 5746 protection on renegotiated handshakes.
  return make(Errc::bad_tls_data, Alert::no_renegotiation,
              fmt::format("the peer tried to renegotiate ({} after the handshake); sanstls "
                          "never renegotiates, so the session ends",
                          what));
}

Error wrong_record_version() {
  return make(Errc::bad_tls_data, Alert::protocol_version,
              "the peer sent a record with an invalid protocol version field");
}

Error invalid_tls_data(std::optional<Alert> alert) {
  std::string what = "the peer sent invalid TLS data";
  if (alert) {
    switch (*alert) {
      case Alert::unexpected_message:
        what = "the peer sent an unexpected TLS message (one not allowed at this point)";
        break;
      case Alert::bad_record_mac:
        what =
            "a record from the peer failed its integrity check: the data was corrupted or "
            "changed on the way, or the peer uses other keys";
        break;
      case Alert::record_overflow:
        what = "the peer sent a record longer than TLS allows";
        break;
      case Alert::decode_error:
        what = "the peer sent a malformed TLS message";
        break;
      case Alert::illegal_parameter:
        what = "the peer sent a TLS message with a field value that is not allowed";
        break;
      case Alert::decrypt_error:
        what = "a signature or Finished message from the peer did not verify";
        break;
      default:
        break;
    }
    what += fmt::format(" ({} alert sent)", alert_name(*alert));
  }
  Error error = make_error(Errc::bad_tls_data, std::move(what));
  error.alert_sent = alert;
  return error;
}

Error too_many_in_a_row(std::string_view what, std::optional<Alert> alert) {
  Error error = make_error(Errc::limit_exceeded,
                           fmt::format("the peer sent too many {} in a row (a flood); the "
                                       "session ends",
                                       what));
  error.alert_sent = alert;
  return error;
}

Error handshake_message_too_large(std::optional<Alert> alert) {
  Error error = make_error(Errc::limit_exceeded,
                           "the peer sent a handshake message larger than allowed (a message "
                           "that never completes, or a flood)");
  error.alert_sent = alert;
  return error;
}

Error malformed_peer_certificate(std::size_t position, std::string_view detail) {
  Error error = make(Errc::certificate_rejected, Alert::bad_certificate,
                     fmt::format("the peer's certificate {} is malformed: {}", position, detail));
  error.certificate_problem = CertificateProblem::malformed;
  return error;
}

}  // namespace sanstls::core::refusals

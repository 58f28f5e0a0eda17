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

Error malformed_peer_certificate(std::size_t position, std::string_view detail) {
  Error error = make(Errc::certificate_rejected, Alert::bad_certificate,
                     fmt::format("the peer's certificate {} is malformed: {}", position, detail));
  error.certificate_problem = CertificateProblem::malformed;
  return error;
}

}  // namespace sanstls::core::refusals

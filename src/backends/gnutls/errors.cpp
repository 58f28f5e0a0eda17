// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "backends/gnutls/errors.hpp"

#include "core/hello_inspection.hpp"
#include "core/refusals.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gnutls/gnutls.h>

namespace sanstls::gnutls_backend {
namespace {

Error make(Errc code, std::optional<Alert> alert, std::string message) {
  Error error = make_error(code, std::move(message));
  error.alert_sent = alert;
  return error;
}

/// The alert GnuTLS associates with an error code. The alert numbers are the RFC's (RFC 8446
/// §6, RFC 5246 §7.2) in both enums.
Alert gnutls_alert_for(int code) {
  int level = 0;
  const int alert = gnutls_error_to_alert(code, &level);
  if (alert < 0) return Alert::internal_error;
  return static_cast<Alert>(alert);
}

}  // namespace

Error alert_received_error(Alert alert) { return core::refusals::alert_received(alert); }

Error classify_gnutls_error(int code, const ErrorContext& context) {
  switch (code) {
    case GNUTLS_E_FATAL_ALERT_RECEIVED:
      return alert_received_error(context.alert_received.value_or(Alert::internal_error));
    case GNUTLS_E_UNSUPPORTED_VERSION_PACKET:
      // A record header with a wrong version once the versions are settled (after the
      // handshake, or a peer hello that offers or chose one we accept): bad data, as in every
      // engine (RFC 5246 §6.2.1, Appendix E.1).
      if (!context.handshaking ||
          (context.peer_hello != nullptr && !context.peer_hello->versions.empty() &&
           core::offers_acceptable_version(context.peer_hello->versions, context.tls13_only))) {
        return core::refusals::wrong_record_version();
      }
      // RFC 8446 §4.2.1 / RFC 5246 Appendix E.1: no common version -> protocol_version.
      return core::forbidden_versions_error(context.peer_hello != nullptr
                                                ? context.peer_hello->versions
                                                : std::vector<std::uint16_t>{},
                                            /*peer_is_server=*/!context.server, context.tls13_only);
    case GNUTLS_E_UNKNOWN_CIPHER_SUITE:
      if (!context.server) {
        // RFC 8446 §4.1.3: a suite that was not offered -> illegal_parameter.
        return core::refusals::unoffered_cipher_suite();
      }
      [[fallthrough]];
    case GNUTLS_E_NO_CIPHER_SUITES:
    case GNUTLS_E_INSUFFICIENT_SECURITY:
      return core::refusals::no_shared_cipher_suite();
    case GNUTLS_E_NO_COMMON_KEY_SHARE:
    case GNUTLS_E_ECC_NO_SUPPORTED_CURVES:
    case GNUTLS_E_ECC_UNSUPPORTED_CURVE:
      return core::refusals::no_shared_group();
    case GNUTLS_E_UNSUPPORTED_SIGNATURE_ALGORITHM:
    case GNUTLS_E_UNWANTED_ALGORITHM:
      return core::refusals::no_shared_signature_algorithm();
    case GNUTLS_E_SAFE_RENEGOTIATION_FAILED:
    case GNUTLS_E_UNSAFE_RENEGOTIATION_DENIED:
      return core::refusals::no_secure_renegotiation(/*peer_is_server=*/!context.server);
    case GNUTLS_E_NO_APPLICATION_PROTOCOL:
      return context.server ? core::refusals::no_shared_application_protocol(context.alpn)
                            : core::refusals::server_chose_no_offered_protocol();
    case GNUTLS_E_NO_CERTIFICATE_FOUND:
    case GNUTLS_E_CERTIFICATE_REQUIRED: {
      Error error = context.server ? core::refusals::missing_client_certificate(true)
                                   : core::refusals::missing_server_certificate();
      error.alert_sent = gnutls_alert_for(code);  // what GnuTLS put on the wire
      return error;
    }
    case GNUTLS_E_CERTIFICATE_ERROR: {
      Error error = make(Errc::certificate_rejected, Alert::bad_certificate,
                         "the peer's certificate was refused: it does not parse or does not fit "
                         "the handshake");
      error.certificate_problem = CertificateProblem::other;
      return error;
    }
    case GNUTLS_E_INSUFFICIENT_CREDENTIALS:
      return make(Errc::handshake_failure, Alert::handshake_failure,
                  context.server ? "the server's certificate suits none of the cipher suites or "
                                   "signature algorithms the client offers"
                                 : "no certificate suits what the server asked for");
    // GnuTLS's own flood limits, said as every engine says them.
    case GNUTLS_E_TOO_MANY_HANDSHAKE_PACKETS:
      return core::refusals::too_many_in_a_row("KeyUpdate or other post-handshake messages",
                                               gnutls_alert_for(code));
    case GNUTLS_E_TOO_MANY_EMPTY_PACKETS:
      return core::refusals::too_many_in_a_row("empty records", gnutls_alert_for(code));
    case GNUTLS_E_HANDSHAKE_TOO_LARGE:
      return core::refusals::handshake_message_too_large(gnutls_alert_for(code));
    case GNUTLS_E_INAPPROPRIATE_FALLBACK:
      return make(Errc::bad_tls_data, Alert::inappropriate_fallback,
                  "the peer signalled an inappropriate version fallback (RFC 7507)");
    case GNUTLS_E_MEMORY_ERROR:
    case GNUTLS_E_INTERNAL_ERROR:
    case GNUTLS_E_INVALID_REQUEST:
    case GNUTLS_E_INVALID_SESSION:
    case GNUTLS_E_LIB_IN_ERROR_STATE:
    case GNUTLS_E_RANDOM_FAILED:
    case GNUTLS_E_PUSH_ERROR:
    case GNUTLS_E_PULL_ERROR:
    case GNUTLS_E_PREMATURE_TERMINATION:
    case GNUTLS_E_NO_PRIORITIES_WERE_SET:
    case GNUTLS_E_USER_ERROR:
      return make(Errc::internal_error, Alert::internal_error,
                  "the GnuTLS engine failed inside the library (out of memory, or a bug in "
                  "sanstls or GnuTLS)");
    default:
      break;
  }
  // Everything else GnuTLS reports while handshaking or reading records is about the bytes the
  // peer sent: malformed or unexpected messages, bad MACs, bad signatures, a bad Finished.
  // Said in TLS terms, by the alert it calls for: GnuTLS's own texts ("An unexpected TLS packet
  // was received.") read differently from the other engines' for the same bytes.
  return core::refusals::invalid_tls_data(gnutls_alert_for(code));
}

}  // namespace sanstls::gnutls_backend

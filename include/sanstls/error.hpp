// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
/// @file error.hpp
/// Errors are values: every operation that can fail returns `sanstls::Result<T>`.
/// No function of the library throws on peer input or on configuration mistakes.

#include <sanstls/export.hpp>

#include <tl/expected.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace sanstls {

/// TLS alert descriptions (RFC 8446 §6, RFC 5246 §7.2). Enumerators mirror the RFC names.
enum class Alert : std::uint8_t {
  close_notify = 0,
  unexpected_message = 10,
  bad_record_mac = 20,
  record_overflow = 22,
  handshake_failure = 40,
  bad_certificate = 42,
  unsupported_certificate = 43,
  certificate_revoked = 44,
  certificate_expired = 45,
  certificate_unknown = 46,
  illegal_parameter = 47,
  unknown_ca = 48,
  access_denied = 49,
  decode_error = 50,
  decrypt_error = 51,
  protocol_version = 70,
  insufficient_security = 71,
  internal_error = 80,
  inappropriate_fallback = 86,
  user_canceled = 90,
  no_renegotiation = 100,
  missing_extension = 109,
  unsupported_extension = 110,
  unrecognized_name = 112,
  bad_certificate_status_response = 113,
  unknown_psk_identity = 115,
  certificate_required = 116,
  no_application_protocol = 120,
};

/// The level of an alert (RFC 5246 §7.2, RFC 8446 §6). In TLS 1.3 the level is implied by the
/// description: only close_notify and user_canceled are warnings, every other alert is fatal.
enum class AlertLevel : std::uint8_t {
  warning = 1,
  fatal = 2,
};

/// The RFC name of an alert ("handshake_failure"), or "" for a code this enum does not name.
constexpr std::string_view alert_rfc_name(Alert alert) {
  switch (alert) {
    case Alert::close_notify:
      return "close_notify";
    case Alert::unexpected_message:
      return "unexpected_message";
    case Alert::bad_record_mac:
      return "bad_record_mac";
    case Alert::record_overflow:
      return "record_overflow";
    case Alert::handshake_failure:
      return "handshake_failure";
    case Alert::bad_certificate:
      return "bad_certificate";
    case Alert::unsupported_certificate:
      return "unsupported_certificate";
    case Alert::certificate_revoked:
      return "certificate_revoked";
    case Alert::certificate_expired:
      return "certificate_expired";
    case Alert::certificate_unknown:
      return "certificate_unknown";
    case Alert::illegal_parameter:
      return "illegal_parameter";
    case Alert::unknown_ca:
      return "unknown_ca";
    case Alert::access_denied:
      return "access_denied";
    case Alert::decode_error:
      return "decode_error";
    case Alert::decrypt_error:
      return "decrypt_error";
    case Alert::protocol_version:
      return "protocol_version";
    case Alert::insufficient_security:
      return "insufficient_security";
    case Alert::internal_error:
      return "internal_error";
    case Alert::inappropriate_fallback:
      return "inappropriate_fallback";
    case Alert::user_canceled:
      return "user_canceled";
    case Alert::no_renegotiation:
      return "no_renegotiation";
    case Alert::missing_extension:
      return "missing_extension";
    case Alert::unsupported_extension:
      return "unsupported_extension";
    case Alert::unrecognized_name:
      return "unrecognized_name";
    case Alert::bad_certificate_status_response:
      return "bad_certificate_status_response";
    case Alert::unknown_psk_identity:
      return "unknown_psk_identity";
    case Alert::certificate_required:
      return "certificate_required";
    case Alert::no_application_protocol:
      return "no_application_protocol";
  }
  return {};
}

/// The RFC name of an alert ("handshake_failure"), or "alert(N)" for unknown codes.
SANSTLS_API std::string alert_name(Alert alert);

/// What kind of failure happened. The taxonomy of the 2014 proposal, plus what we added.
enum class Errc : std::uint8_t {
  /// The peer sent a fatal alert (see Error::alert_received).
  alert_received = 1,
  /// The peer sent bytes that are not valid TLS at this point (malformed, unexpected, bad MAC).
  bad_tls_data,
  /// An earlier fatal error invalidated this session; every later call fails with this code.
  invalidated,
  /// The peer's certificate chain failed a check (see Error::certificate_problem).
  certificate_rejected,
  /// The peer offers only versions or algorithms that sanstls refuses (the message names them).
  forbidden_by_policy,
  /// No ALPN protocol in common.
  no_application_protocol,
  /// The handshake failed for another negotiated reason (no shared group, no certificate, ...).
  handshake_failure,
  /// The transport reached end of stream before the peer's close_notify (possible truncation
  /// attack). Asio users know this as `stream_truncated`.
  truncated,
  /// The session is closed: data can no longer be written (or read).
  closed,
  /// The caller used the API in a way it does not allow (write before handshake, ...).
  api_misuse,
  /// The chosen engine cannot do what the configuration asks for.
  unsupported,
  /// A configuration or credential problem: unreadable file, bad PEM, key mismatch, ...
  bad_configuration,
  /// A resource limit was reached (buffered input, handshake message size, ...).
  limit_exceeded,
  /// A bug or an unexpected failure inside a crypto library.
  internal_error,
  /// Session::alert() was given a level the alert does not allow (RFC 8446 §6: only
  /// close_notify and user_canceled are warnings). The proposal's InvalidAlertLevel.
  invalid_alert_level,
};

/// The name of an error code ("certificate_rejected").
SANSTLS_API std::string_view errc_name(Errc code);

/// Why a certificate chain was rejected. Same value on every engine for the same cause.
enum class CertificateProblem : std::uint8_t {
  none = 0,
  expired,
  not_yet_valid,
  name_mismatch,
  unknown_issuer,
  self_signed,
  bad_signature,
  weak_key,
  weak_signature_algorithm,
  wrong_usage,
  name_constraint_violation,
  path_length_exceeded,
  chain_too_long,
  malformed,
  missing,
  rejected_by_callback,
  other,
};

/// The name of a certificate problem ("expired").
SANSTLS_API std::string_view certificate_problem_name(CertificateProblem problem);

/// Credential-loading failures (the proposal's taxonomy for certificate and key files).
enum class CredentialProblem : std::uint8_t {
  none = 0,
  unreadable_file,
  malformed_pem,
  malformed_der,
  stray_content,
  leaf_has_no_private_key,
  more_than_one_leaf,
  no_leaf,
  no_chain_from_leaf,
  key_does_not_match_leaf,
  extraneous_private_key,
  weak_key,
  unsupported_key_type,
  weak_signature_algorithm,
  unusable_key_usage,
};

/// The name of a credential problem ("no_leaf").
SANSTLS_API std::string_view credential_problem_name(CredentialProblem problem);

/// One failure: a code, the precise sub-reason, the alerts involved, and a sentence for humans
/// that says what failed and, where possible, what the user can do.
struct Error {
  /// What kind of failure.
  Errc code = Errc::internal_error;
  /// Why a certificate was rejected (with Errc::certificate_rejected), else none.
  CertificateProblem certificate_problem = CertificateProblem::none;
  /// What is wrong with a credential (with Errc::bad_configuration), else none.
  CredentialProblem credential_problem = CredentialProblem::none;
  /// The alert we sent to the peer because of this error, if any.
  std::optional<Alert> alert_sent;
  /// The alert the peer sent us, if that is what failed.
  std::optional<Alert> alert_received;
  /// What failed and, where possible, what to do, in one sentence for humans.
  std::string message;

  /// "certificate_rejected: certificate for 'a.example' does not match ..."
  [[nodiscard]] SANSTLS_API std::string to_string() const;
};

/// Builds an Error with a code and a message.
SANSTLS_API Error make_error(Errc code, std::string message);

/// `std::error_code` interoperability (for Asio-style callers): the category of Errc values.
SANSTLS_API const std::error_category& error_category() noexcept;
/// An std::error_code in error_category() (found by ADL for `std::error_code ec = Errc::...`).
SANSTLS_API std::error_code make_error_code(Errc code) noexcept;

/// Success or an Error. `tl::expected` is the C++20 stand-in for `std::expected`.
template <class T>
using Result = tl::expected<T, Error>;

/// Shorthand for returning a failure: `return fail(Errc::closed, "session is closed");`
inline tl::unexpected<Error> fail(Error error) { return tl::unexpected<Error>(std::move(error)); }
/// The same, building the Error from a code and a message.
inline tl::unexpected<Error> fail(Errc code, std::string message) {
  return tl::unexpected<Error>(make_error(code, std::move(message)));
}

}  // namespace sanstls

/// @cond INTERNAL
template <>
struct std::is_error_code_enum<sanstls::Errc> : std::true_type {};
/// @endcond

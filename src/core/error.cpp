// SPDX-License-Identifier: Apache-2.0 OR MIT
// Names and formatting for the error vocabulary, and the std::error_category.

#include <sanstls/error.hpp>

#include <fmt/format.h>

namespace sanstls {

std::string alert_name(Alert alert) {
  const std::string_view name = alert_rfc_name(alert);
  return name.empty() ? fmt::format("alert({})", static_cast<int>(alert)) : std::string{name};
}

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::alert_received:
      return "alert_received";
    case Errc::bad_tls_data:
      return "bad_tls_data";
    case Errc::invalidated:
      return "invalidated";
    case Errc::certificate_rejected:
      return "certificate_rejected";
    case Errc::forbidden_by_policy:
      return "forbidden_by_policy";
    case Errc::no_application_protocol:
      return "no_application_protocol";
    case Errc::handshake_failure:
      return "handshake_failure";
    case Errc::truncated:
      return "truncated";
    case Errc::closed:
      return "closed";
    case Errc::api_misuse:
      return "api_misuse";
    case Errc::unsupported:
      return "unsupported";
    case Errc::bad_configuration:
      return "bad_configuration";
    case Errc::limit_exceeded:
      return "limit_exceeded";
    case Errc::internal_error:
      return "internal_error";
    case Errc::invalid_alert_level:
      return "invalid_alert_level";
  }
  return "unknown_error";
}

std::string_view certificate_problem_name(CertificateProblem problem) {
  switch (problem) {
    case CertificateProblem::none:
      return "none";
    case CertificateProblem::expired:
      return "expired";
    case CertificateProblem::not_yet_valid:
      return "not_yet_valid";
    case CertificateProblem::name_mismatch:
      return "name_mismatch";
    case CertificateProblem::unknown_issuer:
      return "unknown_issuer";
    case CertificateProblem::self_signed:
      return "self_signed";
    case CertificateProblem::bad_signature:
      return "bad_signature";
    case CertificateProblem::weak_key:
      return "weak_key";
    case CertificateProblem::weak_signature_algorithm:
      return "weak_signature_algorithm";
    case CertificateProblem::wrong_usage:
      return "wrong_usage";
    case CertificateProblem::name_constraint_violation:
      return "name_constraint_violation";
    case CertificateProblem::path_length_exceeded:
      return "path_length_exceeded";
    case CertificateProblem::chain_too_long:
      return "chain_too_long";
    case CertificateProblem::malformed:
      return "malformed";
    case CertificateProblem::missing:
      return "missing";
    case CertificateProblem::rejected_by_callback:
      return "rejected_by_callback";
    case CertificateProblem::other:
      return "other";
  }
  return "unknown";
}

std::string_view credential_problem_name(CredentialProblem problem) {
  switch (problem) {
    case CredentialProblem::none:
      return "none";
    case CredentialProblem::unreadable_file:
      return "unreadable_file";
    case CredentialProblem::malformed_pem:
      return "malformed_pem";
    case CredentialProblem::malformed_der:
      return "malformed_der";
    case CredentialProblem::stray_content:
      return "stray_content";
    case CredentialProblem::leaf_has_no_private_key:
      return "leaf_has_no_private_key";
    case CredentialProblem::more_than_one_leaf:
      return "more_than_one_leaf";
    case CredentialProblem::no_leaf:
      return "no_leaf";
    case CredentialProblem::no_chain_from_leaf:
      return "no_chain_from_leaf";
    case CredentialProblem::key_does_not_match_leaf:
      return "key_does_not_match_leaf";
    case CredentialProblem::extraneous_private_key:
      return "extraneous_private_key";
    case CredentialProblem::weak_key:
      return "weak_key";
    case CredentialProblem::unsupported_key_type:
      return "unsupported_key_type";
    case CredentialProblem::weak_signature_algorithm:
      return "weak_signature_algorithm";
    case CredentialProblem::unusable_key_usage:
      return "unusable_key_usage";
  }
  return "unknown";
}

std::string Error::to_string() const {
  std::string text{errc_name(code)};
  if (certificate_problem != CertificateProblem::none) {
    text += fmt::format(" ({})", certificate_problem_name(certificate_problem));
  }
  if (credential_problem != CredentialProblem::none) {
    text += fmt::format(" ({})", credential_problem_name(credential_problem));
  }
  text += ": ";
  text += message;
  return text;
}

Error make_error(Errc code, std::string message) {
  Error error;
  error.code = code;
  error.message = std::move(message);
  return error;
}

namespace {
class Category final : public std::error_category {
 public:
  constexpr Category() noexcept = default;
  [[nodiscard]] const char* name() const noexcept override { return "sanstls"; }
  [[nodiscard]] std::string message(int value) const override {
    return std::string{errc_name(static_cast<Errc>(value))};
  }
};
}  // namespace

const std::error_category& error_category() noexcept {
  // Constant-initialised and stateless: shared, but not mutable global state.
  static constinit const Category category;
  return category;
}

std::error_code make_error_code(Errc code) noexcept {
  return {static_cast<int>(code), error_category()};
}

}  // namespace sanstls

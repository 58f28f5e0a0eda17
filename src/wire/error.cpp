#include "wire/error.hpp"

namespace sanstls::wire {

namespace {
// A local copy of the alert names: sanstls_native must not depend on the rest of the library.
std::string_view alert_text(Alert alert) {
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
    case Alert::illegal_parameter:
      return "illegal_parameter";
    case Alert::decode_error:
      return "decode_error";
    case Alert::decrypt_error:
      return "decrypt_error";
    case Alert::protocol_version:
      return "protocol_version";
    case Alert::internal_error:
      return "internal_error";
    case Alert::missing_extension:
      return "missing_extension";
    case Alert::unsupported_extension:
      return "unsupported_extension";
    default:
      return "alert";
  }
}
}  // namespace

std::string Error::to_string() const {
  std::string out(alert_text(alert));
  if (alert_text(alert) == "alert") {
    out += "(" + std::to_string(static_cast<unsigned>(alert)) + ")";
  }
  out += ": ";
  out += field;
  out += ": ";
  out += reason;
  return out;
}

}  // namespace sanstls::wire

// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/handshake/alert_writer.hpp"

#include "native/msgs/alert.hpp"

#include <array>

namespace sanstls::native::handshake {

namespace {

Status write_alert(record::RecordWriter& writer, AlertLevel level, Alert alert,
                   msgs::ByteVec& out) {
  WIRE_TRY(const auto message, (msgs::AlertMessage{level, alert}.encode()));
  return writer.write(ContentType::alert, message, out);
}

}  // namespace

Status AlertWriter::close_notify(record::RecordWriter& writer, bool failed, msgs::ByteVec& out) {
  if (failed) {
    return wire::fail(Alert::internal_error,
                      client() ? "ClientHandshake.close_notify" : "ServerHandshake.close_notify",
                      "connection failed");
  }
  if (closed_) return {};
  // RFC 8446 §6.1: "Each party MUST send a "close_notify" alert before closing its write side of
  // the connection". Under whatever write keys are current.
  closed_ = true;
  return write_alert(writer, AlertLevel::warning, Alert::close_notify, out);
}

Status AlertWriter::send_alert(record::RecordWriter& writer, Alert alert, bool received_alert,
                               msgs::ByteVec& out) {
  if (!may_send_alert(received_alert)) {
    return wire::fail(Alert::internal_error,
                      client() ? "ClientHandshake.send_alert" : "ServerHandshake.send_alert",
                      "connection closed");
  }
  closed_ = true;
  // RFC 5246 §7.2.2: no_renegotiation "is always a warning"; every other error alert is fatal
  // (RFC 8446 §6.2: "All the alerts listed in Section 6.2 MUST be sent with AlertLevel=fatal").
  const auto level =
      tls12_ && alert == Alert::no_renegotiation ? AlertLevel::warning : AlertLevel::fatal;
  return write_alert(writer, level, alert, out);
}

Status AlertWriter::send_warning(record::RecordWriter& writer, Alert alert, bool failed,
                                 bool received_alert, msgs::ByteVec& out) {
  if (!may_send_warning(failed, received_alert)) {
    return wire::fail(Alert::internal_error,
                      client() ? "ClientHandshake.send_warning" : "ServerHandshake.send_warning",
                      "connection closed");
  }
  return write_alert(writer, AlertLevel::warning, alert, out);
}

Status write_change_cipher_spec(record::RecordWriter& writer, msgs::ByteVec& out) {
  const std::array<std::uint8_t, 1> ccs{0x01};
  return writer.write(ContentType::change_cipher_spec, ccs, out);
}

Status FlightWriter::flush() {
  if (pending_.empty()) return {};
  WIRE_CHECK(writer_.write(ContentType::handshake, pending_, out_));
  pending_.clear();
  return {};
}

}  // namespace sanstls::native::handshake

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// What the four drivers (ClientHandshake, ServerHandshake and their TLS 1.2 counterparts) share
// to put records on the wire outside the state machines: the alerts the engine adapter asks for
// (close_notify, a fatal alert, a warning), and the ChangeCipherSpec and coalesced handshake
// flights their apply() writes.

#include "native/msgs/message.hpp"
#include "native/record/record_layer.hpp"
#include "native/types.hpp"

#include <cstdint>

namespace sanstls::native::handshake {

/// The alert side of a driver: one implementation of close_notify, send_alert and send_warning
/// for both roles and both versions. It remembers whether our write side is closed (a
/// close_notify or a fatal alert went out, RFC 8446 §6, RFC 5246 §7.2).
class AlertWriter {
 public:
  enum class Role : std::uint8_t { client, server };
  AlertWriter(Role role, bool tls12) : role_(role), tls12_(tls12) {}

  /// A close_notify or a fatal alert was sent: nothing more is written.
  [[nodiscard]] bool closed() const noexcept { return closed_; }
  /// Whether send_alert() would send (the driver may prepare its write keys first).
  [[nodiscard]] bool may_send_alert(bool received_alert) const noexcept {
    return !received_alert && !closed_;
  }
  /// Whether send_warning() would send.
  [[nodiscard]] bool may_send_warning(bool failed, bool received_alert) const noexcept {
    return !failed && may_send_alert(received_alert);
  }

  /// RFC 8446 §6.1 / RFC 5246 §7.2.1: our close_notify, under the current write keys. A second
  /// call does nothing; `failed` (the connection failed) refuses.
  Status close_notify(record::RecordWriter& writer, bool failed, msgs::ByteVec& out);
  /// An error alert: fatal (RFC 8446 §6.2), but for TLS 1.2's no_renegotiation, which "is always
  /// a warning" (RFC 5246 §7.2.2). Refused once we received an alert or closed.
  Status send_alert(record::RecordWriter& writer, Alert alert, bool received_alert,
                    msgs::ByteVec& out);
  /// A warning-level alert (user_canceled). Refused once failed, after a received alert, or
  /// once closed.
  Status send_warning(record::RecordWriter& writer, Alert alert, bool failed, bool received_alert,
                      msgs::ByteVec& out);

 private:
  [[nodiscard]] bool client() const noexcept { return role_ == Role::client; }
  Role role_;
  bool tls12_;
  bool closed_ = false;
};

/// RFC 8446 §5 / RFC 5246 §7.1: a ChangeCipherSpec record, "a single byte of value 1".
Status write_change_cipher_spec(record::RecordWriter& writer, msgs::ByteVec& out);

/// The servers' flights: consecutive handshake messages under the same keys share records (as
/// RFC 8448 shows: one record for EncryptedExtensions ... Finished; in TLS 1.2 ServerHello ...
/// ServerHelloDone). Call flush() before anything that is not a handshake message, and at the
/// end.
class FlightWriter {
 public:
  FlightWriter(record::RecordWriter& writer, msgs::ByteVec& out) : writer_(writer), out_(out) {}
  void add(const msgs::ByteVec& message) {
    pending_.insert(pending_.end(), message.begin(), message.end());
  }
  Status flush();

 private:
  record::RecordWriter& writer_;
  msgs::ByteVec& out_;
  msgs::ByteVec pending_;
};

}  // namespace sanstls::native::handshake

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The TLS 1.3 server driver: the server states (server_states.hpp) plus a record layer. Bytes in,
// records out, application data after the client's Finished. The Engine adapter wraps this the
// same way it wraps ClientHandshake: on an error it sends the Error's alert itself (nothing is
// written to `out` for a failure), unless received_alert() is set (never echo a peer's alert).

#include "base/output_buffer.hpp"
#include "native/handshake/alert_writer.hpp"
#include "native/handshake/server_states.hpp"
#include "native/handshake/server_states12.hpp"
#include "native/record/record_layer.hpp"

#include <memory>
#include <optional>

namespace sanstls::native::handshake {

class ServerHandshake {
 public:
  /// RFC 8446 §4.6.3 bound (ours): more KeyUpdates than this in a row without application data
  /// in between is refused with unexpected_message, so a peer cannot keep us re-keying.
  static constexpr std::size_t max_key_updates_in_a_row = 32;
  /// Dummy change_cipher_spec records dropped before the client's Finished: the one a §D.4
  /// client sends ("either before its second ClientHello or before its encrypted handshake
  /// flight", RFC 8446 §D.4). A second one is unexpected_message, as the TLS conformance suites
  /// expect of TLS 1.3 ("second CCS before client finished"; multiple CCS are a known flooding
  /// vector, CVE-2020-25648).
  static constexpr std::size_t max_dummy_change_cipher_specs = 1;
  /// user_canceled warning alerts dropped before the handshake completes (RFC 8446 §6.1: the
  /// alert "should be followed by a close_notify", so an honest peer sends one); one more is
  /// refused with unexpected_message.
  static constexpr std::size_t max_user_canceled_alerts = 8;

  /// Copies the parameters and the environment; the provider must outlive the handshake.
  ServerHandshake(ServerParameters params, ServerHandshakeEnvironment env);

  /// Processes everything decodable in `in`: records to send go to `out`, decrypted application
  /// data to `application_data`. An error carries the alert to send; the connection is then dead.
  /// While waiting_for_certificate(), input is buffered, not processed.
  Status receive(Bytes in, msgs::ByteVec& out, record::DataSink application_data);
  /// After select_certificate answered pending: asks again; once it answers, writes the flight
  /// and continues with any buffered input. A no-op when not waiting.
  Status resume(msgs::ByteVec& out, record::DataSink application_data);

  [[nodiscard]] bool waiting_for_certificate() const noexcept {
    if (tls12_) return tls12_->waiting_for_certificate();
    return std::holds_alternative<server::WaitingForCertificate>(*state_);
  }
  /// The client's Finished was verified.
  [[nodiscard]] bool connected() const noexcept {
    if (tls12_) return tls12_->connected();
    return std::holds_alternative<server::Connected>(*state_);
  }
  /// The TLS 1.2 driver, once a ClientHello negotiated TLS 1.2 (every call is forwarded to it).
  [[nodiscard]] const server12::ServerHandshake12* tls12() const noexcept { return tls12_.get(); }
  /// The peer sent close_notify: later input is ignored (RFC 8446 §6.1). Before connected(),
  /// the peer abandoned the handshake (the close_notify may even be a forged plaintext one):
  /// the caller must treat that as a failure, never as a clean close (the core does).
  [[nodiscard]] bool peer_closed() const noexcept {
    return tls12_ ? tls12_->peer_closed() : peer_closed_;
  }
  /// The fatal alert the peer sent, if any; receive() then fails with it, and it must not be
  /// sent back.
  [[nodiscard]] std::optional<Alert> received_alert() const noexcept {
    return tls12_ ? tls12_->received_alert() : received_alert_;
  }
  /// What was negotiated (see ServerSessionInfo::negotiated).
  [[nodiscard]] const ServerSessionInfo& info() const noexcept {
    return tls12_ ? tls12_->info() : info_;
  }
  [[nodiscard]] const server::ServerState& state() const noexcept { return *state_; }

  /// Application data, only once connected (no 0.5-RTT data), split into records the client
  /// accepts (its record_size_limit).
  Status write(Bytes data, msgs::ByteVec& out);
  /// The same, sealing the records in place at the end of a vector of std::byte.
  Status write(Bytes data, std::vector<std::byte>& out);
  /// The same into the core's output buffer (base::OutputBuffer: large records sealed from
  /// `data` in one pass).
  Status write(Bytes data, base::OutputBuffer& out);
  /// Our close_notify alert; later write() calls fail.
  Status close_notify(msgs::ByteVec& out);
  /// Our KeyUpdate (only once connected); `request_peer_update` asks the client to update too.
  Status key_update(bool request_peer_update, msgs::ByteVec& out);
  /// RFC 8446 §7.5 TLS-Exporter(label, context, out.size()) into `out`, once connected (also
  /// after either close_notify). An empty context stands for "no context" (§7.5).
  Status export_keying_material(std::string_view label, Bytes context,
                                std::span<std::uint8_t> out) const;
  /// TLS 1.2 (RFC 5705 §4): without a context and with an empty one the outputs differ; TLS 1.3
  /// (RFC 8446 §7.5) treats both alike.
  Status export_keying_material(std::string_view label, std::optional<Bytes> context,
                                std::span<std::uint8_t> out) const;
  /// After a failure of receive()/resume(): sends the fatal alert the Error carries (RFC 8446
  /// §6.2) under the current write keys. Refused when the peer's own alert ended the connection
  /// (it is never echoed) or after our close_notify.
  Status send_alert(Alert alert, msgs::ByteVec& out);
  /// Session::alert(): a warning alert (user_canceled) under the current write keys; the
  /// connection stays open (a close_notify may follow).
  Status send_warning(Alert alert, msgs::ByteVec& out);

 private:
  /// write() into a vector of std::byte or an OutputBuffer (one body for both).
  template <typename Output>
  Status write_bytes(Bytes data, Output& out);
  Status apply(Actions& actions, msgs::ByteVec& out);
  Status process(msgs::ByteVec& out, record::DataSink application_data);
  Status fail(const Error& e);

  ServerParameters params_;
  ServerHandshakeEnvironment env_;
  ServerSessionInfo info_;
  std::unique_ptr<server::ServerState> state_;
  record::RecordReader reader_;
  record::RecordWriter writer_;
  bool client_hello_seen_ = false;
  bool early_data_skip_started_ = false;
  std::size_t change_cipher_specs_seen_ = 0;
  std::size_t user_canceled_seen_ = 0;
  bool failed_ = false;
  bool peer_closed_ = false;
  AlertWriter alerts_{AlertWriter::Role::server, /*tls12=*/false};
  std::size_t key_updates_in_a_row_ = 0;
  std::optional<Alert> received_alert_;
  std::unique_ptr<server12::ServerHandshake12> tls12_;
};

}  // namespace sanstls::native::handshake

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// What the TLS 1.2 client and server drivers share: the record layer they take over from the
// TLS 1.3 driver, the alert and close state, and the calls that need only those (application
// data, close_notify, alerts, installing the record protection a ChangeCipherSpec switches to,
// exporters). The states and the message handling stay in each role's own driver.

#include "native/crypto/provider.hpp"
#include "native/handshake/alert_writer.hpp"
#include "native/key_schedule12.hpp"
#include "native/record/protection12.hpp"
#include "native/record/record_layer.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace sanstls::native::handshake {

class Driver12 {
 public:
  [[nodiscard]] bool peer_closed() const noexcept { return peer_closed_; }
  [[nodiscard]] std::optional<Alert> received_alert() const noexcept { return received_alert_; }
  [[nodiscard]] bool close_notify_sent() const noexcept { return alerts_.closed(); }

  Status close_notify(ByteVec& out) { return alerts_.close_notify(writer_, failed_, out); }
  Status send_alert(Alert alert, ByteVec& out) {
    return alerts_.send_alert(writer_, alert, received_alert_.has_value(), out);
  }
  Status send_warning(Alert alert, ByteVec& out) {
    return alerts_.send_warning(writer_, alert, failed_, received_alert_.has_value(), out);
  }

 protected:
  Driver12(AlertWriter::Role role, record::RecordReader reader, record::RecordWriter writer)
      : reader_(std::move(reader)), writer_(std::move(writer)), alerts_(role, /*tls12=*/true) {}

  /// Application data once `connected`; `who` names the caller in the error otherwise.
  Status write_data(bool connected, std::string_view who, Bytes data, ByteVec& out) {
    if (failed_ || alerts_.closed() || !connected) {
      return wire::fail(Alert::internal_error, who, "not connected");
    }
    return writer_.write(ContentType::application_data, data, out);
  }

  /// Our ChangeCipherSpec switched the write side to `keys`.
  Status install_write(const crypto::CryptoProvider& provider, crypto::AeadAlgorithm aead,
                       const tls12::WriteKeys& keys, std::size_t plaintext_limit) {
    WIRE_TRY(auto protection, record::Protection12::create(provider, aead, keys));
    protection.set_plaintext_limit(plaintext_limit);
    writer_.set_protection12(std::move(protection));
    return {};
  }
  /// The peer's ChangeCipherSpec switches the read side to `keys`; `our_limit` is the
  /// record_size_limit we announced (RFC 8449 §4), if it applies.
  Status install_read(const crypto::CryptoProvider& provider, crypto::AeadAlgorithm aead,
                      const tls12::WriteKeys& keys, std::optional<std::size_t> our_limit) {
    WIRE_TRY(auto protection, record::Protection12::create(provider, aead, keys));
    if (our_limit) protection.set_plaintext_limit(*our_limit);
    // RFC 5246 §7.1 / RFC 8446 §5.1 by analogy: no handshake message spans the key change.
    return reader_.set_protection12(std::move(protection));
  }

  /// RFC 5705 §4 for a session the caller found connected (`who` names the caller if it failed
  /// since).
  Status export_keying_material(const crypto::CryptoProvider& provider, std::string_view who,
                                crypto::HashAlgorithm hash, Bytes master_secret,
                                Bytes client_random, Bytes server_random, std::string_view label,
                                std::optional<Bytes> context, std::span<std::uint8_t> out) const {
    if (failed_) {
      return wire::fail(Alert::internal_error, who, "not connected");
    }
    WIRE_TRY(auto exported, tls12::exporter(provider, hash, master_secret, client_random,
                                            server_random, label, context, out.size()));
    std::ranges::copy(exported.span(), out.begin());
    return {};
  }

  record::RecordReader reader_;
  record::RecordWriter writer_;
  bool failed_ = false;
  bool peer_closed_ = false;
  AlertWriter alerts_;
  std::size_t user_canceled_seen_ = 0;
  std::optional<Alert> received_alert_;
};

}  // namespace sanstls::native::handshake

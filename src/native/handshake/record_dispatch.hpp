// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The record loop every native driver runs (TLS 1.3 and TLS 1.2, client and server): read the
// next record, hand handshake and change_cipher_spec records to the version-specific state
// machine, and treat alerts, application data and unknown content types the same everywhere.

#include "native/record/record_layer.hpp"

#include <cstddef>
#include <optional>

namespace sanstls::native::handshake {

/// After one record: read the next one, or return from the driver's receive() now.
enum class Flow { read_on, stop };

/// The version- and side-specific half of a driver's record loop: what a handshake message or a
/// change_cipher_spec means in the current state, and when application data is allowed. Errors
/// a handler returns are passed on as they are (the handler marks its connection failed itself).
class RecordHandlers {
 public:
  RecordHandlers() = default;
  RecordHandlers(const RecordHandlers&) = delete;
  RecordHandlers& operator=(const RecordHandlers&) = delete;
  RecordHandlers(RecordHandlers&&) = delete;
  RecordHandlers& operator=(RecordHandlers&&) = delete;
  virtual ~RecordHandlers() = default;

  /// Whether the handshake has completed: application data is accepted from then on, and
  /// user_canceled alerts are no longer counted.
  [[nodiscard]] virtual bool connected() const = 0;
  /// Whether to leave the records in the reader for now (waiting for a certificate).
  [[nodiscard]] virtual bool paused() const { return false; }
  /// Whether application data may be decrypted straight into the caller's sink and accepted as
  /// it comes, without early_data() or connected() being asked per record: true only once
  /// connected, and never while early data is read (RecordReader::read_application_data).
  [[nodiscard]] virtual bool direct_application_data() const { return false; }
  /// A complete handshake message.
  virtual Result<Flow> handshake(record::Inbound& unit) = 0;
  /// A change_cipher_spec record: its meaning differs between TLS 1.2 and TLS 1.3.
  virtual Status change_cipher_spec(const record::Inbound& unit) = 0;
  /// Application data the state takes itself before the generic rule applies (a TLS 1.3
  /// server's accepted 0-RTT data): true when taken.
  virtual Result<bool> early_data(const record::Inbound& /*unit*/) { return false; }
  /// Application data was accepted (drivers reset their flood counters).
  virtual void application_data_accepted() {}
};

/// The driver's connection flags that the record loop updates.
struct PeerRecordState {
  bool* failed = nullptr;
  bool* peer_closed = nullptr;
  std::optional<Alert>* received_alert = nullptr;
  std::size_t* user_canceled_seen = nullptr;
  /// How many user_canceled alerts are dropped before the handshake completes.
  std::size_t max_user_canceled_alerts = 0;
};

/// Reads records from `reader` until none is complete (or the handlers pause or stop): handshake
/// and change_cipher_spec records go to `handlers`, alerts and application data are handled
/// here. Errors found here mark the connection failed (`*peer.failed`).
Status dispatch_records(record::RecordReader& reader, RecordHandlers& handlers,
                        const PeerRecordState& peer, record::DataSink application_data);

}  // namespace sanstls::native::handshake

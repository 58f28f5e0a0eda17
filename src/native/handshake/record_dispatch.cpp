// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/handshake/record_dispatch.hpp"

#include "native/msgs/alert.hpp"

namespace sanstls::native::handshake {

Status dispatch_records(record::RecordReader& reader, RecordHandlers& handlers,
                        const PeerRecordState& peer, record::DataSink application_data) {
  auto fail = [&peer](const Error& e) {
    *peer.failed = true;
    return tl::unexpected<Error>(e);
  };
  for (;;) {
    // While the certificate store has not answered, input stays buffered in the reader.
    if (handlers.paused()) return {};
    const bool direct = handlers.direct_application_data();
    if (direct) {
      // An established connection's application data records, one pass each from the input to
      // the caller's vector, without a unit per record; whatever else comes (a post-handshake
      // message, an alert, a record of another type) is next()'s, below, as before.
      auto run = reader.read_application_data(application_data);
      if (!run) return fail(run.error());
      if (run->records > 0) handlers.application_data_accepted();
      if (run->drained) return {};
    }
    // Once connected, application data is decrypted straight into the caller's vector.
    auto next = reader.next(direct ? &application_data : nullptr);
    if (!next) return fail(next.error());
    if (!*next) return {};
    record::Inbound& unit = **next;
    switch (unit.type) {
      case ContentType::handshake: {
        auto flow = handlers.handshake(unit);
        if (!flow) return tl::unexpected<Error>(flow.error());
        if (*flow == Flow::stop) return {};
        break;
      }
      case ContentType::change_cipher_spec:
        WIRE_CHECK(handlers.change_cipher_spec(unit));
        break;
      case ContentType::alert: {
        auto alert = msgs::AlertMessage::parse(unit.data);
        if (!alert) return fail(alert.error());
        if (alert->description == Alert::close_notify) {
          // RFC 8446 §6.1: "Any data received after a closure alert has been received MUST be
          // ignored." (RFC 5246 §7.2.1 likewise.)
          *peer.peer_closed = true;
          return {};
        }
        if (alert->description == Alert::user_canceled) {
          // RFC 8446 §6.1: "This alert should be followed by a "close_notify"." Dropped, a few
          // times at most before the handshake completes (afterwards the core bounds records
          // without data).
          if (!handlers.connected() && ++*peer.user_canceled_seen > peer.max_user_canceled_alerts) {
            return fail(Error{Alert::unexpected_message, "user_canceled alerts",
                              "more than 8 before the handshake completed (a flood)"});
          }
          break;
        }
        // RFC 8446 §6.2: upon receiving an error alert the connection is closed; nothing is sent
        // back (received_alert() tells the caller). In TLS 1.2 every other alert ends the
        // connection too (no_renegotiation included: we never ask).
        *peer.received_alert = alert->description;
        return fail(Error{alert->description, "peer alert", "received"});
      }
      case ContentType::application_data: {
        auto taken = handlers.early_data(unit);
        if (!taken) return tl::unexpected<Error>(taken.error());
        if (*taken) break;
        // Application data is accepted only once the peer's Finished has been verified (RFC 5246
        // §7.4.9 in TLS 1.2).
        if (!handlers.connected()) {
          return fail(
              Error{Alert::unexpected_message, "application_data", "before handshake completion"});
        }
        handlers.application_data_accepted();
        if (!unit.delivered) application_data.append(unit.data);
        break;
      }
      default:
        return fail(Error{Alert::unexpected_message, "record", "unexpected content type"});
    }
  }
}

}  // namespace sanstls::native::handshake

// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/handshake/server_handshake.hpp"

#include "native/handshake/record_dispatch.hpp"
#include "native/handshake/server_negotiation.hpp"
#include "native/msgs/client_hello.hpp"

#include <utility>

namespace sanstls::native::handshake {

ServerHandshake::ServerHandshake(ServerParameters params, ServerHandshakeEnvironment env)
    : params_(std::move(params)),
      env_(std::move(env)),
      state_(std::make_unique<server::ServerState>(server::ExpectClientHello{})) {}

Status ServerHandshake::fail(const Error& e) {
  failed_ = true;
  return tl::unexpected<Error>(e);
}

Status ServerHandshake::apply(Actions& actions, msgs::ByteVec& out) {
  FlightWriter flight(writer_, out);
  for (auto& action : actions) {
    if (auto* send = std::get_if<SendHandshake>(&action)) {
      flight.add(send->message);
      continue;
    }
    WIRE_CHECK(flight.flush());
    if (std::holds_alternative<SendChangeCipherSpec>(action)) {
      WIRE_CHECK(write_change_cipher_spec(writer_, out));
      continue;
    }
    auto& install = std::get<InstallKeys>(action);
    WIRE_TRY(auto protection,
             record::Protection::create(*env_.provider, install.aead, install.keys));
    protection.set_inner_plaintext_limit(install.inner_plaintext_limit);
    if (install.write) {
      writer_.set_protection(std::move(protection));
    } else {
      // RFC 8446 §5.1: "Handshake messages MUST NOT span key changes." (checked by the reader)
      WIRE_CHECK(reader_.set_protection(std::move(protection)));
    }
  }
  WIRE_CHECK(flight.flush());
  actions.clear();
  return {};
}

Status ServerHandshake::receive(Bytes in, msgs::ByteVec& out, record::DataSink application_data) {
  if (tls12_) return tls12_->receive(in, out, application_data);
  if (failed_) return wire::fail(Alert::internal_error, "ServerHandshake", "connection failed");
  if (peer_closed_) return {};
  // The records are read straight from `in`; what is left of it (an incomplete record, or all
  // of it while the certificate store has not answered) is copied before returning.
  reader_.lend(in);
  auto done = process(out, application_data);
  reader_.retain();
  return done;
}

Status ServerHandshake::resume(msgs::ByteVec& out, record::DataSink application_data) {
  if (tls12_) return tls12_->resume(out, application_data);
  if (failed_) return wire::fail(Alert::internal_error, "ServerHandshake", "connection failed");
  auto* waiting = std::get_if<server::WaitingForCertificate>(state_.get());
  // Not waiting: nothing to do (as ClientHandshake::resume), never an error that kills a
  // healthy connection.
  if (waiting == nullptr) return {};
  Actions actions;
  const server::Context ctx{params_, env_, info_};
  auto moved = std::move(*waiting).resume(ctx, actions);
  if (!moved) return fail(moved.error());
  *state_ = std::move(*moved);
  if (auto applied = apply(actions, out); !applied) return fail(applied.error());
  if (peer_closed_) return {};
  return process(out, application_data);
}

Status ServerHandshake::process(msgs::ByteVec& out, record::DataSink application_data) {
  struct Handlers final : RecordHandlers {
    Handlers(ServerHandshake& d, msgs::ByteVec& o, record::DataSink sink)
        : self(d), out(o), application_data(sink), ctx{d.params_, d.env_, d.info_} {}
    [[nodiscard]] tl::unexpected<Error> fail(const Error& e) const {
      return tl::unexpected<Error>(self.fail(e).error());
    }
    [[nodiscard]] bool connected() const override { return self.connected(); }
    [[nodiscard]] bool paused() const override { return self.waiting_for_certificate(); }
    [[nodiscard]] bool direct_application_data() const override { return self.connected(); }
    Result<Flow> handshake(record::Inbound& unit) override {
      if (self.connected()) {
        // Bound KeyUpdate floods (see max_key_updates_in_a_row); Connected refuses every other
        // post-handshake message.
        if (++self.key_updates_in_a_row_ > max_key_updates_in_a_row) {
          return fail(Error{Alert::unexpected_message, "KeyUpdate", "too many in a row"});
        }
      }
      if (std::holds_alternative<server::ExpectClientHello>(*self.state_)) {
        // The version is decided once, here (negotiate_version): a ClientHello that
        // negotiates TLS 1.2 goes, with the record layer, to the TLS 1.2 driver.
        WIRE_TRY(const auto view, msgs::parse_handshake(unit.data));
        if (view.type == HandshakeType::client_hello) {
          auto ch = msgs::ClientHello::parse(view.body, msgs::SkippedEntries::Storage::view);
          if (!ch) return fail(ch.error());
          auto version = server::negotiate_version(*ch, self.params_);
          if (!version) return fail(version.error());
          if (*version == server::VersionChoice::tls12) {
            auto driver = server12::ServerHandshake12::take_over(
                ctx, *ch, unit.data, std::move(self.reader_), std::move(self.writer_), out);
            if (!driver) return fail(driver.error());
            self.tls12_ = std::move(*driver);
            WIRE_CHECK(self.tls12_->receive({}, out, application_data));
            return Flow::stop;
          }
        }
      }
      Actions actions;
      auto moved = server::handle_message(std::move(*self.state_), unit.data, ctx, actions);
      if (!moved) return fail(moved.error());
      *self.state_ = std::move(*moved);
      self.client_hello_seen_ = true;
      if (auto applied = self.apply(actions, out); !applied) return fail(applied.error());
      if (self.info_.early_data_offered && !self.info_.early_data_accepted &&
          !self.early_data_skip_started_) {
        // RFC 8446 §4.2.10: a server that does not accept the client's 0-RTT skips it (by
        // trial decryption under the handshake key, or after a HelloRetryRequest every
        // application_data record) up to its max_early_data_size, then completes the
        // handshake.
        self.early_data_skip_started_ = true;
        self.reader_.skip_early_data(self.params_.early_data_skip_limit);
      }
      return Flow::read_on;
    }
    Status change_cipher_spec(const record::Inbound& unit) override {
      // RFC 8446 §5: "An implementation may receive an unencrypted record of type
      // change_cipher_spec consisting of the single byte value 0x01 at any time after the
      // first ClientHello message has been sent or received and before the peer's Finished
      // message has been received and MUST simply drop it without further processing. ...
      // An implementation which receives any other change_cipher_spec value or which receives
      // a protected change_cipher_spec record MUST abort the handshake with an
      // "unexpected_message" alert." A second one is refused too (max_dummy_change_cipher_specs).
      if (!self.client_hello_seen_ || self.connected() || unit.was_protected ||
          unit.data != msgs::ByteVec{0x01}) {
        return fail(Error{Alert::unexpected_message, "change_cipher_spec", "not allowed"});
      }
      if (++self.change_cipher_specs_seen_ > max_dummy_change_cipher_specs) {
        return fail(Error{Alert::unexpected_message, "change_cipher_spec records",
                          "more than 8 before the handshake completed (a flood)"});
      }
      return {};
    }
    Result<bool> early_data(const record::Inbound& unit) override {
      if (auto* early = std::get_if<server::ExpectEndOfEarlyData>(self.state_.get())) {
        // RFC 8446 §2.3: accepted 0-RTT data, read under the early keys, goes to its own
        // callback, never into the 1-RTT stream.
        if (auto taken = early->early_data(unit.data, ctx); !taken) return fail(taken.error());
        return true;
      }
      return false;
    }
    void application_data_accepted() override { self.key_updates_in_a_row_ = 0; }
    ServerHandshake& self;
    msgs::ByteVec& out;
    record::DataSink application_data;
    const server::Context ctx;
  } handlers(*this, out, application_data);
  return dispatch_records(
      reader_, handlers,
      {&failed_, &peer_closed_, &received_alert_, &user_canceled_seen_, max_user_canceled_alerts},
      application_data);
}

Status ServerHandshake::write(Bytes data, msgs::ByteVec& out) {
  if (tls12_) return tls12_->write(data, out);
  if (failed_ || alerts_.closed() || !connected()) {
    return wire::fail(Alert::internal_error, "ServerHandshake.write", "not connected");
  }
  return writer_.write(ContentType::application_data, data, out);
}

template <typename Output>
Status ServerHandshake::write_bytes(Bytes data, Output& out) {
  if (tls12_) {
    msgs::ByteVec sealed;  // TLS 1.2 seals into its own buffer (the one-pass path is TLS 1.3's)
    auto status = tls12_->write(data, sealed);
    const auto* first = reinterpret_cast<const std::byte*>(sealed.data());
    out.insert(out.end(), first, first + sealed.size());
    return status;
  }
  if (failed_ || alerts_.closed() || !connected()) {
    return wire::fail(Alert::internal_error, "ServerHandshake.write", "not connected");
  }
  return writer_.write(ContentType::application_data, data, out);
}

Status ServerHandshake::write(Bytes data, std::vector<std::byte>& out) {
  return write_bytes(data, out);
}

Status ServerHandshake::write(Bytes data, base::OutputBuffer& out) {
  return write_bytes(data, out);
}

Status ServerHandshake::close_notify(msgs::ByteVec& out) {
  if (tls12_) return tls12_->close_notify(out);
  return alerts_.close_notify(writer_, failed_, out);
}

Status ServerHandshake::send_alert(Alert alert, msgs::ByteVec& out) {
  if (tls12_) return tls12_->send_alert(alert, out);
  return alerts_.send_alert(writer_, alert, received_alert_.has_value(), out);
}

Status ServerHandshake::send_warning(Alert alert, msgs::ByteVec& out) {
  if (tls12_) return tls12_->send_warning(alert, out);
  return alerts_.send_warning(writer_, alert, failed_, received_alert_.has_value(), out);
}

Status ServerHandshake::export_keying_material(std::string_view label, std::optional<Bytes> context,
                                               std::span<std::uint8_t> out) const {
  if (tls12_) return tls12_->export_keying_material(label, context, out);
  return export_keying_material(label, context.value_or(Bytes{}), out);
}

Status ServerHandshake::export_keying_material(std::string_view label, Bytes context,
                                               std::span<std::uint8_t> out) const {
  if (tls12_) return tls12_->export_keying_material(label, context, out);
  const auto* connected_state = std::get_if<server::Connected>(state_.get());
  if (failed_ || connected_state == nullptr) {
    return wire::fail(Alert::internal_error, "ServerHandshake.export_keying_material",
                      "not connected");
  }
  const KeyDerivation kd(*env_.provider, connected_state->params.hash);
  WIRE_TRY(auto exported,
           kd.exporter(connected_state->exporter_master_secret.span(), label, context, out.size()));
  std::copy(exported.span().begin(), exported.span().end(), out.begin());
  return {};
}

Status ServerHandshake::key_update(bool request_peer_update, msgs::ByteVec& out) {
  if (tls12_) {
    return wire::fail(Alert::internal_error, "ServerHandshake.key_update", "TLS 1.2 has none");
  }
  auto* connected_state = std::get_if<server::Connected>(state_.get());
  if (failed_ || alerts_.closed() || connected_state == nullptr) {
    return wire::fail(Alert::internal_error, "ServerHandshake.key_update", "not connected");
  }
  Actions actions;
  const server::Context ctx{params_, env_, info_};
  if (auto updated = connected_state->update_write_keys(request_peer_update, ctx, actions);
      !updated) {
    return fail(updated.error());
  }
  if (auto applied = apply(actions, out); !applied) return fail(applied.error());
  return {};
}

}  // namespace sanstls::native::handshake

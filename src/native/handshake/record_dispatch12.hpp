// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The TLS 1.2 drivers' half of the record loop (client12::ClientHandshake12 and
// server12::ServerHandshake12 alike): handshake messages go to the state machine, and a
// ChangeCipherSpec, where the state expects one, installs the read keys.

#include "native/handshake/record_dispatch.hpp"

#include <utility>
#include <variant>

namespace sanstls::native::handshake {

/// RecordHandlers for a TLS 1.2 driver (a friend of `Driver`: it calls its handle() and apply()
/// and moves its state on a ChangeCipherSpec).
template <class Driver, class ExpectChangeCipherSpec, class Actions>
class RecordHandlers12 final : public RecordHandlers {
 public:
  RecordHandlers12(Driver& driver, ByteVec& out) : driver_(driver), out_(out) {}

  [[nodiscard]] bool connected() const override { return static_cast<bool>(driver_.connected()); }
  /// TLS 1.2 has no early data: once connected, application data goes straight to the caller.
  [[nodiscard]] bool direct_application_data() const override { return connected(); }
  [[nodiscard]] bool paused() const override {
    // A server waits for its certificate store; a client never pauses here.
    if constexpr (requires(const Driver& d) { d.waiting_for_certificate(); }) {
      return driver_.waiting_for_certificate();
    } else {
      return false;
    }
  }
  Result<Flow> handshake(record::Inbound& unit) override {
    if (auto done = driver_.handle(unit.data, out_); !done) return fail_with(done.error());
    return Flow::read_on;
  }
  Status change_cipher_spec(const record::Inbound& unit) override {
    // RFC 5246 §7.1: exactly one byte of value 1, only where the handshake expects it.
    auto* expecting = std::get_if<ExpectChangeCipherSpec>(driver_.state_.get());
    if (expecting == nullptr || unit.data != ByteVec{0x01} ||
        driver_.reader_.has_partial_handshake()) {
      return fail_with(Error{Alert::unexpected_message, "change_cipher_spec", "not allowed"});
    }
    Actions actions;
    auto moved = std::move(*expecting).change_cipher_spec(actions);
    if (!moved) return fail_with(moved.error());
    *driver_.state_ = std::move(*moved);
    if (auto applied = driver_.apply(actions, out_); !applied) return fail_with(applied.error());
    return {};
  }

 private:
  [[nodiscard]] tl::unexpected<Error> fail_with(const Error& e) const {
    driver_.failed_ = true;
    return tl::unexpected<Error>(e);
  }

  Driver& driver_;
  ByteVec& out_;
};

}  // namespace sanstls::native::handshake

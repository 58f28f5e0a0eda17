// SPDX-License-Identifier: Apache-2.0 OR MIT
// The public Session: a thin handle on SessionCore.

#include <sanstls/session.hpp>

#include "core/session_core.hpp"

namespace sanstls {

Session::Session(std::shared_ptr<core::SessionCore> core) : core_(std::move(core)) {}
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;
Session::~Session() = default;

Result<void> Session::receive_data(std::span<const std::byte> bytes,
                                   std::vector<std::byte>& application_data) {
  return core_->receive(bytes, application_data);
}

Result<std::vector<std::byte>> Session::receive_data(std::span<const std::byte> bytes) {
  std::vector<std::byte> application_data;
  if (auto received = core_->receive(bytes, application_data); !received) {
    return fail(received.error());
  }
  return application_data;
}

Result<Received> Session::receive_data_into(std::span<const std::byte> bytes,
                                            std::span<std::byte> buffer) {
  return core_->receive_into(bytes, buffer);
}

Result<void> Session::receive_eof() { return core_->receive_eof(); }

Result<void> Session::write_data(std::span<const std::byte> data) { return core_->write(data); }

Result<void> Session::write_data(std::string_view text) {
  return core_->write(std::as_bytes(std::span{text.data(), text.size()}));
}

Result<void> Session::finish() { return core_->finish(); }

Result<void> Session::alert(Alert code, std::optional<AlertLevel> level) {
  return core_->alert(code, level);
}

Result<void> Session::update_keys() { return core_->update_keys(); }
Result<void> Session::export_keying_material(std::span<std::byte> out, std::string_view label) {
  return core_->export_keying_material(out, label, std::nullopt);
}
Result<void> Session::export_keying_material(std::span<std::byte> out, std::string_view label,
                                             std::span<const std::byte> context) {
  return core_->export_keying_material(out, label, context);
}

SessionState Session::state() const { return core_->state(); }

bool Session::handshake_complete() const { return core_->handshake_complete(); }

const SessionInfo& Session::info() const { return core_->info(); }

const Error* Session::failure() const { return core_->failure(); }

std::string_view session_state_name(SessionState state) {
  switch (state) {
    case SessionState::handshaking:
      return "handshaking";
    case SessionState::waiting_for_certificate:
      return "waiting_for_certificate";
    case SessionState::established:
      return "established";
    case SessionState::closing:
      return "closing";
    case SessionState::peer_closed:
      return "peer_closed";
    case SessionState::closed:
      return "closed";
    case SessionState::invalidated:
      return "invalidated";
  }
  return "unknown";
}

}  // namespace sanstls

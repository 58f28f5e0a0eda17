// SPDX-License-Identifier: Apache-2.0 OR MIT
// The native engine, server side: ServerHandshake (src/native/handshake) behind core::Engine.

#include "backends/native/engine.hpp"
#include "core/refusals.hpp"

namespace sanstls::native_backend {

using core::EngineStatus;
using native::handshake::CertificateQuery;
using native::handshake::CertificateSelection;

native::handshake::ServerHandshakeEnvironment ServerEngine::environment() {
  native::handshake::ServerHandshakeEnvironment env;
  env.provider = shared_->provider.get();
  env.select_certificate = [this](const CertificateQuery& query) {
    return select_certificate(query);
  };
  env.verify_client_chain = [this](std::span<const ByteVec> chain) { return verify_peer(chain); };
  env.key_log = key_log_sink();
  if (shared_->clock) env.clock = shared_->clock;
  if (shared_->session_tickets > 0 && shared_->ticket_keys) {
    const std::shared_ptr<TicketKeys> keys = shared_->ticket_keys;
    env.ticket_sealing_key = [keys]() -> native::Result<native::handshake::TicketSealingKey> {
      auto key = core::TicketKeysAccess::sealing_key(*keys);
      std::optional<native::handshake::TicketSealingKey> derived;
      if (key) derived = native_ticket_key(**key);
      if (!derived) return wire::fail(Alert::internal_error, "TicketKeys", "no key to seal with");
      return std::move(*derived);
    };
    env.ticket_opening_key =
        [keys](native::Bytes name) -> std::optional<native::handshake::TicketSealingKey> {
      auto key = core::TicketKeysAccess::opening_key(*keys, name);
      if (!key) return std::nullopt;
      return native_ticket_key(*key);
    };
    env.ticket_context = [this] {
      const core::Bytes context = hooks_.ticket_context();
      const auto bytes = as_u8(context);
      return std::vector<std::uint8_t>(bytes.begin(), bytes.end());
    };
    env.accept_resumption = [this](native::Bytes context) {
      return hooks_.accept_resumption(std::as_bytes(context));
    };
    env.accept_early_data = [this](native::Bytes identity, std::chrono::milliseconds age,
                                   std::chrono::system_clock::time_point issued) {
      return hooks_.accept_early_data(std::as_bytes(identity), age, issued);
    };
    env.early_data_received = [this](native::Bytes data) {
      hooks_.early_data_received(std::as_bytes(data));
    };
  }
  return env;
}

CertificateSelection ServerEngine::select_certificate(const CertificateQuery& query) {
  server_name_ = query.server_name.value_or(std::string{});
  return selection_from(hooks_.select_server_certificate({.server_name = server_name_}));
}

Result<EngineStatus> ServerEngine::start(core::Bytes& /*to_peer*/) {
  native::handshake::ServerParameters params;
  params.cipher_suites = shared_->cipher_suites;
  params.groups = shared_->groups;
  params.alpn = shared_->alpn;
  switch (shared_->client_auth) {
    case ClientAuth::none:
      params.client_auth = native::handshake::ClientAuthMode::none;
      break;
    case ClientAuth::optional:
      params.client_auth = native::handshake::ClientAuthMode::optional;
      break;
    case ClientAuth::required:
      params.client_auth = native::handshake::ClientAuthMode::required;
      break;
  }
  params.certificate_authorities = shared_->client_certificate_authorities;
  params.tickets = shared_->session_tickets;
  if (shared_->ticket_keys) {
    params.ticket_lifetime =
        static_cast<std::uint32_t>(shared_->ticket_keys->ticket_lifetime().count());
  }
  if (shared_->early_data.enabled) params.max_early_data = shared_->early_data.max_size;
  // RFC 8446 §4.2.10: rejected early data is skipped up to our max_early_data_size (at least
  // one record's worth when early data is off: a client may try a ticket of another server).
  params.early_data_skip_limit =
      std::max<std::size_t>(params.early_data_skip_limit, params.max_early_data);
  params.tls12 = shared_->server_tls12;
  params.tls13 = shared_->server_tls13;
  if (!shared_->server_tls12_cipher_suites.empty()) {
    params.tls12_cipher_suites = shared_->server_tls12_cipher_suites;
  }
  driver_.emplace(std::move(params), environment());
  return EngineStatus::handshaking;
}

Error ServerEngine::refusal(const wire::Error& error) {
  Error failed = core_error(error, /*server=*/true);
  switch (error.refusal) {
    case wire::Refusal::peer_chain_refused:
      if (verify_error_) failed = *verify_error_;
      break;
    case wire::Refusal::no_certificate_for_name:
      failed = selection_error_ ? *selection_error_
                                : core::refusals::no_certificate_for_name(server_name_);
      break;
    case wire::Refusal::no_shared_application_protocol:
      failed = core::refusals::no_shared_application_protocol(shared_->alpn);
      break;
    case wire::Refusal::forbidden_versions:
      failed = forbidden_versions(first_record_, /*peer_is_server=*/false, shared_->tls13_only);
      break;
    case wire::Refusal::tls12_only_peer:
      // With a TLS 1.3-only policy TLS 1.2 is refused by policy, as on every engine; otherwise
      // by this engine's capability (core_error's wording).
      if (shared_->tls13_only) {
        failed = forbidden_versions(first_record_, /*peer_is_server=*/false, true);
      }
      break;
    case wire::Refusal::missing_client_certificate:
      if (driver_ && driver_->info().tls12) {
        failed = core::refusals::missing_client_certificate(/*tls13=*/false);
      }
      break;
    case wire::Refusal::missing_extended_master_secret:
      failed = core::refusals::no_extended_master_secret(/*peer_is_server=*/false);
      break;
    default:
      // RFC 5746 §4.4: a ClientHello after a TLS 1.2 handshake; refused alike on every engine.
      if (error.alert == Alert::no_renegotiation) {
        failed = core::refusals::renegotiation_refused(/*peer_is_client=*/true, /*tls13=*/false);
        failed.alert_sent = Alert::no_renegotiation;
      }
      break;
  }
  return failed;
}

SessionInfo ServerEngine::info() const {
  SessionInfo info;
  info.backend = Backend::native;
  info.server_name = server_name_;
  if (!driver_) return info;
  const auto& negotiated = driver_->info();
  // A resumption asks no certificate store: the name comes from the ClientHello.
  if (server_name_.empty() && negotiated.server_name) info.server_name = *negotiated.server_name;
  if (negotiated.negotiated) {
    info.version = negotiated.tls12 ? ProtocolVersion::tls12 : ProtocolVersion::tls13;
    info.cipher_suite = static_cast<CipherSuite>(negotiated.suite);
    // A TLS 1.2 resumption exchanges no key (RFC 5246 §7.3 fig. 2): no group.
    if (!(negotiated.tls12 && negotiated.resumed)) {
      info.group = static_cast<NamedGroup>(negotiated.group);
    }
  }
  if (negotiated.alpn) info.alpn = *negotiated.alpn;
  info.resumed = negotiated.resumed;
  if (negotiated.early_data_offered) {
    info.early_data =
        negotiated.early_data_accepted ? EarlyDataStatus::accepted : EarlyDataStatus::rejected;
  }
  return info;
}

}  // namespace sanstls::native_backend

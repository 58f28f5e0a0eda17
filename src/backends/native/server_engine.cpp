// The native engine, server side: ServerHandshake (src/native/handshake) behind core::Engine.

#include "backends/native/engine.hpp"
#include "core/refusals.hpp"

namespace sanstls::native_backend {

using core::EngineStatus;
using native::handshake::CertificateQuery;
using native::handshake::CertificateSelection;

ServerEngine::ServerEngine(std::shared_ptr<const SharedConfig> shared, core::EngineHooks& hooks)
    : shared_(std::move(shared)), hooks_(hooks) {}

native::handshake::ServerHandshakeEnvironment ServerEngine::environment() {
  native::handshake::ServerHandshakeEnvironment env;
  env.provider = shared_->provider.get();
  env.select_certificate = [this](const CertificateQuery& query) {
    return select_certificate(query);
  };
  env.verify_client_chain = [this](std::span<const ByteVec> chain) { return verify_chain(chain); };
  if (hooks_.key_log_enabled()) {
    env.key_log = [this](std::string_view label, native::Bytes client_random,
                         native::Bytes secret) {
      hooks_.key_log(key_log_line(label, client_random, secret));
    };
  }
  return env;
}

native::Status ServerEngine::verify_chain(std::span<const ByteVec> chain) {
  return verify_peer_chain(hooks_, shared_->peer_certificates, chain, info(), verify_error_);
}

CertificateSelection ServerEngine::select_certificate(const CertificateQuery& query) {
  server_name_ = query.server_name.value_or(std::string{});
  core::CertificateAnswer answer = hooks_.select_server_certificate({.server_name = server_name_});
  switch (answer.kind) {
    case core::CertificateAnswer::Kind::pending:
      return CertificateSelection::pending();
    case core::CertificateAnswer::Kind::declined:
      return CertificateSelection::declined();
    case core::CertificateAnswer::Kind::provided:
      break;
  }
  if (!answer.chain) return CertificateSelection::declined();
  auto key = shared_->signing_keys.get(*shared_->provider, answer.chain->key());
  if (!key) {
    selection_error_ = key.error();
    return CertificateSelection::declined();
  }
  return CertificateSelection::chosen(chain_der(*answer.chain), std::move(*key));
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
  // Resumption is not implemented yet: tickets a client could never use are not sent.
  params.tickets = 0;
  driver_.emplace(std::move(params), environment());
  return EngineStatus::handshaking;
}

EngineStatus ServerEngine::status() const {
  if (driver_->peer_closed()) return EngineStatus::peer_closed;
  if (driver_->connected()) return EngineStatus::established;
  if (driver_->waiting_for_certificate()) return EngineStatus::waiting_for_certificate;
  return EngineStatus::handshaking;
}

EngineStatus ServerEngine::settled_status() {
  const EngineStatus now = status();
  // The peer's first record only serves refusals during the handshake.
  if (now != EngineStatus::handshaking && now != EngineStatus::waiting_for_certificate) {
    first_record_.release();
  }
  return now;
}

Error ServerEngine::fail_with(const wire::Error& error, ByteVec& out) {
  failed_ = true;
  if (auto alert = driver_->received_alert()) {
    // RFC 8446 §6.2: the connection ends; nothing is sent back.
    return core::refusals::alert_received(*alert);
  }
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
    default:
      break;
  }
  failed.alert_sent = error.alert;
  if (!driver_->send_alert(error.alert, out)) failed.alert_sent.reset();
  return failed;
}

Result<EngineStatus> ServerEngine::receive(std::span<const std::byte> bytes,
                                           core::Bytes& application_data, core::Bytes& to_peer) {
  if (failed_ || !driver_) return fail(Errc::internal_error, "the native engine already failed");
  first_record_.feed(bytes);
  ByteVec out;
  ByteVec plaintext;
  auto received = driver_->receive(as_u8(bytes), out, plaintext);
  append(application_data, plaintext);
  if (!received) {
    Error error = fail_with(received.error(), out);
    append(to_peer, out);
    return fail(std::move(error));
  }
  append(to_peer, out);
  return settled_status();
}

Result<EngineStatus> ServerEngine::resume(core::Bytes& application_data, core::Bytes& to_peer) {
  if (failed_ || !driver_) return fail(Errc::internal_error, "the native engine already failed");
  ByteVec out;
  ByteVec plaintext;
  auto resumed = driver_->resume(out, plaintext);
  append(application_data, plaintext);
  if (!resumed) {
    Error error = fail_with(resumed.error(), out);
    append(to_peer, out);
    return fail(std::move(error));
  }
  append(to_peer, out);
  return settled_status();
}

Result<void> ServerEngine::write(std::span<const std::byte> data, core::Bytes& to_peer) {
  if (failed_ || !driver_) return fail(Errc::internal_error, "the native engine already failed");
  ByteVec out;
  if (auto written = driver_->write(as_u8(data), out); !written) {
    return fail(core_error(written.error(), /*server=*/true));
  }
  append(to_peer, out);
  return {};
}

Result<void> ServerEngine::close_notify(core::Bytes& to_peer) {
  if (failed_ || !driver_) return fail(Errc::internal_error, "the native engine already failed");
  ByteVec out;
  if (auto closed = driver_->close_notify(out); !closed) {
    return fail(core_error(closed.error(), /*server=*/true));
  }
  append(to_peer, out);
  return {};
}

Result<void> ServerEngine::update_keys(core::Bytes& to_peer) {
  if (failed_ || !driver_) return fail(Errc::internal_error, "the native engine already failed");
  ByteVec out;
  if (auto updated = driver_->key_update(/*request_peer_update=*/true, out); !updated) {
    return fail(core_error(updated.error(), /*server=*/true));
  }
  append(to_peer, out);
  return {};
}

SessionInfo ServerEngine::info() const {
  SessionInfo info;
  info.backend = Backend::native;
  info.server_name = server_name_;
  if (!driver_) return info;
  const auto& negotiated = driver_->info();
  if (negotiated.negotiated) {
    info.version = ProtocolVersion::tls13;
    info.cipher_suite = static_cast<CipherSuite>(negotiated.suite);
    info.group = static_cast<NamedGroup>(negotiated.group);
  }
  if (negotiated.alpn) info.alpn = *negotiated.alpn;
  return info;
}

}  // namespace sanstls::native_backend

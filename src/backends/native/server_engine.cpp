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
  params.tls12 = shared_->server_tls12;
  params.tls13 = shared_->server_tls13;
  if (!shared_->server_tls12_cipher_suites.empty()) {
    params.tls12_cipher_suites = shared_->server_tls12_cipher_suites;
  }
  // Resumption is not implemented yet: tickets a client could never use are not sent.
  params.tickets = 0;
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
    case wire::Refusal::no_extended_master_secret:
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
  if (negotiated.negotiated) {
    info.version = negotiated.tls12 ? ProtocolVersion::tls12 : ProtocolVersion::tls13;
    info.cipher_suite = static_cast<CipherSuite>(negotiated.suite);
    info.group = static_cast<NamedGroup>(negotiated.group);
  }
  if (negotiated.alpn) info.alpn = *negotiated.alpn;
  return info;
}

}  // namespace sanstls::native_backend

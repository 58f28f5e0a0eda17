// SPDX-License-Identifier: Apache-2.0 OR MIT
// The native engine, client side: ClientHandshake (src/native/handshake) behind core::Engine.

#include "backends/native/engine.hpp"
#include "base/ossl_ptr.hpp"
#include "core/refusals.hpp"
#include "x509/names.hpp"

#include <openssl/x509.h>

namespace sanstls::native_backend {

using core::EngineStatus;
using native::handshake::CertificateQuery;
using native::handshake::CertificateSelection;

native::handshake::ClientHandshakeEnvironment ClientEngine::environment() {
  native::handshake::ClientHandshakeEnvironment env;
  env.provider = shared_->provider.get();
  env.verify_chain = [this](std::span<const ByteVec> chain) { return verify_peer(chain); };
  env.select_client_certificate = [this](const CertificateQuery& query) {
    return select_certificate(query);
  };
  env.key_log = key_log_sink();
  if (shared_->clock) env.clock = shared_->clock;
  env.session_ticket_received = [this](const native::handshake::ClientSessionState& session) {
    // Kept until the driver's call returns: the core reads info() when it stores the ticket,
    // and the driver's state is in mid-transition while it handles the NewSessionTicket.
    auto state = session.encode();
    if (!state) return;
    arrived_tickets_.push_back(ArrivedTicket{
        std::move(*state), std::chrono::seconds(session.lifetime_seconds), session.max_early_data});
  };
  return env;
}

void ClientEngine::after_driver_call() {
  for (ArrivedTicket& ticket : arrived_tickets_) {
    hooks_.session_ticket_received(std::move(ticket.state), ticket.lifetime, ticket.max_early_data);
  }
  arrived_tickets_.clear();
}

CertificateSelection ClientEngine::select_certificate(const CertificateQuery& query) {
  ClientCertificateQuery asked;
  asked.server_name = shared_->server_name ? shared_->server_name->text() : std::string{};
  for (const ByteVec& der : query.certificate_authorities) {
    const unsigned char* cursor = der.data();
    std::unique_ptr<X509_NAME, ossl::Deleter<X509_NAME_free>> name{
        d2i_X509_NAME(nullptr, &cursor, static_cast<long>(der.size()))};
    if (name) {
      asked.acceptable_authorities.push_back(x509::one_line_name(name.get()));
    }
  }
  // An unusable chain is declined: the server decides whether it needs one.
  return selection_from(hooks_.select_client_certificate(asked));
}

Result<EngineStatus> ClientEngine::start(core::Bytes& to_peer) {
  native::handshake::ClientHelloParameters params;
  params.cipher_suites = shared_->cipher_suites;
  params.supported_groups = shared_->groups;
  // A key share for our most preferred group (plus X25519 beside X25519MLKEM768); a server that
  // wants another asks with a HelloRetryRequest (RFC 8446 §4.1.4).
  params.key_share_groups = native::handshake::initial_key_share_groups(shared_->groups);
  if (shared_->server_name && !shared_->server_name->is_ip()) {
    // RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in "HostName"."
    params.server_name = shared_->server_name->text();
  }
  params.alpn_protocols = shared_->alpn;
  params.tls12_cipher_suites = shared_->tls12_cipher_suites;
  if (shared_->tls12_only) {
    // hazmat::Settings::max_version: a TLS 1.2 hello (supported_versions lists TLS 1.2 only).
    params.offer_tls13 = false;
  }
  // An empty renegotiation_info (RFC 5746 §3.4) although we offer only TLS 1.3: servers that
  // insist on secure renegotiation signalling from every client (GnuTLS's %SAFE_RENEGOTIATION,
  // and our own gnutls engine) refuse hellos without it.
  params.extra_extensions.push_back(native::msgs::Extension{
      native::ExtensionType::renegotiation_info, native::msgs::RawExtension{ByteVec{0x00}}});
  // RFC 5077 §3.2: with a session store, a TLS 1.2 offer asks for a ticket.
  params.tls12_session_tickets =
      shared_->client_session_store && !params.tls12_cipher_suites.empty();
  if (auto offer = hooks_.take_session_to_resume()) {
    // Our own serialisation (it may have come back from an application's disk): parsed
    // bounded; an unusable one means a full handshake.
    if (auto session = native::handshake::ClientSessionState::parse(offer->engine_state.span())) {
      if (session->version == native::tls12_version) {
        // RFC 7627 §5.3: only sessions with the extended master secret are offered (ours all
        // are; the handshake checks it again).
        if (session->extended_master_secret && !params.tls12_cipher_suites.empty()) {
          params.resumption12 = std::move(*session);
        }
      } else {
        params.resumption = std::move(*session);
        const auto early = as_u8(hooks_.early_data_to_send());
        params.early_data.assign(early.begin(), early.end());
      }
    }
  }
  ByteVec out;
  auto started = native::handshake::ClientHandshake::start(std::move(params), environment(), out);
  if (!started) {
    // No driver: every later call reports the engine as failed.
    return fail(core_error(started.error(), /*server=*/false));
  }
  driver_.emplace(std::move(*started));
  append(to_peer, out);
  return EngineStatus::handshaking;
}

Error ClientEngine::refusal(const wire::Error& error) {
  Error failed = core_error(error, /*server=*/false);
  if (error.refusal == wire::Refusal::peer_chain_refused && verify_error_) {
    failed = *verify_error_;
  } else if (error.refusal == wire::Refusal::forbidden_versions ||
             (error.refusal == wire::Refusal::tls12_only_peer && shared_->tls13_only)) {
    failed = forbidden_versions(first_record_, /*peer_is_server=*/true, shared_->tls13_only);
  }
  return failed;
}

SessionInfo ClientEngine::info() const {
  SessionInfo info;
  info.backend = Backend::native;
  info.server_name = shared_->server_name ? shared_->server_name->text() : std::string{};
  if (!driver_) return info;
  const native::handshake::ClientSessionInfo negotiated = driver_->info();
  if (negotiated.cipher_suite) {
    info.version = negotiated.tls12 ? ProtocolVersion::tls12 : ProtocolVersion::tls13;
    info.cipher_suite = static_cast<CipherSuite>(*negotiated.cipher_suite);
    if (negotiated.group) info.group = static_cast<NamedGroup>(*negotiated.group);
  }
  if (negotiated.alpn_protocol) info.alpn = *negotiated.alpn_protocol;
  info.resumed = negotiated.resumed;
  if (negotiated.early_data_accepted) {
    info.early_data = EarlyDataStatus::accepted;
  } else if (negotiated.early_data_offered && negotiated.handshake_complete) {
    info.early_data = EarlyDataStatus::rejected;
  }
  return info;
}

}  // namespace sanstls::native_backend

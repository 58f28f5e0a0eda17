// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/handshake/server_states.hpp"

#include "native/handshake/authentication13.hpp"
#include "native/handshake/client_states.hpp"  // certificate_spki
#include "native/handshake/fuzzing.hpp"
#include "native/handshake/key_share_seed.hpp"
#include "native/handshake/server_negotiation.hpp"
#include "native/handshake/state_helpers.hpp"
#include "native/msgs/message_hash.hpp"

#include <algorithm>
#include <utility>

namespace sanstls::native::handshake::server {

namespace {

using msgs::HandshakeView;
using wire::Refusal;

constexpr std::size_t ticket_length = 32;
/// Bound on NewSessionTickets per connection, whatever ServerParameters::tickets says.
constexpr std::size_t max_tickets = 16;

/// The bytes every NewSessionTicket needs fresh, ticket after ticket: its ticket_age_add, then
/// the AEAD nonce it is sealed with (or, not resumable, the opaque ticket itself).
std::size_t ticket_randomness_length(const Context& ctx) {
  const bool resumable = static_cast<bool>(ctx.env.ticket_sealing_key);
  return std::min(ctx.params.tickets, max_tickets) *
         (4 + (resumable ? crypto::aead_nonce_length : ticket_length));
}

void log_key(const Context& ctx, std::string_view label,
             const std::array<std::uint8_t, 32>& client_random, const SecretBytes& secret) {
  if (ctx.env.key_log) ctx.env.key_log(label, client_random, secret.span());
}

/// Record keys for `secret`; with `finished_key`, a handshake traffic secret's finished_key too.
Result<InstallKeys> keys_for(const KeyDerivation& kd, crypto::AeadAlgorithm aead,
                             const SecretBytes& secret, bool write, std::size_t limit,
                             SecretBytes* finished_key = nullptr) {
  WIRE_TRY(auto keys, kd.traffic_keys(secret.span(), aead, finished_key));
  return InstallKeys{write, aead, std::move(keys), limit};
}

/// Identities of one pre_shared_key extension that we try to open (each costs an AEAD
/// decryption); later ones are ignored. Clients offer one or two.
constexpr std::size_t max_psk_identities_tried = 8;
/// RFC 8446 §4.2.9 psk_dhe_ke.
constexpr std::uint8_t psk_dhe_ke = 1;
/// A ticket issued this far in our future (clock skew between servers sharing keys) still opens.
constexpr std::chrono::seconds ticket_clock_skew{60};

std::uint32_t u32_from(const std::array<std::uint8_t, 4>& b) {
  return (std::uint32_t{b[0]} << 24U) | (std::uint32_t{b[1]} << 16U) | (std::uint32_t{b[2]} << 8U) |
         std::uint32_t{b[3]};
}

/// RFC 8446 §4.2.11: the PSK of the first offered identity that is a ticket of ours that may
/// resume here, with its binder verified. `transcript` holds what precedes this ClientHello
/// (nothing, or message_hash(ClientHello1) || HelloRetryRequest), its hash already selected;
/// `whole` is this ClientHello (header included).
/// The selected PSK's early-stage key schedule (select_psk made it for the binder), made again
/// only if it is missing or of another hash.
Result<KeySchedule*> psk_early_schedule(Negotiation::Psk& psk, crypto::HashAlgorithm hash,
                                        const crypto::CryptoProvider& provider) {
  if (!psk.early || psk.early->derivation().hash() != hash) {
    KeySchedule early(provider, hash);
    WIRE_CHECK(early.derive_early_secret(psk.secret.span()));
    psk.early = std::make_unique<KeySchedule>(std::move(early));
  }
  return psk.early.get();
}

Result<std::optional<Negotiation::Psk>> select_psk(const msgs::ClientHello& ch, Bytes whole,
                                                   const Transcript& transcript,
                                                   const Negotiation& n, const Context& ctx) {
  const auto* offered = ch.extensions.get<msgs::OfferedPsks>(ExtensionType::pre_shared_key);
  if (offered == nullptr) return std::optional<Negotiation::Psk>{};
  const auto* modes =
      ch.extensions.get<msgs::PskKeyExchangeModes>(ExtensionType::psk_key_exchange_modes);
  // RFC 8446 §4.2.9: "If clients offer "pre_shared_key" without a "psk_key_exchange_modes"
  // extension, servers MUST abort the handshake."
  if (modes == nullptr) {
    return wire::fail(Alert::missing_extension, "ClientHello.psk_key_exchange_modes",
                      "missing beside pre_shared_key");
  }
  // Only psk_dhe_ke (forward secrecy): a psk_ke-only offer gets a full handshake, never an error.
  if (!contains(modes->modes, psk_dhe_ke) || !ctx.env.ticket_opening_key) {
    return std::optional<Negotiation::Psk>{};
  }
  const auto& provider = *ctx.env.provider;
  const auto now = ctx.env.clock ? ctx.env.clock() : provider.now();
  const std::size_t tried = std::min(offered->identities.size(), max_psk_identities_tried);
  for (std::size_t i = 0; i < tried; ++i) {
    const auto& identity = offered->identities[i];
    const auto name = ticket_key_name(identity.identity);
    if (!name) continue;
    const auto key = ctx.env.ticket_opening_key(*name);
    if (!key) continue;
    auto ticket = open_ticket(provider, *key, identity.identity, tls13_version);
    if (!ticket) continue;  // not one of ours, tampered, or malformed: ignored (RFC 8446 §4.2.11)
    const std::chrono::system_clock::time_point issued{
        std::chrono::milliseconds(ticket->issued_ms)};
    // RFC 8446 §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds" and the
    // ticket is not used past its lifetime.
    if (now > issued + std::chrono::seconds(ctx.params.ticket_lifetime) ||
        issued > now + ticket_clock_skew) {
      continue;
    }
    // RFC 8446 §4.2.11: "the server MUST ensure that it selects a compatible PSK (if any) and
    // cipher suite": the ticket's hash must be the negotiated suite's.
    if (suite_params(ticket->suite)->hash != n.params.hash) continue;
    // The environment compares the ticket's SNI and ALPN with this connection's.
    ctx.info.server_name = n.server_name;
    ctx.info.alpn = n.alpn;
    if (ctx.env.accept_resumption && !ctx.env.accept_resumption(ticket->context)) continue;

    // RFC 8446 §4.2.11: "Prior to accepting PSK key establishment, the server MUST validate the
    // corresponding binder value (see Section 4.2.11.2 below). If this value is not present or
    // does not validate, the server MUST abort the handshake." RFC 8446 §6.2: decrypt_error
    // covers failing "to correctly verify ... a PSK binder".
    const auto truncated = ch.truncated_length(whole.size());
    if (!truncated) return wire::decode_error("ClientHello.pre_shared_key", "no binders");
    KeySchedule schedule(provider, n.params.hash);
    WIRE_CHECK(schedule.derive_early_secret(ticket->psk.span()));
    WIRE_TRY(const auto binder_key, schedule.binder_key(false));
    WIRE_TRY(const auto hash, transcript.hash_with(whole.first(*truncated)));
    WIRE_TRY(const auto expected,
             schedule.derivation().finished_verify_data(binder_key.span(), hash));
    if (!wire::constant_time_equal(expected.span(), offered->binders[i])) {
      return wire::fail(Alert::decrypt_error, "ClientHello.pre_shared_key.binders",
                        "binder does not verify");
    }
    Negotiation::Psk psk{std::move(ticket->psk), static_cast<std::uint16_t>(i), false,
                         ticket->max_early_data,
                         std::make_unique<KeySchedule>(std::move(schedule))};
    // RFC 8446 §4.2.10: "In order to accept early data, the server MUST have accepted a PSK
    // cipher suite and selected the first key offered in the client's "pre_shared_key"
    // extension. In addition, it MUST verify that the following values are the same as those
    // associated with the selected PSK: The TLS version number, The selected cipher suite, The
    // selected ALPN [RFC7301] protocol, if any". Never after a HelloRetryRequest.
    if (ch.extensions.contains(ExtensionType::early_data) && i == 0 &&
        !n.hello_retry_request_sent && ctx.params.max_early_data > 0 &&
        ticket->max_early_data > 0 && ticket->version == tls13_version &&
        ticket->suite == n.suite && ticket->alpn == n.alpn.value_or(std::string{}) &&
        ctx.env.accept_early_data) {
      // RFC 8446 §4.2.11.1: the client's ticket age is obfuscated_ticket_age - ticket_age_add
      // (mod 2^32), in milliseconds; the freshness check (§8.3) is the core's.
      const std::uint32_t age = identity.obfuscated_ticket_age - ticket->ticket_age_add;
      psk.early_data =
          ctx.env.accept_early_data(identity.identity, std::chrono::milliseconds(age), issued);
      psk.max_early_data = std::min(ticket->max_early_data, ctx.params.max_early_data);
    }
    return std::optional<Negotiation::Psk>(std::move(psk));
  }
  return std::optional<Negotiation::Psk>{};
}

}  // namespace

/// Builds ServerHello ... Finished once the certificate is known (`chosen` null: a resumption,
/// RFC 8446 §2.2: no Certificate, no CertificateVerify).
struct FlightBuilder {
  static Result<ServerState> build(Negotiation n, Transcript transcript,
                                   const CertificateSelection* chosen, const Context& ctx,
                                   Actions& actions);
};

namespace {

Result<ServerState> accept_hello(Negotiation n, Transcript transcript, const Context& ctx,
                                 Actions& actions) {
  ctx.info.hello_retry_request_sent = n.hello_retry_request_sent;
  if (n.psk)
    return FlightBuilder::build(std::move(n), std::move(transcript), nullptr, ctx, actions);
  WaitingForCertificate waiting{std::move(n), std::move(transcript)};
  return std::move(waiting).resume(ctx, actions);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// ClientHello

Result<ServerState> ExpectClientHello::handle(const HandshakeView& message, const Context& ctx,
                                              Actions& actions) && {
  if (message.type != HandshakeType::client_hello) return unexpected_message("ClientHello");
  if (ctx.env.provider == nullptr) {
    return wire::fail(Alert::internal_error, "ServerHandshakeEnvironment", "no provider");
  }
  // Parsed in place (issue 12): what nobody reads stays in message.body, and only the selected
  // key share is copied (into Negotiation), so `ch` must not outlive this call.
  WIRE_TRY(auto ch, msgs::ClientHello::parse(message.body, msgs::SkippedEntries::Storage::view));
  ctx.info.early_data_offered = ch.extensions.contains(ExtensionType::early_data);
  WIRE_TRY(auto n, negotiate(ch, ctx));
  WIRE_TRY(const auto choice, choose_group(ch, ctx));
  Transcript transcript(*ctx.env.provider);
  WIRE_CHECK(transcript.select_hash(n.params.hash));
  transcript.add(message.whole);
  n.group = choice.group;
  if (choice.share != nullptr) {
    n.client_key_exchange = choice.share->key_exchange;
    // Nothing precedes the first ClientHello in the binder's transcript.
    Transcript nothing_before(*ctx.env.provider);
    WIRE_CHECK(nothing_before.select_hash(n.params.hash));
    WIRE_TRY(n.psk, select_psk(ch, message.whole, nothing_before, n, ctx));
    return accept_hello(std::move(n), std::move(transcript), ctx, actions);
  }

  // Kept for the second ClientHello's check, as bytes: `ch` refers to message.body.
  WIRE_TRY(auto first_invariant, invariant_part(ch));
  // RFC 8446 §4.1.4: HelloRetryRequest: the ServerHello structure with the special random,
  // the selected cipher suite, supported_versions and (here) key_share with the selected group.
  msgs::ServerHello hrr;
  hrr.random = msgs::hello_retry_request_random;
  // RFC 8446 §4.1.3: legacy_session_id_echo: "The contents of the client's legacy_session_id
  // field."
  hrr.legacy_session_id_echo = n.legacy_session_id;
  hrr.cipher_suite = n.suite;
  hrr.extensions =
      msgs::Extensions({{ExtensionType::key_share, msgs::KeyShareHelloRetryRequest{n.group}},
                        {ExtensionType::supported_versions, msgs::SelectedVersion{tls13_version}}});
  WIRE_TRY(auto hrr_bytes, hrr.encode());
  // RFC 8446 §4.4.1: "When the server responds to a ClientHello with a HelloRetryRequest, the
  // value of ClientHello1 is replaced with a special synthetic handshake message of handshake
  // type "message_hash" containing Hash(ClientHello1)."
  WIRE_CHECK(transcript.replace_with_message_hash());
  transcript.add(hrr_bytes);
  actions.emplace_back(SendHandshake{std::move(hrr_bytes)});
  n.hello_retry_request_sent = true;
  // RFC 8446 §D.4: "The server sends a dummy change_cipher_spec record immediately after its
  // first handshake message. This may either be after a ServerHello or a HelloRetryRequest."
  // A non-empty legacy_session_id is the client's sign that it uses compatibility mode.
  if (!n.legacy_session_id.empty()) {
    actions.emplace_back(SendChangeCipherSpec{});
    n.change_cipher_spec_sent = true;
  }
  ctx.info.hello_retry_request_sent = true;
  return ExpectSecondClientHello{std::move(first_invariant), std::move(n), std::move(transcript)};
}

Result<ServerState> ExpectSecondClientHello::handle(const HandshakeView& message,
                                                    const Context& ctx, Actions& actions) && {
  if (message.type != HandshakeType::client_hello) return unexpected_message("ClientHello");
  WIRE_TRY(auto ch, msgs::ClientHello::parse(message.body, msgs::SkippedEntries::Storage::view));
  // RFC 8446 §4.1.2: after a HelloRetryRequest "the client MUST send the same ClientHello without
  // modification, except as follows": a single key share for the indicated group, early_data
  // removed, a cookie added, pre_shared_key updated, padding changed. Anything else is a
  // protocol violation: illegal_parameter.
  WIRE_TRY(const auto after, invariant_part(ch));
  if (first_invariant != after) {
    return wire::illegal_parameter("ClientHello", "second ClientHello changed more than allowed");
  }
  if (ch.extensions.contains(ExtensionType::early_data)) {
    // RFC 8446 §4.2.10: "A client MUST NOT include the "early_data" extension in its followup
    // ClientHello."
    return wire::illegal_parameter("ClientHello.early_data", "after HelloRetryRequest");
  }
  const auto* shares = ch.extensions.get<msgs::KeyShareClientHello>(ExtensionType::key_share);
  // RFC 8446 §4.1.2: "If a "key_share" extension was supplied in the HelloRetryRequest,
  // replacing the list of shares with a list containing a single KeyShareEntry from the
  // indicated group." Another answer would earn a second HelloRetryRequest, which RFC 8446
  // §4.1.4 forbids ("If a client receives a second HelloRetryRequest in the same connection ...
  // it MUST abort"): refuse it.
  if (shares == nullptr || shares->count() != 1 || shares->shares.size() != 1 ||
      shares->shares.front().group != negotiation.group) {
    return wire::illegal_parameter("ClientHello.key_share",
                                   "not exactly one share for the selected group");
  }
  // Same hello, same policy: the suite and everything else negotiate as before; the suite must
  // equal the HelloRetryRequest's (RFC 8446 §4.1.4).
  WIRE_TRY(auto n, negotiate(ch, ctx));
  if (n.suite != negotiation.suite) {
    return wire::fail(Alert::internal_error, "ClientHello", "suite changed after HRR");
  }
  n.group = negotiation.group;
  n.client_key_exchange = shares->shares.front().key_exchange;
  n.hello_retry_request_sent = true;
  n.change_cipher_spec_sent = negotiation.change_cipher_spec_sent;
  // RFC 8446 §4.1.2: the second ClientHello's pre_shared_key has binders over the new transcript
  // (message_hash(ClientHello1), HelloRetryRequest, truncated ClientHello2).
  WIRE_TRY(n.psk, select_psk(ch, message.whole, transcript, n, ctx));
  transcript.add(message.whole);
  return accept_hello(std::move(n), std::move(transcript), ctx, actions);
}

// ---------------------------------------------------------------------------------------------
// Certificate selection

Result<ServerState> WaitingForCertificate::resume(const Context& ctx, Actions& actions) && {
  if (!ctx.env.select_certificate) {
    return wire::fail(Alert::internal_error, "ServerHandshakeEnvironment", "no certificate store");
  }
  CertificateQuery query;
  query.server_name = negotiation.server_name;
  query.signature_schemes = negotiation.client_signature_schemes;
  const CertificateSelection selection = ctx.env.select_certificate(query);
  switch (selection.kind) {
    case CertificateSelection::Kind::pending:
      return std::move(*this);
    case CertificateSelection::Kind::declined:
      // RFC 6066 §3: "If the server understood the ClientHello extension but does not recognize
      // the server name, the server SHOULD ... abort the handshake by sending a fatal-level
      // unrecognized_name(112) alert". Without SNI too, as the other engines do: the store has
      // no certificate for a client that names no server.
      return wire::refuse(Alert::unrecognized_name, Refusal::no_certificate_for_name,
                          "ClientHello.server_name", "no certificate for this name");
    case CertificateSelection::Kind::chosen:
      break;
  }
  return FlightBuilder::build(std::move(negotiation), std::move(transcript), &selection, ctx,
                              actions);
}

Result<ServerState> WaitingForCertificate::handle(const HandshakeView& /*message*/,
                                                  const Context& /*ctx*/, Actions& /*actions*/) && {
  // The driver holds input back while we wait; the client has nothing to send before our
  // ServerHello anyway.
  return unexpected_message("ClientHello");
}

// ---------------------------------------------------------------------------------------------
// ServerHello ... Finished

Result<ServerState> FlightBuilder::build(Negotiation n, Transcript transcript,
                                         const CertificateSelection* chosen, const Context& ctx,
                                         Actions& actions) {
  if (chosen != nullptr && (chosen->chain_der.empty() || !chosen->key)) {
    return wire::fail(Alert::internal_error, "CertificateSelection", "no chain or key");
  }
  if (chosen == nullptr && !n.psk) {
    return wire::fail(Alert::internal_error, "FlightBuilder", "neither certificate nor PSK");
  }
  // RFC 8446 §4.4.3: our scheme must be one the client offered (in its preference order), fit
  // our key, and be neither PKCS#1 v1.5 nor SHA-1.
  std::optional<SignatureScheme> scheme;
  for (const SignatureScheme s : n.client_signature_schemes) {
    if (chosen != nullptr && !forbidden_in_certificate_verify(s) && chosen->key->supports(s)) {
      scheme = s;
      break;
    }
  }
  if (chosen != nullptr && !scheme) {
    return wire::refuse(Alert::handshake_failure, Refusal::no_shared_signature_algorithm,
                        "ClientHello.signature_algorithms", "none fits our key");
  }
  const auto& provider = *ctx.env.provider;

  const bool early_data = n.psk && n.psk->early_data;
  SecretBytes c_early;
  if (early_data) {
    // RFC 8446 §7.1: client_early_traffic_secret = Derive-Secret(Early Secret, "c e traffic",
    // ClientHello).
    WIRE_TRY(const KeySchedule* early, psk_early_schedule(*n.psk, n.params.hash, provider));
    WIRE_TRY(const auto ch_hash, transcript.current_hash());
    WIRE_TRY(c_early, early->client_early_traffic_secret(ch_hash));
    log_key(ctx, "CLIENT_EARLY_TRAFFIC_SECRET", n.client_random, c_early);
  }

  // ServerHello. The random first, then our key share, then the tickets' bytes (one draw,
  // key_share_seed.hpp): known-answer tests rely on the order.
  msgs::ServerHello sh;
  SecretBytes ticket_randomness(ticket_randomness_length(ctx));
  WIRE_TRY(auto response, draw_random_and_respond(provider, n.group, n.client_key_exchange,
                                                  sh.random, ticket_randomness.mutable_span()));
  SecretBytes shared = std::move(response.shared_secret);
  const Bytes pub = response.key_exchange;
  sh.legacy_session_id_echo = n.legacy_session_id;
  sh.cipher_suite = n.suite;
  std::vector<msgs::Extension> sh_list{
      {ExtensionType::key_share,
       msgs::KeyShareServerHello{msgs::KeyShareEntry{n.group, ByteVec(pub.begin(), pub.end())}}},
      {ExtensionType::supported_versions, msgs::SelectedVersion{tls13_version}}};
  if (n.psk) {
    // RFC 8446 §4.2.11: "the server's selected identity expressed as a (0-based) index into the
    // identities in the client's "OfferedPsks.identities" list".
    sh_list.push_back({ExtensionType::pre_shared_key, msgs::SelectedIdentity{n.psk->index}});
  }
  sh.extensions = msgs::Extensions(std::move(sh_list));
  WIRE_TRY(auto sh_bytes, sh.encode());
  transcript.add(sh_bytes);
  actions.emplace_back(SendHandshake{std::move(sh_bytes)});
  // RFC 8446 §D.4: the compatibility change_cipher_spec "immediately after its first handshake
  // message" (unless it already followed the HelloRetryRequest).
  if (!n.legacy_session_id.empty() && !n.change_cipher_spec_sent) {
    actions.emplace_back(SendChangeCipherSpec{});
  }

  // Resumed: the early stage select_psk made for the binder. Else Early Secret =
  // HKDF-Extract(0, HashLen zeros).
  std::optional<KeySchedule> early;
  if (n.psk) {
    WIRE_TRY(KeySchedule * psk_early, psk_early_schedule(*n.psk, n.params.hash, provider));
    early = std::move(*psk_early);
    n.psk->early.reset();
  } else {
    early.emplace(provider, n.params.hash);
    WIRE_CHECK(early->derive_early_secret({}));
  }
  KeySchedule schedule = std::move(*early);
  WIRE_CHECK(schedule.derive_handshake_secret(shared.span()));
  shared.wipe();
  WIRE_TRY(const auto hello_hash, transcript.current_hash());
  WIRE_TRY(auto c_hs, schedule.client_handshake_traffic_secret(hello_hash));
  WIRE_TRY(auto s_hs, schedule.server_handshake_traffic_secret(hello_hash));
  log_key(ctx, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", n.client_random, c_hs);
  log_key(ctx, "SERVER_HANDSHAKE_TRAFFIC_SECRET", n.client_random, s_hs);

  // RFC 8449 §4: "The record size limit only applies to records sent toward the endpoint that
  // advertises the limit." Ours is announced only in answer to the client's (RFC 8446 §4.2: no
  // unsolicited extensions).
  const bool announce_limit = ctx.params.record_size_limit && n.client_record_size_limit;
  std::size_t write_limit = max_plaintext_length + 1;
  std::size_t read_limit = max_plaintext_length + 1;
  if (n.client_record_size_limit) write_limit = *n.client_record_size_limit;
  if (announce_limit) read_limit = *ctx.params.record_size_limit;

  const KeyDerivation& kd = schedule.derivation();
  SecretBytes server_finished_key;
  WIRE_TRY(auto server_hs_keys,
           keys_for(kd, n.params.aead, s_hs, true, write_limit, &server_finished_key));
  actions.emplace_back(std::move(server_hs_keys));
  SecretBytes client_finished_key;  // with the client's handshake read keys
  if (early_data) {
    // RFC 8446 §2.3: the client's early data and EndOfEarlyData come under the early keys; its
    // handshake keys follow EndOfEarlyData (ExpectEndOfEarlyData).
    WIRE_TRY(auto early_keys, keys_for(kd, n.params.aead, c_early, false, read_limit));
    actions.emplace_back(std::move(early_keys));
  } else {
    WIRE_TRY(auto client_hs_keys,
             keys_for(kd, n.params.aead, c_hs, false, read_limit, &client_finished_key));
    actions.emplace_back(std::move(client_hs_keys));
  }

  // EncryptedExtensions.
  std::vector<msgs::Extension> ee_list = ctx.params.extra_encrypted_extensions;
  if (announce_limit) {
    ee_list.push_back(
        {ExtensionType::record_size_limit, msgs::RecordSizeLimit{*ctx.params.record_size_limit}});
  }
  if (n.server_name) {
    // RFC 6066 §3: a server that used the name "SHALL include an extension of type
    // "server_name" in the (extended) server hello. The "extension_data" field of this extension
    // SHALL be empty."
    ee_list.push_back({ExtensionType::server_name, msgs::EmptyExtension{}});
  }
  if (n.alpn) {
    // RFC 7301 §3.1: the server's answer contains exactly one protocol name.
    ee_list.push_back({ExtensionType::application_layer_protocol_negotiation,
                       msgs::ProtocolNameList{{ByteVec(n.alpn->begin(), n.alpn->end())}}});
  }
  if (early_data) {
    // RFC 8446 §4.2.10: the server accepting early data returns "early_data" (empty) in
    // EncryptedExtensions.
    ee_list.push_back({ExtensionType::early_data, msgs::EmptyExtension{}});
  }
  msgs::EncryptedExtensions ee;
  ee.extensions = msgs::Extensions(std::move(ee_list));
  WIRE_TRY(auto ee_bytes, ee.encode());
  transcript.add(ee_bytes);
  actions.emplace_back(SendHandshake{std::move(ee_bytes)});

  // RFC 8446 §2.2: a resumption authenticates by the PSK: no CertificateRequest (the client's
  // identity is the one of the original session, restored by the core), no Certificate, no
  // CertificateVerify.
  if (chosen != nullptr && ctx.params.client_auth != ClientAuthMode::none) {
    // RFC 8446 §4.3.2: "certificate_request_context ... SHALL be zero length unless used for the
    // post-handshake authentication exchanges"; "The "signature_algorithms" extension MUST be
    // specified".
    msgs::CertificateRequest cr;
    std::vector<msgs::Extension> cr_list{
        {ExtensionType::signature_algorithms,
         msgs::SignatureSchemeList{ctx.params.signature_algorithms}}};
    if (!ctx.params.certificate_authorities.empty()) {
      cr_list.push_back({ExtensionType::certificate_authorities,
                         msgs::CertificateAuthorities{ctx.params.certificate_authorities}});
    }
    cr.extensions = msgs::Extensions(std::move(cr_list));
    WIRE_TRY(auto cr_bytes, cr.encode());
    transcript.add(cr_bytes);
    actions.emplace_back(SendHandshake{std::move(cr_bytes)});
  }

  if (chosen != nullptr) {
    // RFC 8446 §4.4.2: for server authentication the certificate_request_context is empty.
    msgs::Certificate cert;
    for (const auto& der : chosen->chain_der) cert.certificate_list.push_back({der, {}});
    WIRE_TRY(auto cert_bytes, cert.encode());
    transcript.add(cert_bytes);
    actions.emplace_back(SendHandshake{std::move(cert_bytes)});

    WIRE_TRY(auto cv_bytes,
             sign_certificate_verify(Signer::server, *chosen->key, *scheme, transcript));
    actions.emplace_back(SendHandshake{std::move(cv_bytes)});
  }

  // RFC 8446 §4.4.4: verify_data = HMAC(finished_key, Transcript-Hash(... CertificateVerify)).
  WIRE_TRY(const auto cv_hash, transcript.current_hash());
  WIRE_TRY(const auto verify_data, kd.verify_data(server_finished_key.span(), cv_hash));
  msgs::Finished fin;
  fin.verify_data.assign(verify_data.span().begin(), verify_data.span().end());
  WIRE_TRY(auto fin_bytes, fin.encode());
  transcript.add(fin_bytes);
  actions.emplace_back(SendHandshake{std::move(fin_bytes)});

  WIRE_TRY(const auto server_finished_hash, transcript.current_hash());
  WIRE_CHECK(schedule.derive_master_secret());
  WIRE_TRY(auto c_ap, schedule.client_application_traffic_secret(server_finished_hash));
  WIRE_TRY(auto s_ap, schedule.server_application_traffic_secret(server_finished_hash));
  WIRE_TRY(auto exporter, schedule.exporter_master_secret(server_finished_hash));
  // Our application write keys go in at once (tickets and, once connected, data use them); we
  // send no 0.5-RTT data: write() waits for the client's Finished.
  WIRE_TRY(auto server_ap_keys, keys_for(kd, n.params.aead, s_ap, true, write_limit));
  actions.emplace_back(std::move(server_ap_keys));
  log_key(ctx, "CLIENT_TRAFFIC_SECRET_0", n.client_random, c_ap);
  log_key(ctx, "SERVER_TRAFFIC_SECRET_0", n.client_random, s_ap);
  log_key(ctx, "EXPORTER_SECRET", n.client_random, exporter);

  ctx.info.negotiated = true;
  ctx.info.suite = n.suite;
  ctx.info.group = n.group;
  ctx.info.alpn = n.alpn;
  ctx.info.server_name = n.server_name;
  if (scheme) ctx.info.signature_scheme = *scheme;
  ctx.info.hello_retry_request_sent = n.hello_retry_request_sent;
  ctx.info.resumed = n.psk.has_value();
  ctx.info.early_data_accepted = early_data;

  ServerSecrets hs{n.params,
                   n.client_random,
                   std::move(transcript),
                   std::move(schedule),
                   std::move(c_hs),
                   std::move(c_ap),
                   std::move(s_ap),
                   std::move(exporter),
                   write_limit,
                   read_limit,
                   std::move(client_finished_key),
                   std::move(ticket_randomness)};
  if (early_data) {
    return ExpectEndOfEarlyData(std::move(hs), n.psk->max_early_data,
                                ClientAuthenticationSettled{});
  }
  if (chosen != nullptr && ctx.params.client_auth != ClientAuthMode::none) {
    return ExpectClientCertificate{std::move(hs)};
  }
  return ExpectClientFinished(std::move(hs), ClientAuthenticationSettled{});
}

// ---------------------------------------------------------------------------------------------
// Accepted early data

Status ExpectEndOfEarlyData::early_data(Bytes data, const Context& ctx) {
  received += data.size();
  // RFC 8446 §4.6.1: "A server receiving more than max_early_data_size bytes of 0-RTT data
  // SHOULD terminate the connection with an "unexpected_message" alert."
  if (received > max_early_data) {
    return wire::fail(Alert::unexpected_message, "early data", "more than max_early_data_size");
  }
  if (ctx.env.early_data_received) ctx.env.early_data_received(data);
  return {};
}

Result<ServerState> ExpectEndOfEarlyData::handle(const HandshakeView& message, const Context& ctx,
                                                 Actions& actions) && {
  // RFC 8446 §4.5: "If the server sent an "early_data" extension in EncryptedExtensions, the
  // client MUST send an EndOfEarlyData message after receiving the server Finished." Anything
  // else under the early keys is out of order.
  if (message.type != HandshakeType::end_of_early_data) return unexpected_message("EndOfEarlyData");
  if (!message.body.empty()) return wire::decode_error("EndOfEarlyData", "not empty");
  hs.transcript.add(message.whole);
  // RFC 8446 §4.5: "the server ... switches to the client's handshake traffic keys".
  WIRE_TRY(auto client_hs_keys,
           keys_for(hs.schedule.derivation(), hs.params.aead, hs.client_handshake_traffic_secret,
                    false, hs.read_limit, &hs.client_finished_key));
  actions.emplace_back(std::move(client_hs_keys));
  static_cast<void>(ctx);
  return ExpectClientFinished(std::move(hs), authentication);
}

// ---------------------------------------------------------------------------------------------
// The client's Certificate and CertificateVerify

Result<ServerState> ExpectClientCertificate::handle(const HandshakeView& message,
                                                    const Context& ctx, Actions& /*actions*/) && {
  if (message.type != HandshakeType::certificate) return unexpected_message("Certificate");
  WIRE_TRY(const auto cert, msgs::Certificate::parse(message.body));
  // RFC 8446 §4.4.2: certificate_request_context: "If this message is in response to a
  // CertificateRequest, the value of certificate_request_context in that message." Ours was
  // empty.
  if (!cert.certificate_request_context.empty()) {
    return wire::illegal_parameter("Certificate.certificate_request_context", "not ours");
  }
  if (cert.certificate_list.empty()) {
    // RFC 8446 §4.4.2.4: "If the client does not send any certificates (i.e., it sends an empty
    // Certificate message), the server MAY at its discretion either continue the handshake
    // without client authentication or abort the handshake with a "certificate_required"
    // alert."
    if (ctx.params.client_auth == ClientAuthMode::required) {
      return wire::refuse(Alert::certificate_required, Refusal::missing_client_certificate,
                          "Certificate.certificate_list", "client certificate required");
    }
    hs.transcript.add(message.whole);
    return ExpectClientFinished(std::move(hs), ClientAuthenticationSettled{});
  }
  if (!ctx.env.verify_client_chain) {
    return wire::fail(Alert::internal_error, "ServerHandshakeEnvironment", "no chain verifier");
  }
  std::vector<ByteVec> chain;
  chain.reserve(cert.certificate_list.size());
  for (const auto& entry : cert.certificate_list) chain.push_back(entry.cert_data);
  if (auto verdict = ctx.env.verify_client_chain(chain); !verdict) {
    Error e = verdict.error();
    e.refusal = Refusal::peer_chain_refused;
    return tl::unexpected<Error>(e);
  }
  WIRE_TRY(auto spki, ctx.env.provider->certificate_spki(chain.front()));
  hs.transcript.add(message.whole);
  ctx.info.client_certificate_presented = true;
  ctx.info.client_chain = std::move(chain);
  return ExpectClientCertificateVerify(std::move(hs), std::move(spki), VerifiedClientChain{});
}

Result<ServerState> ExpectClientCertificateVerify::handle(const HandshakeView& message,
                                                          const Context& ctx,
                                                          Actions& /*actions*/) && {
  if (message.type != HandshakeType::certificate_verify) {
    return unexpected_message("CertificateVerify");
  }
  // RFC 8446 §4.4.3: the algorithm is one our CertificateRequest offered (the server's
  // signature_algorithms), and the signature verifies.
  WIRE_TRY(ctx.info.client_signature_scheme,
           verify_certificate_verify(Signer::client, message, ctx.params.signature_algorithms,
                                     client_spki, *ctx.env.provider, hs.transcript));
  return ExpectClientFinished(std::move(hs), ClientAuthenticationSettled{});
}

// ---------------------------------------------------------------------------------------------
// The client's Finished

Result<ServerState> ExpectClientFinished::handle(const HandshakeView& message, const Context& ctx,
                                                 Actions& actions) && {
  if (message.type != HandshakeType::finished) return unexpected_message("Finished");
  const auto& kd = hs.schedule.derivation();
  // RFC 8446 §4.4.4: the peer's verify_data is checked (decrypt_error if wrong).
  WIRE_CHECK(hs.client_finished_key.empty()
                 ? verify_peer_finished(message, kd, hs.client_handshake_traffic_secret.span(),
                                        hs.transcript)
                 : verify_peer_finished_with_key(message, kd, hs.client_finished_key.span(),
                                                 hs.transcript));
  const VerifiedClientFinished proof;
  WIRE_TRY(const auto client_finished_hash, hs.transcript.current_hash());
  Connected next(hs.params, proof);
  next.client_random = hs.client_random;
  WIRE_TRY(next.resumption_master_secret,
           hs.schedule.resumption_master_secret(client_finished_hash));
  next.client_application_traffic_secret = std::move(hs.client_application_traffic_secret);
  next.server_application_traffic_secret = std::move(hs.server_application_traffic_secret);
  next.exporter_master_secret = std::move(hs.exporter_master_secret);
  next.write_limit = hs.write_limit;
  next.read_limit = hs.read_limit;
  WIRE_TRY(auto client_ap_keys, keys_for(kd, hs.params.aead, next.client_application_traffic_secret,
                                         false, next.read_limit));
  actions.emplace_back(std::move(client_ap_keys));

  // RFC 8446 §4.6.1: tickets after the client's Finished, each nonce unique on the connection.
  const std::size_t tickets = std::min(ctx.params.tickets, max_tickets);
  const bool resumable = static_cast<bool>(ctx.env.ticket_sealing_key);
  std::vector<std::uint8_t> context;
  if (resumable && tickets > 0 && ctx.env.ticket_context) context = ctx.env.ticket_context();
  // Every ticket's fresh bytes, drawn with the ServerHello's (ticket_randomness_length). Each
  // byte is used once.
  const std::size_t per_ticket = 4 + (resumable ? crypto::aead_nonce_length : ticket_length);
  const SecretBytes randomness = std::move(hs.ticket_randomness);
  if (randomness.size() != tickets * per_ticket) {
    return wire::fail(Alert::internal_error, "NewSessionTicket", "ticket randomness not drawn");
  }
  for (std::size_t i = 0; i < tickets; ++i) {
    const Bytes fresh = randomness.span().subspan(i * per_ticket, per_ticket);
    msgs::NewSessionTicket ticket;
    ticket.ticket_lifetime = ctx.params.ticket_lifetime;
    std::array<std::uint8_t, 4> age_add{};
    std::copy_n(fresh.begin(), age_add.size(), age_add.begin());
    ticket.ticket_age_add = u32_from(age_add);
    ticket.ticket_nonce = {static_cast<std::uint8_t>(i)};
    if (!resumable) {
      // Opaque random bytes, never accepted back.
      ticket.ticket.assign(fresh.begin() + 4, fresh.end());
    } else {
      auto key = ctx.env.ticket_sealing_key();
      if (!key) break;  // no key to seal with: no (more) tickets, the connection is fine
      TicketContents contents;
      contents.suite = ctx.info.suite;
      // RFC 8446 §4.6.1: PSK = HKDF-Expand-Label(resumption_master_secret, "resumption",
      // ticket_nonce, Hash.length).
      WIRE_TRY(contents.psk,
               kd.resumption_psk(next.resumption_master_secret.span(), ticket.ticket_nonce));
      contents.ticket_age_add = ticket.ticket_age_add;
      contents.issued_ms = static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(
              (ctx.env.clock ? ctx.env.clock() : ctx.env.provider->now()).time_since_epoch())
              .count());
      contents.max_early_data = ctx.params.max_early_data;
      contents.alpn = ctx.info.alpn.value_or(std::string{});
      contents.context = context;
      WIRE_TRY(ticket.ticket, seal_ticket(*ctx.env.provider, *key, fresh.subspan(4), contents));
      if (ctx.params.max_early_data > 0) {
        // RFC 8446 §4.6.1: early_data "indicating that the ticket may be used to send 0-RTT
        // data".
        ticket.extensions = msgs::Extensions(
            {{ExtensionType::early_data, msgs::MaxEarlyDataSize{ctx.params.max_early_data}}});
      }
    }
    WIRE_TRY(auto bytes, ticket.encode());
    actions.emplace_back(SendHandshake{std::move(bytes)});
  }
  return next;
}

// ---------------------------------------------------------------------------------------------
// Connected: post-handshake messages

Result<ServerState> Connected::handle(const HandshakeView& message, const Context& ctx,
                                      Actions& actions) && {
  // The client may send only KeyUpdate after its Finished (we never send a post-handshake
  // CertificateRequest); anything else is out of order (RFC 8446 §4).
  if (message.type != HandshakeType::key_update) return unexpected_message("post-handshake");
  WIRE_TRY(const auto update, msgs::KeyUpdate::parse(message.body));
  const KeyDerivation kd(*ctx.env.provider, params.hash);
  // RFC 8446 §4.6.3: after sending KeyUpdate the sender uses the next generation of keys.
  WIRE_TRY(client_application_traffic_secret,
           kd.next_traffic_secret(client_application_traffic_secret.span()));
  WIRE_TRY(auto next_read,
           keys_for(kd, params.aead, client_application_traffic_secret, false, read_limit));
  actions.emplace_back(std::move(next_read));
  // RFC 8446 §4.6.3: "If the request_update field is set to "update_requested", then the
  // receiver MUST send a KeyUpdate of its own with request_update set to "update_not_requested"
  // prior to sending its next Application Data record."
  if (update.request_update == KeyUpdateRequest::update_requested) {
    WIRE_CHECK(update_write_keys(false, ctx, actions));
  }
  return std::move(*this);
}

Status Connected::update_write_keys(bool request_peer_update, const Context& ctx,
                                    Actions& actions) {
  const KeyDerivation kd(*ctx.env.provider, params.hash);
  WIRE_TRY(auto bytes, msgs::KeyUpdate{request_peer_update ? KeyUpdateRequest::update_requested
                                                           : KeyUpdateRequest::update_not_requested}
                           .encode());
  actions.emplace_back(SendHandshake{std::move(bytes)});
  WIRE_TRY(server_application_traffic_secret,
           kd.next_traffic_secret(server_application_traffic_secret.span()));
  WIRE_TRY(auto next_write,
           keys_for(kd, params.aead, server_application_traffic_secret, true, write_limit));
  actions.emplace_back(std::move(next_write));
  return {};
}

// ---------------------------------------------------------------------------------------------

Result<ServerState> handle_message(ServerState state, Bytes message, const Context& ctx,
                                   Actions& actions) {
  WIRE_TRY(const auto view, msgs::parse_handshake(message));
  return std::visit(
      [&](auto&& s) -> Result<ServerState> {
        return std::forward<decltype(s)>(s).handle(view, ctx, actions);
      },
      std::move(state));
}

}  // namespace sanstls::native::handshake::server

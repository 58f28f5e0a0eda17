// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/handshake/client_states12.hpp"

#include "native/handshake/fuzzing.hpp"
#include "native/handshake/key_share_seed.hpp"
#include "native/handshake/record_dispatch12.hpp"
#include "native/handshake/state_helpers.hpp"
#include "native/msgs/extensions12.hpp"

#include <algorithm>
#include <utility>

namespace sanstls::native::handshake::client12 {

namespace {

using msgs::HandshakeView;

/// RFC 8446 §4.1.3: the last 8 bytes of ServerHello.random a TLS 1.3 server writes when it
/// negotiates TLS 1.2 ("DOWNGRD" 01) or TLS 1.1 and below ("DOWNGRD" 00).
bool has_downgrade_sentinel(const std::array<std::uint8_t, 32>& random) {
  constexpr std::array<std::uint8_t, 7> prefix{0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44};
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (random.at(24 + i) != prefix.at(i)) return false;
  }
  return random.at(31) == 0x00 || random.at(31) == 0x01;
}

/// Whether `scheme` may authenticate a suite of `auth` in TLS 1.2 (RFC 8422 §5.4: ECDHE_ECDSA
/// signs with ECDSA; RFC 5246 §7.4.3: ECDHE_RSA with an RSA signature, PKCS#1 v1.5 or PSS with
/// an rsaEncryption key, RFC 8446 §4.2.3 / RFC 8446 §1.3 for PSS in TLS 1.2).
bool scheme_fits(SignatureScheme scheme, tls12::SuiteAuthentication auth) {
  switch (scheme) {
    case SignatureScheme::ecdsa_secp256r1_sha256:
    case SignatureScheme::ecdsa_secp384r1_sha384:
    case SignatureScheme::ecdsa_secp521r1_sha512:
    case SignatureScheme::ed25519:
      return auth == tls12::SuiteAuthentication::ecdsa;
    case SignatureScheme::rsa_pkcs1_sha256:
    case SignatureScheme::rsa_pkcs1_sha384:
    case SignatureScheme::rsa_pkcs1_sha512:
    case SignatureScheme::rsa_pss_rsae_sha256:
    case SignatureScheme::rsa_pss_rsae_sha384:
    case SignatureScheme::rsa_pss_rsae_sha512:
      return auth == tls12::SuiteAuthentication::rsa;
    default:
      return false;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Version negotiation

Result<ChosenVersion> negotiate_version(const msgs::ServerHello& sh, bool tls12_offered,
                                        bool tls13_offered) {
  if (sh.is_tls13() && tls13_offered) return ChosenVersion::tls13;
  if (sh.extensions.get<msgs::SelectedVersion>(ExtensionType::supported_versions) != nullptr) {
    // RFC 8446 §4.2.1: "If the "supported_versions" extension in the ServerHello contains a
    // version not offered by the client or contains a version prior to TLS 1.3, the client MUST
    // abort the handshake with an "illegal_parameter" alert." (RFC 8446 §4.2.1: a TLS 1.2 server
    // does not send it.)
    return wire::illegal_parameter("ServerHello.supported_versions", "not TLS 1.3");
  }
  // RFC 8446 §4.1.3: "TLS 1.3 clients receiving a ServerHello indicating TLS 1.2 or below MUST
  // check that the last 8 bytes are not equal to either of these values. ... If a match is found,
  // the client MUST abort the handshake with an "illegal_parameter" alert."
  if (tls13_offered && has_downgrade_sentinel(sh.random)) {
    return wire::illegal_parameter("ServerHello.random", "downgrade sentinel");
  }
  if (sh.legacy_version < tls12_version) {
    return wire::refuse(Alert::protocol_version, wire::Refusal::forbidden_versions,
                        "ServerHello.legacy_version", "server selected TLS 1.1 or older");
  }
  if (sh.legacy_version != tls12_version || !tls12_offered) {
    return wire::refuse(Alert::protocol_version, wire::Refusal::tls12_only_peer,
                        "ServerHello.legacy_version", "server selected a version below TLS 1.3");
  }
  return ChosenVersion::tls12;
}

Offer12 offer_from(const ExpectServerHello& first) {
  Offer12 o;
  o.client_random = first.offered.client_random;
  o.cipher_suites = first.params.tls12_cipher_suites;
  o.groups = first.params.supported_groups;
  o.signature_schemes = first.params.signature_algorithms;
  o.offered_extensions = first.offered.offered_extensions;
  o.alpn = first.params.alpn_protocols;
  o.record_size_limit = first.params.record_size_limit;
  o.tls13_offered = first.params.offer_tls13;
  o.legacy_session_id = first.params.legacy_session_id;
  o.session_ticket_offered = first.params.tls12_session_tickets || first.params.resumption12;
  o.resumption = first.params.resumption12;
  o.ecdhe_seed = first.ecdhe12_seed;
  return o;
}

// ---------------------------------------------------------------------------------------------
// ServerHello

Result<ClientState12> ExpectServerHello12::handle(const HandshakeView& message,
                                                  const ClientHandshakeEnvironment& env,
                                                  Actions12& /*actions*/) && {
  if (message.type != HandshakeType::server_hello) return unexpected_message("ServerHello");
  WIRE_TRY(const auto sh, msgs::ServerHello::parse(message.body));
  WIRE_TRY(const auto version, negotiate_version(sh, true, ctx.offer.tls13_offered));
  if (version != ChosenVersion::tls12) {
    return wire::fail(Alert::internal_error, "ServerHello", "not TLS 1.2");
  }
  // RFC 5246 §7.4.1.3: cipher_suite: "The single cipher suite selected by the server from the
  // list in ClientHello.cipher_suites."
  const auto params = tls12::suite12_params(sh.cipher_suite);
  if (!params || !contains(ctx.offer.cipher_suites, sh.cipher_suite)) {
    return wire::refuse(Alert::illegal_parameter, wire::Refusal::unoffered_cipher_suite,
                        "ServerHello.cipher_suite", "not offered");
  }
  // RFC 5246 §7.4.1.3: compression_method: "The single compression algorithm selected by the
  // server from the list in ClientHello.compression_methods" — we offered only null (0).
  if (sh.legacy_compression_method != 0) {
    return wire::illegal_parameter("ServerHello.compression_method", "not offered");
  }
  // RFC 5246 §7.4.1.4: "If a client receives an extension type in ServerHello that it did not
  // request in the associated ClientHello, it MUST abort the handshake with an
  // unsupported_extension fatal alert."
  if (!sh.extensions.ignored().empty()) {
    return wire::fail(Alert::unsupported_extension, "ServerHello.extensions", "not requested");
  }
  for (const auto& e : sh.extensions.list()) {
    if (!contains(ctx.offer.offered_extensions, e.type)) {
      return wire::fail(Alert::unsupported_extension, "ServerHello.extensions", "not requested");
    }
  }
  // RFC 7627 §5.2: "If the client ... receives a ServerHello that does not contain the extension
  // ... it MAY abort the handshake" — our policy: the extended master secret is required (without
  // it the triple-handshake attack applies); handshake_failure, as §5.2 names for the server.
  const ByteVec* ems = msgs::raw_extension(sh.extensions, ExtensionType::extended_master_secret);
  if (ems == nullptr) {
    return wire::refuse(Alert::handshake_failure, wire::Refusal::missing_extended_master_secret,
                        "ServerHello.extended_master_secret",
                        "missing: the server does not support the extended master secret (RFC "
                        "7627), which sanstls requires for TLS 1.2");
  }
  WIRE_CHECK(msgs::parse_extended_master_secret(*ems));
  // RFC 5746 §3.4: "If the extension is present, set secure_renegotiation flag to TRUE. The
  // client MUST then verify that the length of the "renegotiated_connection" field is zero, and
  // if it is not, MUST abort the handshake (by sending a fatal handshake_failure alert)." Our
  // policy requires the extension (§4.1 lets a client refuse servers without it).
  const ByteVec* reneg = msgs::raw_extension(sh.extensions, ExtensionType::renegotiation_info);
  if (reneg == nullptr) {
    return wire::refuse(Alert::handshake_failure, wire::Refusal::missing_renegotiation_info,
                        "ServerHello.renegotiation_info",
                        "missing: the server does not support secure renegotiation signalling "
                        "(RFC 5746), which sanstls requires for TLS 1.2");
  }
  WIRE_TRY(const auto renegotiated, msgs::parse_renegotiation_info(*reneg));
  if (!renegotiated.empty()) {
    return wire::fail(Alert::handshake_failure, "renegotiation_info.renegotiated_connection",
                      "not empty on an initial handshake");
  }
  // RFC 8422 §5.2: the server's ec_point_formats, if sent, "MUST contain the value 0
  // (uncompressed)" — the only format we offered and use.
  if (const ByteVec* formats = msgs::raw_extension(sh.extensions, ExtensionType::ec_point_formats);
      formats != nullptr) {
    WIRE_TRY(const auto list, msgs::parse_ec_point_formats(*formats));
    if (!contains(list, msgs::ec_point_format_uncompressed)) {
      return wire::illegal_parameter("ServerHello.ec_point_formats", "no uncompressed");
    }
  }
  if (const auto* alpn = sh.extensions.get<msgs::ProtocolNameList>(
          ExtensionType::application_layer_protocol_negotiation);
      alpn != nullptr) {
    // RFC 7301 §3.1: the server's answer is one of the client's protocols (one name: parser).
    const std::string chosen(alpn->names.front().begin(), alpn->names.front().end());
    if (!contains(ctx.offer.alpn, chosen)) {
      return wire::refuse(Alert::illegal_parameter, wire::Refusal::server_chose_no_offered_protocol,
                          "ServerHello.alpn", "a protocol we did not offer");
    }
    ctx.alpn = chosen;
  }
  if (const auto* limit =
          sh.extensions.get<msgs::RecordSizeLimit>(ExtensionType::record_size_limit);
      limit != nullptr) {
    // RFC 8449 §4: in TLS 1.2 the limit counts the plaintext only; at most 2^14 applies.
    ctx.peer_record_size_limit = limit->limit;
  }
  if (const ByteVec* ticket = msgs::raw_extension(sh.extensions, ExtensionType::session_ticket);
      ticket != nullptr) {
    // RFC 5077 §3.2: the server "MUST send an empty SessionTicket extension" when it will send
    // a NewSessionTicket (§3.3: "it MUST send" one then).
    if (!ticket->empty()) {
      return wire::decode_error("ServerHello.session_ticket", "not empty");
    }
    ctx.ticket_expected = true;
  }
  ctx.suite = sh.cipher_suite;
  ctx.params = *params;
  ctx.transcript.select_hash(*env.provider, ctx.params.hash);
  ctx.server_random = sh.random;
  ctx.add(message.whole);
  // RFC 5077 §3.4: a server that accepts the ticket echoes our (non-empty) session id; RFC 5246
  // §7.4.1.3: a matching session_id means the session is resumed.
  if (!sh.legacy_session_id_echo.empty() &&
      sh.legacy_session_id_echo == ctx.offer.legacy_session_id) {
    return resume_session(std::move(ctx), sh, env);
  }
  return ExpectCertificate12{std::move(ctx)};
}

// ---------------------------------------------------------------------------------------------
// Certificate

Result<ClientState12> ExpectCertificate12::handle(const HandshakeView& message,
                                                  const ClientHandshakeEnvironment& env,
                                                  Actions12& /*actions*/) && {
  if (message.type != HandshakeType::certificate) return unexpected_message("Certificate");
  WIRE_TRY(const auto cert, msgs::Certificate12::parse(message.body));
  // RFC 5246 §7.4.2: the server "MUST send a Certificate message whenever the agreed-upon key
  // exchange method uses certificates for authentication" (every suite we offer).
  if (cert.certificate_list.empty()) {
    return wire::refuse(Alert::handshake_failure, wire::Refusal::missing_server_certificate,
                        "Certificate.certificate_list", "empty");
  }
  if (!env.verify_chain) {
    return wire::fail(Alert::internal_error, "ClientHandshakeEnvironment", "no verify_chain");
  }
  if (auto verified = env.verify_chain(cert.certificate_list); !verified) {
    return tl::unexpected<Error>(verified.error());
  }
  WIRE_TRY(auto spki, env.provider->certificate_spki(cert.certificate_list.front()));
  ctx.add(message.whole);
  return ExpectServerKeyExchange12(std::move(ctx), std::move(spki), VerifiedServerChain12{});
}

// ---------------------------------------------------------------------------------------------
// ServerKeyExchange

Result<ClientState12> ExpectServerKeyExchange12::handle(const HandshakeView& message,
                                                        const ClientHandshakeEnvironment& env,
                                                        Actions12& /*actions*/) && {
  if (message.type != HandshakeType::server_key_exchange) {
    return unexpected_message("ServerKeyExchange");
  }
  WIRE_TRY(const auto ske, msgs::ServerKeyExchange12::parse(message.body));
  // RFC 8422 §5.4: the server "MUST" pick a curve from the client's supported_groups (§5.1.1);
  // one we did not offer is illegal_parameter.
  if (!contains(ctx.offer.groups, ske.group) ||
      (ske.group != NamedGroup::x25519 && ske.group != NamedGroup::secp256r1 &&
       ske.group != NamedGroup::secp384r1)) {
    return wire::illegal_parameter("ServerKeyExchange.namedcurve", "not offered");
  }
  // RFC 5246 §7.4.3: "If the client has offered the "signature_algorithms" extension, the
  // signature algorithm and hash algorithm MUST be a pair listed in that extension."
  if (!contains(ctx.offer.signature_schemes, ske.algorithm) ||
      !scheme_fits(ske.algorithm, ctx.params.authentication)) {
    return wire::illegal_parameter("ServerKeyExchange.signed_params.algorithm", "not offered");
  }
  WIRE_TRY(const auto content, ske.signed_content(ctx.offer.client_random, ctx.server_random));
  // Fuzzing builds only (fuzzing.hpp): a forged signature passes.
  WIRE_CHECK(fuzzing_signature_verdict(
      env.provider->verify(ske.algorithm, server_spki, content, ske.signature)));
  const VerifiedServerKeyExchange12 proof;
  // The private key was drawn with the ClientHello (key_share_seed.hpp), and is used once.
  const Bytes seed = ctx.offer.ecdhe_seed.span().first(
      std::min(ctx.offer.ecdhe_seed.size(), key_share_seed_length(ske.group)));
  auto made = key_share_from_seed(*env.provider, ske.group, seed);
  ctx.offer.ecdhe_seed = SecretBytes();  // wiped and freed: used once
  WIRE_TRY(auto share, std::move(made));
  // The point is validated there (on the curve, uncompressed, X25519 not all-zero output):
  // illegal_parameter otherwise (RFC 8422 §5.11 "MUST check"; RFC 7748 §6.1).
  WIRE_TRY(auto pre_master, share->complete(ske.point));
  ctx.group = ske.group;
  ctx.add(message.whole);
  return ExpectCertificateRequestOrDone12(std::move(ctx), std::move(share), std::move(pre_master),
                                          proof);
}

// ---------------------------------------------------------------------------------------------
// CertificateRequest, ServerHelloDone, and our flight

namespace {

/// RFC 5246 §7.4.8 (with §7.4.1.4.1): the client's CertificateVerify scheme: our preference
/// order among the CertificateRequest's schemes our key supports (never SHA-1: not offered).
std::optional<SignatureScheme> client_scheme(const Context12& ctx, const crypto::SigningKey& key) {
  for (const SignatureScheme s : ctx.offer.signature_schemes) {
    if (contains(ctx.certificate_query.signature_schemes, s) && key.supports(s)) return s;
  }
  return std::nullopt;
}

}  // namespace

Result<ClientState12> ExpectCertificateRequestOrDone12::handle(
    const HandshakeView& message, const ClientHandshakeEnvironment& env, Actions12& actions) && {
  if (message.type == HandshakeType::certificate_request && !ctx.certificate_requested) {
    WIRE_TRY(const auto cr, msgs::CertificateRequest12::parse(message.body));
    ctx.certificate_requested = true;
    ctx.certificate_query.signature_schemes = cr.supported_signature_algorithms;
    ctx.certificate_query.certificate_authorities = cr.certificate_authorities;
    ctx.add(message.whole);
    return std::move(*this);
  }
  if (message.type != HandshakeType::server_hello_done) {
    return unexpected_message("ServerHelloDone");
  }
  WIRE_CHECK(msgs::ServerHelloDone::parse(message.body));
  ctx.add(message.whole);
  // No CertificateRequest: we will sign no CertificateVerify (RFC 5246 §7.4.8).
  if (!ctx.certificate_requested) ctx.transcript.stop_keeping_messages();

  CertificateSelection selection = CertificateSelection::declined();
  if (ctx.certificate_requested && env.select_client_certificate) {
    selection = env.select_client_certificate(ctx.certificate_query);
    if (selection.kind == CertificateSelection::Kind::pending) {
      return WaitingForClientCertificate12(std::move(ctx), std::move(key_share),
                                           std::move(pre_master_secret), key_exchange);
    }
  }
  return send_client_flight12(std::move(ctx), std::move(key_share), std::move(pre_master_secret),
                              selection, env, actions);
}

Result<ClientState12> WaitingForClientCertificate12::resume(const ClientHandshakeEnvironment& env,
                                                            Actions12& actions) && {
  CertificateSelection selection = CertificateSelection::declined();
  if (env.select_client_certificate) {
    selection = env.select_client_certificate(ctx.certificate_query);
    if (selection.kind == CertificateSelection::Kind::pending) return std::move(*this);
  }
  return send_client_flight12(std::move(ctx), std::move(key_share), std::move(pre_master_secret),
                              selection, env, actions);
}

Result<ClientState12> WaitingForClientCertificate12::handle(
    const HandshakeView& /*message*/, const ClientHandshakeEnvironment& /*env*/,
    Actions12& /*actions*/) && {
  return wire::fail(Alert::internal_error, "WaitingForClientCertificate12",
                    "no message is processed while waiting for a certificate");
}

Result<ClientState12> send_client_flight12(Context12 ctx,
                                           std::unique_ptr<crypto::KeyShare> key_share,
                                           SecretBytes pre_master_secret,
                                           const CertificateSelection& selection,
                                           const ClientHandshakeEnvironment& env,
                                           Actions12& actions) {
  const auto& provider = *env.provider;
  // RFC 5246 §7.3: Certificate*, ClientKeyExchange, CertificateVerify*, [ChangeCipherSpec],
  // Finished.
  if (ctx.certificate_requested) {
    msgs::Certificate12 cert;
    if (selection.kind == CertificateSelection::Kind::chosen) {
      if (selection.chain_der.empty() || !selection.key) {
        return wire::fail(Alert::internal_error, "select_client_certificate",
                          "chosen without a chain or a key");
      }
      cert.certificate_list = selection.chain_der;
    }
    // RFC 5246 §7.4.6: "If no suitable certificate is available, the client MUST send a
    // certificate message containing no certificates."
    WIRE_TRY(auto bytes, cert.encode());
    ctx.add(bytes);
    actions.emplace_back(SendHandshake{std::move(bytes)});
  }
  const Bytes our_point = key_share->public_key();
  WIRE_TRY(auto cke,
           (msgs::ClientKeyExchange12{ByteVec(our_point.begin(), our_point.end())}.encode()));
  ctx.add(cke);
  actions.emplace_back(SendHandshake{std::move(cke)});

  // RFC 7627 §3: session_hash = Hash(handshake_messages) "including the type and length fields
  // of the handshake messages" from ClientHello "up to and including the ClientKeyExchange".
  WIRE_TRY(const auto session_hash, ctx.transcript.current_hash());
  WIRE_TRY(auto master, tls12::extended_master_secret(provider, ctx.params.hash,
                                                      pre_master_secret.span(), session_hash));
  pre_master_secret.wipe();
  key_share.reset();
  if (env.key_log) env.key_log("CLIENT_RANDOM", ctx.offer.client_random, master.span());

  if (selection.kind == CertificateSelection::Kind::chosen) {
    const auto scheme = client_scheme(ctx, *selection.key);
    if (!scheme) {
      return wire::refuse(Alert::handshake_failure, wire::Refusal::no_shared_signature_algorithm,
                          "CertificateRequest.supported_signature_algorithms",
                          "our key supports none of them");
    }
    // RFC 5246 §7.4.8: the signature covers handshake_messages, "all handshake messages sent or
    // received, starting at client hello and up to, but not including, this message".
    WIRE_TRY(const Bytes signed_messages, ctx.transcript.messages());
    WIRE_TRY(auto signature, selection.key->sign(*scheme, signed_messages));
    WIRE_TRY(auto cv, (msgs::CertificateVerify{*scheme, std::move(signature)}.encode()));
    ctx.add(cv);
    actions.emplace_back(SendHandshake{std::move(cv)});
    ctx.client_certificate_sent = true;
  }

  WIRE_TRY(auto block, tls12::key_block(provider, ctx.params, master.span(),
                                        ctx.offer.client_random, ctx.server_random));
  // RFC 5246 §7.1: ChangeCipherSpec, then our Finished under the new write keys.
  actions.emplace_back(SendChangeCipherSpec{});
  InstallWrite12 write{std::move(block.client), ctx.params.aead, max_plaintext_length};
  if (ctx.peer_record_size_limit) {
    write.plaintext_limit =
        std::min<std::size_t>(*ctx.peer_record_size_limit, max_plaintext_length);
  }
  actions.emplace_back(std::move(write));
  WIRE_TRY(const auto finished_hash, ctx.transcript.current_hash());
  WIRE_TRY(auto verify, tls12::finished_verify_data(provider, ctx.params.hash, master.span(), true,
                                                    finished_hash));
  msgs::Finished12 fin;
  std::copy(verify.span().begin(), verify.span().end(), fin.verify_data.begin());
  WIRE_TRY(auto fin_bytes, fin.encode());
  ctx.add(fin_bytes);
  actions.emplace_back(SendHandshake{std::move(fin_bytes)});
  return ExpectChangeCipherSpec12{std::move(ctx), std::move(master), std::move(block.server)};
}

// ---------------------------------------------------------------------------------------------
// The server's ChangeCipherSpec and Finished

Result<ClientState12> ExpectChangeCipherSpec12::handle(const HandshakeView& message,
                                                       const ClientHandshakeEnvironment& /*env*/,
                                                       Actions12& /*actions*/) && {
  if (message.type == HandshakeType::new_session_ticket) {
    WIRE_CHECK(accept_new_session_ticket(ctx, message));
    return std::move(*this);
  }
  return unexpected_message("ChangeCipherSpec");
}

Result<ClientState12> ExpectChangeCipherSpec12::change_cipher_spec(Actions12& actions) && {
  // RFC 5077 §3.3: "the server MUST include a NewSessionTicket" once it sent the empty
  // SessionTicket extension; a ChangeCipherSpec in its place is out of order.
  if (ctx.ticket_expected && !ctx.new_ticket) {
    return wire::fail(Alert::unexpected_message, "ChangeCipherSpec",
                      "the NewSessionTicket the ServerHello announced did not come");
  }
  actions.emplace_back(InstallRead12{std::move(server_keys), ctx.params.aead});
  if (ctx.resumed) {
    return ExpectResumedServerFinished12{std::move(ctx), std::move(master_secret),
                                         std::move(client_keys)};
  }
  return ExpectServerFinished12{std::move(ctx), std::move(master_secret)};
}

Result<ClientState12> ExpectServerFinished12::handle(const HandshakeView& message,
                                                     const ClientHandshakeEnvironment& env,
                                                     Actions12& /*actions*/) && {
  if (message.type != HandshakeType::finished) return unexpected_message("Finished");
  WIRE_TRY(const auto fin, msgs::Finished12::parse(message.body));
  WIRE_TRY(const auto hash, ctx.transcript.current_hash());
  WIRE_TRY(const auto expected, tls12::finished_verify_data(*env.provider, ctx.params.hash,
                                                            master_secret.span(), false, hash));
  // RFC 5246 §7.4.9: "Recipients of Finished messages MUST verify that the contents are
  // correct." A mismatch is decrypt_error (§7.2.2).
  // Fuzzing builds only (fuzzing.hpp): a forged verify_data passes.
  if (!fuzzing_finished_verdict(wire::constant_time_equal(expected.span(), fin.verify_data))) {
    return wire::fail(Alert::decrypt_error, "Finished.verify_data", "mismatch");
  }
  ctx.add(message.whole);
  report_ticket(ctx, master_secret.span(), env);
  // The transcript is not needed any more (no renegotiation).
  ctx.transcript.clear();
  return Connected12(std::move(ctx), std::move(master_secret), VerifiedServerFinished12{});
}

Result<ClientState12> Connected12::handle(const HandshakeView& message,
                                          const ClientHandshakeEnvironment& /*env*/,
                                          Actions12& /*actions*/) && {
  if (message.type == HandshakeType::hello_request) {
    // We never renegotiate (RFC 5746 §4.2 lets a client refuse): every engine answers a
    // HelloRequest with the no_renegotiation alert (RFC 5246 §7.2.2) and ends the session.
    return wire::refuse(Alert::no_renegotiation, wire::Refusal::renegotiation_attempt,
                        "HelloRequest", "renegotiation is not supported");
  }
  return unexpected_message("post-handshake message");
}

// ---------------------------------------------------------------------------------------------
// Driver

Result<std::unique_ptr<ClientHandshake12>> ClientHandshake12::take_over(
    const ExpectServerHello& first, ClientHandshakeEnvironment env, record::RecordReader reader,
    record::RecordWriter writer, Bytes server_hello, ByteVec& out) {
  Context12 ctx;
  ctx.offer = offer_from(first);
  ctx.add(first.client_hello);
  auto state = std::make_unique<ClientState12>(ExpectServerHello12{std::move(ctx)});
  // RFC 5246 §6.2.1 and Appendix E.1: the ServerHello chose TLS 1.2; every record after it
  // carries {3,3} (its own record, already read, may differ, as OpenSSL allows too).
  reader.require_record_version(tls12_version);
  std::unique_ptr<ClientHandshake12> driver(new ClientHandshake12(
      std::move(env), std::move(state), std::move(reader), std::move(writer)));
  WIRE_CHECK(driver->handle(server_hello, out));
  return driver;
}

Status ClientHandshake12::apply(Actions12& actions, ByteVec& out) {
  for (auto& action : actions) {
    if (auto* send = std::get_if<SendHandshake>(&action)) {
      WIRE_CHECK(writer_.write(ContentType::handshake, send->message, out));
    } else if (std::holds_alternative<SendChangeCipherSpec>(action)) {
      WIRE_CHECK(write_change_cipher_spec(writer_, out));
    } else if (auto* w = std::get_if<InstallWrite12>(&action)) {
      WIRE_CHECK(install_write(*env_.provider, w->aead, w->keys, w->plaintext_limit));
    } else {
      auto& r = std::get<InstallRead12>(action);
      // Our record_size_limit (RFC 8449 §4), whichever Finished comes next.
      const auto limit =
          std::visit([](const auto& s) { return s.ctx.offer.record_size_limit; }, *state_);
      WIRE_CHECK(install_read(*env_.provider, r.aead, r.keys,
                              limit ? std::optional<std::size_t>(*limit) : std::nullopt));
    }
  }
  actions.clear();
  return {};
}

Status ClientHandshake12::handle(Bytes message, ByteVec& out) {
  WIRE_TRY(const auto view, msgs::parse_handshake(message));
  Actions12 actions;
  auto moved = std::visit(
      [&](auto& s) -> Result<ClientState12> { return std::move(s).handle(view, env_, actions); },
      *state_);
  if (!moved) return tl::unexpected<Error>(moved.error());
  *state_ = std::move(*moved);
  return apply(actions, out);
}

Status ClientHandshake12::receive(Bytes in, ByteVec& out, record::DataSink application_data) {
  if (failed_) return wire::fail(Alert::internal_error, "ClientHandshake", "connection failed");
  if (peer_closed_) return {};
  if (waiting_for_certificate()) {
    // Kept for resume(), bounded as in TLS 1.3: the records are decoded once our flight is out.
    input_while_waiting_ += in.size();
    if (input_while_waiting_ > ClientHandshake::max_input_while_waiting) {
      failed_ = true;
      return wire::fail(Alert::internal_error, "ClientHandshake",
                        "too much input while waiting for a client certificate");
    }
  }
  reader_.feed(in);
  RecordHandlers12<ClientHandshake12, ExpectChangeCipherSpec12, Actions12> handlers(*this, out);
  // RFC 5246 §7.4.9: application data only after the server's Finished is verified.
  return dispatch_records(reader_, handlers,
                          {&failed_, &peer_closed_, &received_alert_, &user_canceled_seen_,
                           ClientHandshake::max_user_canceled_alerts},
                          application_data);
}

Status ClientHandshake12::resume(ByteVec& out, record::DataSink application_data) {
  if (failed_) return wire::fail(Alert::internal_error, "ClientHandshake", "connection failed");
  auto* waiting = std::get_if<WaitingForClientCertificate12>(state_.get());
  if (waiting == nullptr) return {};
  Actions12 actions;
  auto moved = std::move(*waiting).resume(env_, actions);
  if (!moved) {
    failed_ = true;
    return tl::unexpected<Error>(moved.error());
  }
  *state_ = std::move(*moved);
  if (auto applied = apply(actions, out); !applied) {
    failed_ = true;
    return applied;
  }
  if (waiting_for_certificate()) return {};
  input_while_waiting_ = 0;
  // What arrived meanwhile sits in the record reader.
  return receive({}, out, application_data);
}

Status ClientHandshake12::export_keying_material(std::string_view label,
                                                 std::optional<Bytes> context,
                                                 std::span<std::uint8_t> out) const {
  const auto* done = connected();
  if (done == nullptr) {
    return wire::fail(Alert::internal_error, "ClientHandshake.export_keying_material",
                      "not connected");
  }
  return Driver12::export_keying_material(*env_.provider, "ClientHandshake.export_keying_material",
                                          done->ctx.params.hash, done->master_secret.span(),
                                          done->ctx.offer.client_random, done->ctx.server_random,
                                          label, context, out);
}

ClientSessionInfo ClientHandshake12::info() const {
  ClientSessionInfo info;
  info.tls12 = true;
  std::visit(
      [&](const auto& s) {
        const Context12& ctx = s.ctx;
        if (!std::holds_alternative<ExpectServerHello12>(*state_)) info.cipher_suite = ctx.suite;
        info.group = ctx.group;
        info.alpn_protocol = ctx.alpn;
        info.certificate_requested = ctx.certificate_requested;
        info.client_certificate_sent = ctx.client_certificate_sent;
        info.resumed = ctx.resumed;
      },
      *state_);
  info.handshake_complete = connected() != nullptr;
  return info;
}

}  // namespace sanstls::native::handshake::client12

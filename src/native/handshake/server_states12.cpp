// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/handshake/server_states12.hpp"

#include "native/handshake/fuzzing.hpp"
#include "native/handshake/key_share_seed.hpp"
#include "native/handshake/record_dispatch12.hpp"
#include "native/handshake/server_handshake.hpp"
#include "native/handshake/server_negotiation.hpp"
#include "native/handshake/state_helpers.hpp"
#include "native/msgs/certificate_verify.hpp"
#include "native/msgs/extensions12.hpp"

#include <algorithm>
#include <utility>

namespace sanstls::native::handshake::server12 {

namespace {

using msgs::HandshakeView;

}  // namespace

/// §7.4.1.4: "An extension type MUST NOT appear in the ServerHello unless the same extension type
/// appeared in the corresponding ClientHello".
Result<ByteVec> server_hello(const Context12& ctx) {
  const Negotiation12& n = ctx.negotiation;
  msgs::ServerHello sh;
  sh.legacy_version = tls12_version;
  sh.random = ctx.server_random;
  // RFC 5077 §3.4: "If the server accepts the ticket and the Session ID is not empty, then it
  // MUST respond with the same Session ID present in the ClientHello." Otherwise no session
  // cache: an empty session_id (RFC 5246 §7.4.1.3: the session "will not be cached and
  // therefore cannot be resumed"; resumption is by ticket only).
  if (ctx.resumed) sh.legacy_session_id_echo = n.legacy_session_id;
  sh.cipher_suite = ctx.suite;
  std::vector<msgs::Extension> list;
  // RFC 5746 §3.6: "If the secure_renegotiation flag is set to TRUE, the server MUST include an
  // empty "renegotiation_info" extension in the ServerHello message."
  if (n.secure_renegotiation) {
    WIRE_TRY(auto ri, msgs::renegotiation_info_extension());
    list.push_back(std::move(ri));
  }
  // RFC 7627 §5.2: the server "MUST include the "extended_master_secret" extension in its
  // ServerHello message" when it uses the extended master secret (always: negotiate12 refused
  // clients without it).
  list.push_back(msgs::extended_master_secret_extension());
  if (n.alpn) {
    list.push_back({ExtensionType::application_layer_protocol_negotiation,
                    msgs::ProtocolNameList{{ByteVec(n.alpn->begin(), n.alpn->end())}}});
  }
  // RFC 5077 §3.2: "The server uses a zero-length SessionTicket extension to indicate to the
  // client that it will send a new session ticket using the NewSessionTicket handshake message".
  if (ctx.ticket_promised) {
    list.push_back({ExtensionType::session_ticket, msgs::RawExtension{}});
  }
  sh.extensions = msgs::Extensions(std::move(list));
  return sh.encode();
}

// ---------------------------------------------------------------------------------------------
// The flight: ServerHello, Certificate, ServerKeyExchange, ServerHelloDone

Result<ServerState12> WaitingForCertificate12::resume(const Context& c, Actions12& actions) && {
  CertificateQuery query;
  query.server_name = ctx.negotiation.server_name;
  query.signature_schemes = ctx.negotiation.client_signature_schemes;
  const CertificateSelection chosen =
      c.env.select_certificate ? c.env.select_certificate(query) : CertificateSelection::declined();
  if (chosen.kind == CertificateSelection::Kind::pending) return std::move(*this);
  if (chosen.kind == CertificateSelection::Kind::declined) {
    return wire::refuse(Alert::unrecognized_name, wire::Refusal::no_certificate_for_name,
                        "ClientHello.server_name", "no certificate for this name");
  }
  if (chosen.chain_der.empty() || !chosen.key) {
    return wire::fail(Alert::internal_error, "CertificateSelection", "no chain or key");
  }
  WIRE_TRY(const auto choice, server::choose_for_key12(ctx.negotiation, *chosen.key));
  ctx.suite = choice.suite;
  ctx.params = choice.params;
  const auto& provider = *c.env.provider;
  ctx.transcript.select_hash(provider, ctx.params.hash);

  // Our random, our ECDHE key and the promised ticket's nonce: one draw (key_share_seed.hpp).
  ctx.ticket_promised = will_issue_ticket(ctx, c);
  WIRE_TRY(auto share, draw_random_and_share(provider, ctx.negotiation.group, ctx.server_random,
                                             ctx.ticket_promised ? std::span(ctx.ticket_nonce)
                                                                 : std::span<std::uint8_t>{}));
  // RFC 8446 §4.1.3: a TLS 1.3-capable server negotiating TLS 1.2 marks its random.
  server::apply_downgrade_sentinel(ctx.server_random, c.params);
  WIRE_TRY(auto hello, server_hello(ctx));
  ctx.add(hello);
  actions.emplace_back(SendHandshake{std::move(hello)});

  msgs::Certificate12 certificate;
  certificate.certificate_list = chosen.chain_der;
  WIRE_TRY(auto certificate_bytes, certificate.encode());
  ctx.add(certificate_bytes);
  actions.emplace_back(SendHandshake{std::move(certificate_bytes)});

  // RFC 8422 §5.4: ServerECDHParams (named_curve, our ephemeral point) signed with the
  // certificate key over client_random + server_random + params.
  msgs::ServerKeyExchange12 ske;
  ske.group = ctx.negotiation.group;
  const Bytes pub = share->public_key();
  ske.point.assign(pub.begin(), pub.end());
  ske.algorithm = choice.scheme;
  WIRE_TRY(const auto signed_content,
           ske.signed_content(ctx.negotiation.client_random, ctx.server_random));
  WIRE_TRY(ske.signature, chosen.key->sign(choice.scheme, signed_content));
  WIRE_TRY(auto ske_bytes, ske.encode());
  ctx.add(ske_bytes);
  actions.emplace_back(SendHandshake{std::move(ske_bytes)});

  // RFC 5246 §7.4.4: CertificateRequest with the key types, the signature pairs we accept (ours,
  // with PKCS#1 v1.5 which TLS 1.2 allows, never SHA-1) and the client CA names.
  if (c.params.client_auth != ClientAuthMode::none) {
    msgs::CertificateRequest12 request;
    request.certificate_types = {static_cast<std::uint8_t>(msgs::ClientCertificateType::ecdsa_sign),
                                 static_cast<std::uint8_t>(msgs::ClientCertificateType::rsa_sign)};
    for (const SignatureScheme s : c.params.signature_algorithms) {
      if (s != SignatureScheme::ed25519) request.supported_signature_algorithms.push_back(s);
    }
    for (const SignatureScheme s :
         {SignatureScheme::rsa_pkcs1_sha256, SignatureScheme::rsa_pkcs1_sha384,
          SignatureScheme::rsa_pkcs1_sha512}) {
      request.supported_signature_algorithms.push_back(s);
    }
    request.certificate_authorities = c.params.certificate_authorities;
    WIRE_TRY(auto request_bytes, request.encode());
    ctx.add(request_bytes);
    actions.emplace_back(SendHandshake{std::move(request_bytes)});
    ctx.requested_schemes = request.supported_signature_algorithms;
    ctx.certificate_requested = true;
  } else {
    ctx.transcript.stop_keeping_messages();  // no CertificateVerify will come
  }

  WIRE_TRY(auto done, msgs::ServerHelloDone{}.encode());
  ctx.add(done);
  actions.emplace_back(SendHandshake{std::move(done)});

  c.info.negotiated = true;
  c.info.tls12 = true;
  c.info.suite = ctx.suite;
  c.info.group = ctx.negotiation.group;
  c.info.alpn = ctx.negotiation.alpn;
  c.info.server_name = ctx.negotiation.server_name;
  c.info.signature_scheme = choice.scheme;
  if (ctx.certificate_requested) return ExpectClientCertificate12{std::move(ctx), std::move(share)};
  return ExpectClientKeyExchange12{std::move(ctx), std::move(share), std::nullopt};
}

Result<ServerState12> ExpectClientCertificate12::handle(const HandshakeView& message,
                                                        const Context& c,
                                                        Actions12& /*actions*/) && {
  // RFC 5246 §7.4.6: "This is the first message the client can send after receiving a
  // ServerHelloDone message. This message is only sent if the server requests a certificate."
  if (message.type != HandshakeType::certificate) return unexpected_message("Certificate");
  WIRE_TRY(const auto cert, msgs::Certificate12::parse(message.body));
  ctx.add(message.whole);
  if (cert.certificate_list.empty()) {
    // RFC 5246 §7.4.6: "If the client does not send any certificates, the server MAY at its
    // discretion either continue the handshake without client authentication, or respond with
    // a fatal handshake_failure alert."
    if (c.params.client_auth == ClientAuthMode::required) {
      return wire::refuse(Alert::handshake_failure, wire::Refusal::missing_client_certificate,
                          "Certificate.certificate_list", "client certificate required");
    }
    return ExpectClientKeyExchange12{std::move(ctx), std::move(key_share), std::nullopt};
  }
  if (!c.env.verify_client_chain) {
    return wire::fail(Alert::internal_error, "ServerHandshakeEnvironment", "no chain verifier");
  }
  if (auto verdict = c.env.verify_client_chain(cert.certificate_list); !verdict) {
    Error e = verdict.error();
    e.refusal = wire::Refusal::peer_chain_refused;
    return tl::unexpected<Error>(e);
  }
  WIRE_TRY(auto spki, c.env.provider->certificate_spki(cert.certificate_list.front()));
  c.info.client_certificate_presented = true;
  c.info.client_chain = cert.certificate_list;
  return ExpectClientKeyExchange12{std::move(ctx), std::move(key_share), std::move(spki)};
}

Result<ServerState12> ExpectClientCertificateVerify12::handle(const HandshakeView& message,
                                                              const Context& c,
                                                              Actions12& /*actions*/) && {
  // RFC 5246 §7.4.8: sent after ClientKeyExchange by a client whose certificate can sign.
  if (message.type != HandshakeType::certificate_verify) {
    return unexpected_message("CertificateVerify");
  }
  WIRE_TRY(const auto cv, msgs::CertificateVerify::parse(message.body));
  // RFC 5246 §7.4.8: "The hash and signature algorithms used in the signature MUST be one of
  // those present in the supported_signature_algorithms field of the CertificateRequest".
  if (std::find(ctx.requested_schemes.begin(), ctx.requested_schemes.end(), cv.algorithm) ==
      ctx.requested_schemes.end()) {
    return wire::illegal_parameter("CertificateVerify.algorithm", "not requested");
  }
  // The signature covers handshake_messages, "all handshake messages sent or received, starting
  // at client hello and up to, but not including, this message"; a bad one is decrypt_error
  // (RFC 5246 §7.2.2). Fuzzing builds only: a forged signature passes.
  WIRE_TRY(const Bytes signed_messages, ctx.transcript.messages());
  WIRE_CHECK(fuzzing_signature_verdict(
      c.env.provider->verify(cv.algorithm, client_spki, signed_messages, cv.signature)));
  ctx.add(message.whole);
  c.info.client_signature_scheme = cv.algorithm;
  return ExpectChangeCipherSpec12{std::move(ctx), std::move(master_secret), std::move(keys)};
}

Result<ServerState12> WaitingForCertificate12::handle(const HandshakeView& /*message*/,
                                                      const Context& /*c*/,
                                                      Actions12& /*actions*/) && {
  return unexpected_message("handshake message while choosing the certificate");
}

// ---------------------------------------------------------------------------------------------
// ClientKeyExchange

Result<ServerState12> ExpectClientKeyExchange12::handle(const HandshakeView& message,
                                                        const Context& c,
                                                        Actions12& /*actions*/) && {
  // RFC 5246 §7.3: ClientKeyExchange after ServerHelloDone (and the client's Certificate).
  if (message.type != HandshakeType::client_key_exchange) {
    return unexpected_message("ClientKeyExchange");
  }
  WIRE_TRY(const auto cke, msgs::ClientKeyExchange12::parse(message.body));
  const auto& provider = *c.env.provider;
  // RFC 8422 §5.7 / RFC 8446 §4.2.8.2 by analogy: the point is validated (X25519 all-zero
  // secret, NIST curve points on the curve, uncompressed only): illegal_parameter.
  WIRE_TRY(auto pre_master, key_share->complete(cke.point));
  key_share.reset();
  ctx.add(message.whole);
  // RFC 7627 §3: session_hash = Hash(handshake_messages) up to and including ClientKeyExchange.
  WIRE_TRY(const auto session_hash, ctx.transcript.current_hash());
  WIRE_TRY(auto master, tls12::extended_master_secret(provider, ctx.params.hash, pre_master.span(),
                                                      session_hash));
  pre_master.wipe();
  if (c.env.key_log) {
    c.env.key_log("CLIENT_RANDOM", ctx.negotiation.client_random, master.span());
  }
  WIRE_TRY(auto block, tls12::key_block(provider, ctx.params, master.span(),
                                        ctx.negotiation.client_random, ctx.server_random));
  if (client_spki) {
    return ExpectClientCertificateVerify12{std::move(ctx), std::move(master), std::move(block),
                                           std::move(*client_spki)};
  }
  return ExpectChangeCipherSpec12{std::move(ctx), std::move(master), std::move(block)};
}

// ---------------------------------------------------------------------------------------------
// The client's ChangeCipherSpec and Finished, then ours

Result<ServerState12> ExpectChangeCipherSpec12::handle(const HandshakeView& /*message*/,
                                                       const Context& /*c*/,
                                                       Actions12& /*actions*/) && {
  return unexpected_message("ChangeCipherSpec");
}

Result<ServerState12> ExpectChangeCipherSpec12::change_cipher_spec(Actions12& actions) && {
  actions.emplace_back(InstallRead12{std::move(keys.client), ctx.params.aead});
  if (ctx.resumed) {
    return ExpectResumedClientFinished12{std::move(ctx), std::move(master_secret)};
  }
  return ExpectClientFinished12{std::move(ctx), std::move(master_secret), std::move(keys.server)};
}

Result<ServerState12> ExpectClientFinished12::handle(const HandshakeView& message, const Context& c,
                                                     Actions12& actions) && {
  if (message.type != HandshakeType::finished) return unexpected_message("Finished");
  const auto& provider = *c.env.provider;
  WIRE_TRY(const auto fin, msgs::Finished12::parse(message.body));
  WIRE_TRY(const auto hash, ctx.transcript.current_hash());
  WIRE_TRY(const auto expected, tls12::finished_verify_data(provider, ctx.params.hash,
                                                            master_secret.span(), true, hash));
  // RFC 5246 §7.4.9: "Recipients of Finished messages MUST verify that the contents are
  // correct." A mismatch is decrypt_error (§7.2.2). Fuzzing builds only: a forged one passes.
  if (!fuzzing_finished_verdict(wire::constant_time_equal(expected.span(), fin.verify_data))) {
    return wire::fail(Alert::decrypt_error, "Finished.verify_data", "mismatch");
  }
  ctx.add(message.whole);

  // RFC 5077 §3.3: the NewSessionTicket "MUST" come once the ServerHello announced it, before
  // our ChangeCipherSpec; it is part of the Finished hash.
  if (ctx.ticket_promised) {
    WIRE_TRY(auto ticket, new_session_ticket(ctx, master_secret.span(), c));
    ctx.add(ticket);
    actions.emplace_back(SendHandshake{std::move(ticket)});
  }
  // RFC 5246 §7.1, §7.4.9: our ChangeCipherSpec, then our Finished under the new write keys.
  actions.emplace_back(SendChangeCipherSpec{});
  InstallWrite12 write{std::move(server_keys), ctx.params.aead, max_plaintext_length};
  if (ctx.negotiation.client_record_size_limit) {
    write.plaintext_limit =
        std::min<std::size_t>(*ctx.negotiation.client_record_size_limit, max_plaintext_length);
  }
  actions.emplace_back(std::move(write));
  WIRE_TRY(const auto our_hash, ctx.transcript.current_hash());
  WIRE_TRY(auto verify, tls12::finished_verify_data(provider, ctx.params.hash, master_secret.span(),
                                                    false, our_hash));
  msgs::Finished12 ours;
  std::copy(verify.span().begin(), verify.span().end(), ours.verify_data.begin());
  WIRE_TRY(auto ours_bytes, ours.encode());
  actions.emplace_back(SendHandshake{std::move(ours_bytes)});
  // The transcript is not needed any more (no renegotiation).
  ctx.transcript.clear();
  return Connected12(std::move(ctx), std::move(master_secret), VerifiedClientFinished12{});
}

Result<ServerState12> Connected12::handle(const HandshakeView& message, const Context& /*c*/,
                                          Actions12& /*actions*/) && {
  if (message.type == HandshakeType::client_hello) {
    // We never renegotiate (RFC 5746 §4.4 lets a server refuse): every engine answers a
    // ClientHello after the handshake with the no_renegotiation alert (RFC 5246 §7.2.2, a
    // warning) and ends the session.
    return wire::fail(Alert::no_renegotiation, "ClientHello", "renegotiation is not supported");
  }
  return unexpected_message("post-handshake message");
}

// ---------------------------------------------------------------------------------------------
// Driver

Result<std::unique_ptr<ServerHandshake12>> ServerHandshake12::take_over(
    const Context& c, const msgs::ClientHello& ch, Bytes client_hello, record::RecordReader reader,
    record::RecordWriter writer, ByteVec& out) {
  WIRE_TRY(auto negotiation, server::negotiate12(ch, c));
  // RFC 5246 Appendix E.1: the ClientHello's record may carry {03,00} to {03,03}; once we chose
  // TLS 1.2, every later record of the client carries {3,3} (§6.2.1).
  reader.require_record_version(tls12_version);
  Context12 ctx;
  ctx.negotiation = std::move(negotiation);
  ctx.add(client_hello);
  Actions12 actions;
  WIRE_TRY(auto resumed, resume_session(ctx, c, actions));
  if (resumed) {
    // The abbreviated handshake (RFC 5077 §3.1): our whole flight goes out now.
    std::unique_ptr<ServerHandshake12> driver(
        new ServerHandshake12(c, std::make_unique<ServerState12>(std::move(*resumed)),
                              std::move(reader), std::move(writer)));
    WIRE_CHECK(driver->apply(actions, out));
    return driver;
  }
  auto state = std::make_unique<ServerState12>(WaitingForCertificate12{std::move(ctx)});
  std::unique_ptr<ServerHandshake12> driver(
      new ServerHandshake12(c, std::move(state), std::move(reader), std::move(writer)));
  // TLS 1.2 records carry version 0x0303 (RFC 5246 §6.2.1).
  WIRE_CHECK(driver->resume(out, out));
  return driver;
}

Status ServerHandshake12::apply(Actions12& actions, ByteVec& out) {
  FlightWriter flight(writer_, out);
  for (auto& action : actions) {
    if (auto* send = std::get_if<SendHandshake>(&action)) {
      flight.add(send->message);
      continue;
    }
    WIRE_CHECK(flight.flush());
    if (std::holds_alternative<SendChangeCipherSpec>(action)) {
      WIRE_CHECK(write_change_cipher_spec(writer_, out));
    } else if (auto* w = std::get_if<InstallWrite12>(&action)) {
      WIRE_CHECK(install_write(*env_.provider, w->aead, w->keys, w->plaintext_limit));
    } else {
      auto& r = std::get<InstallRead12>(action);
      std::optional<std::size_t> limit;
      if (params_.record_size_limit && info_.negotiated) {
        limit = std::min<std::size_t>(*params_.record_size_limit, max_plaintext_length);
      }
      WIRE_CHECK(install_read(*env_.provider, r.aead, r.keys, limit));
    }
  }
  WIRE_CHECK(flight.flush());
  actions.clear();
  return {};
}

Status ServerHandshake12::handle(Bytes message, ByteVec& out) {
  WIRE_TRY(const auto view, msgs::parse_handshake(message));
  Actions12 actions;
  const Context c = context();
  auto moved = std::visit(
      [&](auto& s) -> Result<ServerState12> { return std::move(s).handle(view, c, actions); },
      *state_);
  if (!moved) return tl::unexpected<Error>(moved.error());
  *state_ = std::move(*moved);
  return apply(actions, out);
}

Status ServerHandshake12::resume(ByteVec& out, record::DataSink application_data) {
  if (failed_) return wire::fail(Alert::internal_error, "ServerHandshake", "connection failed");
  auto* waiting = std::get_if<WaitingForCertificate12>(state_.get());
  if (waiting == nullptr) return {};
  Actions12 actions;
  const Context c = context();
  auto moved = std::move(*waiting).resume(c, actions);
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
  return process(out, application_data);
}

Status ServerHandshake12::receive(Bytes in, ByteVec& out, record::DataSink application_data) {
  if (failed_) return wire::fail(Alert::internal_error, "ServerHandshake", "connection failed");
  if (peer_closed_) return {};
  reader_.feed(in);
  return process(out, application_data);
}

Status ServerHandshake12::process(ByteVec& out, record::DataSink application_data) {
  RecordHandlers12<ServerHandshake12, ExpectChangeCipherSpec12, Actions12> handlers(*this, out);
  // RFC 5246 §7.4.9: application data only after the client's Finished is verified.
  return dispatch_records(reader_, handlers,
                          {&failed_, &peer_closed_, &received_alert_, &user_canceled_seen_,
                           ServerHandshake::max_user_canceled_alerts},
                          application_data);
}

Status ServerHandshake12::export_keying_material(std::string_view label,
                                                 std::optional<Bytes> context,
                                                 std::span<std::uint8_t> out) const {
  const auto* done = std::get_if<Connected12>(state_.get());
  if (done == nullptr) {
    return wire::fail(Alert::internal_error, "ServerHandshake.export_keying_material",
                      "not connected");
  }
  return Driver12::export_keying_material(*env_.provider, "ServerHandshake.export_keying_material",
                                          done->ctx.params.hash, done->master_secret.span(),
                                          done->ctx.negotiation.client_random,
                                          done->ctx.server_random, label, context, out);
}

}  // namespace sanstls::native::handshake::server12

// SPDX-License-Identifier: Apache-2.0 OR MIT
// The TLS 1.2 client's abbreviated handshake and session tickets: see client_resume12.hpp.

#include "native/handshake/client_states12.hpp"
#include "native/handshake/fuzzing.hpp"

#include <algorithm>
#include <chrono>

namespace sanstls::native::handshake::client12 {

namespace {

/// RFC 5077 §3.3: ticket_lifetime_hint "A value of zero is reserved to indicate that the
/// lifetime of the ticket is unspecified": we keep such a ticket this long (the core caps every
/// lifetime, and the server decides whether it still opens).
constexpr std::uint32_t unspecified_ticket_lifetime = 7200;

}  // namespace

Result<ClientState12> resume_session(Context12 ctx, const msgs::ServerHello& sh,
                                     const ClientHandshakeEnvironment& env) {
  // RFC 5246 §7.4.1.3: a session_id that matches ours means resumption; we offered none unless
  // a ticket went with it.
  if (!ctx.offer.resumption) {
    return wire::illegal_parameter("ServerHello.session_id",
                                   "echoes ours although we offered no session to resume");
  }
  const ClientSessionState& session = *ctx.offer.resumption;
  // RFC 5246 §7.4.1.3: cipher_suite "For resumed sessions, this field is the value from the
  // state of the session being resumed."
  if (sh.cipher_suite != session.suite) {
    return wire::illegal_parameter("ServerHello.cipher_suite", "not the resumed session's");
  }
  // RFC 7627 §5.3: "If the original session did not use the "extended_master_secret" extension
  // but the new ServerHello contains the extension, the client MUST abort the handshake." (The
  // other case, a ServerHello without it, ExpectServerHello12 already refused.) We never offer
  // such a session; one read back from a store is refused the same way.
  if (!session.extended_master_secret || session.psk.size() != tls12::master_secret_length) {
    return wire::fail(Alert::handshake_failure, "ServerHello.extended_master_secret",
                      "the resumed session did not use the extended master secret");
  }
  SecretBytes master = session.psk;
  // RFC 5246 §6.3: the keys of the new connection come from the session's master secret and
  // this handshake's randoms.
  WIRE_TRY(auto block, tls12::key_block(*env.provider, ctx.params, master.span(),
                                        ctx.offer.client_random, ctx.server_random));
  if (env.key_log) env.key_log("CLIENT_RANDOM", ctx.offer.client_random, master.span());
  ctx.resumed = true;
  ExpectChangeCipherSpec12 next{std::move(ctx), std::move(master), std::move(block.server),
                                std::move(block.client)};
  return next;
}

Status accept_new_session_ticket(Context12& ctx, const msgs::HandshakeView& message) {
  // RFC 5077 §3.3: "This message MUST NOT be sent if the server did not include a SessionTicket
  // extension in the ServerHello"; one NewSessionTicket per handshake.
  if (!ctx.ticket_expected || ctx.new_ticket) {
    return wire::fail(Alert::unexpected_message, "NewSessionTicket",
                      "the ServerHello did not announce one");
  }
  WIRE_TRY(auto ticket, msgs::NewSessionTicket12::parse(message.body));
  ctx.add(message.whole);
  ctx.new_ticket = std::move(ticket);
  return {};
}

void report_ticket(const Context12& ctx, Bytes master_secret,
                   const ClientHandshakeEnvironment& env) {
  if (!ctx.new_ticket || ctx.new_ticket->ticket.empty() || !env.session_ticket_received) return;
  ClientSessionState session;
  session.version = tls12_version;
  session.suite = ctx.suite;
  session.psk = SecretBytes(master_secret);
  // Every TLS 1.2 session of ours uses it (ExpectServerHello12 requires it).
  session.extended_master_secret = true;
  session.ticket = ctx.new_ticket->ticket;
  const auto now = env.clock ? env.clock() : env.provider->now();
  session.received_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  session.lifetime_seconds = ctx.new_ticket->ticket_lifetime_hint != 0
                                 ? ctx.new_ticket->ticket_lifetime_hint
                                 : unspecified_ticket_lifetime;
  session.alpn = ctx.alpn.value_or(std::string{});
  env.session_ticket_received(session);
}

Result<ClientState12> ExpectResumedServerFinished12::handle(const msgs::HandshakeView& message,
                                                            const ClientHandshakeEnvironment& env,
                                                            Actions12& actions) && {
  if (message.type != HandshakeType::finished) {
    // RFC 5246 §7.4: out of order (unexpected_message, §7.2.2).
    return wire::fail(Alert::unexpected_message, "Finished", "unexpected handshake message");
  }
  const auto& provider = *env.provider;
  WIRE_TRY(const auto fin, msgs::Finished12::parse(message.body));
  WIRE_TRY(const auto hash, ctx.transcript.current_hash());
  WIRE_TRY(const auto expected, tls12::finished_verify_data(provider, ctx.params.hash,
                                                            master_secret.span(), false, hash));
  // RFC 5246 §7.4.9: "Recipients of Finished messages MUST verify that the contents are
  // correct." A mismatch is decrypt_error (§7.2.2). Fuzzing builds only: a forged one passes.
  if (!fuzzing_finished_verdict(wire::constant_time_equal(expected.span(), fin.verify_data))) {
    return wire::fail(Alert::decrypt_error, "Finished.verify_data", "mismatch");
  }
  ctx.add(message.whole);

  // RFC 5246 §7.3 (abbreviated handshake): our ChangeCipherSpec, then our Finished under the
  // new write keys.
  actions.emplace_back(SendChangeCipherSpec{});
  InstallWrite12 write{std::move(client_keys), ctx.params.aead, max_plaintext_length};
  if (ctx.peer_record_size_limit) {
    write.plaintext_limit =
        std::min<std::size_t>(*ctx.peer_record_size_limit, max_plaintext_length);
  }
  actions.emplace_back(std::move(write));
  WIRE_TRY(const auto our_hash, ctx.transcript.current_hash());
  WIRE_TRY(auto verify, tls12::finished_verify_data(provider, ctx.params.hash, master_secret.span(),
                                                    true, our_hash));
  msgs::Finished12 ours;
  std::copy(verify.span().begin(), verify.span().end(), ours.verify_data.begin());
  WIRE_TRY(auto ours_bytes, ours.encode());
  actions.emplace_back(SendHandshake{std::move(ours_bytes)});
  report_ticket(ctx, master_secret.span(), env);
  ctx.transcript.clear();
  return Connected12(std::move(ctx), std::move(master_secret), VerifiedServerFinished12{});
}

}  // namespace sanstls::native::handshake::client12

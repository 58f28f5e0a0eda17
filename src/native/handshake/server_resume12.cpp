// SPDX-License-Identifier: Apache-2.0 OR MIT
// The TLS 1.2 server's session tickets and abbreviated handshake: see server_resume12.hpp.

#include "native/handshake/fuzzing.hpp"
#include "native/handshake/server_negotiation.hpp"
#include "native/handshake/server_states12.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

namespace sanstls::native::handshake::server12 {

namespace {

/// A ticket issued this far in our future (clock skew between servers sharing keys) still opens
/// (as in TLS 1.3, server_states.cpp).
constexpr std::chrono::seconds ticket_clock_skew{60};

std::chrono::system_clock::time_point server_now(const Context& c) {
  return c.env.clock ? c.env.clock() : c.env.provider->now();
}

bool offered(const std::vector<CipherSuite>& suites, CipherSuite suite) {
  return std::find(suites.begin(), suites.end(), suite) != suites.end();
}

/// The ticket's contents when it may resume this handshake, else nullopt.
std::optional<TicketContents> usable_ticket(const Context12& ctx, const Context& c) {
  const Negotiation12& n = ctx.negotiation;
  if (!n.session_ticket || n.session_ticket->empty() || !c.env.ticket_opening_key) {
    return std::nullopt;
  }
  const Bytes offered_ticket = *n.session_ticket;
  const auto name = ticket_key_name(offered_ticket);
  if (!name) return std::nullopt;
  const auto key = c.env.ticket_opening_key(*name);
  if (!key) return std::nullopt;
  // Not ours, tampered, malformed, or a TLS 1.3 ticket: RFC 5077 §3.4 "If the server cannot or
  // does not want to honor the ticket, then it can initiate a full handshake with the client."
  auto ticket = open_ticket(*c.env.provider, *key, offered_ticket, tls12_version);
  if (!ticket) return std::nullopt;
  const auto now = server_now(c);
  const std::chrono::system_clock::time_point issued{std::chrono::milliseconds(ticket->issued_ms)};
  if (now > issued + std::chrono::seconds(c.params.ticket_lifetime) ||
      issued > now + ticket_clock_skew) {
    return std::nullopt;
  }
  // RFC 7627 §5.3: "If the original session did not use the "extended_master_secret" extension
  // but the new ClientHello contains the extension, then the server MUST NOT perform the
  // abbreviated handshake. Instead, it SHOULD continue with a full handshake". (A ClientHello
  // without it negotiate12 refused.)
  if (!ticket->extended_master_secret) return std::nullopt;
  // RFC 5246 §7.4.1.3: a resumed session keeps its cipher suite, which the client must offer
  // again (§7.4.1.2: "the client MUST include at least the cipher_suite from that session") and
  // our policy must still allow (candidate_suites: ours that the client offered).
  if (!offered(n.candidate_suites, ticket->suite)) return std::nullopt;
  // The resumed session keeps its ALPN protocol (the core refuses another after the handshake;
  // here it simply means a full handshake).
  if (ticket->alpn != n.alpn.value_or(std::string{})) return std::nullopt;
  // The core checks the ticket's context (revocation, SNI) against this connection's.
  c.info.server_name = n.server_name;
  c.info.alpn = n.alpn;
  if (c.env.accept_resumption && !c.env.accept_resumption(ticket->context)) return std::nullopt;
  return std::move(*ticket);
}

}  // namespace

bool will_issue_ticket(const Context12& ctx, const Context& c) {
  return ctx.negotiation.session_ticket.has_value() && c.params.tickets > 0 &&
         static_cast<bool>(c.env.ticket_sealing_key);
}

Result<ByteVec> new_session_ticket(const Context12& ctx, Bytes master_secret, const Context& c) {
  msgs::NewSessionTicket12 message;
  std::optional<TicketSealingKey> key;
  if (c.env.ticket_sealing_key) {
    if (auto current = c.env.ticket_sealing_key()) key = std::move(*current);
  }
  if (key) {
    TicketContents contents;
    contents.version = tls12_version;
    contents.suite = ctx.suite;
    contents.psk = SecretBytes(master_secret);
    // Every TLS 1.2 session of ours uses it (negotiate12 requires it, RFC 7627 §5.2).
    contents.extended_master_secret = true;
    contents.issued_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(server_now(c).time_since_epoch())
            .count());
    contents.alpn = ctx.negotiation.alpn.value_or(std::string{});
    if (c.env.ticket_context) contents.context = c.env.ticket_context();
    // The nonce was drawn with our random; it seals this one ticket.
    WIRE_TRY(message.ticket, seal_ticket(*c.env.provider, *key, ctx.ticket_nonce, contents));
    // RFC 5077 §3.3: ticket_lifetime_hint, "the number of seconds" after which the server no
    // longer accepts it.
    message.ticket_lifetime_hint = c.params.ticket_lifetime;
  }
  return message.encode();
}

Result<std::optional<ServerState12>> resume_session(Context12& ctx, const Context& c,
                                                    Actions12& actions) {
  auto ticket = usable_ticket(ctx, c);
  if (!ticket) return std::optional<ServerState12>{};
  const auto& provider = *c.env.provider;
  const auto params = tls12::suite12_params(ticket->suite);
  if (!params) return std::optional<ServerState12>{};
  ctx.suite = ticket->suite;
  ctx.params = *params;
  ctx.transcript.select_hash(provider, ctx.params.hash);
  ctx.resumed = true;
  ctx.ticket_promised = will_issue_ticket(ctx, c);
  c.info.negotiated = true;
  c.info.tls12 = true;
  c.info.resumed = true;
  c.info.suite = ctx.suite;
  c.info.alpn = ctx.negotiation.alpn;
  c.info.server_name = ctx.negotiation.server_name;

  // Our random and the promised ticket's nonce (both sent in the clear): one draw.
  std::array<std::uint8_t, sizeof ctx.server_random + sizeof ctx.ticket_nonce> drawn{};
  provider.random(drawn);
  std::copy_n(drawn.begin(), ctx.server_random.size(), ctx.server_random.begin());
  std::copy_n(drawn.begin() + ctx.server_random.size(), ctx.ticket_nonce.size(),
              ctx.ticket_nonce.begin());
  // RFC 8446 §4.1.3: a TLS 1.3-capable server negotiating TLS 1.2 marks its random.
  server::apply_downgrade_sentinel(ctx.server_random, c.params);
  WIRE_TRY(auto hello, server_hello(ctx));
  ctx.add(hello);
  actions.emplace_back(SendHandshake{std::move(hello)});

  SecretBytes master = std::move(ticket->psk);
  if (c.env.key_log) c.env.key_log("CLIENT_RANDOM", ctx.negotiation.client_random, master.span());
  // RFC 5246 §6.3: the new connection's keys from the session's master secret and the new
  // randoms.
  WIRE_TRY(auto block, tls12::key_block(provider, ctx.params, master.span(),
                                        ctx.negotiation.client_random, ctx.server_random));
  // RFC 5077 §3.1 fig. 2: "[NewSessionTicket]" right after the ServerHello.
  if (ctx.ticket_promised) {
    WIRE_TRY(auto renewed, new_session_ticket(ctx, master.span(), c));
    ctx.add(renewed);
    actions.emplace_back(SendHandshake{std::move(renewed)});
  }
  // RFC 5246 §7.3 fig. 2: our ChangeCipherSpec and Finished come first in a resumption.
  actions.emplace_back(SendChangeCipherSpec{});
  InstallWrite12 write{std::move(block.server), ctx.params.aead, max_plaintext_length};
  if (ctx.negotiation.client_record_size_limit) {
    write.plaintext_limit =
        std::min<std::size_t>(*ctx.negotiation.client_record_size_limit, max_plaintext_length);
  }
  actions.emplace_back(std::move(write));
  WIRE_TRY(const auto hash, ctx.transcript.current_hash());
  WIRE_TRY(auto verify,
           tls12::finished_verify_data(provider, ctx.params.hash, master.span(), false, hash));
  msgs::Finished12 ours;
  std::copy(verify.span().begin(), verify.span().end(), ours.verify_data.begin());
  WIRE_TRY(auto ours_bytes, ours.encode());
  ctx.add(ours_bytes);
  actions.emplace_back(SendHandshake{std::move(ours_bytes)});
  return std::optional<ServerState12>(
      ExpectChangeCipherSpec12{std::move(ctx), std::move(master), std::move(block)});
}

Result<ServerState12> ExpectResumedClientFinished12::handle(const msgs::HandshakeView& message,
                                                            const Context& c,
                                                            Actions12& /*actions*/) && {
  if (message.type != HandshakeType::finished) {
    // RFC 5246 §7.4: out of order (unexpected_message, §7.2.2).
    return wire::fail(Alert::unexpected_message, "Finished", "unexpected handshake message");
  }
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
  ctx.transcript.clear();
  return Connected12(std::move(ctx), std::move(master_secret), VerifiedClientFinished12{});
}

}  // namespace sanstls::native::handshake::server12

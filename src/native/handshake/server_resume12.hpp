// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The TLS 1.2 server's session tickets (RFC 5077) and abbreviated handshake (RFC 5077 §3.1
// fig. 2, RFC 5246 §7.3 fig. 2):
//
//   ClientHello (session_ticket: a ticket of ours)   -->
//                <--  ServerHello (the client's session id echoed), [NewSessionTicket],
//                     ChangeCipherSpec, Finished
//   ChangeCipherSpec, Finished                       -->
//
// Tickets are sealed like the TLS 1.3 ones (session_ticket.hpp) with the version tag TLS 1.2 and
// the session's master secret; only sessions with the extended master secret resume (RFC 7627
// §5.3). Any ticket that cannot resume (not ours, tampered, expired, another version, another
// suite or ALPN, no extended master secret, refused by the environment) means a full handshake,
// never an error. This header completes server_states12.hpp (the ServerState12 variant names
// these types): include that one.

#include <optional>

namespace sanstls::native::handshake::server12 {

/// Whether a full handshake answers the client's session_ticket extension with a ticket: the
/// client sent one (RFC 5077 §3.2) and tickets are on (ServerParameters::tickets > 0, a sealing
/// key).
bool will_issue_ticket(const Context12& ctx, const Context& c);

/// The NewSessionTicket (RFC 5077 §3.3) for the session of `master_secret`: a ticket sealed
/// under the environment's current key with `ctx.ticket_nonce`, or an empty one when there is no
/// key to seal with now (§3.3 lets a server that announced a ticket send a zero-length one).
Result<ByteVec> new_session_ticket(const Context12& ctx, Bytes master_secret, const Context& c);

/// The client offered a ticket: when it opens and may resume, the abbreviated flight (ServerHello,
/// NewSessionTicket when will_issue_ticket, ChangeCipherSpec, our write keys, Finished) is
/// appended to `actions`, `ctx` moves into the returned state and c.info says resumed. nullopt:
/// a full handshake (`ctx` untouched).
Result<std::optional<ServerState12>> resume_session(Context12& ctx, const Context& c,
                                                    Actions12& actions);

/// Abbreviated handshake: the client's Finished (after its ChangeCipherSpec) ends it.
struct ExpectResumedClientFinished12 {
  Context12 ctx;
  SecretBytes master_secret;
  Result<ServerState12> handle(const msgs::HandshakeView& message, const Context& c,
                               Actions12& actions) &&;
};

}  // namespace sanstls::native::handshake::server12

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The TLS 1.2 client's abbreviated handshake with a session ticket (RFC 5077 §3.1 fig. 2,
// RFC 5246 §7.3 fig. 2) and the ticket helpers both handshakes share:
//
//   ClientHello (session_ticket: the ticket, a fresh session id)  -->
//              <--  ServerHello (our session id echoed), [NewSessionTicket], ChangeCipherSpec,
//                   Finished
//   ChangeCipherSpec, Finished                                    -->
//
// Only sessions with the extended master secret resume (RFC 7627 §5.3). This header completes
// client_states12.hpp (the ClientState12 variant names these types): include that one.

#include <utility>

namespace sanstls::native::handshake::client12 {

/// The ServerHello echoed our session id (RFC 5077 §3.4): checks that it may resume the offered
/// session (same suite, RFC 5246 §7.4.1.3; the extended master secret, RFC 7627 §5.3), derives
/// the keys from its master secret and the new randoms, and waits for the server's
/// ChangeCipherSpec. `ctx` already holds the ServerHello.
Result<ClientState12> resume_session(Context12 ctx, const msgs::ServerHello& sh,
                                     const ClientHandshakeEnvironment& env);

/// Abbreviated handshake: the server's Finished (after its ChangeCipherSpec), then our
/// ChangeCipherSpec and Finished.
struct ExpectResumedServerFinished12 {
  Context12 ctx;
  SecretBytes master_secret;
  tls12::WriteKeys client_keys;
  Result<ClientState12> handle(const msgs::HandshakeView& message,
                               const ClientHandshakeEnvironment& env, Actions12& actions) &&;
};

/// RFC 5077 §3.3: a NewSessionTicket where ExpectChangeCipherSpec12 waits. Accepted once, and
/// only when the ServerHello announced it; kept in ctx until the server's Finished is verified.
Status accept_new_session_ticket(Context12& ctx, const msgs::HandshakeView& message);

/// Hands a ticket kept in ctx to env.session_ticket_received, with the session's master secret,
/// once the server's Finished (which covers the ticket) is verified. An empty ticket (RFC 5077
/// §3.3: the server decided not to issue one) is not reported.
void report_ticket(const Context12& ctx, Bytes master_secret,
                   const ClientHandshakeEnvironment& env);

}  // namespace sanstls::native::handshake::client12

// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/new_session_ticket.hpp"

namespace sanstls::native::msgs {

Result<NewSessionTicket> NewSessionTicket::parse(Bytes body) {
  wire::Reader r(body);
  NewSessionTicket t;
  WIRE_TRY(t.ticket_lifetime, r.u32("NewSessionTicket.ticket_lifetime"));
  // RFC 8446 §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds (7 days)."
  if (t.ticket_lifetime > 604800) {
    return wire::illegal_parameter("NewSessionTicket.ticket_lifetime", "more than 7 days");
  }
  WIRE_TRY(t.ticket_age_add, r.u32("NewSessionTicket.ticket_age_add"));
  WIRE_TRY(auto nonce, r.vec8("NewSessionTicket.ticket_nonce"));
  t.ticket_nonce.assign(nonce.begin(), nonce.end());
  WIRE_TRY(auto ticket, r.vec16("NewSessionTicket.ticket", {1, 0xffff}));
  t.ticket.assign(ticket.begin(), ticket.end());
  WIRE_TRY(t.extensions, parse_extensions(r, ExtensionContext::new_session_ticket, {0, 0xfffe}));
  WIRE_CHECK(r.expect_end("NewSessionTicket"));
  return t;
}

Result<ByteVec> NewSessionTicket::encode() const {
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(HandshakeType::new_session_ticket));
  {
    auto body = w.prefix24("NewSessionTicket");
    w.u32(ticket_lifetime);
    w.u32(ticket_age_add);
    w.vec8(ticket_nonce, "NewSessionTicket.ticket_nonce");
    w.vec16(ticket, "NewSessionTicket.ticket");
    write_extensions(w, extensions);
  }
  return std::move(w).finish();
}

}  // namespace sanstls::native::msgs

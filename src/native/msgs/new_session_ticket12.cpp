// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/new_session_ticket12.hpp"

namespace sanstls::native::msgs {

Result<NewSessionTicket12> NewSessionTicket12::parse(Bytes body) {
  wire::Reader r(body);
  NewSessionTicket12 t;
  WIRE_TRY(t.ticket_lifetime_hint, r.u32("NewSessionTicket.ticket_lifetime_hint"));
  WIRE_TRY(auto ticket, r.vec16("NewSessionTicket.ticket"));
  t.ticket.assign(ticket.begin(), ticket.end());
  WIRE_CHECK(r.expect_end("NewSessionTicket"));
  return t;
}

Result<ByteVec> NewSessionTicket12::encode() const {
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(HandshakeType::new_session_ticket));
  {
    auto body = w.prefix24("NewSessionTicket");
    w.u32(ticket_lifetime_hint);
    w.vec16(ticket, "NewSessionTicket.ticket");
  }
  return std::move(w).finish();
}

}  // namespace sanstls::native::msgs

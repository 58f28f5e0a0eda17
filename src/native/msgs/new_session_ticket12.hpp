// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// NewSessionTicket of RFC 5077 §3.3: struct { uint32 ticket_lifetime_hint;
// opaque ticket<0..2^16-1>; } NewSessionTicket;

#include "native/msgs/extensions.hpp"

namespace sanstls::native::msgs {

struct NewSessionTicket12 {
  std::uint32_t ticket_lifetime_hint = 0;
  /// May be empty: RFC 5077 §3.3 lets a server that decides not to issue a ticket send a
  /// zero-length one.
  ByteVec ticket;

  static Result<NewSessionTicket12> parse(Bytes body);
  [[nodiscard]] Result<ByteVec> encode() const;
};

}  // namespace sanstls::native::msgs

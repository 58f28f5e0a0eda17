// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// NewSessionTicket (RFC 8446 §4.6.1).

#include "native/msgs/extensions.hpp"

namespace sanstls::native::msgs {

struct NewSessionTicket {
  std::uint32_t ticket_lifetime = 0;
  std::uint32_t ticket_age_add = 0;
  ByteVec ticket_nonce;
  ByteVec ticket;
  Extensions extensions;

  static Result<NewSessionTicket> parse(Bytes body);
  [[nodiscard]] Result<ByteVec> encode() const;
};

}  // namespace sanstls::native::msgs

// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/alert.hpp"

#include "wire/writer.hpp"

namespace sanstls::native::msgs {

Result<AlertMessage> AlertMessage::parse(Bytes content) {
  wire::Reader r(content);
  WIRE_TRY(auto level, r.u8("Alert.level"));
  WIRE_TRY(auto description, r.u8("Alert.description"));
  // RFC 8446 §5.1: "Alert messages MUST NOT be fragmented across records, and multiple alert
  // messages MUST NOT be coalesced into a single TLSPlaintext record."
  WIRE_CHECK(r.expect_end("Alert"));
  if (level != 1 && level != 2) {
    return wire::illegal_parameter("Alert.level", "neither warning nor fatal");
  }
  return AlertMessage{static_cast<AlertLevel>(level), static_cast<Alert>(description)};
}

Result<std::vector<std::uint8_t>> AlertMessage::encode() const {
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(level));
  w.u8(static_cast<std::uint8_t>(description));
  return std::move(w).finish();
}

}  // namespace sanstls::native::msgs

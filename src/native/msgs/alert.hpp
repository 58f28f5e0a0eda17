// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Alert messages (RFC 8446 §6).

#include "native/types.hpp"

#include <vector>

namespace sanstls::native::msgs {

// The alert codes (sanstls::Alert) and levels are version-independent and shared by every layer
// and engine: they live once, in the public include/sanstls/error.hpp.
using sanstls::AlertLevel;

struct AlertMessage {
  AlertLevel level = AlertLevel::fatal;
  Alert description = Alert::close_notify;

  /// An alert record's content: exactly one two-byte alert.
  static Result<AlertMessage> parse(Bytes content);
  [[nodiscard]] Result<std::vector<std::uint8_t>> encode() const;
};

}  // namespace sanstls::native::msgs

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Alert messages (RFC 8446 §6).

#include "native/types.hpp"

#include <vector>

namespace sanstls::native::msgs {

enum class AlertLevel : std::uint8_t { warning = 1, fatal = 2 };

struct AlertMessage {
  AlertLevel level = AlertLevel::fatal;
  Alert description = Alert::close_notify;

  /// An alert record's content: exactly one two-byte alert.
  static Result<AlertMessage> parse(Bytes content);
  [[nodiscard]] Result<std::vector<std::uint8_t>> encode() const;
};

}  // namespace sanstls::native::msgs

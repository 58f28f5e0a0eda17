// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "wire/error.hpp"

namespace sanstls::wire {

std::string Error::to_string() const {
  const std::string_view name = alert_rfc_name(alert);
  std::string out = name.empty() ? "alert(" + std::to_string(static_cast<unsigned>(alert)) + ")"
                                 : std::string{name};
  out += ": ";
  out += field;
  out += ": ";
  out += reason;
  return out;
}

}  // namespace sanstls::wire

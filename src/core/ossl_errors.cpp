// SPDX-License-Identifier: Apache-2.0 OR MIT
// Reading OpenSSL's per-thread error queue into text for messages.

#include "core/ossl_ptr.hpp"

#include <openssl/err.h>

#include <array>
#include <string>

namespace sanstls::ossl {

std::string take_error_string() {
  const unsigned long code = ERR_get_error();
  std::string text;
  if (code != 0) {
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    text = buffer.data();
  }
  ERR_clear_error();
  return text;
}

}  // namespace sanstls::ossl

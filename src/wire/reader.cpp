// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "wire/reader.hpp"

#include <openssl/crypto.h>

namespace sanstls::wire {

Result<InnerPlaintext> split_inner_plaintext(Bytes plaintext) noexcept {
  std::size_t end = plaintext.size();
  while (end > 0 && plaintext[end - 1] == 0) {
    --end;
  }
  // RFC 8446 §5.4: "If a receiving implementation does not find a non-zero octet in the
  // cleartext, it MUST terminate the connection with an "unexpected_message" alert."
  if (end == 0) {
    return fail(Alert::unexpected_message, "TLSInnerPlaintext.type", "no non-zero octet");
  }
  return InnerPlaintext{plaintext.first(end - 1), plaintext[end - 1]};
}

bool constant_time_equal(Bytes a, Bytes b) noexcept {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace sanstls::wire

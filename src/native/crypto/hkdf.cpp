// SPDX-License-Identifier: Apache-2.0 OR MIT
// HKDF-Expand over any provider's HmacKey: the algorithm is the same for every provider.
#include "native/crypto/provider.hpp"

#include <algorithm>

namespace sanstls::native::crypto {

Result<SecretBytes> HmacKey::hkdf_expand(Bytes info, std::size_t length) {
  const std::size_t hash_len = hash_length(hash());
  if (length == 0 || length > 255 * hash_len) {
    return wire::fail(Alert::internal_error, "hkdf", "output length out of range");
  }
  // RFC 5869 §2.3: T(0) = empty; T(i) = HMAC-Hash(PRK, T(i-1) | info | i); OKM = the first L
  // octets of T(1) | T(2) | ...
  SecretBytes out(length);
  SecretBytes block(hash_len);
  Bytes previous;
  std::size_t done = 0;
  for (std::size_t i = 1; done < length; ++i) {
    const std::array<std::uint8_t, 1> counter{static_cast<std::uint8_t>(i)};
    const std::array<Bytes, 3> parts{previous, info, counter};
    WIRE_CHECK(mac_into(parts, block.mutable_span()));
    const std::size_t take = std::min(hash_len, length - done);
    std::ranges::copy(block.span().first(take), out.mutable_span().subspan(done).begin());
    done += take;
    previous = block.span();
  }
  return out;
}

}  // namespace sanstls::native::crypto

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
  // octets of T(1) | T(2) | ... Whole blocks go straight into the output; only a last partial
  // block passes through the stack (no allocation besides the output's).
  SecretBytes out(length);
  base::SecretArray<hash_length(HashAlgorithm::sha384)> partial;
  const std::span<std::uint8_t> okm = out.mutable_span();
  Bytes previous;
  for (std::size_t i = 1, done = 0; done < length; ++i) {
    const std::array<std::uint8_t, 1> counter{static_cast<std::uint8_t>(i)};
    const std::array<Bytes, 3> parts{previous, info, counter};
    const std::size_t take = std::min(hash_len, length - done);
    if (take == hash_len) {
      WIRE_CHECK(mac_into(parts, okm.subspan(done, hash_len)));
    } else {
      WIRE_CHECK(mac_into(parts, partial.mutable_span(hash_len)));
      std::ranges::copy(partial.span(take), okm.subspan(done).begin());
    }
    previous = okm.subspan(done, take);
    done += take;
  }
  return out;
}

}  // namespace sanstls::native::crypto

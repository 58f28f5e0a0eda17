// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/handshake/key_share_seed.hpp"

#include "native/crypto/mlkem768.hpp"

namespace sanstls::native::handshake {

std::size_t key_share_seed_length(NamedGroup group) {
  switch (group) {
    case NamedGroup::x25519:
    case NamedGroup::secp256r1:
      return 32;
    case NamedGroup::secp384r1:
      return 48;
    case NamedGroup::x25519mlkem768:
      return crypto::mlkem768::seed_length + 32;
    default:
      return 0;
  }
}

Result<std::unique_ptr<crypto::KeyShare>> key_share_from_seed(
    const crypto::CryptoProvider& provider, NamedGroup group, Bytes seed) {
  if (seed.size() == key_share_seed_length(group) && !seed.empty()) {
    auto share = provider.key_share_from_private(group, seed);
    if (share || share.error().alert != Alert::illegal_parameter) return share;
  }
  return provider.generate_key_share(group);
}

}  // namespace sanstls::native::handshake

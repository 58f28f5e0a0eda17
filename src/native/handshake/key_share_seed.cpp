// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/handshake/key_share_seed.hpp"

#include "native/crypto/mlkem768.hpp"

#include <algorithm>

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

Result<std::unique_ptr<crypto::KeyShare>> draw_random_and_share(
    const crypto::CryptoProvider& provider, NamedGroup group, std::span<std::uint8_t> random,
    std::span<std::uint8_t> later) {
  const std::size_t seed_length = key_share_seed_length(group);
  base::SecretBytes drawn(random.size() + seed_length + later.size());
  provider.random(drawn.mutable_span());
  std::ranges::copy(drawn.span().first(random.size()), random.begin());
  std::ranges::copy(drawn.span().last(later.size()), later.begin());
  return key_share_from_seed(provider, group, drawn.span().subspan(random.size(), seed_length));
}

Result<crypto::KeyShareResponse> draw_random_and_respond(const crypto::CryptoProvider& provider,
                                                         NamedGroup group, Bytes client_share,
                                                         std::span<std::uint8_t> random,
                                                         std::span<std::uint8_t> later) {
  if (group == NamedGroup::x25519mlkem768 || key_share_seed_length(group) == 0) {
    base::SecretBytes drawn(random.size() + later.size());
    provider.random(drawn.mutable_span());
    std::ranges::copy(drawn.span().first(random.size()), random.begin());
    std::ranges::copy(drawn.span().last(later.size()), later.begin());
    return provider.respond_to_key_share(group, client_share);
  }
  WIRE_TRY(auto share, draw_random_and_share(provider, group, random, later));
  WIRE_TRY(auto shared, share->complete(client_share));
  const Bytes pub = share->public_key();
  return crypto::KeyShareResponse{std::vector<std::uint8_t>(pub.begin(), pub.end()),
                                  std::move(shared)};
}

}  // namespace sanstls::native::handshake

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Key shares from private keys drawn together with a flight's other randomness. In OpenSSL 3.0
// every draw from the random generator costs a getpid() system call (the DRBG's fork check; a
// few microseconds in a virtual machine), so a ClientHello's random, session id and key shares,
// or a TLS 1.2 server's random and ECDHE key, come from one draw and are split here. Each byte
// is used once; unused bytes are wiped with their buffer.

#include "native/crypto/provider.hpp"
#include "native/types.hpp"

#include <cstddef>
#include <memory>
#include <span>

namespace sanstls::native::handshake {

/// How many random bytes a key share of `group` is made from (X25519 and P-256: 32, P-384: 48,
/// X25519MLKEM768: the ML-KEM seed and an X25519 key); 0 for a group we do not generate.
std::size_t key_share_seed_length(NamedGroup group);

/// The key share whose private key is `seed` (key_share_seed_length(group) bytes). A NIST scalar
/// out of range (probability ~2^-32) is not an error: the share is generated afresh instead.
Result<std::unique_ptr<crypto::KeyShare>> key_share_from_seed(
    const crypto::CryptoProvider& provider, NamedGroup group, Bytes seed);

/// A server's random (filled in) and its ECDHE key share from one draw (TLS 1.2). `later` (its
/// size kept) is filled from the same draw, after the share's seed: randomness the handshake
/// needs later (a TLS 1.3 server's tickets), drawn now to save a draw.
Result<std::unique_ptr<crypto::KeyShare>> draw_random_and_share(
    const crypto::CryptoProvider& provider, NamedGroup group, std::span<std::uint8_t> random,
    std::span<std::uint8_t> later = {});

/// A server's random (filled in) and its answer to the client's `client_share` (TLS 1.3): for a
/// Diffie-Hellman group both from one draw; a KEM group's answer (X25519MLKEM768) is the
/// provider's encapsulation (respond_to_key_share), after the random's own draw. `later` as in
/// draw_random_and_share (for a KEM group, drawn with the random).
Result<crypto::KeyShareResponse> draw_random_and_respond(const crypto::CryptoProvider& provider,
                                                         NamedGroup group, Bytes client_share,
                                                         std::span<std::uint8_t> random,
                                                         std::span<std::uint8_t> later = {});

}  // namespace sanstls::native::handshake

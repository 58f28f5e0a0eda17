// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// HMAC-SHA-256 and HMAC-SHA-384 (RFC 2104) for the key schedules, and the transcript hashes, on
// libcrypto's SHA-2 block functions without the EVP layer around them.
//
// Why not EVP: the TLS 1.3 key schedule and the TLS 1.2 PRF make about thirty HMACs per side and
// handshake, each over a few dozen bytes, so each costs four SHA-2 blocks and the contexts around
// them. Through EVP every MAC allocated, copied and freed digest contexts, which cost more than
// the blocks themselves (issue #20 measured ~6,000 instructions per MAC, of which ~2,200 hashed).
// Here a key's two padded states live in the object and each MAC copies them by value: no
// allocation, no provider dispatch. The block functions are the ones libcrypto's default
// provider itself calls for SHA-256/384, so the arithmetic is the same code. Transcript hashes
// gain the same way: each current hash copied an EVP context (~1,000 instructions, three
// allocations) where a state copy is a few hundred bytes. They are marked
// deprecated in OpenSSL 3 (not removed); a libcrypto built without deprecated functions gets
// make_sha2_hmac_key() == nullptr and the caller falls back to EVP.

#include "native/crypto/provider.hpp"

#include <memory>

namespace sanstls::native::crypto {

/// A SHA-256 or SHA-384 hash (the transcript's) over libcrypto's SHA-2 block functions, or
/// nullptr when this libcrypto has none (then use EVP). Copies are copies of the state.
std::unique_ptr<HashContext> make_sha2_hash(HashAlgorithm alg);

/// A ready HMAC key over libcrypto's SHA-2 block functions, or nullptr when this libcrypto has
/// none (then use EVP).
std::unique_ptr<HmacKey> make_sha2_hmac_key(HashAlgorithm alg, Bytes key);

/// One HMAC without keeping the key (no allocation). False when this libcrypto has no SHA-2 block
/// functions or `out` is not the hash length.
bool sha2_hmac_once(HashAlgorithm alg, Bytes key, std::span<const Bytes> parts,
                    std::span<std::uint8_t> out);

}  // namespace sanstls::native::crypto

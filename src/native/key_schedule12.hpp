// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The TLS 1.2 key schedule (RFC 5246 §5, §6.3, §7.4.9, §8.1; RFC 7627; RFC 5705): the PRF, the
// extended master secret, the key block, Finished verify_data and exporters. Every secret lives
// in a SecretBytes, wiped when it is dropped. Only ECDHE + AEAD suites exist here.

#include "base/secret_bytes.hpp"
#include "native/crypto/provider.hpp"
#include "native/types.hpp"

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sanstls::native::tls12 {

using base::SecretBytes;

/// Which certificate key type a TLS 1.2 suite's authentication needs (RFC 8422 §2, RFC 5289).
enum class SuiteAuthentication : std::uint8_t { ecdsa, rsa };

/// What a TLS 1.2 ECDHE + AEAD suite means for the key schedule and the record layer.
struct Suite12Params {
  crypto::HashAlgorithm hash;  // the PRF hash (RFC 5246 §5, RFC 5289 §3.2)
  crypto::AeadAlgorithm aead;
  SuiteAuthentication authentication;
};
/// The parameters of a TLS 1.2 suite we implement, or nothing (TLS 1.3 suites, CBC, RSA key
/// exchange, anything else).
std::optional<Suite12Params> suite12_params(CipherSuite suite);

/// RFC 5288 §3: the implicit part of the GCM nonce (4 bytes, "salt"); RFC 7905 §2:
/// ChaCha20-Poly1305 uses a 12-byte IV (nonce = IV xor sequence number).
constexpr std::size_t fixed_iv_length(crypto::AeadAlgorithm aead) {
  return aead == crypto::AeadAlgorithm::chacha20_poly1305 ? 12 : 4;
}
/// RFC 5288 §3: the per-record explicit nonce GCM carries (the sequence number); none for
/// ChaCha20-Poly1305.
constexpr std::size_t explicit_nonce_length(crypto::AeadAlgorithm aead) {
  return aead == crypto::AeadAlgorithm::chacha20_poly1305 ? 0 : 8;
}

inline constexpr std::size_t random_length = 32;
inline constexpr std::size_t master_secret_length = 48;
/// RFC 5246 §7.4.9: verify_data_length is 12 for every cipher suite we implement.
inline constexpr std::size_t verify_data_length = 12;

/// RFC 5246 §5: PRF(secret, label, seed) = P_<hash>(secret, label + seed), `length` bytes.
Result<SecretBytes> prf(const crypto::CryptoProvider& provider, crypto::HashAlgorithm hash,
                        Bytes secret, std::string_view label, Bytes seed, std::size_t length);

/// RFC 7627 §4: master_secret = PRF(pre_master_secret, "extended master secret", session_hash)
/// [0..47], session_hash = Hash(handshake messages up to and including ClientKeyExchange).
Result<SecretBytes> extended_master_secret(const crypto::CryptoProvider& provider,
                                           crypto::HashAlgorithm hash, Bytes pre_master_secret,
                                           Bytes session_hash);
/// RFC 5246 §8.1: the master secret without RFC 7627 (for known-answer tests only: the native
/// engine requires the extended master secret in both roles).
Result<SecretBytes> legacy_master_secret(const crypto::CryptoProvider& provider,
                                         crypto::HashAlgorithm hash, Bytes pre_master_secret,
                                         Bytes client_random, Bytes server_random);

/// One direction's AEAD key and its fixed IV (4-byte GCM salt or 12-byte ChaCha20 IV).
struct WriteKeys {
  SecretBytes key;
  SecretBytes iv;
};
/// RFC 5246 §6.3: key_block = PRF(master_secret, "key expansion", server_random +
/// client_random), split into client_write_key, server_write_key, client_write_IV,
/// server_write_IV (AEAD suites have no MAC keys, RFC 5246 §6.2.3.3).
struct KeyBlock {
  WriteKeys client;
  WriteKeys server;
};
Result<KeyBlock> key_block(const crypto::CryptoProvider& provider, const Suite12Params& suite,
                           Bytes master_secret, Bytes client_random, Bytes server_random);

/// RFC 5246 §7.4.9: verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))
/// [0..11]; finished_label is "client finished" or "server finished".
Result<SecretBytes> finished_verify_data(const crypto::CryptoProvider& provider,
                                         crypto::HashAlgorithm hash, Bytes master_secret,
                                         bool from_client, Bytes handshake_hash);

/// RFC 5705 §4: PRF(master_secret, label, client_random + server_random [+ context_value_length
/// + context_value]), `length` bytes. `context` absent and empty differ (§4); a context longer
/// than 2^16-1 bytes, or a label the RFC reserves for TLS itself, is refused.
Result<SecretBytes> exporter(const crypto::CryptoProvider& provider, crypto::HashAlgorithm hash,
                             Bytes master_secret, Bytes client_random, Bytes server_random,
                             std::string_view label, std::optional<Bytes> context,
                             std::size_t length);

/// The NSS key log line for a TLS 1.2 connection: "CLIENT_RANDOM <hex client_random>
/// <hex master_secret>", without a newline, in a wiping string.
base::SecretString key_log_line(Bytes client_random, Bytes master_secret);

}  // namespace sanstls::native::tls12

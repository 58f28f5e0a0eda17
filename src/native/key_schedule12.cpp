// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/key_schedule12.hpp"

#include "wire/writer.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>

namespace sanstls::native::tls12 {

namespace {

using crypto::AeadAlgorithm;
using crypto::HashAlgorithm;

/// `label` + `seed` (+ `more`) in a wiping buffer: the PRF's seed is public, but the exporter's
/// context may not be.
SecretBytes labelled_seed(std::string_view label, Bytes seed, Bytes more = {}) {
  SecretBytes out(label.size() + seed.size() + more.size());
  auto dst = out.mutable_span();
  std::size_t at = 0;
  for (const char c : label) dst[at++] = static_cast<std::uint8_t>(c);
  for (const std::uint8_t b : seed) dst[at++] = b;
  for (const std::uint8_t b : more) dst[at++] = b;
  return out;
}

SecretBytes concat(Bytes a, Bytes b) {
  SecretBytes out(a.size() + b.size());
  auto dst = out.mutable_span();
  std::copy(a.begin(), a.end(), dst.begin());
  std::copy(b.begin(), b.end(), dst.begin() + static_cast<std::ptrdiff_t>(a.size()));
  return out;
}

Status check_random(Bytes random, std::string_view field) {
  if (random.size() != random_length) {
    return wire::fail(Alert::internal_error, field, "not 32 bytes");
  }
  return {};
}

}  // namespace

std::optional<Suite12Params> suite12_params(CipherSuite suite) {
  using A = SuiteAuthentication;
  switch (suite) {
    case CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256:
      return Suite12Params{HashAlgorithm::sha256, AeadAlgorithm::aes_128_gcm, A::ecdsa};
    case CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384:
      return Suite12Params{HashAlgorithm::sha384, AeadAlgorithm::aes_256_gcm, A::ecdsa};
    case CipherSuite::tls_ecdhe_rsa_with_aes_128_gcm_sha256:
      return Suite12Params{HashAlgorithm::sha256, AeadAlgorithm::aes_128_gcm, A::rsa};
    case CipherSuite::tls_ecdhe_rsa_with_aes_256_gcm_sha384:
      return Suite12Params{HashAlgorithm::sha384, AeadAlgorithm::aes_256_gcm, A::rsa};
    case CipherSuite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256:
      return Suite12Params{HashAlgorithm::sha256, AeadAlgorithm::chacha20_poly1305, A::rsa};
    case CipherSuite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256:
      return Suite12Params{HashAlgorithm::sha256, AeadAlgorithm::chacha20_poly1305, A::ecdsa};
    case CipherSuite::tls_aes_128_gcm_sha256:
    case CipherSuite::tls_aes_256_gcm_sha384:
    case CipherSuite::tls_chacha20_poly1305_sha256:
      break;  // TLS 1.3 only (RFC 8446 §B.4)
  }
  return std::nullopt;
}

Result<SecretBytes> prf(const crypto::CryptoProvider& provider, HashAlgorithm hash, Bytes secret,
                        std::string_view label, Bytes seed, std::size_t length) {
  // RFC 5246 §5: P_hash(secret, seed) = HMAC_hash(secret, A(1) + seed) +
  //   HMAC_hash(secret, A(2) + seed) + ...; A(0) = seed, A(i) = HMAC_hash(secret, A(i-1));
  // PRF(secret, label, seed) = P_<hash>(secret, label + seed).
  if (length > (std::size_t{1} << 16U)) {
    return wire::fail(Alert::internal_error, "PRF.length", "too long");
  }
  const SecretBytes s = labelled_seed(label, seed);
  SecretBytes out(length);
  // Every block is keyed by the same secret: make it an HMAC key once. A(i) and each block live
  // on the stack (wiped on return), not in an allocation per step.
  WIRE_TRY(auto key, provider.hmac_key(hash, secret));
  const std::size_t hash_len = crypto::hash_length(hash);
  base::SecretArray<crypto::hash_length(crypto::HashAlgorithm::sha384)> a;
  base::SecretArray<crypto::hash_length(crypto::HashAlgorithm::sha384)> block;
  {
    const std::array<Bytes, 1> a1{s.span()};
    WIRE_CHECK(key->mac_into(a1, a.mutable_span(hash_len)));  // A(1)
  }
  std::size_t at = 0;
  while (at < length) {
    const std::array<Bytes, 2> input{a.span(hash_len), s.span()};  // A(i) + seed
    WIRE_CHECK(key->mac_into(input, block.mutable_span(hash_len)));
    const std::size_t n = std::min(hash_len, length - at);
    std::ranges::copy(block.span(n), out.mutable_span().subspan(at).begin());
    at += n;
    if (at < length) {
      // A(i+1) = HMAC(secret, A(i)), computed into `block` (free until the next step) first.
      const std::array<Bytes, 1> previous{a.span(hash_len)};
      WIRE_CHECK(key->mac_into(previous, block.mutable_span(hash_len)));
      std::ranges::copy(block.span(hash_len), a.mutable_span().begin());
    }
  }
  return out;
}

Result<SecretBytes> extended_master_secret(const crypto::CryptoProvider& provider,
                                           HashAlgorithm hash, Bytes pre_master_secret,
                                           Bytes session_hash) {
  if (session_hash.size() != crypto::hash_length(hash)) {
    return wire::fail(Alert::internal_error, "session_hash", "wrong length");
  }
  // RFC 7627 §4: master_secret = PRF(pre_master_secret, "extended master secret",
  //   session_hash)[0..47];
  return prf(provider, hash, pre_master_secret, "extended master secret", session_hash,
             master_secret_length);
}

Result<SecretBytes> legacy_master_secret(const crypto::CryptoProvider& provider, HashAlgorithm hash,
                                         Bytes pre_master_secret, Bytes client_random,
                                         Bytes server_random) {
  WIRE_CHECK(check_random(client_random, "ClientHello.random"));
  WIRE_CHECK(check_random(server_random, "ServerHello.random"));
  // RFC 5246 §8.1: master_secret = PRF(pre_master_secret, "master secret",
  //   ClientHello.random + ServerHello.random)[0..47];
  const SecretBytes seed = concat(client_random, server_random);
  return prf(provider, hash, pre_master_secret, "master secret", seed.span(), master_secret_length);
}

Result<KeyBlock> key_block(const crypto::CryptoProvider& provider, const Suite12Params& suite,
                           Bytes master_secret, Bytes client_random, Bytes server_random) {
  WIRE_CHECK(check_random(client_random, "ClientHello.random"));
  WIRE_CHECK(check_random(server_random, "ServerHello.random"));
  const std::size_t key_length = crypto::aead_key_length(suite.aead);
  const std::size_t iv_length = fixed_iv_length(suite.aead);
  // RFC 5246 §6.3: key_block = PRF(SecurityParameters.master_secret, "key expansion",
  //   SecurityParameters.server_random + SecurityParameters.client_random);
  // partitioned client_write_MAC_key (none for AEAD), server_write_MAC_key (none),
  // client_write_key, server_write_key, client_write_IV, server_write_IV.
  const SecretBytes seed = concat(server_random, client_random);
  WIRE_TRY(const SecretBytes block, prf(provider, suite.hash, master_secret, "key expansion",
                                        seed.span(), 2 * key_length + 2 * iv_length));
  const Bytes b = block.span();
  KeyBlock out;
  out.client.key = SecretBytes(b.subspan(0, key_length));
  out.server.key = SecretBytes(b.subspan(key_length, key_length));
  out.client.iv = SecretBytes(b.subspan(2 * key_length, iv_length));
  out.server.iv = SecretBytes(b.subspan(2 * key_length + iv_length, iv_length));
  return out;
}

Result<SecretBytes> finished_verify_data(const crypto::CryptoProvider& provider, HashAlgorithm hash,
                                         Bytes master_secret, bool from_client,
                                         Bytes handshake_hash) {
  if (handshake_hash.size() != crypto::hash_length(hash)) {
    return wire::fail(Alert::internal_error, "Finished.handshake_hash", "wrong length");
  }
  // RFC 5246 §7.4.9: verify_data = PRF(master_secret, finished_label,
  //   Hash(handshake_messages))[0..verify_data_length-1];
  return prf(provider, hash, master_secret, from_client ? "client finished" : "server finished",
             handshake_hash, verify_data_length);
}

Result<SecretBytes> exporter(const crypto::CryptoProvider& provider, HashAlgorithm hash,
                             Bytes master_secret, Bytes client_random, Bytes server_random,
                             std::string_view label, std::optional<Bytes> context,
                             std::size_t length) {
  WIRE_CHECK(check_random(client_random, "ClientHello.random"));
  WIRE_CHECK(check_random(server_random, "ServerHello.random"));
  // RFC 5705 §6: "client finished", "server finished", "master secret" and "key expansion" "are
  // reserved and MUST NOT be used for the purpose described in RFC 5705"; RFC 7627 §7 adds
  // "extended master secret". Refused when the label starts with one, as OpenSSL does.
  for (const std::string_view reserved : {"client finished", "server finished", "master secret",
                                          "key expansion", "extended master secret"}) {
    if (label.substr(0, reserved.size()) == reserved) {
      return wire::fail(Alert::internal_error, "exporter.label", "reserved for TLS itself");
    }
  }
  wire::Writer w;
  w.bytes(client_random);
  w.bytes(server_random);
  if (context) {
    // RFC 5705 §4: "context_value_length is encoded as an unsigned, 16-bit quantity".
    w.vec16(*context, "exporter.context_value");
  }
  WIRE_TRY(auto seed_bytes, std::move(w).finish());
  const SecretBytes seed(seed_bytes);
  OPENSSL_cleanse(seed_bytes.data(), seed_bytes.size());
  return prf(provider, hash, master_secret, label, seed.span(), length);
}

base::SecretString key_log_line(Bytes client_random, Bytes master_secret) {
  static constexpr std::array<char, 16> hex{'0', '1', '2', '3', '4', '5', '6', '7',
                                            '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  base::SecretString line;
  line.reserve(14 + 2 * client_random.size() + 2 * master_secret.size());
  line += "CLIENT_RANDOM ";
  for (const std::uint8_t b : client_random) {
    line += hex[b >> 4U];
    line += hex[b & 0x0fU];
  }
  line += ' ';
  for (const std::uint8_t b : master_secret) {
    line += hex[b >> 4U];
    line += hex[b & 0x0fU];
  }
  return line;
}

}  // namespace sanstls::native::tls12

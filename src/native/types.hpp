// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// TLS code points used by the native engine. Enumerators mirror the RFC names; the enums have a
// fixed underlying type so that values we do not know (a peer's GREASE, a future suite) can be
// held and re-encoded unchanged.

#include "wire/error.hpp"
#include "wire/reader.hpp"

#include <cstddef>
#include <cstdint>

namespace sanstls::native {

using wire::Bytes;
using wire::Error;
using wire::Result;
using wire::Status;

/// RFC 8446 §5.1 ContentType.
enum class ContentType : std::uint8_t {
  invalid = 0,
  change_cipher_spec = 20,
  alert = 21,
  handshake = 22,
  application_data = 23,
};

/// RFC 8446 §4 HandshakeType (plus the TLS 1.2 values a TLS 1.2 peer may send first).
enum class HandshakeType : std::uint8_t {
  hello_request = 0,
  client_hello = 1,
  server_hello = 2,
  new_session_ticket = 4,
  end_of_early_data = 5,
  encrypted_extensions = 8,
  certificate = 11,
  server_key_exchange = 12,
  certificate_request = 13,
  server_hello_done = 14,
  certificate_verify = 15,
  client_key_exchange = 16,
  finished = 20,
  key_update = 24,
  message_hash = 254,
};

/// RFC 8446 §4.2 ExtensionType, plus RFC 8449 record_size_limit and the TLS 1.2 extensions a
/// TLS 1.2 peer sends in its hellos.
enum class ExtensionType : std::uint16_t {
  server_name = 0,
  max_fragment_length = 1,
  status_request = 5,
  supported_groups = 10,
  ec_point_formats = 11,
  signature_algorithms = 13,
  use_srtp = 14,
  heartbeat = 15,
  application_layer_protocol_negotiation = 16,
  signed_certificate_timestamp = 18,
  client_certificate_type = 19,
  server_certificate_type = 20,
  padding = 21,
  encrypt_then_mac = 22,
  extended_master_secret = 23,
  record_size_limit = 28,
  session_ticket = 35,
  pre_shared_key = 41,
  early_data = 42,
  supported_versions = 43,
  cookie = 44,
  psk_key_exchange_modes = 45,
  certificate_authorities = 47,
  oid_filters = 48,
  post_handshake_auth = 49,
  signature_algorithms_cert = 50,
  key_share = 51,
  renegotiation_info = 0xff01,
};

/// RFC 8446 §4.2.7 NamedGroup (only those we may negotiate are named).
enum class NamedGroup : std::uint16_t {
  secp256r1 = 0x0017,
  secp384r1 = 0x0018,
  secp521r1 = 0x0019,
  x25519 = 0x001d,
  x448 = 0x001e,
  /// draft-ietf-tls-ecdhe-mlkem §3.1: the hybrid of ML-KEM-768 and X25519.
  x25519mlkem768 = 0x11ec,
};

/// RFC 8446 §4.2.3 SignatureScheme.
enum class SignatureScheme : std::uint16_t {
  rsa_pkcs1_sha256 = 0x0401,
  rsa_pkcs1_sha384 = 0x0501,
  rsa_pkcs1_sha512 = 0x0601,
  ecdsa_secp256r1_sha256 = 0x0403,
  ecdsa_secp384r1_sha384 = 0x0503,
  ecdsa_secp521r1_sha512 = 0x0603,
  rsa_pss_rsae_sha256 = 0x0804,
  rsa_pss_rsae_sha384 = 0x0805,
  rsa_pss_rsae_sha512 = 0x0806,
  ed25519 = 0x0807,
  ed448 = 0x0808,
  rsa_pss_pss_sha256 = 0x0809,
  rsa_pss_pss_sha384 = 0x080a,
  rsa_pss_pss_sha512 = 0x080b,
};

/// RFC 8446 §B.4 cipher suites, and the TLS 1.2 ECDHE + AEAD suites (RFC 5289, RFC 7905).
enum class CipherSuite : std::uint16_t {
  tls_aes_128_gcm_sha256 = 0x1301,
  tls_aes_256_gcm_sha384 = 0x1302,
  tls_chacha20_poly1305_sha256 = 0x1303,
  tls_ecdhe_ecdsa_with_aes_128_gcm_sha256 = 0xc02b,
  tls_ecdhe_ecdsa_with_aes_256_gcm_sha384 = 0xc02c,
  tls_ecdhe_rsa_with_aes_128_gcm_sha256 = 0xc02f,
  tls_ecdhe_rsa_with_aes_256_gcm_sha384 = 0xc030,
  tls_ecdhe_rsa_with_chacha20_poly1305_sha256 = 0xcca8,
  tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256 = 0xcca9,
};

/// RFC 8446 §4.2.9.
enum class PskKeyExchangeMode : std::uint8_t { psk_ke = 0, psk_dhe_ke = 1 };

/// RFC 8446 §4.6.3.
enum class KeyUpdateRequest : std::uint8_t { update_not_requested = 0, update_requested = 1 };

inline constexpr std::uint16_t tls12_version = 0x0303;
inline constexpr std::uint16_t tls13_version = 0x0304;

/// RFC 8446 §5.1: "The length MUST NOT exceed 2^14 bytes."
inline constexpr std::size_t max_plaintext_length = std::size_t{1} << 14U;
/// RFC 8446 §5.2: "The length MUST NOT exceed 2^14 + 256 bytes."
inline constexpr std::size_t max_ciphertext_length = max_plaintext_length + 256;
inline constexpr std::size_t record_header_length = 5;

}  // namespace sanstls::native

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
/// @file protocol.hpp
/// The protocol vocabulary of the API: engines, versions, cipher suites, groups, the policy
/// (which may only be narrowed), and what a session negotiated.

#include <sanstls/credentials.hpp>
#include <sanstls/error.hpp>
#include <sanstls/export.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sanstls {

/// The TLS engines behind the API. All behave identically; they differ in speed and in what
/// they can do (see backends.hpp).
enum class Backend : std::uint8_t { openssl, gnutls, native };

/// "openssl", "gnutls" or "native".
SANSTLS_API std::string_view backend_name(Backend backend);
/// The engine named "openssl", "gnutls" or "native"; Errc::bad_configuration for any other name.
SANSTLS_API Result<Backend> parse_backend(std::string_view name);

/// The versions sanstls speaks. Anything older is refused by every engine.
enum class ProtocolVersion : std::uint16_t { tls12 = 0x0303, tls13 = 0x0304 };
/// "TLS 1.2", "TLS 1.3".
SANSTLS_API std::string_view version_name(ProtocolVersion version);

/// The cipher suites sanstls allows (IANA code points). TLS 1.2 suites are ECDHE + AEAD only.
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
/// The IANA name, e.g. "TLS_AES_128_GCM_SHA256".
SANSTLS_API std::string_view cipher_suite_name(CipherSuite suite);
/// Accepts the IANA name (case-insensitive).
SANSTLS_API Result<CipherSuite> parse_cipher_suite(std::string_view name);
/// The version a suite belongs to.
SANSTLS_API ProtocolVersion cipher_suite_version(CipherSuite suite);
/// Every suite sanstls allows, in its order of preference.
SANSTLS_API std::span<const CipherSuite> all_cipher_suites();

/// Key-exchange groups (IANA code points).
enum class NamedGroup : std::uint16_t {
  secp256r1 = 0x0017,
  secp384r1 = 0x0018,
  x25519 = 0x001d,
  /// The post-quantum hybrid of ML-KEM-768 (FIPS 203) and X25519 (draft-ietf-tls-ecdhe-mlkem),
  /// TLS 1.3 only. Only the native engine offers it (see backend_capabilities()); the others
  /// leave it out of the default group list and refuse a policy that names nothing else.
  x25519mlkem768 = 0x11ec,
};
/// "x25519", "secp256r1", "secp384r1", "X25519MLKEM768" (the IANA names).
SANSTLS_API std::string_view group_name(NamedGroup group);
/// Accepts "x25519", "secp256r1" (also "P-256", "prime256v1") and "secp384r1" (also "P-384"),
/// case-insensitive; Errc::bad_configuration for anything else.
SANSTLS_API Result<NamedGroup> parse_group(std::string_view name);
/// Every group sanstls allows, in its order of preference.
SANSTLS_API std::span<const NamedGroup> all_groups();

/// The security policy. The defaults are sanstls's fixed, opinionated choice; a field may only
/// narrow that choice (configuring anything outside it is a configuration error, never a
/// silent weakening).
struct Policy {
  /// TLS 1.2 (the default: TLS 1.2 and 1.3) or TLS 1.3 (TLS 1.3 only).
  ProtocolVersion min_version = ProtocolVersion::tls12;
  /// A subset of all_cipher_suites(), in preference order; empty means all of them.
  std::vector<CipherSuite> cipher_suites;
  /// A subset of all_groups(), in preference order; empty means all of them.
  std::vector<NamedGroup> groups;

  /// The TLS 1.3-only policy.
  static Policy tls13_only() {
    Policy policy;
    policy.min_version = ProtocolVersion::tls13;
    return policy;
  }
};

/// What happened to a session's early data (SessionInfo::early_data).
enum class EarlyDataStatus : std::uint8_t {
  /// None was offered.
  none,
  /// The server accepted it.
  accepted,
  /// The server skipped it: a client must send it again as normal data if it still wants to.
  rejected,
};

/// The name of an EarlyDataStatus ("none", "accepted", "rejected").
SANSTLS_API std::string_view early_data_status_name(EarlyDataStatus status);

/// What a session negotiated. Fields are empty until the handshake has decided them.
struct SessionInfo {
  /// The engine that runs the session.
  Backend backend = Backend::openssl;
  /// The version agreed on (empty until the ServerHello).
  std::optional<ProtocolVersion> version;
  /// The cipher suite agreed on (empty until the ServerHello).
  std::optional<CipherSuite> cipher_suite;
  /// The key-exchange group used (empty until the key exchange).
  std::optional<NamedGroup> group;
  /// The ALPN protocol agreed on, or "" when ALPN was not used.
  std::string alpn;
  /// The SNI name: what the client asked for (client side) or received (server side).
  std::string server_name;
  /// The peer's certificates, leaf first, as sent (empty when the peer sent none).
  std::vector<Certificate> peer_certificates;
  /// True once the peer's certificate chain passed every check (and the verify callback).
  bool peer_verified = false;
  /// True when the session resumed an earlier one (a ticket, RFC 8446 §2.2 / RFC 5077). The
  /// peer identity is then the one verified in the original handshake: peer_certificates holds
  /// that chain and peer_verified stays true.
  bool resumed = false;
  /// What happened to 0-RTT early data in this session (RFC 8446 §4.2.10).
  EarlyDataStatus early_data = EarlyDataStatus::none;

  /// One line: "TLS 1.3, TLS_AES_128_GCM_SHA256, x25519, ALPN h2".
  [[nodiscard]] SANSTLS_API std::string summary() const;
};

}  // namespace sanstls

// SPDX-License-Identifier: Apache-2.0 OR MIT
// Names of the protocol vocabulary, parsing of those names, and the fixed preference orders.

#include <sanstls/protocol.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace sanstls {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string_view backend_name(Backend backend) {
  switch (backend) {
    case Backend::openssl:
      return "openssl";
    case Backend::gnutls:
      return "gnutls";
    case Backend::native:
      return "native";
  }
  return "unknown";
}

Result<Backend> parse_backend(std::string_view name) {
  for (Backend backend : {Backend::openssl, Backend::gnutls, Backend::native}) {
    if (iequals(name, backend_name(backend))) {
      return backend;
    }
  }
  return fail(Errc::bad_configuration,
              fmt::format("unknown engine '{}'; choose openssl, gnutls or native", name));
}

std::string_view version_name(ProtocolVersion version) {
  switch (version) {
    case ProtocolVersion::tls12:
      return "TLS 1.2";
    case ProtocolVersion::tls13:
      return "TLS 1.3";
  }
  return "unknown version";
}

std::string_view early_data_status_name(EarlyDataStatus status) {
  switch (status) {
    case EarlyDataStatus::none:
      return "none";
    case EarlyDataStatus::accepted:
      return "accepted";
    case EarlyDataStatus::rejected:
      return "rejected";
  }
  return "unknown";
}

std::string_view cipher_suite_name(CipherSuite suite) {
  switch (suite) {
    case CipherSuite::tls_aes_128_gcm_sha256:
      return "TLS_AES_128_GCM_SHA256";
    case CipherSuite::tls_aes_256_gcm_sha384:
      return "TLS_AES_256_GCM_SHA384";
    case CipherSuite::tls_chacha20_poly1305_sha256:
      return "TLS_CHACHA20_POLY1305_SHA256";
    case CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256:
      return "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
    case CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384:
      return "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384";
    case CipherSuite::tls_ecdhe_rsa_with_aes_128_gcm_sha256:
      return "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
    case CipherSuite::tls_ecdhe_rsa_with_aes_256_gcm_sha384:
      return "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384";
    case CipherSuite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256:
      return "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256";
    case CipherSuite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256:
      return "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256";
  }
  return "unknown cipher suite";
}

namespace {
// Explicit element types: GCC 12 places a deduced constexpr std::array in writable .data.
constexpr std::array<CipherSuite, 9> kAllCipherSuites = {
    CipherSuite::tls_aes_128_gcm_sha256,
    CipherSuite::tls_aes_256_gcm_sha384,
    CipherSuite::tls_chacha20_poly1305_sha256,
    CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256,
    CipherSuite::tls_ecdhe_rsa_with_aes_128_gcm_sha256,
    CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384,
    CipherSuite::tls_ecdhe_rsa_with_aes_256_gcm_sha384,
    CipherSuite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256,
    CipherSuite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256,
};
// The hybrid post-quantum group first: recorded traffic stays secret against a future quantum
// computer. Engines without it (OpenSSL 3.0, GnuTLS 3.7) leave it out.
constexpr std::array<NamedGroup, 4> kAllGroups = {NamedGroup::x25519mlkem768, NamedGroup::x25519,
                                                  NamedGroup::secp256r1, NamedGroup::secp384r1};
}  // namespace

std::span<const CipherSuite> all_cipher_suites() { return kAllCipherSuites; }

Result<CipherSuite> parse_cipher_suite(std::string_view name) {
  for (CipherSuite suite : all_cipher_suites()) {
    if (iequals(name, cipher_suite_name(suite))) {
      return suite;
    }
  }
  return fail(Errc::bad_configuration,
              fmt::format("'{}' is not a cipher suite sanstls allows (AEAD suites only)", name));
}

ProtocolVersion cipher_suite_version(CipherSuite suite) {
  return static_cast<std::uint16_t>(suite) <= 0x13ff ? ProtocolVersion::tls13
                                                     : ProtocolVersion::tls12;
}

std::string_view group_name(NamedGroup group) {
  switch (group) {
    case NamedGroup::x25519:
      return "x25519";
    case NamedGroup::secp256r1:
      return "secp256r1";
    case NamedGroup::secp384r1:
      return "secp384r1";
    case NamedGroup::x25519mlkem768:
      return "X25519MLKEM768";
  }
  return "unknown group";
}

std::span<const NamedGroup> all_groups() { return kAllGroups; }

Result<NamedGroup> parse_group(std::string_view name) {
  for (NamedGroup group : all_groups()) {
    if (iequals(name, group_name(group))) {
      return group;
    }
  }
  if (iequals(name, "p-256") || iequals(name, "prime256v1")) {
    return NamedGroup::secp256r1;
  }
  if (iequals(name, "p-384")) {
    return NamedGroup::secp384r1;
  }
  return fail(
      Errc::bad_configuration,
      fmt::format(
          "'{}' is not a group sanstls allows (X25519MLKEM768, x25519, secp256r1, secp384r1)",
          name));
}

std::string SessionInfo::summary() const {
  std::string text = version ? std::string{version_name(*version)} : "version not negotiated";
  if (cipher_suite) {
    text += fmt::format(", {}", cipher_suite_name(*cipher_suite));
  }
  if (group) {
    text += fmt::format(", {}", group_name(*group));
  }
  if (!alpn.empty()) {
    text += fmt::format(", ALPN {}", alpn);
  }
  if (resumed) {
    text += ", resumed";
  }
  return text;
}

}  // namespace sanstls

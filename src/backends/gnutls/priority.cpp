#include "backends/gnutls/priority.hpp"

#include <sanstls/hazmat/hazmat.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string_view>
#include <vector>

namespace sanstls::gnutls_backend {
namespace {

enum class Cipher { aes_128_gcm, aes_256_gcm, chacha20_poly1305 };
enum class Kx { none, ecdhe_ecdsa, ecdhe_rsa };

struct SuiteParts {
  CipherSuite suite;
  ProtocolVersion version;
  Cipher cipher;
  Kx kx;
};

// Every suite sanstls allows, decomposed the way GnuTLS composes suites.
constexpr SuiteParts kSuites[] = {
    {CipherSuite::tls_aes_128_gcm_sha256, ProtocolVersion::tls13, Cipher::aes_128_gcm, Kx::none},
    {CipherSuite::tls_aes_256_gcm_sha384, ProtocolVersion::tls13, Cipher::aes_256_gcm, Kx::none},
    {CipherSuite::tls_chacha20_poly1305_sha256, ProtocolVersion::tls13, Cipher::chacha20_poly1305,
     Kx::none},
    {CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256, ProtocolVersion::tls12,
     Cipher::aes_128_gcm, Kx::ecdhe_ecdsa},
    {CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384, ProtocolVersion::tls12,
     Cipher::aes_256_gcm, Kx::ecdhe_ecdsa},
    {CipherSuite::tls_ecdhe_rsa_with_aes_128_gcm_sha256, ProtocolVersion::tls12,
     Cipher::aes_128_gcm, Kx::ecdhe_rsa},
    {CipherSuite::tls_ecdhe_rsa_with_aes_256_gcm_sha384, ProtocolVersion::tls12,
     Cipher::aes_256_gcm, Kx::ecdhe_rsa},
    {CipherSuite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256, ProtocolVersion::tls12,
     Cipher::chacha20_poly1305, Kx::ecdhe_rsa},
    {CipherSuite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256, ProtocolVersion::tls12,
     Cipher::chacha20_poly1305, Kx::ecdhe_ecdsa},
};

const SuiteParts* parts_of(CipherSuite suite) {
  for (const auto& parts : kSuites) {
    if (parts.suite == suite) return &parts;
  }
  return nullptr;
}

std::string_view cipher_keyword(Cipher cipher) {
  switch (cipher) {
    case Cipher::aes_128_gcm:
      return "+AES-128-GCM";
    case Cipher::aes_256_gcm:
      return "+AES-256-GCM";
    case Cipher::chacha20_poly1305:
      return "+CHACHA20-POLY1305";
  }
  return "";
}

std::string_view kx_keyword(Kx kx) {
  switch (kx) {
    case Kx::ecdhe_ecdsa:
      return "+ECDHE-ECDSA";
    case Kx::ecdhe_rsa:
      return "+ECDHE-RSA";
    case Kx::none:
      break;
  }
  return "";
}

std::string_view group_keyword(NamedGroup group) {
  switch (group) {
    case NamedGroup::x25519:
      return "+GROUP-X25519";
    case NamedGroup::secp256r1:
      return "+GROUP-SECP256R1";
    case NamedGroup::secp384r1:
      return "+GROUP-SECP384R1";
  }
  return "";
}

template <class T>
void add_unique(std::vector<T>& list, T value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

// Handshake signature schemes, most preferred first. RSASSA-PKCS1-v1_5 and ECDSA without a
// curve binding are TLS 1.2 schemes; GnuTLS itself never uses them for TLS 1.3 handshake
// signatures (RFC 8446 §4.2.3: "rsa_pkcs1_* values refer solely to signatures which appear in
// certificates"). SHA-1 is never listed (RFC 9155 §2: SHA-1 MUST NOT be used in TLS 1.2
// digital signatures).
constexpr std::string_view kSignatures =
    "+SIGN-ECDSA-SECP256R1-SHA256:+SIGN-ECDSA-SECP384R1-SHA384:+SIGN-ECDSA-SECP521R1-SHA512:"
    "+SIGN-EDDSA-ED25519:"
    "+SIGN-RSA-PSS-RSAE-SHA256:+SIGN-RSA-PSS-RSAE-SHA384:+SIGN-RSA-PSS-RSAE-SHA512:"
    "+SIGN-RSA-PSS-SHA256:+SIGN-RSA-PSS-SHA384:+SIGN-RSA-PSS-SHA512";
constexpr std::string_view kTls12Signatures =
    "+SIGN-ECDSA-SHA256:+SIGN-ECDSA-SHA384:+SIGN-ECDSA-SHA512:"
    "+SIGN-RSA-SHA256:+SIGN-RSA-SHA384:+SIGN-RSA-SHA512";

}  // namespace

Result<PriorityPlan> make_priority(const core::CommonConfig& config, bool server) {
  const bool tls12_allowed = config.min_version == ProtocolVersion::tls12;
  const bool tls13_allowed =
      !(config.hazmat && config.hazmat->max_version == ProtocolVersion::tls12);
  if (!tls13_allowed && !tls12_allowed) {
    return fail(Errc::bad_configuration,
                "hazmat max_version TLS 1.2 contradicts a TLS 1.3-only policy");
  }
  std::vector<const SuiteParts*> wanted;
  for (const CipherSuite suite : config.cipher_suites) {
    const SuiteParts* parts = parts_of(suite);
    if (parts == nullptr) {
      return fail(Errc::unsupported,
                  fmt::format("the gnutls engine does not know cipher suite 0x{:04x}",
                              static_cast<unsigned>(suite)));
    }
    if (parts->version == ProtocolVersion::tls12 && !tls12_allowed) continue;
    if (parts->version == ProtocolVersion::tls13 && !tls13_allowed) continue;
    if (std::find(wanted.begin(), wanted.end(), parts) == wanted.end()) wanted.push_back(parts);
  }
  if (wanted.empty()) {
    return fail(Errc::bad_configuration, "no cipher suite is left for the configured versions");
  }

  bool has13 = false;
  bool has12 = false;
  std::vector<Cipher> ciphers;
  std::vector<Kx> kxs;
  for (const SuiteParts* parts : wanted) {
    add_unique(ciphers, parts->cipher);
    if (parts->version == ProtocolVersion::tls13) {
      has13 = true;
    } else {
      has12 = true;
      add_unique(kxs, parts->kx);
    }
  }

  // GnuTLS enables every (cipher, key exchange, version) combination of what the priority
  // string names. Refuse configurations that this would widen: an engine never silently does
  // something other than what was configured.
  std::vector<std::string_view> extra;
  for (const auto& parts : kSuites) {
    const bool cipher_on = std::find(ciphers.begin(), ciphers.end(), parts.cipher) != ciphers.end();
    const bool enabled =
        cipher_on && (parts.version == ProtocolVersion::tls13
                          ? has13
                          : has12 && std::find(kxs.begin(), kxs.end(), parts.kx) != kxs.end());
    if (enabled && std::find(wanted.begin(), wanted.end(), &parts) == wanted.end()) {
      extra.push_back(cipher_suite_name(parts.suite));
    }
  }
  if (!extra.empty()) {
    return fail(Errc::unsupported,
                fmt::format("the gnutls engine cannot enable exactly these cipher suites: GnuTLS "
                            "combines every configured cipher with every key exchange and "
                            "version, which would also enable {} (add them, or use another "
                            "engine)",
                            fmt::join(extra, ", ")));
  }

  std::string out = "NONE";
  // Versions: TLS 1.3, and TLS 1.2 only when a TLS 1.2 suite is configured.
  if (has13) out += ":+VERS-TLS1.3";
  if (has12) out += ":+VERS-TLS1.2";
  for (const Cipher cipher : ciphers) {
    out += ':';
    out += cipher_keyword(cipher);
  }
  // AEAD ciphers only: no CBC, no stream ciphers, so the only "MAC" is the AEAD itself.
  out += ":+AEAD";
  // TLS 1.2 key exchange: ephemeral ECDH only (never RSA key transport, DHE or PSK).
  for (const Kx kx : kxs) {
    out += ':';
    out += kx_keyword(kx);
  }
  for (const NamedGroup group : config.groups) {
    const auto keyword = group_keyword(group);
    if (keyword.empty()) {
      return fail(Errc::unsupported, fmt::format("the gnutls engine does not know group 0x{:04x}",
                                                 static_cast<unsigned>(group)));
    }
    out += ':';
    out += keyword;
  }
  out += ':';
  out += kSignatures;
  out += ':';
  out += kTls12Signatures;
  out += ":+COMP-NULL:+CTYPE-X509";
  // RFC 5746: refuse TLS 1.2 peers without the renegotiation_info extension. sanstls never
  // renegotiates; requiring the extension keeps the handshake bound as RFC 5746 §3 intends.
  out += ":%SAFE_RENEGOTIATION";
  if (server) out += ":%SERVER_PRECEDENCE";
  return PriorityPlan{.text = std::move(out), .tls12 = has12, .tls13 = has13};
}

}  // namespace sanstls::gnutls_backend

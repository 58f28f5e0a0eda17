// SPDX-License-Identifier: Apache-2.0 OR MIT
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
    case NamedGroup::x25519mlkem768:
      return "";  // GnuTLS 3.7 has no ML-KEM: left out by the core (gnutls_capabilities)
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

std::string build(bool tls13, bool tls12, const std::vector<Cipher>& ciphers,
                  const std::vector<Kx>& kxs, const std::vector<NamedGroup>& groups, bool server) {
  std::string out = "NONE";
  if (tls13) out += ":+VERS-TLS1.3";
  if (tls12) out += ":+VERS-TLS1.2";
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
  for (const NamedGroup group : groups) {
    out += ':';
    out += group_keyword(group);
  }
  out += ':';
  out += kSignatures;
  out += ':';
  out += kTls12Signatures;
  out += ":+COMP-NULL:+CTYPE-X509";
  // RFC 5746 (secure renegotiation indication), one rule on every engine:
  // - a client requires it from TLS 1.2 servers (%SAFE_RENEGOTIATION: GnuTLS refuses a server
  //   without renegotiation_info). RFC 5746 §4.1: a client that "wishes to connect only to
  //   servers that support secure renegotiation ... MUST terminate the connection" when the
  //   ServerHello lacks the extension.
  // - a server accepts clients without it (%PARTIAL_RENEGOTIATION: GnuTLS would otherwise refuse
  //   them, even TLS 1.3 clients, to which RFC 5746 does not apply) and never renegotiates: the
  //   engine answers every renegotiation attempt with no_renegotiation (engine.cpp,
  //   GNUTLS_E_REHANDSHAKE). RFC 5746 §4.4: a server that does not renegotiate is not exposed to
  //   the attack; with PARTIAL GnuTLS also refuses renegotiation from such clients itself.
  out += server ? ":%PARTIAL_RENEGOTIATION" : ":%SAFE_RENEGOTIATION";
  // Key usage is judged by the core's verifier, which runs before any signature of the peer is
  // trusted (x509::verify_chain: wrong_usage). Without this flag GnuTLS checks keyUsage itself
  // while processing CertificateVerify, before our verify function runs, and the same chain
  // would fail with a different error than on the other engines; it would also refuse to
  // present our own such certificate, which the OpenSSL engine presents.
  out += ":%DEBUG_ALLOW_KEY_USAGE_VIOLATIONS";
  // The server's preference order decides (as SSL_OP_CIPHER_SERVER_PREFERENCE does for the
  // OpenSSL engine).
  if (server) out += ":%SERVER_PRECEDENCE";
  return out;
}

Kx kx_for_key(KeyType key) { return key == KeyType::rsa ? Kx::ecdhe_rsa : Kx::ecdhe_ecdsa; }

}  // namespace

Result<PriorityPlan> make_priority(const core::CommonConfig& config, bool server) {
  const bool tls12_allowed = config.min_version == ProtocolVersion::tls12;
  const bool tls13_allowed =
      !(config.hazmat && config.hazmat->max_version == ProtocolVersion::tls12);
  if (!tls13_allowed && !tls12_allowed) {
    // The core refuses this configuration before any engine sees it.
    return fail(Errc::internal_error, "neither TLS 1.2 nor TLS 1.3 is allowed");
  }
  PriorityPlan plan;
  plan.server = server;
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
    if (std::find(wanted.begin(), wanted.end(), parts) != wanted.end()) continue;
    wanted.push_back(parts);
    (parts->version == ProtocolVersion::tls13 ? plan.tls13_suites : plan.tls12_suites)
        .push_back(suite);
  }
  if (wanted.empty()) {
    return fail(Errc::bad_configuration, "no cipher suite is left for the configured versions");
  }
  for (const NamedGroup group : config.groups) {
    if (group_keyword(group).empty()) {
      return fail(Errc::unsupported, fmt::format("the gnutls engine does not know group 0x{:04x}",
                                                 static_cast<unsigned>(group)));
    }
  }
  plan.groups = config.groups;
  plan.tls13 = !plan.tls13_suites.empty();
  plan.tls12 = !plan.tls12_suites.empty();

  std::vector<Cipher> ciphers;
  std::vector<Kx> kxs;
  for (const SuiteParts* parts : wanted) {
    add_unique(ciphers, parts->cipher);
    if (parts->version == ProtocolVersion::tls12) add_unique(kxs, parts->kx);
  }

  // GnuTLS enables every (cipher, key exchange, version) combination of what the priority
  // string names. A server narrows the string per session once it has read the ClientHello
  // and chosen its certificate (server_session_priority), so it can honour any subset. A
  // client offers the whole product in its ClientHello: refuse subsets that this would widen
  // (an engine never silently does something other than what was configured).
  if (!server) {
    std::vector<std::string_view> extra;
    for (const auto& parts : kSuites) {
      const bool cipher_on =
          std::find(ciphers.begin(), ciphers.end(), parts.cipher) != ciphers.end();
      const bool enabled = cipher_on && (parts.version == ProtocolVersion::tls13
                                             ? plan.tls13
                                             : plan.tls12 && std::find(kxs.begin(), kxs.end(),
                                                                       parts.kx) != kxs.end());
      if (enabled && std::find(wanted.begin(), wanted.end(), &parts) == wanted.end()) {
        extra.push_back(cipher_suite_name(parts.suite));
      }
    }
    if (!extra.empty()) {
      return fail(Errc::unsupported,
                  fmt::format("the gnutls engine cannot offer exactly these cipher suites as a "
                              "client: GnuTLS offers every configured cipher with every key "
                              "exchange and version, which would also offer {} (add them, or "
                              "use another engine)",
                              fmt::join(extra, ", ")));
    }
  }
  plan.text = build(plan.tls13, plan.tls12, ciphers, kxs, plan.groups, server);
  return plan;
}

std::optional<CipherSuite> choose_tls12_suite(const PriorityPlan& plan,
                                              const std::vector<std::uint16_t>& offered,
                                              KeyType key) {
  for (const CipherSuite suite : plan.tls12_suites) {
    const SuiteParts* parts = parts_of(suite);
    if (parts->kx != kx_for_key(key)) continue;
    if (std::find(offered.begin(), offered.end(), static_cast<std::uint16_t>(suite)) !=
        offered.end()) {
      return suite;
    }
  }
  return std::nullopt;
}

std::string server_session_priority(const PriorityPlan& plan, bool tls13,
                                    std::optional<CipherSuite> tls12_suite) {
  std::vector<Cipher> ciphers;
  std::vector<Kx> kxs;
  if (tls13) {
    // TLS 1.3 suites are exactly (cipher, AEAD): the configured 1.3 suites, in order.
    for (const CipherSuite suite : plan.tls13_suites) add_unique(ciphers, parts_of(suite)->cipher);
    return build(/*tls13=*/true, /*tls12=*/false, ciphers, kxs, plan.groups, true);
  }
  if (tls12_suite) {
    const SuiteParts* parts = parts_of(*tls12_suite);
    ciphers.push_back(parts->cipher);
    kxs.push_back(parts->kx);
  }
  // TLS 1.3 stays enabled when configured, so that GnuTLS writes the downgrade sentinel into
  // the ServerHello random (RFC 8446 §4.1.3: a TLS 1.3 server negotiating TLS 1.2 "MUST set
  // the last 8 bytes of their Random value" to 44 4F 57 4E 47 52 44 01). The client did not
  // offer TLS 1.3, so no TLS 1.3 suite can be chosen.
  return build(plan.tls13, /*tls12=*/true, ciphers, kxs, plan.groups, true);
}

}  // namespace sanstls::gnutls_backend

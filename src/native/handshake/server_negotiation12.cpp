// SPDX-License-Identifier: Apache-2.0 OR MIT
// TLS 1.2 ClientHello negotiation for the server: see server_negotiation12.hpp.

#include "native/handshake/server_negotiation12.hpp"

#include "native/handshake/server_negotiation.hpp"
#include "native/handshake/state_helpers.hpp"
#include "native/msgs/extensions12.hpp"

#include <algorithm>

namespace sanstls::native::handshake::server {

namespace {

using wire::Refusal;

/// The groups TLS 1.2 ECDHE may use (RFC 8422 §5.1.1 with RFC 7748): no hybrid KEM.
bool tls12_group(NamedGroup g) {
  return g == NamedGroup::x25519 || g == NamedGroup::secp256r1 || g == NamedGroup::secp384r1;
}

/// Signature schemes a TLS 1.2 ServerKeyExchange may use under the sanstls policy: ECDSA,
/// RSA-PSS (rsae and pss) and RSA PKCS#1 v1.5 with SHA-256/384/512, Ed25519 (RFC 8422 §5.1.3).
/// Never SHA-1 (RFC 9155 §4: "Clients MUST NOT include MD5 and SHA-1 in the
/// signature_algorithms extension"; sanstls refuses them from any peer).
bool allowed_in_tls12(SignatureScheme scheme) {
  switch (scheme) {
    case SignatureScheme::ecdsa_secp256r1_sha256:
    case SignatureScheme::ecdsa_secp384r1_sha384:
    case SignatureScheme::ecdsa_secp521r1_sha512:
    case SignatureScheme::rsa_pss_rsae_sha256:
    case SignatureScheme::rsa_pss_rsae_sha384:
    case SignatureScheme::rsa_pss_rsae_sha512:
    case SignatureScheme::rsa_pss_pss_sha256:
    case SignatureScheme::rsa_pss_pss_sha384:
    case SignatureScheme::rsa_pss_pss_sha512:
    case SignatureScheme::rsa_pkcs1_sha256:
    case SignatureScheme::rsa_pkcs1_sha384:
    case SignatureScheme::rsa_pkcs1_sha512:
    case SignatureScheme::ed25519:
      return true;
    default:
      return false;
  }
}

bool ecdsa_like(SignatureScheme scheme) {
  return scheme == SignatureScheme::ecdsa_secp256r1_sha256 ||
         scheme == SignatureScheme::ecdsa_secp384r1_sha384 ||
         scheme == SignatureScheme::ecdsa_secp521r1_sha512 || scheme == SignatureScheme::ed25519;
}

}  // namespace

Result<Negotiation12> negotiate12(const msgs::ClientHello& ch, const Context& ctx) {
  Negotiation12 n;
  n.client_random = ch.random;
  n.legacy_session_id = ch.legacy_session_id;

  // RFC 5246 §7.4.1.2: "this vector MUST contain, and all implementations MUST support,
  // CompressionMethod.null"; we use nothing else.
  if (!contains(ch.legacy_compression_methods, std::uint8_t{0})) {
    return wire::illegal_parameter("ClientHello.compression_methods", "null not offered");
  }

  // RFC 7627 §5.2: "If the server receives a ClientHello without the extension, it SHOULD abort
  // the handshake if it does not wish to interoperate with legacy clients." sanstls requires the
  // extended master secret for TLS 1.2 (handshake_failure, as the other engines).
  const ByteVec* ems = msgs::raw_extension(ch.extensions, ExtensionType::extended_master_secret);
  if (ems == nullptr) {
    return wire::refuse(Alert::handshake_failure, Refusal::missing_extended_master_secret,
                        "ClientHello.extended_master_secret", "missing (RFC 7627)");
  }
  WIRE_CHECK(msgs::parse_extended_master_secret(*ems));

  // RFC 5746 §3.6: the SCSV or an empty renegotiation_info sets secure_renegotiation; "If the
  // extension is present, ... the server MUST then verify that the length of the
  // "renegotiated_connection" field is zero, and if it is not, MUST abort the handshake" (with a
  // fatal handshake_failure alert). A client without either is accepted: we never renegotiate
  // (RFC 5746 §4.4).
  if (const ByteVec* ri = msgs::raw_extension(ch.extensions, ExtensionType::renegotiation_info);
      ri != nullptr) {
    WIRE_TRY(const auto renegotiated, msgs::parse_renegotiation_info(*ri));
    if (!renegotiated.empty()) {
      return wire::fail(Alert::handshake_failure, "ClientHello.renegotiation_info",
                        "not empty in an initial handshake");
    }
    n.secure_renegotiation = true;
  }
  if (contains(ch.cipher_suites, static_cast<CipherSuite>(empty_renegotiation_info_scsv))) {
    n.secure_renegotiation = true;
  }

  // Our TLS 1.2 suites the client offers, in our order; the key type narrows them later.
  for (const CipherSuite suite : ctx.params.tls12_cipher_suites) {
    if (tls12::suite12_params(suite) && contains(ch.cipher_suites, suite)) {
      n.candidate_suites.push_back(suite);
    }
  }
  if (n.candidate_suites.empty()) {
    return wire::refuse(Alert::handshake_failure, Refusal::no_shared_cipher_suite,
                        "ClientHello.cipher_suites", "no ECDHE AEAD suite in common");
  }

  // RFC 5246 §7.4.1.4.1: without signature_algorithms a TLS 1.2 client means SHA-1, which
  // sanstls never uses: no signature algorithm in common.
  if (const auto* sigs =
          ch.extensions.get<msgs::SignatureSchemeList>(ExtensionType::signature_algorithms);
      sigs != nullptr) {
    n.client_signature_schemes = sigs->schemes;
  }
  if (std::none_of(n.client_signature_schemes.begin(), n.client_signature_schemes.end(),
                   allowed_in_tls12)) {
    return wire::refuse(Alert::handshake_failure, Refusal::no_shared_signature_algorithm,
                        "ClientHello.signature_algorithms", "none allowed in TLS 1.2");
  }

  // RFC 8422 §5.1.1: the server uses the client's supported groups; without the extension it
  // "is free to choose any one of the elliptic curves" (§4): our first.
  const auto* groups = ch.extensions.get<msgs::NamedGroupList>(ExtensionType::supported_groups);
  bool chosen = false;
  for (const NamedGroup g : ctx.params.groups) {
    if (!tls12_group(g)) continue;
    if (groups == nullptr || contains(groups->groups, g)) {
      n.group = g;
      chosen = true;
      break;
    }
  }
  if (!chosen) {
    return wire::refuse(Alert::handshake_failure, Refusal::no_shared_group,
                        "ClientHello.supported_groups", "no ECDHE group in common");
  }
  // RFC 8422 §5.1.2: "If the client sends the extension and the extension does not contain the
  // uncompressed point format, and the client has used the Supported Groups extension to
  // indicate support for any of the curves defined in this specification, then the server MUST
  // abort the handshake and return an illegal_parameter alert."
  if (const ByteVec* formats = msgs::raw_extension(ch.extensions, ExtensionType::ec_point_formats);
      formats != nullptr) {
    WIRE_TRY(const auto list, msgs::parse_ec_point_formats(*formats));
    if (!contains(list, msgs::ec_point_format_uncompressed)) {
      return wire::illegal_parameter("ClientHello.ec_point_formats", "no uncompressed format");
    }
  }

  // RFC 5077 §3.2: the ticket is opaque to the client; the resumption decision is ours
  // (server_resume12.hpp).
  if (const ByteVec* ticket = msgs::raw_extension(ch.extensions, ExtensionType::session_ticket);
      ticket != nullptr) {
    n.session_ticket = *ticket;
  }

  WIRE_TRY(auto options, read_hello_options(ch, ctx));
  n.server_name = std::move(options.server_name);
  n.alpn = std::move(options.alpn);
  n.client_record_size_limit = options.client_record_size_limit;
  return n;
}

Result<KeyChoice12> choose_for_key12(const Negotiation12& n, const crypto::SigningKey& key) {
  // RFC 5246 §7.4.1.4.1: the ServerKeyExchange signature uses a pair the client listed, in its
  // preference order, that our key can make.
  std::optional<SignatureScheme> scheme;
  for (const SignatureScheme s : n.client_signature_schemes) {
    if (allowed_in_tls12(s) && key.supports(s)) {
      scheme = s;
      break;
    }
  }
  if (!scheme) {
    return wire::refuse(Alert::handshake_failure, Refusal::no_shared_signature_algorithm,
                        "ClientHello.signature_algorithms", "none fits our key");
  }
  // RFC 8422 §2 / RFC 5246 §7.4.2: ECDHE_ECDSA suites need an ECDSA-capable certificate,
  // ECDHE_RSA ones an RSA certificate.
  const auto wanted =
      ecdsa_like(*scheme) ? tls12::SuiteAuthentication::ecdsa : tls12::SuiteAuthentication::rsa;
  for (const CipherSuite suite : n.candidate_suites) {
    const auto params = tls12::suite12_params(suite);
    if (params && params->authentication == wanted) {
      return KeyChoice12{suite, *params, *scheme};
    }
  }
  return wire::refuse(Alert::handshake_failure, Refusal::no_shared_cipher_suite,
                      "ClientHello.cipher_suites", "no suite for our certificate's key type");
}

}  // namespace sanstls::native::handshake::server

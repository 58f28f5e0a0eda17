// SPDX-License-Identifier: Apache-2.0 OR MIT
// ClientHello negotiation for the server states: versions, suite, mandatory extensions, SNI,
// ALPN, record_size_limit, the key share / HelloRetryRequest choice, and the second-hello rule.

#include "native/handshake/server_negotiation.hpp"

#include "native/handshake/state_helpers.hpp"

#include <algorithm>

namespace sanstls::native::handshake::server {

namespace {

using wire::Refusal;

}  // namespace

/// The refusal for a ClientHello that does not offer TLS 1.3.
tl::unexpected<Error> version_refusal(const msgs::ClientHello& ch) {
  bool tls12 = false;
  if (const auto* sv =
          ch.extensions.get<msgs::SupportedVersionsList>(ExtensionType::supported_versions);
      sv != nullptr) {
    // RFC 8446 §4.2.1: "If this extension is present in the ClientHello, servers MUST NOT use the
    // ClientHello.legacy_version value for version negotiation and MUST use only the
    // "supported_versions" extension to determine client preferences."
    tls12 = contains(sv->versions, tls12_version);
  } else {
    tls12 = ch.legacy_version >= tls12_version;
  }
  // RFC 8446 §4.2.1: "If the "supported_versions" extension is absent and the server only
  // supports versions greater than ClientHello.legacy_version, the server MUST abort the
  // handshake with a "protocol_version" alert." (This engine speaks TLS 1.3 only.)
  if (tls12) {
    return wire::refuse(Alert::protocol_version, Refusal::tls12_only_peer,
                        "ClientHello.supported_versions", "TLS 1.2 without TLS 1.3");
  }
  return wire::refuse(Alert::protocol_version, Refusal::forbidden_versions,
                      "ClientHello.supported_versions", "only versions older than TLS 1.2");
}

Result<VersionChoice> negotiate_version(const msgs::ClientHello& ch,
                                        const ServerParameters& params) {
  const auto* sv =
      ch.extensions.get<msgs::SupportedVersionsList>(ExtensionType::supported_versions);
  bool offers13 = false;
  bool offers12 = false;
  if (sv != nullptr) {
    // RFC 8446 §4.2.1: "If this extension is present in the ClientHello, servers MUST NOT use
    // the ClientHello.legacy_version value for version negotiation and MUST use only the
    // "supported_versions" extension to determine client preferences."
    offers13 = contains(sv->versions, tls13_version);
    offers12 = contains(sv->versions, tls12_version);
  } else {
    // RFC 8446 §4.2.1: without the extension "the server ... MUST negotiate TLS 1.2 or prior as
    // specified in [RFC5246], even if ClientHello.legacy_version is 0x0304 or later";
    // RFC 5246 §E.1: legacy_version is the highest version the client supports.
    offers12 = ch.legacy_version >= tls12_version;
  }
  if (offers13 && params.tls13) return VersionChoice::tls13;
  if (offers12 && params.tls12) {
    // RFC 7507 §3: "If TLS_FALLBACK_SCSV appears in ClientHello.cipher_suites and the highest
    // protocol version supported by the server is higher than the version indicated in
    // ClientHello.client_version, the server MUST respond with a fatal inappropriate_fallback
    // alert".
    if (params.tls13 && !offers13 && contains(ch.cipher_suites, static_cast<CipherSuite>(0x5600))) {
      return wire::refuse(Alert::inappropriate_fallback, Refusal::inappropriate_fallback,
                          "ClientHello.cipher_suites", "TLS_FALLBACK_SCSV below our version");
    }
    return VersionChoice::tls12;
  }
  if (offers13 && !params.tls13) {
    return wire::fail(Alert::protocol_version, "ClientHello.supported_versions",
                      "TLS 1.3 only, and this server is limited to TLS 1.2");
  }
  // RFC 8446 §4.2.1: "If the "supported_versions" extension is absent and the server only
  // supports versions greater than ClientHello.legacy_version, the server MUST abort the
  // handshake with a "protocol_version" alert." Likewise when the list holds none of ours.
  return version_refusal(ch);
}

void apply_downgrade_sentinel(std::array<std::uint8_t, 32>& random,
                              const ServerParameters& params) {
  if (!params.tls13) return;
  // RFC 8446 §4.1.3: "If negotiating TLS 1.2, TLS 1.3 servers MUST set the last 8 bytes of
  // their Random value to the bytes: 44 4F 57 4E 47 52 44 01".
  std::copy(downgrade_sentinel_tls12.begin(), downgrade_sentinel_tls12.end(),
            random.end() - static_cast<std::ptrdiff_t>(downgrade_sentinel_tls12.size()));
}

Result<HelloOptions> read_hello_options(const msgs::ClientHello& ch, const Context& ctx) {
  HelloOptions n;
  if (const auto* sni = ch.extensions.get<msgs::ServerNameList>(ExtensionType::server_name);
      sni != nullptr) {
    for (const auto& name : sni->names) {
      if (name.name_type != 0) continue;  // RFC 6066 §3: host_name(0) is the only type
      std::string host;
      for (const std::uint8_t c : name.name) {
        // RFC 6066 §3: HostName is ASCII; a NUL could truncate the name in the store's lookup.
        if (c == 0 || c > 0x7e) {
          return wire::illegal_parameter("ClientHello.server_name", "not an ASCII host name");
        }
        host.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
      }
      if (!host.empty()) n.server_name = std::move(host);
    }
  }

  if (const auto* alpn = ch.extensions.get<msgs::ProtocolNameList>(
          ExtensionType::application_layer_protocol_negotiation);
      alpn != nullptr && !ctx.params.alpn.empty()) {
    for (const auto& ours : ctx.params.alpn) {
      const ByteVec bytes(ours.begin(), ours.end());
      if (contains(alpn->names, bytes)) {
        n.alpn = ours;
        break;
      }
    }
    // RFC 7301 §3.2: "In the event that the server supports no protocols that the client
    // advertises, then the server SHALL respond with a fatal "no_application_protocol" alert."
    if (!n.alpn) {
      return wire::refuse(Alert::no_application_protocol, Refusal::no_shared_application_protocol,
                          "ClientHello.application_layer_protocol_negotiation",
                          "no protocol in common");
    }
  }

  if (const auto* rsl = ch.extensions.get<msgs::RecordSizeLimit>(ExtensionType::record_size_limit);
      rsl != nullptr) {
    n.client_record_size_limit = rsl->limit;  // the codec refused values below 64
  }
  return n;
}

/// Everything about a ClientHello except the key share: version, compression, suite,
/// mandatory extensions, SNI, ALPN, record_size_limit.
Result<Negotiation> negotiate(const msgs::ClientHello& ch, const Context& ctx) {
  if (!ch.offers_tls13() || !ctx.params.tls13) return version_refusal(ch);
  // RFC 8446 §4.1.2: "For every TLS 1.3 ClientHello, this vector MUST contain exactly one byte,
  // set to zero ... If a TLS 1.3 ClientHello is received with any other value in this field,
  // the server MUST abort the handshake with an "illegal_parameter" alert." (The codec checks it
  // too.)
  if (ch.legacy_compression_methods != ByteVec{0}) {
    return wire::illegal_parameter("ClientHello.legacy_compression_methods", "not {null}");
  }
  Negotiation n;
  n.client_random = ch.random;
  n.legacy_session_id = ch.legacy_session_id;

  // Server preference among the suites the client offers.
  for (const CipherSuite suite : ctx.params.cipher_suites) {
    const auto sp = suite_params(suite);
    if (sp && contains(ch.cipher_suites, suite)) {
      n.suite = suite;
      n.params = *sp;
      break;
    }
  }
  if (!suite_params(n.suite) || !contains(ch.cipher_suites, n.suite)) {
    return wire::refuse(Alert::handshake_failure, Refusal::no_shared_cipher_suite,
                        "ClientHello.cipher_suites", "no cipher suite in common");
  }

  // RFC 8446 §9.2: "If not containing a "pre_shared_key" extension, it MUST contain both a
  // "signature_algorithms" extension and a "supported_groups" extension. If containing a
  // "supported_groups" extension, it MUST also contain a "key_share" extension, and vice versa.
  // ... Servers receiving a ClientHello which does not conform to these requirements MUST abort
  // the handshake with a "missing_extension" alert." We ignore PSK offers (full handshake
  // only), so both are needed whatever else the client sent; RFC 8446 §4.2.3: "If a server is
  // authenticating via a certificate and the client has not sent a "signature_algorithms"
  // extension, then the server MUST abort the handshake with a "missing_extension" alert".
  const auto* sigs =
      ch.extensions.get<msgs::SignatureSchemeList>(ExtensionType::signature_algorithms);
  if (sigs == nullptr) {
    return wire::fail(Alert::missing_extension, "ClientHello.signature_algorithms", "missing");
  }
  n.client_signature_schemes = sigs->schemes;
  if (!ch.extensions.contains(ExtensionType::supported_groups) ||
      !ch.extensions.contains(ExtensionType::key_share)) {
    return wire::fail(Alert::missing_extension, "ClientHello.supported_groups/key_share",
                      "missing");
  }

  WIRE_TRY(auto options, read_hello_options(ch, ctx));
  n.server_name = std::move(options.server_name);
  n.alpn = std::move(options.alpn);
  n.client_record_size_limit = options.client_record_size_limit;
  // pre_shared_key and early_data are ignored: we never select a PSK, so RFC 8446 §4.2.10 means
  // early data is rejected (we send no early_data in EncryptedExtensions).
  return n;
}

Result<GroupChoice> choose_group(const msgs::ClientHello& ch, const Context& ctx) {
  const auto& groups =
      ch.extensions.get<msgs::NamedGroupList>(ExtensionType::supported_groups)->groups;
  const auto& key_share = *ch.extensions.get<msgs::KeyShareClientHello>(ExtensionType::key_share);
  // RFC 8446 §4.2.8: "Clients MUST NOT offer multiple KeyShareEntry values for the same group.
  // Clients MUST NOT offer any KeyShareEntry values for groups not listed in the client's
  // "supported_groups" extension. Servers MAY check for violations of these rules and abort the
  // handshake with an "illegal_parameter" alert if one is violated." The codec refused
  // duplicates; shares for groups we cannot negotiate (key_share.others) are checked too.
  // A seen-set keeps this linear in the hello: 6,500 groups and 6,500 shares must not cost
  // 6,500² comparisons.
  msgs::U16Set offered;
  for (const NamedGroup g : groups) offered.insert(static_cast<std::uint16_t>(g));
  const auto listed = [&](std::uint16_t group) { return offered.contains(group); };
  const bool all_listed =
      std::all_of(key_share.shares.begin(), key_share.shares.end(),
                  [&](const auto& s) { return listed(static_cast<std::uint16_t>(s.group)); }) &&
      std::all_of(key_share.other_groups.begin(), key_share.other_groups.end(), listed);
  if (!all_listed) {
    return wire::illegal_parameter("ClientHello.key_share", "group not in supported_groups");
  }
  for (const NamedGroup g : ctx.params.groups) {
    for (const auto& share : key_share.shares) {
      if (share.group == g) return GroupChoice{g, &share};
    }
  }
  for (const NamedGroup g : ctx.params.groups) {
    if (offered.contains(static_cast<std::uint16_t>(g))) return GroupChoice{g, nullptr};
  }
  return wire::refuse(Alert::handshake_failure, Refusal::no_shared_group,
                      "ClientHello.supported_groups", "no group in common");
}

/// Everything of a ClientHello except what RFC 8446 §4.1.2 lets the second one change, encoded
/// (extensions in their order, ignored ones included).
Result<ByteVec> invariant_part(const msgs::ClientHello& ch) {
  return ch.encode([](ExtensionType type) {
    return type == ExtensionType::key_share || type == ExtensionType::early_data ||
           type == ExtensionType::cookie || type == ExtensionType::pre_shared_key ||
           type == ExtensionType::padding;
  });
}

}  // namespace sanstls::native::handshake::server

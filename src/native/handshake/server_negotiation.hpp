// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// ClientHello negotiation for the server states (server_states.cpp): everything the server
// decides from a ClientHello before the certificate is chosen.

#include "native/handshake/server_states.hpp"

namespace sanstls::native::handshake::server {

/// The refusal for a ClientHello that does not offer TLS 1.3 (tls12_only_peer or
/// forbidden_versions, protocol_version alert).
tl::unexpected<Error> version_refusal(const msgs::ClientHello& ch);

/// The version a ClientHello negotiates. This is the one place the server decides it.
enum class VersionChoice : std::uint8_t { tls12, tls13 };
/// RFC 8446 §4.2.1: supported_versions decides when present; without it the client speaks TLS
/// 1.2 at most (legacy_version ≥ 0x0303) or only older versions. TLS 1.2 is chosen only when
/// `params.tls12` allows it; TLS 1.1 and below are always refused (protocol_version, RFC 8996).
Result<VersionChoice> negotiate_version(const msgs::ClientHello& ch,
                                        const ServerParameters& params);

/// RFC 8446 §4.1.3: the last 8 bytes of ServerHello.random of a TLS 1.3-capable server that
/// negotiates TLS 1.2: "44 4F 57 4E 47 52 44 01".
inline constexpr std::array<std::uint8_t, 8> downgrade_sentinel_tls12 = {0x44, 0x4F, 0x57, 0x4E,
                                                                         0x47, 0x52, 0x44, 0x01};
/// Writes the sentinel into `random` when `params.tls13` is on (RFC 8446 §4.1.3: "TLS 1.3
/// servers which negotiate TLS 1.2 or below in response to a ClientHello MUST set the last 8
/// bytes of their Random value specially").
void apply_downgrade_sentinel(std::array<std::uint8_t, 32>& random, const ServerParameters& params);

/// SNI (lower-cased, ASCII only), ALPN (our first protocol the client offers;
/// no_application_protocol when none) and record_size_limit: read alike for TLS 1.2 and 1.3.
struct HelloOptions {
  std::optional<std::string> server_name;
  std::optional<std::string> alpn;
  std::optional<std::uint16_t> client_record_size_limit;
};
Result<HelloOptions> read_hello_options(const msgs::ClientHello& ch, const Context& ctx);

/// Everything about a ClientHello except the key share: version, compression, suite, mandatory
/// extensions, SNI, ALPN, record_size_limit.
Result<Negotiation> negotiate(const msgs::ClientHello& ch, const Context& ctx);

/// The key share to use, or the group to ask for in a HelloRetryRequest.
struct GroupChoice {
  NamedGroup group{};
  const msgs::KeyShareEntry* share = nullptr;  // null: HelloRetryRequest
};
Result<GroupChoice> choose_group(const msgs::ClientHello& ch, const Context& ctx);

/// A ClientHello without what RFC 8446 §4.1.2 lets the second one change, encoded.
Result<ByteVec> invariant_part(const msgs::ClientHello& ch);

}  // namespace sanstls::native::handshake::server

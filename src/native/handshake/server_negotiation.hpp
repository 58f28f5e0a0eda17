// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// ClientHello negotiation for the server states (server_states.cpp): everything the server
// decides from a ClientHello before the certificate is chosen.

#include "native/handshake/server_states.hpp"

namespace sanstls::native::handshake::server {

/// The refusal for a ClientHello that does not offer TLS 1.3 (tls12_only_peer or
/// forbidden_versions, protocol_version alert).
tl::unexpected<Error> version_refusal(const msgs::ClientHello& ch);

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

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The bodies of the TLS 1.2 hello extensions the native engine interprets, which the shared
// extension table keeps raw (RawExtension): renegotiation_info (RFC 5746 §3.2),
// extended_master_secret (RFC 7627 §5.1), ec_point_formats (RFC 8422 §5.1.2).

#include "native/msgs/extensions.hpp"

namespace sanstls::native::msgs {

/// RFC 8422 §5.1.2 ECPointFormat uncompressed.
inline constexpr std::uint8_t ec_point_format_uncompressed = 0;

/// RFC 5746 §3.2: struct { opaque renegotiated_connection<0..255>; } RenegotiationInfo;
/// returns renegotiated_connection (empty on an initial handshake).
Result<ByteVec> parse_renegotiation_info(Bytes body);
/// The extension with the given renegotiated_connection (empty for an initial handshake).
Result<Extension> renegotiation_info_extension(Bytes renegotiated_connection = {});

/// RFC 7627 §5.1: "the "extension_data" field of this extension SHALL be empty".
Status parse_extended_master_secret(Bytes body);
Extension extended_master_secret_extension();

/// RFC 8422 §5.1.2: struct { ECPointFormat ec_point_format_list<1..2^8-1> } ECPointFormatList;
Result<ByteVec> parse_ec_point_formats(Bytes body);
/// The extension listing only uncompressed (RFC 8422 §5.1.2: the only format we support).
Extension ec_point_formats_extension();

/// The raw body of extension `type` in `extensions`, if present (the TLS 1.2 extensions above
/// are RawExtension in every context).
const ByteVec* raw_extension(const Extensions& extensions, ExtensionType type);

}  // namespace sanstls::native::msgs

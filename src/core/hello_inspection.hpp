#pragma once
// Reading the few hello fields the core needs from engines that do not expose them (the SNI
// name, the versions a peer offered), so that every engine can say precisely why a handshake
// was refused ("peer offered only TLS 1.0 and TLS 1.1 ..."). All parsing goes through
// wire::Reader.

#include <sanstls/error.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sanstls::core {

/// The host_name of a server_name extension body (RFC 6066 §3), lower-cased; "" when the list
/// holds no host_name. Malformed input is an error carrying decode_error.
Result<std::string> parse_server_name_extension(std::span<const std::uint8_t> body);

/// The versions of a ClientHello supported_versions extension body (RFC 8446 §4.2.1).
Result<std::vector<std::uint16_t>> parse_client_supported_versions(
    std::span<const std::uint8_t> body);

/// The version a ServerHello handshake message (with its 4-byte header) selects: the
/// supported_versions extension if present, else legacy_version. nullopt if malformed.
std::optional<std::uint16_t> server_hello_version(std::span<const std::uint8_t> message);

/// "TLS 1.0", "TLS 1.2", "SSL 3.0", "0x7f1c"...
std::string protocol_version_text(std::uint16_t version);

/// The error for a peer whose versions are all forbidden. `offered` are the peer's versions
/// (a client's list, or the single version a server chose).
Error forbidden_versions_error(const std::vector<std::uint16_t>& offered, bool peer_is_server,
                               bool tls13_only);

}  // namespace sanstls::core

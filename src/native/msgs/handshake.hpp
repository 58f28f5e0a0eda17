// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Handshake message framing (RFC 8446 §4): struct { HandshakeType msg_type; uint24 length;
// select (msg_type) {...} body; } Handshake.

#include "native/types.hpp"

#include <vector>

namespace sanstls::native::msgs {

inline constexpr std::size_t handshake_header_length = 4;

/// A complete handshake message viewed in place.
struct HandshakeView {
  HandshakeType type{};
  Bytes body;
  Bytes whole;  // header + body, what the transcript hashes
};

/// Parses exactly one handshake message from `message` (header + body, nothing after).
Result<HandshakeView> parse_handshake(Bytes message);
/// Frames `body` as a handshake message of `type`.
Result<std::vector<std::uint8_t>> frame_handshake(HandshakeType type, Bytes body);

}  // namespace sanstls::native::msgs

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The synthetic message_hash handshake message (RFC 8446 §4.4.1) that stands for ClientHello1 in
// the transcript after a HelloRetryRequest.

#include "native/types.hpp"

#include <vector>

namespace sanstls::native::msgs {

/// Handshake(message_hash, Hash(ClientHello1)): 0xfe 00 00 Hash.length, then the hash.
Result<std::vector<std::uint8_t>> encode_message_hash(Bytes client_hello1_hash);

}  // namespace sanstls::native::msgs

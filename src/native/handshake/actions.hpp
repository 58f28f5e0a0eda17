// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// What a handshake state asks its driver to do, in order: both the client and the server states
// emit these, and their drivers (ClientHandshake, ServerHandshake) apply them to the record
// layer. The states themselves never touch records.

#include "native/crypto/provider.hpp"
#include "native/key_schedule.hpp"
#include "native/msgs/extensions.hpp"

#include <cstddef>
#include <variant>
#include <vector>

namespace sanstls::native::handshake {

/// Keys to install in one direction of the record layer.
struct InstallKeys {
  bool write = false;  // false: read side
  crypto::AeadAlgorithm aead{};
  TrafficKeys keys;
  /// The largest TLSInnerPlaintext allowed (RFC 8449): on the write side what the peer's
  /// record_size_limit accepts, on the read side what we announced.
  std::size_t inner_plaintext_limit = max_plaintext_length + 1;
};
/// A complete handshake message to send under the current write keys (drivers coalesce
/// consecutive messages into as few records as possible).
struct SendHandshake {
  msgs::ByteVec message;
};
/// A plaintext change_cipher_spec record {0x01} (middlebox compatibility, RFC 8446 §D.4).
struct SendChangeCipherSpec {};

using Action = std::variant<SendHandshake, InstallKeys, SendChangeCipherSpec>;
using Actions = std::vector<Action>;

}  // namespace sanstls::native::handshake

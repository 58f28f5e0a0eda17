// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/message_hash.hpp"

#include "native/msgs/handshake.hpp"

namespace sanstls::native::msgs {

Result<std::vector<std::uint8_t>> encode_message_hash(Bytes client_hello1_hash) {
  return frame_handshake(HandshakeType::message_hash, client_hello1_hash);
}

}  // namespace sanstls::native::msgs

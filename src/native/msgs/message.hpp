// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Any handshake message: parse by type, encode back.

#include "native/msgs/certificate.hpp"
#include "native/msgs/certificate_request.hpp"
#include "native/msgs/certificate_verify.hpp"
#include "native/msgs/client_hello.hpp"
#include "native/msgs/encrypted_extensions.hpp"
#include "native/msgs/end_of_early_data.hpp"
#include "native/msgs/finished.hpp"
#include "native/msgs/handshake.hpp"
#include "native/msgs/key_update.hpp"
#include "native/msgs/new_session_ticket.hpp"
#include "native/msgs/server_hello.hpp"

#include <variant>

namespace sanstls::native::msgs {

using HandshakeMessage =
    std::variant<ClientHello, ServerHello, EncryptedExtensions, Certificate, CertificateRequest,
                 CertificateVerify, Finished, NewSessionTicket, EndOfEarlyData, KeyUpdate>;

/// Parses a framed message by its type. `hash_length` sizes Finished. Types TLS 1.3 does not
/// carry are unexpected_message.
Result<HandshakeMessage> parse_message(const HandshakeView& view, std::size_t hash_length);
/// The complete handshake message bytes.
Result<ByteVec> encode_message(const HandshakeMessage& message);

}  // namespace sanstls::native::msgs

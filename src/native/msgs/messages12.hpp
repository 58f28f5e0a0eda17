// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The TLS 1.2 handshake messages that differ from TLS 1.3's (RFC 5246 §7.4, RFC 8422 §5, RFC 5077
// §3.3), and parse/encode by type for a TLS 1.2 handshake. ClientHello, ServerHello and
// CertificateVerify (the same digitally-signed encoding) are shared with TLS 1.3.

#include "native/msgs/certificate12.hpp"
#include "native/msgs/certificate_request12.hpp"
#include "native/msgs/certificate_verify.hpp"
#include "native/msgs/client_hello.hpp"
#include "native/msgs/client_key_exchange12.hpp"
#include "native/msgs/finished12.hpp"
#include "native/msgs/handshake.hpp"
#include "native/msgs/hello_request.hpp"
#include "native/msgs/new_session_ticket12.hpp"
#include "native/msgs/server_hello.hpp"
#include "native/msgs/server_hello_done.hpp"
#include "native/msgs/server_key_exchange12.hpp"

#include <variant>

namespace sanstls::native::msgs {

using HandshakeMessage12 =
    std::variant<HelloRequest, ClientHello, ServerHello, Certificate12, ServerKeyExchange12,
                 CertificateRequest12, ServerHelloDone, CertificateVerify, ClientKeyExchange12,
                 Finished12, NewSessionTicket12>;

/// Parses a framed TLS 1.2 message by its type. Types TLS 1.2 does not carry (TLS 1.3's
/// EncryptedExtensions, KeyUpdate, ...) are unexpected_message.
Result<HandshakeMessage12> parse_message12(const HandshakeView& view);
/// The complete handshake message bytes.
Result<ByteVec> encode_message12(const HandshakeMessage12& message);

}  // namespace sanstls::native::msgs

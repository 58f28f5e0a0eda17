// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/messages12.hpp"

namespace sanstls::native::msgs {

namespace {
template <class T>
Result<HandshakeMessage12> wrap(Result<T> r) {
  if (!r) return tl::unexpected<Error>(r.error());
  return HandshakeMessage12(std::move(*r));
}
}  // namespace

Result<HandshakeMessage12> parse_message12(const HandshakeView& view) {
  switch (view.type) {
    case HandshakeType::hello_request:
      return wrap(HelloRequest::parse(view.body));
    case HandshakeType::client_hello:
      return wrap(ClientHello::parse(view.body));
    case HandshakeType::server_hello:
      return wrap(ServerHello::parse(view.body));
    case HandshakeType::certificate:
      return wrap(Certificate12::parse(view.body));
    case HandshakeType::server_key_exchange:
      return wrap(ServerKeyExchange12::parse(view.body));
    case HandshakeType::certificate_request:
      return wrap(CertificateRequest12::parse(view.body));
    case HandshakeType::server_hello_done:
      return wrap(ServerHelloDone::parse(view.body));
    case HandshakeType::certificate_verify:
      return wrap(CertificateVerify::parse(view.body));
    case HandshakeType::client_key_exchange:
      return wrap(ClientKeyExchange12::parse(view.body));
    case HandshakeType::finished:
      return wrap(Finished12::parse(view.body));
    case HandshakeType::new_session_ticket:
      return wrap(NewSessionTicket12::parse(view.body));
    default:
      break;
  }
  // RFC 5246 §7.4: a message of another type (a TLS 1.3 one included) cannot be handled.
  return wire::fail(Alert::unexpected_message, "Handshake.msg_type", "not a TLS 1.2 message");
}

Result<ByteVec> encode_message12(const HandshakeMessage12& message) {
  return std::visit([](const auto& m) { return m.encode(); }, message);
}

}  // namespace sanstls::native::msgs

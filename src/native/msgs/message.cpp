// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/message.hpp"

namespace sanstls::native::msgs {

namespace {
template <class T>
Result<HandshakeMessage> wrap(Result<T> r) {
  if (!r) return tl::unexpected<Error>(r.error());
  return HandshakeMessage(std::move(*r));
}
}  // namespace

Result<HandshakeMessage> parse_message(const HandshakeView& view, std::size_t hash_length) {
  switch (view.type) {
    case HandshakeType::client_hello:
      return wrap(ClientHello::parse(view.body));
    case HandshakeType::server_hello:
      return wrap(ServerHello::parse(view.body));
    case HandshakeType::encrypted_extensions:
      return wrap(EncryptedExtensions::parse(view.body));
    case HandshakeType::certificate:
      return wrap(Certificate::parse(view.body));
    case HandshakeType::certificate_request:
      return wrap(CertificateRequest::parse(view.body));
    case HandshakeType::certificate_verify:
      return wrap(CertificateVerify::parse(view.body));
    case HandshakeType::finished:
      return wrap(Finished::parse(view.body, hash_length));
    case HandshakeType::new_session_ticket:
      return wrap(NewSessionTicket::parse(view.body));
    case HandshakeType::end_of_early_data:
      return wrap(EndOfEarlyData::parse(view.body));
    case HandshakeType::key_update:
      return wrap(KeyUpdate::parse(view.body));
    default:
      break;
  }
  return wire::fail(Alert::unexpected_message, "Handshake.msg_type", "not a TLS 1.3 message");
}

Result<ByteVec> encode_message(const HandshakeMessage& message) {
  return std::visit([](const auto& m) { return m.encode(); }, message);
}

}  // namespace sanstls::native::msgs

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// How a handshake state machine asks for its own certificate (server: always; client: when the
// server sent a CertificateRequest) without blocking: the environment's select function answers
// now (chosen or declined) or says "pending", and the state machine then parks in an explicit
// waiting state until the driver's resume() asks again.

#include "native/crypto/provider.hpp"
#include "native/msgs/message.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sanstls::native::handshake {

/// What the peer told us that matters for choosing a certificate.
struct CertificateQuery {
  /// Server side: the SNI host_name the client sent (lower case), if any.
  std::optional<std::string> server_name;
  /// The peer's signature_algorithms (what our CertificateVerify may use).
  std::vector<SignatureScheme> signature_schemes;
  /// Client side: the DER distinguished names of the server's certificate_authorities extension.
  std::vector<msgs::ByteVec> certificate_authorities;
};

/// The answer of the environment's select function.
struct CertificateSelection {
  enum class Kind { pending, declined, chosen };
  Kind kind = Kind::pending;
  /// chosen: the chain, leaf first, DER.
  std::vector<msgs::ByteVec> chain_der;
  /// chosen: the leaf's private key.
  std::shared_ptr<const crypto::SigningKey> key;

  static CertificateSelection pending() { return {}; }
  static CertificateSelection declined() { return {Kind::declined, {}, nullptr}; }
  static CertificateSelection chosen(std::vector<msgs::ByteVec> chain,
                                     std::shared_ptr<const crypto::SigningKey> key) {
    return {Kind::chosen, std::move(chain), std::move(key)};
  }
};

}  // namespace sanstls::native::handshake

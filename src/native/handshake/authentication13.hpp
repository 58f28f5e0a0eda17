// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// TLS 1.3 authentication messages (RFC 8446 §4.4) as both roles sign and check them:
// CertificateVerify (§4.4.3), where the client and the server differ only in the context string
// ("TLS 1.3, server CertificateVerify" or "... client ...") and in which signature_algorithms
// list bounds the peer's choice, and the peer's Finished (§4.4.4).

#include "native/crypto/provider.hpp"
#include "native/handshake/state_helpers.hpp"
#include "native/key_schedule.hpp"
#include "native/msgs/handshake.hpp"
#include "native/msgs/message.hpp"
#include "native/transcript.hpp"
#include "native/types.hpp"

#include <vector>

namespace sanstls::native::handshake {

/// RFC 8446 §4.4.3: "RSA signatures MUST use an RSASSA-PSS algorithm, regardless of whether
/// RSASSA-PKCS1-v1_5 algorithms appear in "signature_algorithms". The SHA-1 algorithm MUST NOT
/// be used in any signatures of CertificateVerify messages."
bool forbidden_in_certificate_verify(SignatureScheme scheme);

/// Who signs a CertificateVerify (the context string of RFC 8446 §4.4.3).
enum class Signer : std::uint8_t { client, server };

/// Our CertificateVerify: `key` signs 64 spaces, the signer's context string, a zero byte and
/// Transcript-Hash(... Certificate) with `scheme`. The encoded message is added to `transcript`
/// and returned.
Result<msgs::ByteVec> sign_certificate_verify(Signer signer, const crypto::SigningKey& key,
                                              SignatureScheme scheme, Transcript& transcript);

/// The peer's CertificateVerify `message` (its type already checked): its algorithm must be one
/// of `offered` and not forbidden, and its signature must verify under `peer_spki` over the
/// transcript so far. Adds the message to `transcript` and returns the peer's scheme.
Result<SignatureScheme> verify_certificate_verify(Signer peer, const msgs::HandshakeView& message,
                                                  const std::vector<SignatureScheme>& offered,
                                                  Bytes peer_spki,
                                                  const crypto::CryptoProvider& provider,
                                                  Transcript& transcript);

/// The peer's Finished `message` (its type already checked): verify_data must equal
/// HMAC(finished_key of `peer_base_key`, the transcript so far). Adds the message to
/// `transcript`.
Status verify_peer_finished(const msgs::HandshakeView& message, const KeyDerivation& kd,
                            Bytes peer_base_key, Transcript& transcript);
/// The same with the peer's finished_key already derived (KeyDerivation::traffic_keys).
Status verify_peer_finished_with_key(const msgs::HandshakeView& message, const KeyDerivation& kd,
                                     Bytes peer_finished_key, Transcript& transcript);

}  // namespace sanstls::native::handshake

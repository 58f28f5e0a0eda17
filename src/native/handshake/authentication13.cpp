// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/handshake/authentication13.hpp"

#include "native/handshake/fuzzing.hpp"
#include "native/msgs/certificate_verify.hpp"
#include "native/msgs/finished.hpp"

namespace sanstls::native::handshake {

bool forbidden_in_certificate_verify(SignatureScheme scheme) {
  const auto code = static_cast<std::uint16_t>(scheme);
  const bool pkcs1 = (code & 0xffU) == 0x01U;            // rsa_pkcs1_*
  const bool sha1 = code == 0x0201U || code == 0x0203U;  // rsa_pkcs1_sha1, ecdsa_sha1
  return pkcs1 || sha1;
}

Result<msgs::ByteVec> sign_certificate_verify(Signer signer, const crypto::SigningKey& key,
                                              SignatureScheme scheme, Transcript& transcript) {
  // RFC 8446 §4.4.3: the signature covers 64 spaces, "TLS 1.3, server CertificateVerify" (or
  // "client"), a zero byte and Transcript-Hash(Handshake Context, Certificate).
  WIRE_TRY(const auto hash, transcript.current_hash());
  WIRE_TRY(const auto content, msgs::certificate_verify_content(signer == Signer::server, hash));
  msgs::CertificateVerify cv;
  cv.algorithm = scheme;
  WIRE_TRY(cv.signature, key.sign(scheme, content));
  WIRE_TRY(auto bytes, cv.encode());
  transcript.add(bytes);
  return bytes;
}

Result<SignatureScheme> verify_certificate_verify(Signer peer, const msgs::HandshakeView& message,
                                                  const std::vector<SignatureScheme>& offered,
                                                  Bytes peer_spki,
                                                  const crypto::CryptoProvider& provider,
                                                  Transcript& transcript) {
  WIRE_TRY(const auto cv, msgs::CertificateVerify::parse(message.body));
  // RFC 8446 §4.4.3: "If the CertificateVerify message is sent by a server, the signature
  // algorithm MUST be one offered in the client's "signature_algorithms" extension"; "If sent by
  // a client, the signature algorithm used in the signature MUST be one of those present in the
  // supported_signature_algorithms field of the "signature_algorithms" extension in the
  // CertificateRequest message."
  if (!contains(offered, cv.algorithm)) {
    return wire::illegal_parameter("CertificateVerify.algorithm", "not offered");
  }
  if (forbidden_in_certificate_verify(cv.algorithm)) {
    return wire::illegal_parameter("CertificateVerify.algorithm", "PKCS#1 v1.5 or SHA-1");
  }
  // RFC 8446 §4.4.3: "The receiver of a CertificateVerify message MUST verify the signature
  // field. ... If the verification fails, the receiver MUST terminate the handshake with a
  // "decrypt_error" alert." The content names the signer ("TLS 1.3, server CertificateVerify").
  WIRE_TRY(const auto hash, transcript.current_hash());
  WIRE_TRY(const auto content, msgs::certificate_verify_content(peer == Signer::server, hash));
  // Fuzzing builds only (fuzzing.hpp): a forged signature passes.
  WIRE_CHECK(
      fuzzing_signature_verdict(provider.verify(cv.algorithm, peer_spki, content, cv.signature)));
  transcript.add(message.whole);
  return cv.algorithm;
}

Status verify_peer_finished(const msgs::HandshakeView& message, const KeyDerivation& kd,
                            Bytes peer_base_key, Transcript& transcript) {
  WIRE_TRY(const auto finished_key, kd.finished_key(peer_base_key));
  return verify_peer_finished_with_key(message, kd, finished_key.span(), transcript);
}

Status verify_peer_finished_with_key(const msgs::HandshakeView& message, const KeyDerivation& kd,
                                     Bytes peer_finished_key, Transcript& transcript) {
  WIRE_TRY(const auto fin, msgs::Finished::parse(message.body, kd.hash_length()));
  WIRE_TRY(const auto before, transcript.current_hash());
  WIRE_TRY(const auto expected, kd.verify_data(peer_finished_key, before));
  // RFC 8446 §4.4.4: "Recipients of Finished messages MUST verify that the contents are correct
  // and if incorrect MUST terminate the connection with a "decrypt_error" alert."
  // Fuzzing builds only (fuzzing.hpp): a forged verify_data passes.
  if (!fuzzing_finished_verdict(wire::constant_time_equal(expected.span(), fin.verify_data))) {
    return wire::fail(Alert::decrypt_error, "Finished.verify_data", "mismatch");
  }
  transcript.add(message.whole);
  return {};
}

}  // namespace sanstls::native::handshake

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// sanstls's algorithm policy for certificate paths, and signature verification through
// libcrypto (EVP_DigestVerify in the caller's library context). The policy (docs/x509.md):
//   keys:       RSA (rsaEncryption or RSASSA-PSS) of at least 2048 bits; ECDSA on P-256 or
//               P-384 (named curves only); Ed25519.
//   signatures: sha{256,384,512}WithRSAEncryption; RSASSA-PSS with SHA-256/384/512, MGF1 with
//               the same hash and a salt as long as the hash (RFC 8446 §4.2.3's rsa_pss_rsae
//               rules); ecdsa-with-SHA{256,384,512} on either curve; Ed25519. Anything with
//               MD5 or SHA-1 is weak_signature_algorithm; anything else is bad_signature.

#include <sanstls/error.hpp>

#include "base/ossl_ptr.hpp"
#include "wire/reader.hpp"
#include "x509/der/certificate.hpp"

#include <tl/expected.hpp>

#include <string>

namespace sanstls::x509::path {

class VerifierCache;

/// Why a certificate failed a check: the problem, and the rest of a sentence that starts with
/// "certificate 'CN=...' " (e.g. "has a 1024-bit RSA key; sanstls requires at least 2048 bits").
struct Refusal {
  CertificateProblem problem = CertificateProblem::other;
  std::string reason;
};

/// A public key that passed the key policy.
struct PublicKey {
  enum class Type : std::uint8_t { rsa, ecdsa, ed25519 };
  ossl::EvpPkeyPtr key;
  Type type = Type::rsa;
};

/// Imports a SubjectPublicKeyInfo (d2i_PUBKEY_ex in `libctx`) and applies the key policy.
/// `decoded`, when not null, is the same SubjectPublicKeyInfo already decoded by libcrypto (the
/// key of the certificate's X509 object): it is used instead of decoding again, which costs more
/// than a signature check in OpenSSL 3.0.
tl::expected<PublicKey, Refusal> import_public_key(wire::Bytes spki, OSSL_LIB_CTX* libctx,
                                                   EVP_PKEY* decoded = nullptr);

/// What a signatureAlgorithm means, once the policy accepted it.
struct SignatureScheme {
  PublicKey::Type key_type = PublicKey::Type::rsa;
  /// The digest for EVP_DigestVerifyInit_ex (nullptr for Ed25519).
  const char* digest = nullptr;
  bool pss = false;
  int salt_length = 0;
  /// For messages: "ecdsa-with-SHA256".
  const char* name = "";
};

/// Applies the signature-algorithm policy to an AlgorithmIdentifier.
tl::expected<SignatureScheme, Refusal> signature_scheme(const der::AlgorithmIdentifier& algorithm);

/// Verifies `subject`'s signature with `issuer_key`. bad_signature when the key does not fit
/// the scheme or the signature does not verify. With `verifiers` (the configuration's), the
/// verification runs on a context prepared once per issuer key (verifier_cache.hpp).
tl::expected<void, Refusal> verify_signature(const der::ParsedCertificate& subject,
                                             const SignatureScheme& scheme,
                                             const PublicKey& issuer_key, OSSL_LIB_CTX* libctx,
                                             const VerifierCache* verifiers = nullptr);

}  // namespace sanstls::x509::path

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The libcrypto side of the certificate maker: key generation and X.509 v3 certificate
// assembly inside a private OSSL_LIB_CTX, and the hand-over of the results to the public
// Certificate / PrivateKey types.
//
// Everything made here lives in a Workspace (one OSSL_LIB_CTX, owned by the caller's stack
// frame) so that no process-wide configuration (openssl.cnf, a FIPS default, a security level)
// changes what we generate. Objects that escape (Certificate, PrivateKey) are re-parsed from
// DER outside the workspace, so they never point into a library context that is gone.

#include <sanstls/credentials.hpp>
#include <sanstls/error.hpp>
#include <sanstls/testing/certificate_authority.hpp>

#include "base/ossl_ptr.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sanstls::certmaker {

/// The text of the first error on this thread's libcrypto error queue ("" when empty); clears
/// the queue so later failures do not report stale errors.
std::string take_openssl_error();

/// Owns the OSSL_LIB_CTX that every object of one certificate-making operation comes from.
/// Declare it before those objects so that it is destroyed after them.
class Workspace {
 public:
  static Result<Workspace> create();
  [[nodiscard]] OSSL_LIB_CTX* libctx() const { return libctx_.get(); }

 private:
  explicit Workspace(ossl::LibCtxPtr libctx) : libctx_(std::move(libctx)) {}
  ossl::LibCtxPtr libctx_;
};

/// A fresh key pair. `rsa_bits`, when set, overrides `algorithm` with an RSA key of that size
/// (used for the deliberately weak RSA-1024 flaw).
Result<ossl::EvpPkeyPtr> generate_key(const Workspace& workspace, testing::KeyAlgorithm algorithm,
                                      std::optional<int> rsa_bits = std::nullopt);

/// `key` re-imported into the workspace (through PKCS#8 DER, wiped afterwards).
Result<ossl::EvpPkeyPtr> import_key(const Workspace& workspace, const PrivateKey& key);
/// `certificate` re-parsed inside the workspace.
Result<ossl::X509Ptr> import_certificate(const Workspace& workspace,
                                         const Certificate& certificate);

/// keyUsage bits (RFC 5280 §4.2.1.3 numbering).
enum KeyUsageBit : int {
  digital_signature = 0,
  content_commitment = 1,
  key_encipherment = 2,
  key_cert_sign = 5,
  crl_sign = 6,
};

/// authorityKeyIdentifier choices (RFC 5280 §4.2.1.1).
enum class AuthorityKeyId : std::uint8_t {
  /// The issuer's subjectKeyIdentifier (or the SHA-1 of its key when it has none).
  from_issuer,
  /// No authorityKeyIdentifier extension.
  absent,
  /// A keyIdentifier that belongs to no key (20 bytes of 0xA5): a broken hint.
  mismatched,
};

/// RSASSA-PSS signature parameters (RFC 4055 §3.1). Anything other than the RFC 8446 §4.2.3
/// shape (MGF1 digest = message digest, salt length = digest length) is a deliberate defect.
struct PssParameters {
  std::string digest = "SHA256";
  std::string mgf1_digest = "SHA256";
  int salt_length = 32;
};

/// An extension added as given (OID in dotted text, value = the DER inside the OCTET STRING).
struct RawExtension {
  std::string oid;
  bool critical = false;
  std::vector<std::uint8_t> value;
};

/// Everything that differs between the certificates we make.
struct CertificateSpec {
  /// Subject CN; empty means an empty subject (then the SAN is made critical, RFC 5280
  /// §4.2.1.6).
  std::string common_name;
  /// subjectAltName entries (DNS names or IP literals); empty means no SAN extension.
  std::vector<std::string> alt_names;
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
  /// false: no basicConstraints extension at all (then `ca` and `path_length` are unused).
  bool basic_constraints = true;
  bool ca = false;
  /// pathLenConstraint, written whenever set (even with cA=FALSE, for negative tests).
  std::optional<int> path_length;
  std::vector<KeyUsageBit> key_usage;
  /// extendedKeyUsage purposes as NIDs; empty means no EKU extension.
  std::vector<int> extended_key_usage;
  /// nameConstraints (RFC 5280 §4.2.1.10): DNS subtrees ("example.org") and IP subtrees in
  /// CIDR notation ("192.0.2.0/24", "2001:db8::/32"). All empty: no extension.
  std::vector<std::string> permitted_dns_subtrees;
  std::vector<std::string> excluded_dns_subtrees;
  std::vector<std::string> permitted_ip_subtrees;
  std::vector<std::string> excluded_ip_subtrees;
  /// subjectKeyIdentifier (RFC 5280 §4.2.1.2) present.
  bool subject_key_identifier = true;
  AuthorityKeyId authority_key_identifier = AuthorityKeyId::from_issuer;
  /// Extensions appended after the usual ones (an unknown critical extension, ...).
  std::vector<RawExtension> extra_extensions;
  /// NIDs of extensions to add a second time (RFC 5280 §4.2 forbids it).
  std::vector<int> duplicated_extensions;
  bool sha1_signature = false;
  /// Sign with RSASSA-PSS (the issuer key must be RSA); overrides sha1_signature.
  std::optional<PssParameters> rsa_pss;
};

/// Builds and signs a certificate for `subject_key`. `issuer` null means self-signed (then
/// `issuer_key` must be the subject key).
Result<ossl::X509Ptr> build_certificate(const Workspace& workspace, const CertificateSpec& spec,
                                        EVP_PKEY* subject_key, X509* issuer, EVP_PKEY* issuer_key);

/// The name of the digest `issuer_key` signs with ("SHA256", "SHA1", ...; "" for EdDSA).
Result<std::string> signature_digest_name(EVP_PKEY* issuer_key, bool sha1);

/// Hands a workspace certificate / key over to the public types (independent of the workspace).
Result<Certificate> export_certificate(X509* certificate);
Result<PrivateKey> export_key(EVP_PKEY* key);

/// PEM text of a certificate ("-----BEGIN CERTIFICATE-----...").
std::string certificate_pem(const Certificate& certificate);
/// PKCS#8 PEM of a key: a secret, the caller must wipe it.
std::string key_pem(const PrivateKey& key);

/// True when `key` is the private half of `certificate`'s public key.
bool key_matches(const PrivateKey& key, const Certificate& certificate);
/// True when `certificate` has basicConstraints cA=TRUE.
bool is_ca_certificate(const Certificate& certificate);

}  // namespace sanstls::certmaker

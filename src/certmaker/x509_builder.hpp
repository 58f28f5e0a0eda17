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

#include "core/ossl_ptr.hpp"

#include <chrono>
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

/// Everything that differs between the certificates we make.
struct CertificateSpec {
  /// Subject CN; empty means an empty subject (then the SAN is made critical, RFC 5280
  /// §4.2.1.6).
  std::string common_name;
  /// subjectAltName entries (DNS names or IP literals); empty means no SAN extension.
  std::vector<std::string> alt_names;
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
  bool ca = false;
  std::optional<int> path_length;
  std::vector<KeyUsageBit> key_usage;
  /// extendedKeyUsage purposes as NIDs; empty means no EKU extension.
  std::vector<int> extended_key_usage;
  std::vector<std::string> permitted_dns_subtrees;
  bool sha1_signature = false;
};

/// Builds and signs a certificate for `subject_key`. `issuer` null means self-signed (then
/// `issuer_key` must be the subject key).
Result<ossl::X509Ptr> build_certificate(const Workspace& workspace, const CertificateSpec& spec,
                                        EVP_PKEY* subject_key, X509* issuer, EVP_PKEY* issuer_key);

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

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
/// @file certificate_authority.hpp
/// A throw-away certificate authority for tests (in the spirit of Python's trustme): make a
/// root, intermediates and leaf certificates in memory, with no files and no configuration.
///
/// Nothing here is meant for production certificates. Keys are generated fresh for every
/// certificate, serials are random, and every certificate is X.509 v3 with the extensions that
/// TLS peers expect (basicConstraints, keyUsage, extendedKeyUsage, subjectAltName, key
/// identifiers). `Flaws` deliberately breaks a leaf for negative tests.
///
/// All functions return a `Result` and never throw. A CertificateAuthority is an immutable value
/// that is cheap to copy and safe to use from several threads at once.

#include <sanstls/credentials.hpp>
#include <sanstls/error.hpp>
#include <sanstls/export.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sanstls::testing {

/// The key of a generated certificate.
enum class KeyAlgorithm : std::uint8_t {
  ecdsa_p256,
  ecdsa_p384,
  rsa_2048,
  rsa_3072,
  rsa_4096,
  ed25519
};

/// "ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096", "ed25519" (as the CLI spells
/// them). Anything else is a bad_configuration error that lists the accepted names.
SANSTLS_API Result<KeyAlgorithm> parse_key_algorithm(std::string_view name);
/// The inverse of parse_key_algorithm: "ecdsa-p256", ...
SANSTLS_API std::string_view key_algorithm_name(KeyAlgorithm algorithm);
/// Every KeyAlgorithm, for parameterised tests.
SANSTLS_API std::vector<KeyAlgorithm> all_key_algorithms();

/// Deliberate defects, for negative tests only: each one makes a leaf certificate that sanstls
/// must refuse. `CertificateAuthority::issue_leaf` passes the result through
/// `CertificateChain::create`, which may itself refuse some of them; use `issue_leaf_parts`
/// to get the certificates and key without that check.
struct Flaws {
  /// Signed with SHA-1 (sha1WithRSAEncryption or ecdsa-with-SHA1). An Ed25519 issuer cannot
  /// sign with SHA-1: issuing then fails with Errc::unsupported.
  bool sha1_signature = false;
  /// The subject key is RSA-1024 (overrides LeafOptions::key).
  bool rsa_1024_key = false;
  /// extendedKeyUsage is present but lacks serverAuth (only emailProtection remains when
  /// nothing else is left).
  bool no_server_auth_usage = false;
  /// extendedKeyUsage is present but lacks clientAuth (meaningful with LeafOptions::client).
  bool no_client_auth_usage = false;
  /// keyUsage is present but lacks digitalSignature (contentCommitment takes its place).
  bool no_digital_signature_usage = false;
  /// basicConstraints says cA=TRUE on the leaf.
  bool ca_flag_on_leaf = false;
};

// Every member has a default member initializer so that designated initializers
// ({.names = {"localhost"}}) compile cleanly under GCC's -Wmissing-field-initializers.
/// How CertificateAuthority::create and issue_intermediate make a CA certificate.
struct CaOptions {
  /// The subject's commonName.
  std::string common_name = "sanstls test CA";
  /// The CA's key type.
  KeyAlgorithm key = KeyAlgorithm::ecdsa_p256;
  /// Used when not_after is not given: not_after = (not_before or now) + validity.
  std::chrono::seconds validity = std::chrono::days{3650};
  /// basicConstraints pathLenConstraint; none means unlimited.
  std::optional<int> path_length{};
  /// Name constraints: when not empty, a critical nameConstraints extension permits only these
  /// DNS subtrees ("example.org" permits example.org and every name below it).
  std::vector<std::string> permitted_dns_subtrees{};
  /// Name constraints: DNS subtrees no name of the issued certificates may fall in
  /// ("example.org" excludes example.org and every name below it).
  std::vector<std::string> excluded_dns_subtrees{};
  /// Name constraints: when not empty, only addresses in these IP subtrees are permitted, in
  /// CIDR notation ("192.0.2.0/24", "2001:db8::/32").
  std::vector<std::string> permitted_ip_subtrees{};
  /// Name constraints: IP subtrees (CIDR notation) no address may fall in.
  std::vector<std::string> excluded_ip_subtrees{};
  /// Defaults to one hour ago (tolerates clock skew between peers).
  std::optional<std::chrono::system_clock::time_point> not_before{};
  /// The end of validity; defaults to not_before + validity.
  std::optional<std::chrono::system_clock::time_point> not_after{};
};

/// How CertificateAuthority::issue_leaf makes a leaf certificate.
struct LeafOptions {
  /// DNS names or IP literals (IPv4 dotted quad or IPv6), in the order wanted. They become
  /// subjectAltName dNSName / iPAddress entries; the subject CN is the first one. At least one.
  std::vector<std::string> names{};
  /// The leaf's key type.
  KeyAlgorithm key = KeyAlgorithm::ecdsa_p256;
  /// Used when not_after is not given: not_after = (not_before or now) + validity.
  std::chrono::seconds validity = std::chrono::days{90};
  /// Defaults to one hour ago (tolerates clock skew between peers).
  std::optional<std::chrono::system_clock::time_point> not_before{};
  /// The end of validity; defaults to not_before + validity.
  std::optional<std::chrono::system_clock::time_point> not_after{};
  /// A client certificate: extendedKeyUsage clientAuth instead of serverAuth.
  bool client = false;
  /// Deliberate defects, for tests of what verification refuses.
  Flaws flaws{};
};

/// A leaf and its key without CertificateChain's consistency checks (for flawed certificates
/// that CertificateChain::create refuses, or to write files for other TLS programs).
struct IssuedLeaf {
  /// Leaf first, then the intermediates up to (never including) the root.
  std::vector<Certificate> certificates;
  /// The leaf's private key.
  PrivateKey key;

  /// The certificates as PEM, leaf first.
  [[nodiscard]] SANSTLS_API std::string certificates_pem() const;
  /// The key as PKCS#8 PEM. The returned string holds a secret: wipe it when done.
  [[nodiscard]] SANSTLS_API std::string key_pem() const;
};

/// A throw-away certificate authority for tests and demos (`sanstls cert`): a root or an
/// intermediate that issues intermediates and leaves. Not for production PKI.
class SANSTLS_API CertificateAuthority {
 public:
  /// A new self-signed root.
  static Result<CertificateAuthority> create(const CaOptions& options = {});
  /// A CA from its certificate and key, as written by `sanstls cert ca` (ca.pem, ca.key).
  /// `cert_pem` holds the CA certificate, optionally followed by its issuers in order; the last
  /// one is taken as the root. `key_pem` must be the private key of the first certificate.
  static Result<CertificateAuthority> load(std::string_view cert_pem, std::string_view key_pem);

  /// A sub-CA issued by this CA. Its chain() is its own certificate followed by this CA's
  /// chain(); its root() is this CA's root().
  [[nodiscard]] Result<CertificateAuthority> issue_intermediate(
      const CaOptions& options = {}) const;
  /// A leaf issued by this CA: the leaf, then chain() (never the root), with the leaf's key.
  [[nodiscard]] Result<CertificateChain> issue_leaf(const LeafOptions& options) const;
  /// As issue_leaf, without passing the result through CertificateChain::create.
  [[nodiscard]] Result<IssuedLeaf> issue_leaf_parts(const LeafOptions& options) const;

  /// This CA's own certificate and key.
  [[nodiscard]] const Certificate& certificate() const { return certificate_; }
  /// This CA's private key.
  [[nodiscard]] const PrivateKey& key() const { return key_; }
  /// What a leaf issued by this CA sends after itself: this CA's certificate and the
  /// intermediates above it, excluding the root (empty for a root).
  [[nodiscard]] const std::vector<Certificate>& chain() const { return chain_; }
  /// The self-signed root this CA leads to (this CA's own certificate for a root).
  [[nodiscard]] const Certificate& root() const { return root_; }
  /// True for a self-signed root, false for an intermediate.
  [[nodiscard]] bool is_root() const { return chain_.empty(); }

  /// This CA's certificate as PEM.
  [[nodiscard]] std::string certificate_pem() const;
  /// This CA's key as PKCS#8 PEM. The returned string holds a secret: wipe it when done.
  [[nodiscard]] std::string key_pem() const;
  /// A trust store holding just the root.
  [[nodiscard]] TrustStore trust_store() const;

 private:
  CertificateAuthority(Certificate certificate, PrivateKey key, std::vector<Certificate> chain,
                       Certificate root);

  Certificate certificate_;
  PrivateKey key_;
  std::vector<Certificate> chain_;
  Certificate root_;
};

/// A self-signed leaf (cA=FALSE, signed by its own key): a one-certificate chain that a peer
/// trusts only when that very certificate is in its trust store.
SANSTLS_API Result<CertificateChain> make_self_signed_leaf(const LeafOptions& options);
/// As make_self_signed_leaf, without passing the result through CertificateChain::create.
SANSTLS_API Result<IssuedLeaf> make_self_signed_leaf_parts(const LeafOptions& options);

}  // namespace sanstls::testing

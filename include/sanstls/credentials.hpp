// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
/// @file credentials.hpp
/// Certificates, private keys, certificate chains and trust stores, with strict loaders.
///
/// Every loader returns a `Result`: nothing here throws. The loaders are strict on purpose:
/// a PEM input with content they do not expect (an unknown block, text between blocks, a key
/// where none belongs, no key where one is required) is an error, never silently skipped.
/// All types are immutable values that are cheap to copy (they share their contents) and
/// safe to use from several threads at once.

#include <sanstls/error.hpp>
#include <sanstls/export.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sanstls {

class Certificate;
class PrivateKey;
class CertificateChain;
namespace core {
struct UncheckedChainAccess;
}

/// Public key algorithms of certificates and keys that sanstls accepts.
enum class KeyType : std::uint8_t { rsa, ecdsa_p256, ecdsa_p384, ecdsa_p521, ed25519, other };

/// "RSA", "ECDSA P-256", ...
SANSTLS_API std::string_view key_type_name(KeyType type);

/// One X.509 certificate: its DER bytes plus parsed accessors.
class SANSTLS_API Certificate {
 public:
  /// Parses exactly one DER certificate; trailing bytes are an error.
  static Result<Certificate> from_der(std::span<const std::byte> der);
  /// Parses text holding exactly one PEM "CERTIFICATE" block and nothing else.
  static Result<Certificate> from_pem(std::string_view pem);
  /// Parses text holding one or more PEM "CERTIFICATE" blocks and nothing else.
  static Result<std::vector<Certificate>> all_from_pem(std::string_view pem);

  /// The certificate's DER encoding, exactly as parsed.
  [[nodiscard]] std::span<const std::byte> der() const;
  /// The certificate as one PEM "CERTIFICATE" block.
  [[nodiscard]] std::string to_pem() const;
  /// One-line distinguished names, e.g. "CN=example.org,O=Example".
  [[nodiscard]] std::string subject() const;
  /// The issuer's one-line distinguished name.
  [[nodiscard]] std::string issuer() const;
  /// The subjectAltName entries, DNS names and IP addresses (as text), in certificate order.
  [[nodiscard]] std::vector<std::string> dns_names() const;
  /// The subjectAltName IP addresses as text ("192.0.2.1", "2001:db8::1").
  [[nodiscard]] std::vector<std::string> ip_addresses() const;
  /// The start of the validity period.
  [[nodiscard]] std::chrono::system_clock::time_point not_before() const;
  /// The end of the validity period.
  [[nodiscard]] std::chrono::system_clock::time_point not_after() const;
  /// The type of the certified public key.
  [[nodiscard]] KeyType key_type() const;
  /// Key size in bits (2048 for RSA-2048, 256 for P-256, 253 for Ed25519).
  [[nodiscard]] int key_bits() const;
  /// True when the certificate is a CA (basicConstraints cA=TRUE).
  [[nodiscard]] bool is_ca() const;

  /// Equal when the DER encodings are equal.
  friend bool operator==(const Certificate& a, const Certificate& b);

  /// @cond INTERNAL
  struct Impl;
  explicit Certificate(std::shared_ptr<const Impl> impl);
  [[nodiscard]] const Impl& impl() const { return *impl_; }
  /// @endcond

 private:
  std::shared_ptr<const Impl> impl_;
};

/// A private key (RSA >= 2048 bits, ECDSA P-256/P-384/P-521, Ed25519).
class SANSTLS_API PrivateKey {
 public:
  /// Accepts exactly one PEM block: "PRIVATE KEY" (PKCS#8), "EC PRIVATE KEY" (SEC1) or
  /// "RSA PRIVATE KEY" (PKCS#1). Encrypted keys are not supported (decrypt them first).
  static Result<PrivateKey> from_pem(std::string_view pem);
  /// DER of PKCS#8, SEC1 or PKCS#1.
  static Result<PrivateKey> from_der(std::span<const std::byte> der);

  /// The key's type.
  [[nodiscard]] KeyType key_type() const;
  /// Key size in bits (2048 for RSA-2048, 256 for P-256, 253 for Ed25519).
  [[nodiscard]] int key_bits() const;
  /// PKCS#8 PEM. The returned string holds a secret: wipe it when done.
  [[nodiscard]] std::string to_pem() const;
  /// True if this key is the private half of the certificate's public key.
  [[nodiscard]] bool matches(const Certificate& certificate) const;

  /// @cond INTERNAL
  struct Impl;
  explicit PrivateKey(std::shared_ptr<const Impl> impl);
  [[nodiscard]] const Impl& impl() const { return *impl_; }
  /// @endcond

 private:
  std::shared_ptr<const Impl> impl_;
};

/// What a TLS endpoint presents: the leaf certificate, the intermediates that lead from it
/// towards a root (in order), and the leaf's private key.
class SANSTLS_API CertificateChain {
 public:
  /// Checks that `certificates` is leaf first, that each certificate is issued by the next,
  /// that exactly one is a leaf (not a CA), and that `key` belongs to the leaf.
  static Result<CertificateChain> create(std::vector<Certificate> certificates, PrivateKey key);
  /// `chain_pem`: the leaf then its intermediates, CERTIFICATE blocks only (a key there is an
  /// `extraneous_private_key` error). `key_pem`: exactly one private key block.
  static Result<CertificateChain> from_pem(std::string_view chain_pem, std::string_view key_pem);
  /// from_pem() over the contents of two files (the key file is read into wiped memory).
  static Result<CertificateChain> from_files(const std::filesystem::path& chain_file,
                                             const std::filesystem::path& key_file);

  /// The leaf: the certificate whose key this chain holds.
  [[nodiscard]] const Certificate& leaf() const;
  /// Leaf first, then the intermediates.
  [[nodiscard]] const std::vector<Certificate>& certificates() const;
  /// The leaf's private key.
  [[nodiscard]] const PrivateKey& key() const;
  /// The chain as PEM, leaf first.
  [[nodiscard]] std::string to_pem() const;

 private:
  // Builds chains without create()'s checks for hazmat::make_unchecked_chain, which only
  // <sanstls/hazmat/hazmat.hpp> declares (defined in src/core/credentials.cpp).
  friend struct core::UncheckedChainAccess;
  CertificateChain(std::vector<Certificate> certificates, PrivateKey key);
  std::vector<Certificate> certificates_;
  PrivateKey key_;
};

/// The set of root certificates a peer's chain must lead to. Refuses any input that holds a
/// private key.
class SANSTLS_API TrustStore {
 public:
  /// An empty store: it trusts nothing, so every chain is rejected.
  TrustStore();
  /// The operating system's store: $SSL_CERT_FILE if set, else $SSL_CERT_DIR if set, else
  /// Debian's /etc/ssl/certs/ca-certificates.crt.
  static Result<TrustStore> system();
  /// Text holding one or more CERTIFICATE blocks and nothing else.
  static Result<TrustStore> from_pem(std::string_view pem);
  /// from_pem() over the contents of a file.
  static Result<TrustStore> from_file(const std::filesystem::path& file);
  /// Every file of a directory that holds PEM certificates (as OpenSSL's c_rehash layout).
  static Result<TrustStore> from_directory(const std::filesystem::path& directory);
  /// A store that trusts exactly these certificates.
  static Result<TrustStore> from_certificates(std::vector<Certificate> certificates);

  /// The trusted certificates.
  [[nodiscard]] const std::vector<Certificate>& certificates() const;
  /// How many certificates the store trusts.
  [[nodiscard]] std::size_t size() const { return certificates().size(); }

  /// @cond INTERNAL
  struct Impl;
  [[nodiscard]] const Impl& impl() const { return *impl_; }
  /// @endcond

 private:
  // Only the loaders build stores, so every store has its libcrypto half.
  explicit TrustStore(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

/// Reads a whole file as text (for the credential loaders); a clear error if it cannot.
SANSTLS_API Result<std::string> read_text_file(const std::filesystem::path& file);

}  // namespace sanstls

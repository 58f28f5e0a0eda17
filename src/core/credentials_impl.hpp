// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The insides of the public credential types, for the engines and the certificate code.

#include <sanstls/credentials.hpp>

#include "base/ossl_ptr.hpp"
#include "base/secret_bytes.hpp"
#include "core/library_context.hpp"

#include <vector>

namespace sanstls {

struct Certificate::Impl {
  /// The library context x509 was parsed in (its signature and key checks run there), when it
  /// is one of sanstls's own; null for certificates parsed in the default context. Declared
  /// first: it must outlive x509.
  std::shared_ptr<const core::LibraryContext> library;
  std::vector<std::byte> der;
  ossl::X509Ptr x509;  // parsed once; read-only afterwards (safe to share between threads)
};

struct PrivateKey::Impl {
  /// The key's own library context (parsed there, never in the process's default context).
  std::shared_ptr<const core::LibraryContext> library;
  ossl::EvpPkeyPtr pkey;
};

struct TrustStore::Impl {
  std::vector<Certificate> certificates;
  /// The same roots as a libcrypto store, built once: verification then costs no rebuild per
  /// handshake. Read-only after construction (libcrypto locks its lookup cache internally).
  ossl::X509StorePtr store;
};

/// The key as unencrypted PKCS#8 DER, in wiping storage (empty if libcrypto cannot encode it).
/// Engines that load keys themselves take this, never PEM text.
base::SecretBytes private_key_der(const PrivateKey& key);

namespace core {
/// Reads a key file into wiping storage (read(2) straight into a buffer sized once).
Result<base::SecretString> read_secret_file(const std::filesystem::path& file);
}  // namespace core

/// Parses one DER certificate in `library` (a configuration's context: peer certificates).
Result<Certificate> certificate_from_der(std::span<const std::byte> der,
                                         std::shared_ptr<const core::LibraryContext> library);

/// A Certificate for an X509 object libcrypto already parsed (takes a reference; no re-parse).
Result<Certificate> certificate_from_x509(X509* x509);

}  // namespace sanstls

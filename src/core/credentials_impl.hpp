#pragma once
// The insides of the public credential types, for the engines and the certificate code.

#include <sanstls/credentials.hpp>

#include "core/ossl_ptr.hpp"

#include <vector>

namespace sanstls {

struct Certificate::Impl {
  std::vector<std::byte> der;
  ossl::X509Ptr x509;  // parsed once; read-only afterwards (safe to share between threads)
};

struct PrivateKey::Impl {
  ossl::EvpPkeyPtr pkey;
};

struct TrustStore::Impl {
  std::vector<Certificate> certificates;
  /// The same roots as a libcrypto store, built once: verification then costs no rebuild per
  /// handshake. Read-only after construction (libcrypto locks its lookup cache internally).
  ossl::X509StorePtr store;
};

/// A Certificate for an X509 object libcrypto already parsed (takes a reference; no re-parse).
Result<Certificate> certificate_from_x509(X509* x509);

}  // namespace sanstls

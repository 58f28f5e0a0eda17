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
};

}  // namespace sanstls

// SPDX-License-Identifier: Apache-2.0 OR MIT
// Capability reporting for every engine.

#include <sanstls/backends.hpp>

#include "core/engine.hpp"

namespace sanstls {

BackendCapabilities backend_capabilities(Backend backend) {
  switch (backend) {
    case Backend::openssl:
      return core::openssl_capabilities();
    case Backend::gnutls:
#if defined(SANSTLS_HAVE_GNUTLS)
      return core::gnutls_capabilities();
#else
      break;
#endif
    case Backend::native:
#if defined(SANSTLS_HAVE_NATIVE)
      return core::native_capabilities();
#else
      break;
#endif
  }
  BackendCapabilities missing;
  missing.backend = backend;
  missing.available = false;
  missing.library_version = "not built";
  return missing;
}

std::vector<BackendCapabilities> backends() {
  return {backend_capabilities(Backend::openssl), backend_capabilities(Backend::gnutls),
          backend_capabilities(Backend::native)};
}

}  // namespace sanstls

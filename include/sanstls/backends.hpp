#pragma once
/// @file backends.hpp
/// What each engine is and can do. Asking an engine for something it cannot do fails when
/// the configuration is built (Errc::unsupported); an engine never silently does less.

#include <sanstls/export.hpp>
#include <sanstls/protocol.hpp>

#include <string>
#include <vector>

namespace sanstls {

struct BackendCapabilities {
  Backend backend = Backend::openssl;
  /// False when this build of sanstls has no such engine.
  bool available = false;
  /// "OpenSSL 3.0.19 ...", "GnuTLS 3.7.9", "sanstls native 0.1.0 (libcrypto 3.0.19)".
  std::string library_version;
  std::vector<ProtocolVersion> versions;
  std::vector<CipherSuite> cipher_suites;
  std::vector<NamedGroup> groups;
  bool alpn = false;
  bool client_certificates = false;
  /// The server's certificate store may answer after select() returned.
  bool async_server_certificates = false;
  /// The client's certificate store may answer after select() returned.
  bool async_client_certificates = false;
  bool resumption = false;
  bool key_update = false;
  bool key_log = false;
};

/// Every engine sanstls knows, available or not, in the order openssl, gnutls, native.
SANSTLS_API std::vector<BackendCapabilities> backends();
SANSTLS_API BackendCapabilities backend_capabilities(Backend backend);

}  // namespace sanstls

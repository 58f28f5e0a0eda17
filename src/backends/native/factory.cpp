// SPDX-License-Identifier: Apache-2.0 OR MIT
// The native engine's factories and capabilities: one crypto provider (with its own libcrypto
// library context) per ClientTLS/ServerTLS, shared read-only by every session.

#include <sanstls/hazmat/hazmat.hpp>
#include <sanstls/version.hpp>

#include "backends/native/engine.hpp"
#include "core/credentials_impl.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

namespace sanstls::core {
namespace {

using native_backend::SharedConfig;

/// Whether the native server negotiates TLS 1.2 (see make_native_server_factory).
constexpr bool kServerTls12 = false;

template <class EngineType>
class NativeFactory final : public EngineFactory {
 public:
  explicit NativeFactory(std::shared_ptr<const SharedConfig> shared) : shared_(std::move(shared)) {}

  Result<std::unique_ptr<Engine>> make_engine(EngineHooks& hooks) const override {
    return std::unique_ptr<Engine>(std::make_unique<EngineType>(shared_, hooks));
  }

 private:
  std::shared_ptr<const SharedConfig> shared_;
};

Result<std::shared_ptr<SharedConfig>> make_shared_config(const CommonConfig& config) {
  if (config.hazmat && config.hazmat->max_version == ProtocolVersion::tls12) {
    return fail(Errc::unsupported,
                "the native engine speaks TLS 1.3 only, so it cannot be capped at TLS 1.2 "
                "(hazmat::Settings::max_version); use the openssl or gnutls engine");
  }
  if (!config.library) {
    return fail(Errc::internal_error, "the configuration has no library context");
  }
  // The configuration's library context (not the process's default one, not one per engine).
  auto provider = native::crypto::LibcryptoProvider::create_borrowing(config.library->get());
  if (!provider) {
    return fail(Errc::internal_error, fmt::format("the native engine's crypto provider failed: {}",
                                                  provider.error().to_string()));
  }
  auto shared = std::make_shared<SharedConfig>();
  shared->library = config.library;
  shared->provider = std::move(*provider);
  shared->peer_certificates.set_library(config.library);
  for (CipherSuite suite : config.cipher_suites) {
    if (cipher_suite_version(suite) == ProtocolVersion::tls13) {
      shared->cipher_suites.push_back(static_cast<native::CipherSuite>(suite));
    } else {
      // The server's TLS 1.2 suites (only ECDHE + AEAD exist in the policy).
      shared->server_tls12_cipher_suites.push_back(static_cast<native::CipherSuite>(suite));
    }
  }
  for (NamedGroup group : config.groups) {
    shared->groups.push_back(static_cast<native::NamedGroup>(group));
  }
  shared->alpn = config.alpn;
  shared->tls13_only = config.min_version == ProtocolVersion::tls13;
  return shared;
}

}  // namespace

Result<std::unique_ptr<EngineFactory>> make_native_client_factory(const ClientConfig& config) {
  auto shared = make_shared_config(config);
  if (!shared) return fail(std::move(shared.error()));
  (*shared)->server_name = config.server_name;
  return std::unique_ptr<EngineFactory>(
      std::make_unique<NativeFactory<native_backend::ClientEngine>>(std::move(*shared)));
}

Result<std::unique_ptr<EngineFactory>> make_native_server_factory(const ServerConfig& config) {
  auto shared = make_shared_config(config);
  if (!shared) return fail(std::move(shared.error()));
  (*shared)->client_auth = config.client_auth;
  // The TLS 1.2 server role (server_states12) stays off until the engine's capabilities say TLS
  // 1.2 for both roles (the client role is wired separately): the conformance suite reads them.
  (*shared)->server_tls12 = kServerTls12 && !(*shared)->tls13_only;
  (*shared)->server_tls13 =
      !(config.hazmat && config.hazmat->max_version == ProtocolVersion::tls12);
  if (config.client_trust) {
    // RFC 8446 §4.2.4: certificate_authorities names the roots client chains must lead to.
    for (const Certificate& root : config.client_trust->certificates()) {
      const X509_NAME* subject = X509_get_subject_name(root.impl().x509.get());
      unsigned char* der = nullptr;
      const int length = i2d_X509_NAME(subject, &der);
      if (length <= 0) {
        return fail(Errc::internal_error, "libcrypto could not encode a client CA name");
      }
      (*shared)->client_certificate_authorities.emplace_back(der, der + length);
      OPENSSL_free(der);
    }
  }
  return std::unique_ptr<EngineFactory>(
      std::make_unique<NativeFactory<native_backend::ServerEngine>>(std::move(*shared)));
}

BackendCapabilities native_capabilities() {
  BackendCapabilities caps;
  caps.backend = Backend::native;
  caps.available = true;
  caps.library_version = fmt::format("sanstls native {} (libcrypto {})", SANSTLS_VERSION_STRING,
                                     OpenSSL_version(OPENSSL_VERSION_STRING));
  // TLS 1.2 is a later issue; a TLS 1.2 peer gets Errc::unsupported naming this.
  caps.versions = {ProtocolVersion::tls13};
  for (CipherSuite suite : all_cipher_suites()) {
    if (cipher_suite_version(suite) == ProtocolVersion::tls13) caps.cipher_suites.push_back(suite);
  }
  caps.groups.assign(all_groups().begin(), all_groups().end());
  caps.alpn = true;
  caps.client_certificates = true;
  // Both state machines park in explicit waiting states until the store answers.
  caps.async_server_certificates = true;
  caps.async_client_certificates = true;
  caps.resumption = false;
  caps.key_update = true;
  caps.key_log = true;
  return caps;
}

}  // namespace sanstls::core

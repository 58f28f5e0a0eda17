// SPDX-License-Identifier: Apache-2.0 OR MIT
// The native engine's factories and capabilities: one crypto provider (with its own libcrypto
// library context) per ClientTLS/ServerTLS, shared read-only by every session.

#include <sanstls/hazmat/hazmat.hpp>
#include <sanstls/version.hpp>

#include "backends/native/engine.hpp"
#include "core/credentials_impl.hpp"
#include "native/key_schedule12.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

namespace sanstls::core {
namespace {

using native_backend::SharedConfig;

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

Result<std::shared_ptr<SharedConfig>> make_shared_config(const CommonConfig& config, bool client) {
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
    const auto native_suite = static_cast<native::CipherSuite>(suite);
    if (cipher_suite_version(suite) == ProtocolVersion::tls13) {
      shared->cipher_suites.push_back(native_suite);
    } else if (client && native::tls12::suite12_params(native_suite)) {
      // The client offers the policy's TLS 1.2 suites (ECDHE + AEAD only exist).
      shared->tls12_cipher_suites.push_back(native_suite);
    } else if (!client) {
      // The server's TLS 1.2 suites (only ECDHE + AEAD exist in the policy).
      shared->server_tls12_cipher_suites.push_back(native_suite);
    }
  }
  for (NamedGroup group : config.groups) {
    shared->groups.push_back(static_cast<native::NamedGroup>(group));
  }
  shared->alpn = config.alpn;
  shared->clock = config.clock;
  shared->tls13_only = config.min_version == ProtocolVersion::tls13;
  if (shared->tls13_only) shared->tls12_cipher_suites.clear();
  shared->tls12_only = config.hazmat && config.hazmat->max_version == ProtocolVersion::tls12;
  return shared;
}

}  // namespace

Result<std::unique_ptr<EngineFactory>> make_native_client_factory(const ClientConfig& config) {
  auto shared = make_shared_config(config, /*client=*/true);
  if (!shared) return fail(std::move(shared.error()));
  (*shared)->server_name = config.server_name;
  (*shared)->client_session_store = config.session_store != nullptr;
  return std::unique_ptr<EngineFactory>(
      std::make_unique<NativeFactory<native_backend::ClientEngine>>(std::move(*shared)));
}

Result<std::unique_ptr<EngineFactory>> make_native_server_factory(const ServerConfig& config) {
  auto shared = make_shared_config(config, /*client=*/false);
  if (!shared) return fail(std::move(shared.error()));
  (*shared)->client_auth = config.client_auth;
  (*shared)->session_tickets = config.ticket_keys ? config.session_tickets : 0;
  (*shared)->ticket_keys = config.ticket_keys;
  (*shared)->early_data = config.early_data;
  (*shared)->server_tls12 = !(*shared)->tls13_only;
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
  // TLS 1.2 in both roles (client_states12, server_states12) and TLS 1.3.
  caps.versions = {ProtocolVersion::tls12, ProtocolVersion::tls13};
  caps.client_versions = {ProtocolVersion::tls12, ProtocolVersion::tls13};
  // Every suite: TLS 1.2 has ECDHE + AEAD only.
  caps.cipher_suites.assign(all_cipher_suites().begin(), all_cipher_suites().end());
  caps.groups.assign(all_groups().begin(), all_groups().end());
  caps.alpn = true;
  caps.client_certificates = true;
  // Both state machines park in explicit waiting states until the store answers.
  caps.async_server_certificates = true;
  caps.async_client_certificates = true;
  // TLS 1.3 tickets (psk_dhe_ke) and TLS 1.2 tickets (RFC 5077, extended master secret only)
  // in our own sealed format.
  caps.resumption = {ProtocolVersion::tls12, ProtocolVersion::tls13};
  caps.early_data = true;
  // Tickets name their key; every key TicketKeys still keeps opens them.
  caps.ticket_key_history = true;
  caps.key_update = true;
  caps.key_log = true;
  // The native engine judges peer chains with sanstls's own validator (x509/path), in both
  // roles (SessionCore::verify_peer picks it by engine).
  caps.certificate_validation = "sanstls";
  return caps;
}

}  // namespace sanstls::core

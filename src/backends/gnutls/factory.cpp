// SPDX-License-Identifier: Apache-2.0 OR MIT
// The GnuTLS engine's factories: per-configuration state (priority string, credentials) shared
// by every session of one ClientTLS or ServerTLS.

#include "backends/gnutls/engine.hpp"
#include "backends/gnutls/priority.hpp"
#include "core/engine.hpp"

#include <fmt/format.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include <memory>

namespace sanstls::core {
namespace {

using gnutls_backend::CertificateCredentialsPtr;
using gnutls_backend::GnutlsEngine;
using gnutls_backend::SharedConfig;

// GnuTLS 3.7 keeps at most 8 ALPN protocols and refuses names of 32 bytes or more
// (MAX_ALPN_PROTOCOLS, MAX_ALPN_PROTOCOL_NAME in lib/ext/alpn.h); it would silently drop the
// protocols beyond the eighth, so refuse such configurations instead.
constexpr std::size_t kMaxAlpnProtocols = 8;
constexpr std::size_t kMaxAlpnNameSize = 31;

class GnutlsFactory final : public EngineFactory {
 public:
  explicit GnutlsFactory(std::shared_ptr<const SharedConfig> shared) : shared_(std::move(shared)) {}

  Result<std::unique_ptr<Engine>> make_engine(EngineHooks& hooks) const override {
    auto engine = std::make_unique<GnutlsEngine>(shared_, hooks);
    if (auto ready = engine->init(); !ready) return fail(std::move(ready.error()));
    return std::unique_ptr<Engine>(std::move(engine));
  }

 private:
  std::shared_ptr<const SharedConfig> shared_;
};

int accept_every_replay_entry(void* /*ptr*/, time_t /*expiry*/, const gnutls_datum_t* /*key*/,
                              const gnutls_datum_t* /*data*/) {
  return 0;
}

Result<void> check_alpn(const std::vector<std::string>& alpn) {
  if (alpn.size() > kMaxAlpnProtocols) {
    return fail(Errc::unsupported,
                fmt::format("the gnutls engine supports at most {} ALPN protocols ({} configured)",
                            kMaxAlpnProtocols, alpn.size()));
  }
  for (const std::string& protocol : alpn) {
    if (protocol.size() > kMaxAlpnNameSize) {
      return fail(Errc::unsupported,
                  fmt::format("the gnutls engine supports ALPN protocol names of at most {} "
                              "bytes ('{}' has {})",
                              kMaxAlpnNameSize, protocol, protocol.size()));
    }
  }
  return {};
}

Result<std::shared_ptr<SharedConfig>> make_shared_config(const CommonConfig& config, bool server) {
  if (auto ok = check_alpn(config.alpn); !ok) return fail(std::move(ok.error()));
  auto priority = gnutls_backend::make_priority(config, server);
  if (!priority) return fail(std::move(priority.error()));
  // Check the string once here, so a GnuTLS that lacks an algorithm fails at configuration
  // time rather than in every session.
  gnutls_priority_t cache = nullptr;
  const char* err_pos = nullptr;
  if (const int ret = gnutls_priority_init2(&cache, priority->text.c_str(), &err_pos, 0); ret < 0) {
    return fail(Errc::unsupported,
                fmt::format("this GnuTLS ({}) refuses sanstls's algorithm list at '{}': {}",
                            gnutls_check_version(nullptr), err_pos != nullptr ? err_pos : "",
                            gnutls_strerror(ret)));
  }
  gnutls_priority_deinit(cache);

  auto shared = std::make_shared<SharedConfig>();
  shared->server = server;
  // Peer certificates are parsed (and verified) in the configuration's library context.
  shared->peer_certificates.set_library(config.library);
  shared->priority = std::move(*priority);
  shared->cipher_suites = config.cipher_suites;
  shared->groups = config.groups;
  shared->alpn = config.alpn;

  gnutls_certificate_credentials_t raw = nullptr;
  if (const int ret = gnutls_certificate_allocate_credentials(&raw); ret < 0) {
    return fail(Errc::internal_error,
                fmt::format("GnuTLS cannot allocate credentials: {}", gnutls_strerror(ret)));
  }
  shared->credentials.reset(raw);
  gnutls_certificate_set_retrieve_function2(raw, &GnutlsEngine::retrieve_certificate);
  return shared;
}

}  // namespace

Result<std::unique_ptr<EngineFactory>> make_gnutls_client_factory(const ClientConfig& config) {
  auto shared = make_shared_config(config, /*server=*/false);
  if (!shared) return fail(std::move(shared.error()));
  (*shared)->server_name = config.server_name;
  (*shared)->has_client_certificates = config.client_certificates != nullptr;
  (*shared)->resumption = config.session_store != nullptr;
  return std::unique_ptr<EngineFactory>(std::make_unique<GnutlsFactory>(std::move(*shared)));
}

Result<std::unique_ptr<EngineFactory>> make_gnutls_server_factory(const ServerConfig& config) {
  auto shared = make_shared_config(config, /*server=*/true);
  if (!shared) return fail(std::move(shared.error()));
  (*shared)->client_auth = config.client_auth;
  if (config.session_tickets > 0 && config.ticket_keys) {
    (*shared)->ticket_keys = config.ticket_keys;
    (*shared)->session_tickets = config.session_tickets;
    (*shared)->ticket_lifetime = config.ticket_keys->ticket_lifetime();
    if (config.early_data.enabled) {
      gnutls_anti_replay_t anti_replay = nullptr;
      if (const int ret = gnutls_anti_replay_init(&anti_replay); ret < 0) {
        return fail(Errc::internal_error, fmt::format("GnuTLS cannot set up 0-RTT anti-replay: {}",
                                                      gnutls_strerror(ret)));
      }
      (*shared)->anti_replay.reset(anti_replay);
      // GnuTLS's check of the client's ticket age (RFC 8446 §8.3) uses this window; the
      // single-use register is the core's (EngineHooks::accept_early_data), so GnuTLS's own
      // database callback accepts every entry.
      gnutls_anti_replay_set_window(
          anti_replay, static_cast<unsigned int>(config.early_data.freshness_window.count()));
      gnutls_anti_replay_set_add_function(anti_replay, &accept_every_replay_entry);
      (*shared)->max_early_data = config.early_data.max_size;
    }
  }
  if (config.client_auth != ClientAuth::none && config.client_trust) {
    // Only so that the CertificateRequest names these CAs (RFC 8446 §4.2.4
    // certificate_authorities, RFC 5246 §7.4.4); the verdict on a client chain is the core's.
    for (const Certificate& root : config.client_trust->certificates()) {
      const auto der = root.der();
      const gnutls_datum_t datum{
          const_cast<unsigned char*>(reinterpret_cast<const unsigned char*>(der.data())),
          static_cast<unsigned int>(der.size())};
      if (const int ret = gnutls_certificate_set_x509_trust_mem((*shared)->credentials.get(),
                                                                &datum, GNUTLS_X509_FMT_DER);
          ret < 0) {
        return fail(Errc::bad_configuration, fmt::format("GnuTLS cannot load the client CA {}: {}",
                                                         root.subject(), gnutls_strerror(ret)));
      }
    }
  }
  return std::unique_ptr<EngineFactory>(std::make_unique<GnutlsFactory>(std::move(*shared)));
}

}  // namespace sanstls::core

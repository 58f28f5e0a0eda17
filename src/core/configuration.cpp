// SPDX-License-Identifier: Apache-2.0 OR MIT
// ClientTLS and ServerTLS: resolving options against the fixed policy, choosing the engine,
// and starting sessions.

#include <sanstls/backends.hpp>
#include <sanstls/hazmat/hazmat.hpp>
#include <sanstls/tls.hpp>

#include "base/ossl_ptr.hpp"
#include "core/session_core.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <set>
#include <type_traits>

namespace sanstls {
namespace {

Error config_error(std::string message) {
  return make_error(Errc::bad_configuration, std::move(message));
}

bool allowed(CipherSuite suite) {
  return std::ranges::find(all_cipher_suites(), suite) != all_cipher_suites().end();
}

bool allowed(NamedGroup group) {
  return std::ranges::find(all_groups(), group) != all_groups().end();
}

/// Narrows sanstls's policy with the user's; anything outside sanstls's policy is refused.
Result<void> resolve_policy(const Policy& policy, core::CommonConfig& config) {
  if (policy.min_version != ProtocolVersion::tls12 &&
      policy.min_version != ProtocolVersion::tls13) {
    return fail(config_error("Policy::min_version must be TLS 1.2 or TLS 1.3"));
  }
  config.min_version = policy.min_version;

  std::set<CipherSuite> seen_suites;
  for (CipherSuite suite : policy.cipher_suites) {
    if (!allowed(suite)) {
      return fail(config_error(fmt::format("cipher suite 0x{:04x} is not one sanstls allows",
                                           static_cast<unsigned>(suite))));
    }
    if (!seen_suites.insert(suite).second) {
      return fail(
          config_error(fmt::format("cipher suite {} is listed twice", cipher_suite_name(suite))));
    }
    if (cipher_suite_version(suite) == ProtocolVersion::tls12 &&
        policy.min_version == ProtocolVersion::tls13) {
      return fail(config_error(fmt::format("{} is a TLS 1.2 suite, but the policy requires TLS 1.3",
                                           cipher_suite_name(suite))));
    }
  }
  if (policy.cipher_suites.empty()) {
    for (CipherSuite suite : all_cipher_suites()) {
      if (cipher_suite_version(suite) >= policy.min_version) {
        config.cipher_suites.push_back(suite);
      }
    }
  } else {
    config.cipher_suites = policy.cipher_suites;
  }
  // A suite list without TLS 1.3 suites would disable TLS 1.3: a downgrade, not a narrowing.
  if (std::ranges::none_of(config.cipher_suites, [](CipherSuite suite) {
        return cipher_suite_version(suite) == ProtocolVersion::tls13;
      })) {
    return fail(
        config_error("the cipher suite list must include at least one TLS 1.3 suite; sanstls never "
                     "disables TLS 1.3"));
  }

  std::set<NamedGroup> seen_groups;
  for (NamedGroup group : policy.groups) {
    if (!allowed(group)) {
      return fail(config_error(
          fmt::format("group 0x{:04x} is not one sanstls allows", static_cast<unsigned>(group))));
    }
    if (!seen_groups.insert(group).second) {
      return fail(config_error(fmt::format("group {} is listed twice", group_name(group))));
    }
  }
  if (policy.groups.empty()) {
    config.groups.assign(all_groups().begin(), all_groups().end());
  } else {
    config.groups = policy.groups;
  }
  return {};
}

/// Leaves out the groups the engine cannot offer (X25519MLKEM768 on OpenSSL 3.0 and GnuTLS 3.7):
/// they simply are not offered. A policy that names only such groups cannot be met.
Result<void> restrict_groups_to_engine(Backend backend, core::CommonConfig& config) {
  const auto capabilities = backend_capabilities(backend);
  if (!capabilities.available) {
    return {};  // make_factory reports the missing engine
  }
  const auto supported = [&](NamedGroup group) {
    return std::ranges::find(capabilities.groups, group) != capabilities.groups.end();
  };
  std::vector<NamedGroup> kept;
  for (NamedGroup group : config.groups) {
    if (supported(group)) {
      kept.push_back(group);
    }
  }
  if (kept.empty()) {
    std::string names;
    for (NamedGroup group : config.groups) {
      names += names.empty() ? "" : ", ";
      names += group_name(group);
    }
    return fail(make_error(
        Errc::unsupported,
        fmt::format("the {} engine supports none of the configured key-exchange groups ({}); "
                    "allow another group or use an engine that has them (see 'sanstls backends')",
                    backend_name(backend), names)));
  }
  config.groups = std::move(kept);
  return {};
}

Result<void> resolve_alpn(const std::vector<std::string>& alpn, core::CommonConfig& config) {
  std::set<std::string> seen;
  for (const auto& protocol : alpn) {
    // RFC 7301 §3.1: "Empty strings MUST NOT be included"; each name is at most 255 bytes.
    if (protocol.empty() || protocol.size() > 255) {
      return fail(config_error(
          fmt::format("ALPN protocol names must be 1 to 255 bytes long ('{}' is {} bytes)",
                      protocol, protocol.size())));
    }
    if (!seen.insert(protocol).second) {
      return fail(config_error(fmt::format("ALPN protocol '{}' is listed twice", protocol)));
    }
  }
  config.alpn = alpn;
  return {};
}

Result<void> resolve_common(Backend backend, const Policy& policy,
                            const std::vector<std::string>& alpn, const Clock& clock,
                            std::shared_ptr<const hazmat::Settings> hazmat,
                            core::CommonConfig& config) {
  config.backend = backend;
  if (auto resolved = resolve_policy(policy, config); !resolved) {
    return resolved;
  }
  if (auto resolved = restrict_groups_to_engine(backend, config); !resolved) {
    return resolved;
  }
  if (auto resolved = resolve_alpn(alpn, config); !resolved) {
    return resolved;
  }
  config.clock = clock ? clock : Clock{[] { return std::chrono::system_clock::now(); }};
  if (hazmat && hazmat->max_version == ProtocolVersion::tls12 &&
      config.min_version == ProtocolVersion::tls13) {
    // Checked before any engine sees the configuration, so every engine reports it the same.
    return fail(config_error("hazmat max_version TLS 1.2 contradicts a TLS 1.3-only policy"));
  }
  if (hazmat && hazmat->key_update_interval_records &&
      (*hazmat->key_update_interval_records == 0 ||
       *hazmat->key_update_interval_records > core::limits::key_update_interval_records)) {
    return fail(config_error(fmt::format(
        "hazmat key_update_interval_records must be 1 to {} (it may only make key changes more "
        "frequent), not {}",
        core::limits::key_update_interval_records, *hazmat->key_update_interval_records)));
  }
  config.hazmat = std::move(hazmat);
  // Per configuration, not per session: creating a context and loading its provider is the
  // expensive part, fetches from it are cached for every later session.
  auto library = core::LibraryContext::create();
  if (!library) {
    return fail(library.error());
  }
  config.library = std::move(*library);
  return {};
}

/// SHA-256 over everything that decides whether a session stored by one client configuration
/// may be offered by another: the engine, the policy, ALPN, the trust anchors, the server name
/// and the session identity. A session verified under other trust anchors is never resumed.
Result<core::ConfigurationFingerprint> resumption_fingerprint(const core::ClientConfig& config) {
  ossl::EvpMdCtxPtr md{EVP_MD_CTX_new()};
  EVP_MD* sha256 = EVP_MD_fetch(config.library->get(), "SHA256", nullptr);
  bool ok = md && sha256 && EVP_DigestInit_ex(md.get(), sha256, nullptr) == 1;
  EVP_MD_free(sha256);
  auto add = [&](std::span<const std::uint8_t> bytes) {
    // Length-prefixed, so no two different inputs give the same stream.
    const std::uint64_t size = bytes.size();
    std::uint8_t prefix[8];
    for (int i = 0; i < 8; ++i) {
      prefix[i] = static_cast<std::uint8_t>(size >> (8 * (7 - i)));
    }
    ok = ok && EVP_DigestUpdate(md.get(), prefix, sizeof prefix) == 1 &&
         (bytes.empty() || EVP_DigestUpdate(md.get(), bytes.data(), bytes.size()) == 1);
  };
  auto add_text = [&](std::string_view text) {
    add({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  };
  auto add_u16 = [&](std::uint16_t value) {
    const std::uint8_t bytes[2] = {static_cast<std::uint8_t>(value >> 8U),
                                   static_cast<std::uint8_t>(value)};
    add(bytes);
  };
  add_text("sanstls client resumption v1");
  add_u16(static_cast<std::uint16_t>(config.backend));
  add_u16(static_cast<std::uint16_t>(config.min_version));
  add_u16(config.hazmat && config.hazmat->max_version
              ? static_cast<std::uint16_t>(*config.hazmat->max_version)
              : 0);
  for (CipherSuite suite : config.cipher_suites) {
    add_u16(static_cast<std::uint16_t>(suite));
  }
  add_text("groups");
  for (NamedGroup group : config.groups) {
    add_u16(static_cast<std::uint16_t>(group));
  }
  add_text("alpn");
  for (const auto& protocol : config.alpn) {
    add_text(protocol);
  }
  add_text("trust");
  for (const Certificate& anchor : config.trust.certificates()) {
    add({reinterpret_cast<const std::uint8_t*>(anchor.der().data()), anchor.der().size()});
  }
  add_text(config.server_name.text());
  add_text(config.session_identity);
  core::ConfigurationFingerprint out{};
  unsigned int length = 0;
  if (!ok || EVP_DigestFinal_ex(md.get(), out.data(), &length) != 1 || length != out.size()) {
    return fail(Errc::internal_error, "cannot compute the session store fingerprint (SHA-256)");
  }
  return out;
}

/// Tickets and 0-RTT of a server configuration (include/sanstls/resumption.hpp).
Result<void> resolve_resumption(ServerOptions& options, core::ServerConfig& config) {
  if (options.session_tickets > core::limits::max_session_tickets) {
    return fail(
        config_error(fmt::format("ServerOptions::session_tickets must be 0 to {}, not {}",
                                 core::limits::max_session_tickets, options.session_tickets)));
  }
  config.session_tickets = options.session_tickets;
  if (options.early_data.enabled) {
    if (options.session_tickets == 0) {
      return fail(
          config_error("early data needs session tickets (0-RTT resumes a session): set "
                       "ServerOptions::session_tickets above 0 or turn early_data off"));
    }
    if (options.early_data.max_size == 0 ||
        options.early_data.max_size > core::limits::max_early_data_size) {
      return fail(config_error(fmt::format("EarlyDataOptions::max_size must be 1 to {}, not {}",
                                           core::limits::max_early_data_size,
                                           options.early_data.max_size)));
    }
    if (options.early_data.replay_register_entries == 0 ||
        options.early_data.replay_register_entries > core::limits::max_replay_register_entries) {
      return fail(config_error(fmt::format(
          "EarlyDataOptions::replay_register_entries must be 1 to {}, not {}",
          core::limits::max_replay_register_entries, options.early_data.replay_register_entries)));
    }
    if (options.early_data.freshness_window.count() <= 0 ||
        options.early_data.freshness_window > std::chrono::minutes(1)) {
      return fail(
          config_error("EarlyDataOptions::freshness_window must be above 0 and at most 60 s"));
    }
  }
  config.early_data = options.early_data;
  if (options.session_tickets > 0) {
    if (options.ticket_keys) {
      config.ticket_keys = std::move(options.ticket_keys);
    } else {
      auto keys = TicketKeys::create();
      if (!keys) {
        return fail(keys.error());
      }
      config.ticket_keys = std::move(*keys);
    }
  }
  return {};
}

/// Dispatches to the chosen engine's factory for the configuration's role.
template <class Config>
Result<std::unique_ptr<core::EngineFactory>> make_factory(const Config& config) {
  constexpr bool client = std::is_same_v<Config, core::ClientConfig>;
  switch (config.backend) {
    case Backend::openssl:
      if constexpr (client) {
        return core::make_openssl_client_factory(config);
      } else {
        return core::make_openssl_server_factory(config);
      }
    case Backend::gnutls:
#if defined(SANSTLS_HAVE_GNUTLS)
      if constexpr (client) {
        return core::make_gnutls_client_factory(config);
      } else {
        return core::make_gnutls_server_factory(config);
      }
#else
      break;
#endif
    case Backend::native:
#if defined(SANSTLS_HAVE_NATIVE)
      if constexpr (client) {
        return core::make_native_client_factory(config);
      } else {
        return core::make_native_server_factory(config);
      }
#else
      break;
#endif
  }
  return fail(Errc::unsupported, fmt::format("the {} engine is not available in this build of "
                                             "sanstls (see 'sanstls backends')",
                                             backend_name(config.backend)));
}

Result<std::shared_ptr<const core::ClientContext>> make_client_context(const std::string& hostname,
                                                                       ClientOptions options) {
  auto context = std::make_shared<core::ClientContext>();
  core::ClientConfig& config = context->config;
  auto name = x509::ServerName::parse(hostname);
  if (!name) {
    return fail(name.error());
  }
  config.server_name = std::move(*name);
  if (auto common = resolve_common(options.backend, options.policy, options.alpn, options.clock,
                                   std::move(options.hazmat), config);
      !common) {
    return fail(common.error());
  }
  if (options.trust) {
    config.trust = std::move(*options.trust);
  } else {
    auto system = TrustStore::system();
    if (!system) {
      Error error = system.error();
      error.message = "cannot load the system trust store (" + error.message +
                      "); install ca-certificates or pass ClientOptions::trust";
      return fail(std::move(error));
    }
    config.trust = std::move(*system);
  }
  config.client_certificates = std::move(options.client_certificates);
  if (options.resumption) {
    config.session_store = options.session_store ? std::move(options.session_store)
                                                 : std::make_shared<MemorySessionStore>();
    config.session_identity = std::move(options.session_identity);
    auto fingerprint = resumption_fingerprint(config);
    if (!fingerprint) {
      return fail(fingerprint.error());
    }
    context->fingerprint = *fingerprint;
  }
  context->restored_certificates.set_library(config.library);
  auto factory = make_factory(config);
  if (!factory) {
    return fail(factory.error());
  }
  context->factory = std::move(*factory);
  return context;
}

Result<std::shared_ptr<const core::ServerContext>> make_server_context(
    std::shared_ptr<ServerCertificates> certificates, ServerOptions options) {
  auto context = std::make_shared<core::ServerContext>();
  core::ServerConfig& config = context->config;
  if (!certificates) {
    return fail(config_error("a server needs certificates (ServerCertificates is null)"));
  }
  config.certificates = std::move(certificates);
  if (auto common = resolve_common(options.backend, options.policy, options.alpn, options.clock,
                                   std::move(options.hazmat), config);
      !common) {
    return fail(common.error());
  }
  config.client_auth = options.client_auth;
  if (options.client_auth != ClientAuth::none && !options.client_trust) {
    return fail(config_error(
        "client certificates are requested but ServerOptions::client_trust is empty: say which "
        "certificate authorities client certificates must come from"));
  }
  config.client_trust = std::move(options.client_trust);
  if (auto resumption = resolve_resumption(options, config); !resumption) {
    return fail(resumption.error());
  }
  context->resumption = std::make_unique<core::ResumptionRegistry>(
      core::limits::max_revoked_sessions, config.early_data.replay_register_entries);
  context->restored_certificates.set_library(config.library);
  auto factory = make_factory(config);
  if (!factory) {
    return fail(factory.error());
  }
  context->factory = std::move(*factory);
  return context;
}

}  // namespace

// ---- ClientTLS --------------------------------------------------------------------------

ClientTLS::ClientTLS(std::string server_hostname, ClientOptions options)
    : server_hostname_(std::move(server_hostname)) {
  auto context = make_client_context(server_hostname_, std::move(options));
  if (context) {
    context_ = std::move(*context);
  } else {
    error_ = context.error();
  }
}

Result<Session> ClientTLS::start(SessionCallbacks callbacks) const {
  return start(std::move(callbacks), {});
}

Result<Session> ClientTLS::start(SessionCallbacks callbacks,
                                 std::span<const std::byte> early_data) const {
  if (error_) {
    return fail(*error_);
  }
  auto core = std::make_shared<core::SessionCore>(context_, std::move(callbacks));
  core->set_early_data(early_data);
  if (auto started = core->start(); !started) {
    return fail(started.error());
  }
  return Session{std::move(core)};
}

const Error* ClientTLS::configuration_error() const { return error_ ? &*error_ : nullptr; }

// ---- ServerTLS --------------------------------------------------------------------------

ServerTLS::ServerTLS(std::shared_ptr<ServerCertificates> certificates, ServerOptions options) {
  auto context = make_server_context(std::move(certificates), std::move(options));
  if (context) {
    context_ = std::move(*context);
  } else {
    error_ = context.error();
  }
}

ServerTLS::ServerTLS(CertificateChain chain, ServerOptions options)
    : ServerTLS(std::make_shared<ServerCertificateChain>(std::move(chain)), std::move(options)) {}

Result<Session> ServerTLS::start(SessionCallbacks callbacks) const {
  if (error_) {
    return fail(*error_);
  }
  auto core = std::make_shared<core::SessionCore>(context_, std::move(callbacks));
  if (auto started = core->start(); !started) {
    return fail(started.error());
  }
  return Session{std::move(core)};
}

const Error* ServerTLS::configuration_error() const { return error_ ? &*error_ : nullptr; }

}  // namespace sanstls

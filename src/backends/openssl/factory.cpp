// SPDX-License-Identifier: Apache-2.0 OR MIT
// The OpenSSL engine's configuration: one SSL_CTX per ClientTLS/ServerTLS, in a library
// context of its own, with every policy knob set explicitly so that neither openssl.cnf nor
// the system-wide defaults change what sanstls negotiates.

#include <sanstls/hazmat/hazmat.hpp>

#include "backends/openssl/engine.hpp"
#include "core/credentials_impl.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/opensslv.h>

#include <algorithm>

namespace sanstls::openssl {

void install_callbacks(SSL_CTX* ctx, Role role, bool key_log);
void install_resumption_callbacks(SSL_CTX* ctx, Role role);

namespace {

/// OpenSSL's names for the TLS 1.2 suites (TLS 1.3 suites use the IANA names).
std::string_view openssl_tls12_name(CipherSuite suite) {
  switch (suite) {
    case CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256:
      return "ECDHE-ECDSA-AES128-GCM-SHA256";
    case CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384:
      return "ECDHE-ECDSA-AES256-GCM-SHA384";
    case CipherSuite::tls_ecdhe_rsa_with_aes_128_gcm_sha256:
      return "ECDHE-RSA-AES128-GCM-SHA256";
    case CipherSuite::tls_ecdhe_rsa_with_aes_256_gcm_sha384:
      return "ECDHE-RSA-AES256-GCM-SHA384";
    case CipherSuite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256:
      return "ECDHE-RSA-CHACHA20-POLY1305";
    case CipherSuite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256:
      return "ECDHE-ECDSA-CHACHA20-POLY1305";
    default:
      return {};
  }
}

std::string_view openssl_group_name(NamedGroup group) {
  switch (group) {
    case NamedGroup::x25519:
      return "X25519";
    case NamedGroup::secp256r1:
      return "P-256";
    case NamedGroup::secp384r1:
      return "P-384";
    case NamedGroup::x25519mlkem768:
      return {};  // OpenSSL 3.0 has no ML-KEM: left out by the core (openssl_capabilities)
  }
  return {};
}

// Signature schemes sanstls accepts. PKCS#1 v1.5 only reaches TLS 1.2 handshakes (OpenSSL
// never uses it for TLS 1.3 CertificateVerify, RFC 8446 §4.4.3); SHA-1 is absent.
constexpr const char* kSignatureAlgorithms =
    "ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512:ed25519:"
    "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:"
    "rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512:"
    "rsa_pkcs1_sha256:rsa_pkcs1_sha384:rsa_pkcs1_sha512";

Error openssl_config_error(std::string_view what) {
  return make_error(Errc::internal_error,
                    fmt::format("OpenSSL refused {}: {}", what, ossl::take_error_string()));
}

Result<std::unique_ptr<Context>> make_context(Role role, const core::CommonConfig& config) {
  auto context = std::make_unique<Context>();
  context->role = role;
  context->tls13_only = config.min_version == ProtocolVersion::tls13;
  // The configuration's own library context: no provider or algorithm setting of the process's
  // default context (openssl.cnf, $OPENSSL_CONF) applies to it.
  context->library = config.library;
  if (!context->library) {
    return fail(make_error(Errc::internal_error, "the configuration has no library context"));
  }
  context->ssl_ctx.reset(
      SSL_CTX_new_ex(context->library->get(), nullptr,
                     role == Role::client ? TLS_client_method() : TLS_server_method()));
  SSL_CTX* ctx = context->ssl_ctx.get();
  if (ctx == nullptr) {
    return fail(openssl_config_error("to create an SSL_CTX"));
  }
  // SSL_CTX_new_ex has applied the process configuration's "system_default" ssl_conf section
  // (whatever the library context). Everything it can set that matters is set again below,
  // explicitly: versions, suites, groups, signature algorithms (ours and those we ask of
  // clients), security level and the option bits, which are cleared first.
  const int min_version = context->tls13_only ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (SSL_CTX_set_min_proto_version(ctx, min_version) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
    return fail(openssl_config_error("the protocol versions"));
  }
  if (config.hazmat && config.hazmat->max_version == ProtocolVersion::tls12) {
    // (A TLS 1.3-only policy with this cap was refused by the core.)
    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
  }
  // Level 2: 112-bit security (RSA ≥ 2048, no SHA-1 signatures in the handshake).
  SSL_CTX_set_security_level(ctx, 2);
  // Only these options, whatever the configuration set (e.g. "-ExtendedMasterSecret" would
  // otherwise stop the client from offering RFC 7627's extension, UnsafeLegacyRenegotiation
  // would allow RFC 5746-less peers). Middlebox compatibility is OpenSSL's own default.
  SSL_CTX_clear_options(ctx, ~static_cast<uint64_t>(0));
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET |
                               SSL_OP_ENABLE_MIDDLEBOX_COMPAT);
  // No session cache and no tickets unless the configuration resumes (the client and server
  // factories turn tickets on): sessions are never kept inside OpenSSL, only in the core's
  // SessionStore (client) and in tickets (server, stateless).
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);

  std::vector<std::string_view> tls13;
  std::vector<std::string_view> tls12;
  for (CipherSuite suite : config.cipher_suites) {
    if (cipher_suite_version(suite) == ProtocolVersion::tls13) {
      tls13.push_back(cipher_suite_name(suite));
    } else {
      tls12.push_back(openssl_tls12_name(suite));
    }
  }
  if (SSL_CTX_set_ciphersuites(ctx, fmt::format("{}", fmt::join(tls13, ":")).c_str()) != 1) {
    return fail(openssl_config_error("the TLS 1.3 cipher suites"));
  }
  // With no TLS 1.2 suite configured, TLS 1.2 is impossible anyway; give OpenSSL a valid list
  // that matches nothing usable rather than its defaults.
  const std::string tls12_list = tls12.empty() ? std::string{"ECDHE-ECDSA-AES128-GCM-SHA256"}
                                               : fmt::format("{}", fmt::join(tls12, ":"));
  if (SSL_CTX_set_cipher_list(ctx, tls12_list.c_str()) != 1) {
    return fail(openssl_config_error("the TLS 1.2 cipher suites"));
  }
  if (tls12.empty()) {
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    context->tls13_only = true;
  }
  std::vector<std::string_view> groups;
  for (NamedGroup group : config.groups) {
    groups.push_back(openssl_group_name(group));
  }
  if (SSL_CTX_set1_groups_list(ctx, fmt::format("{}", fmt::join(groups, ":")).c_str()) != 1) {
    return fail(openssl_config_error("the key-exchange groups"));
  }
  if (SSL_CTX_set1_sigalgs_list(ctx, kSignatureAlgorithms) != 1 ||
      SSL_CTX_set1_client_sigalgs_list(ctx, kSignatureAlgorithms) != 1) {
    return fail(openssl_config_error("the signature algorithms"));
  }
  install_callbacks(ctx, role, config.hazmat && config.hazmat->key_log);
  if (auto made = make_output_method(*context); !made) {
    return tl::unexpected<Error>(made.error());
  }
  return context;
}

class Factory final : public core::EngineFactory {
 public:
  explicit Factory(std::unique_ptr<Context> context) : context_(std::move(context)) {}
  Result<std::unique_ptr<core::Engine>> make_engine(core::EngineHooks& hooks) const override {
    auto engine = std::make_unique<Engine>(*context_, hooks);
    if (auto ready = engine->init(); !ready) {
      return fail(ready.error());
    }
    return std::unique_ptr<core::Engine>{std::move(engine)};
  }

 private:
  std::unique_ptr<Context> context_;
};

/// ALPN wire format (RFC 7301 §3.1): each name with a one-byte length.
std::vector<unsigned char> alpn_wire(const std::vector<std::string>& protocols) {
  std::vector<unsigned char> wire;
  for (const auto& protocol : protocols) {
    wire.push_back(static_cast<unsigned char>(protocol.size()));
    wire.insert(wire.end(), protocol.begin(), protocol.end());
  }
  return wire;
}

}  // namespace
}  // namespace sanstls::openssl

namespace sanstls::core {

Result<std::unique_ptr<EngineFactory>> make_openssl_client_factory(const ClientConfig& config) {
  auto context = openssl::make_context(openssl::Role::client, config);
  if (!context) {
    return fail(context.error());
  }
  SSL_CTX* ctx = (*context)->ssl_ctx.get();
  if (!config.server_name.is_ip()) {
    (*context)->sni = config.server_name.text();
  }
  // The chain is checked by the core in the verify callback; OpenSSL's own verification
  // (and its hostname check) is replaced, never skipped: SSL_VERIFY_PEER makes the callback
  // decide, and a failure aborts the handshake.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (!config.alpn.empty()) {
    const auto wire = openssl::alpn_wire(config.alpn);
    if (SSL_CTX_set_alpn_protos(ctx, wire.data(), static_cast<unsigned int>(wire.size())) != 0) {
      return fail(openssl::openssl_config_error("the ALPN protocols"));
    }
  }
  if (config.session_store) {
    // Tickets (RFC 5077 in TLS 1.2, NewSessionTicket in TLS 1.3) reach the core through the
    // new-session callback; OpenSSL keeps none itself (NO_INTERNAL_STORE).
    (*context)->resumption = true;
    SSL_CTX_clear_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    openssl::install_resumption_callbacks(ctx, openssl::Role::client);
  }
  return std::unique_ptr<EngineFactory>{std::make_unique<openssl::Factory>(std::move(*context))};
}

Result<std::unique_ptr<EngineFactory>> make_openssl_server_factory(const ServerConfig& config) {
  auto context = openssl::make_context(openssl::Role::server, config);
  if (!context) {
    return fail(context.error());
  }
  SSL_CTX* ctx = (*context)->ssl_ctx.get();
  (*context)->alpn = config.alpn;
  (*context)->client_auth = config.client_auth;
  if (config.client_auth == ClientAuth::none) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  } else {
    int mode = SSL_VERIFY_PEER;
    if (config.client_auth == ClientAuth::required) {
      mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    }
    SSL_CTX_set_verify(ctx, mode, nullptr);
    // Name the acceptable authorities in the CertificateRequest (RFC 8446 §4.2.4).
    STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
    for (const auto& certificate : config.client_trust->certificates()) {
      X509_NAME* name = X509_NAME_dup(X509_get_subject_name(certificate.impl().x509.get()));
      if (name == nullptr || sk_X509_NAME_push(names, name) <= 0) {
        X509_NAME_free(name);
        sk_X509_NAME_pop_free(names, X509_NAME_free);
        return fail(openssl::openssl_config_error("the client CA names"));
      }
    }
    SSL_CTX_set_client_CA_list(ctx, names);
  }
  if (config.session_tickets > 0 && config.ticket_keys) {
    // Stateless tickets sealed under the configuration's TicketKeys (the ticket-key callback);
    // the session cache stays off. Without SSL_OP_ALLOW_NO_DHE_KEX OpenSSL resumes TLS 1.3
    // only with psk_dhe_ke (RFC 8446 §4.2.9), so a psk_ke-only offer gets a full handshake.
    (*context)->ticket_keys = config.ticket_keys;
    // OpenSSL refuses to resume a session with a verified client certificate unless a session
    // id context is set. Which configurations may resume each other is decided by the keys and
    // the core's ticket context, so one constant serves.
    static constexpr unsigned char kSessionIdContext[] = "sanstls";
    if (SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof(kSessionIdContext) - 1) !=
        1) {
      return fail(openssl::openssl_config_error("the session id context"));
    }
    SSL_CTX_clear_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, config.session_tickets);
    SSL_CTX_set_timeout(ctx, static_cast<long>(config.ticket_keys->ticket_lifetime().count()));
    if (config.early_data.enabled) {
      // OpenSSL's own anti-replay needs its session cache (stateful tickets); the core's replay
      // register and freshness check (EngineHooks::accept_early_data, asked from the
      // allow-early-data callback) replace it, so tickets stay stateless.
      (*context)->early_data = true;
      SSL_CTX_set_options(ctx, SSL_OP_NO_ANTI_REPLAY);
      SSL_CTX_set_max_early_data(ctx, config.early_data.max_size);
      SSL_CTX_set_recv_max_early_data(ctx,
                                      std::max<std::uint32_t>(config.early_data.max_size, 16384));
    }
    openssl::install_resumption_callbacks(ctx, openssl::Role::server);
  }
  return std::unique_ptr<EngineFactory>{std::make_unique<openssl::Factory>(std::move(*context))};
}

BackendCapabilities openssl_capabilities() {
  BackendCapabilities capabilities;
  capabilities.backend = Backend::openssl;
  capabilities.available = true;
  capabilities.library_version = OpenSSL_version(OPENSSL_VERSION);
  capabilities.versions = {ProtocolVersion::tls12, ProtocolVersion::tls13};
  capabilities.client_versions = capabilities.versions;
  capabilities.cipher_suites.assign(all_cipher_suites().begin(), all_cipher_suites().end());
  // OpenSSL 3.0 has no ML-KEM, so no X25519MLKEM768 (OpenSSL 3.5 would have it).
  for (NamedGroup group : all_groups()) {
    if (!openssl::openssl_group_name(group).empty()) capabilities.groups.push_back(group);
  }
  capabilities.alpn = true;
  capabilities.client_certificates = true;
  capabilities.async_server_certificates = true;
  capabilities.async_client_certificates = true;
  // Tickets in TLS 1.3 and TLS 1.2 (RFC 5077, with EMS), 0-RTT, and tickets of every key
  // TicketKeys still keeps (the ticket-key callback looks the key up by name).
  capabilities.resumption = {ProtocolVersion::tls13, ProtocolVersion::tls12};
  capabilities.early_data = true;
  capabilities.ticket_key_history = true;
  // Session::update_keys() (SSL_key_update); peers' KeyUpdates are answered by OpenSSL.
  capabilities.key_update = true;
  capabilities.key_log = true;
  capabilities.certificate_validation = "openssl";
  return capabilities;
}

}  // namespace sanstls::core

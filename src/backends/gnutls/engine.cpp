// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "backends/gnutls/engine.hpp"

#include "backends/gnutls/errors.hpp"
#include "core/credentials_impl.hpp"
#include "core/hello_inspection.hpp"
#include "core/refusals.hpp"
#include "wire/reader.hpp"
#include "x509/names.hpp"

#include <fmt/format.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

namespace sanstls::gnutls_backend {
namespace {

using core::EngineStatus;

// Enough for one full TLS record of plaintext (RFC 8446 §5.1: 2^14 bytes).
constexpr std::size_t kRecordChunk = std::size_t{1} << 14;
// Bound on consecutive non-fatal GnuTLS returns (warning alerts, "again") that consumed no
// input: beyond it GnuTLS is stuck, not busy. Returns that consumed input are bounded by the
// input itself, which the core limits (core/limits.hpp).
constexpr int kMaxNonFatalInARow = 64;

GnutlsEngine* engine_of(gnutls_session_t session) {
  return static_cast<GnutlsEngine*>(gnutls_session_get_ptr(session));
}

gnutls_datum_t datum_of(std::span<const std::byte> bytes) {
  // GnuTLS takes non-const datums for input it only reads.
  return gnutls_datum_t{
      const_cast<unsigned char*>(reinterpret_cast<const unsigned char*>(bytes.data())),
      static_cast<unsigned int>(bytes.size())};
}

Error make_alerting_error(Errc code, Alert alert, std::string message) {
  Error error = make_error(code, std::move(message));
  error.alert_sent = alert;
  return error;
}

Error internal(std::string message) {
  return make_alerting_error(Errc::internal_error, Alert::internal_error, std::move(message));
}

std::optional<CipherSuite> negotiated_suite(gnutls_session_t session) {
  const gnutls_protocol_t version = gnutls_protocol_get_version(session);
  const gnutls_cipher_algorithm_t cipher = gnutls_cipher_get(session);
  if (version == GNUTLS_TLS1_3) {
    switch (cipher) {
      case GNUTLS_CIPHER_AES_128_GCM:
        return CipherSuite::tls_aes_128_gcm_sha256;
      case GNUTLS_CIPHER_AES_256_GCM:
        return CipherSuite::tls_aes_256_gcm_sha384;
      case GNUTLS_CIPHER_CHACHA20_POLY1305:
        return CipherSuite::tls_chacha20_poly1305_sha256;
      default:
        return std::nullopt;
    }
  }
  if (version != GNUTLS_TLS1_2) return std::nullopt;
  const gnutls_kx_algorithm_t kx = gnutls_kx_get(session);
  if (kx == GNUTLS_KX_ECDHE_ECDSA) {
    switch (cipher) {
      case GNUTLS_CIPHER_AES_128_GCM:
        return CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256;
      case GNUTLS_CIPHER_AES_256_GCM:
        return CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384;
      case GNUTLS_CIPHER_CHACHA20_POLY1305:
        return CipherSuite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256;
      default:
        return std::nullopt;
    }
  }
  if (kx == GNUTLS_KX_ECDHE_RSA) {
    switch (cipher) {
      case GNUTLS_CIPHER_AES_128_GCM:
        return CipherSuite::tls_ecdhe_rsa_with_aes_128_gcm_sha256;
      case GNUTLS_CIPHER_AES_256_GCM:
        return CipherSuite::tls_ecdhe_rsa_with_aes_256_gcm_sha384;
      case GNUTLS_CIPHER_CHACHA20_POLY1305:
        return CipherSuite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256;
      default:
        return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<NamedGroup> negotiated_group(gnutls_session_t session) {
  switch (gnutls_group_get(session)) {
    case GNUTLS_GROUP_X25519:
      return NamedGroup::x25519;
    case GNUTLS_GROUP_SECP256R1:
      return NamedGroup::secp256r1;
    case GNUTLS_GROUP_SECP384R1:
      return NamedGroup::secp384r1;
    default:
      return std::nullopt;
  }
}

std::optional<ProtocolVersion> negotiated_version(gnutls_session_t session) {
  switch (gnutls_protocol_get_version(session)) {
    case GNUTLS_TLS1_2:
      return ProtocolVersion::tls12;
    case GNUTLS_TLS1_3:
      return ProtocolVersion::tls13;
    default:
      return std::nullopt;
  }
}

/// One-line DN (the same text the other engines produce) of a DER Name from a
/// CertificateRequest's certificate_authorities.
std::string one_line_dn(const gnutls_datum_t& der) {
  const unsigned char* p = der.data;
  X509_NAME* name = d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size));
  if (name == nullptr) return {};
  std::string text = x509::one_line_name(name);
  X509_NAME_free(name);
  return text;
}

Error extended_master_secret_error(bool peer_is_server) {
  return core::refusals::no_extended_master_secret(peer_is_server);
}

}  // namespace

Result<LoadedChain> load_chain(const CertificateChain& chain) {
  LoadedChain loaded;
  loaded.key_type = chain.key().key_type();
  loaded.certificates.reserve(chain.certificates().size());
  for (const Certificate& certificate : chain.certificates()) {
    const int ret = loaded.certificates.add_der(datum_of(certificate.der()));
    if (ret < 0) {
      return fail(internal(fmt::format("GnuTLS cannot load the certificate {}: {}",
                                       certificate.subject(), gnutls_strerror(ret))));
    }
  }
  gnutls_privkey_t raw_key = nullptr;
  if (gnutls_privkey_init(&raw_key) < 0) return fail(internal("GnuTLS cannot allocate a key"));
  loaded.key.reset(raw_key);
  // PKCS#8 DER in wiping storage: no PEM text of the key is ever made for GnuTLS.
  base::SecretBytes der = private_key_der(chain.key());
  const gnutls_datum_t der_datum{der.data(), static_cast<unsigned int>(der.size())};
  const int ret =
      gnutls_privkey_import_x509_raw(loaded.key.get(), &der_datum, GNUTLS_X509_FMT_DER, nullptr, 0);
  if (ret < 0) {
    return fail(internal(fmt::format("GnuTLS cannot load the private key ({}): {}",
                                     key_type_name(chain.key().key_type()), gnutls_strerror(ret))));
  }
  return loaded;
}

namespace {

/// The same chain object: the same certificate handles in the same order and the same key.
bool same_chain(const CertificateChain& a, const CertificateChain& b) {
  if (&a.key().impl() != &b.key().impl()) return false;
  return std::ranges::equal(
      a.certificates(), b.certificates(),
      [](const Certificate& x, const Certificate& y) { return &x.impl() == &y.impl(); });
}

}  // namespace

Result<std::shared_ptr<const LoadedChain>> LoadedChainCache::get(
    const CertificateChain& chain) const {
  {
    const std::lock_guard lock(mutex_);
    for (const auto& [known, loaded] : entries_) {
      if (same_chain(known, chain)) return loaded;
    }
  }
  // Converted outside the lock; two sessions racing on a new chain both convert it, one keeps it.
  auto converted = load_chain(chain);
  if (!converted) return fail(std::move(converted.error()));
  auto loaded = std::make_shared<const LoadedChain>(std::move(*converted));
  const std::lock_guard lock(mutex_);
  for (const auto& [known, cached] : entries_) {
    if (same_chain(known, chain)) return cached;
  }
  if (entries_.size() == max_entries) entries_.erase(entries_.begin());
  entries_.emplace_back(chain, loaded);
  return loaded;
}

GnutlsEngine::GnutlsEngine(std::shared_ptr<const SharedConfig> shared, core::EngineHooks& hooks)
    : shared_(std::move(shared)), hooks_(hooks), sniffer_(/*client_hello=*/shared_->server) {}

GnutlsEngine::~GnutlsEngine() {
  // End the GnuTLS session before own_chain_ (declared later, so destroyed first) frees the
  // certificates and key GnuTLS may still point to.
  session_.reset();
}

Result<void> GnutlsEngine::init() {
  const SharedConfig& config = *shared_;
  // GNUTLS_NO_TICKETS unless this configuration resumes (a server with TicketKeys, a client
  // with a session store). A server sends its TLS 1.3 tickets itself (GNUTLS_NO_AUTO_SEND_TICKET:
  // ServerOptions::session_tickets of them, none when the offered ticket was refused).
  // GNUTLS_NONBLOCK: our pull function says EAGAIN when the input is exhausted.
  // GNUTLS_NO_STATUS_REQUEST (GnuTLS 3.8 and later): no OCSP stapling request (RFC 6066 §8),
  // whose answer sanstls would ignore (docs/backends.md, "ClientHello extensions"). GnuTLS 3.7
  // has no flag or priority keyword for it, and its handler cannot be overridden
  // (gnutls_session_ext_register: GNUTLS_E_ALREADY_REGISTERED); it only skips the extension
  // without certificate credentials, which would also drop TLS 1.3 from the ClientHello.
  unsigned flags = (config.server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_NONBLOCK;
  const bool tickets = config.server ? config.ticket_keys != nullptr : config.resumption;
  if (!tickets) {
    flags |= GNUTLS_NO_TICKETS;
  } else if (config.server) {
    flags |= GNUTLS_NO_AUTO_SEND_TICKET;
    if (config.anti_replay) flags |= GNUTLS_ENABLE_EARLY_DATA;
  } else if (!hooks_.early_data_to_send().empty()) {
    flags |= GNUTLS_ENABLE_EARLY_DATA;
  }
#ifdef GNUTLS_NO_STATUS_REQUEST
  flags |= GNUTLS_NO_STATUS_REQUEST;
#endif
  gnutls_session_t raw = nullptr;
  if (const int ret = gnutls_init(&raw, flags); ret < 0) {
    return fail(internal(fmt::format("gnutls_init failed: {}", gnutls_strerror(ret))));
  }
  session_.reset(raw);
  gnutls_session_t session = session_.get();
  gnutls_session_set_ptr(session, this);

  // The priority string names every algorithm; it never starts from @SYSTEM or NORMAL.
  const char* err_pos = nullptr;
  if (const int ret = config.priorities.set(session, config.priority.text, &err_pos); ret < 0) {
    return fail(internal(fmt::format("GnuTLS refused the priority string at '{}': {}",
                                     err_pos != nullptr ? err_pos : "", gnutls_strerror(ret))));
  }
  if (const int ret =
          gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, config.credentials.get());
      ret < 0) {
    return fail(internal(fmt::format("gnutls_credentials_set failed: {}", gnutls_strerror(ret))));
  }

  gnutls_transport_set_ptr(session, this);
  gnutls_transport_set_pull_function(session, &GnutlsEngine::pull);
  gnutls_transport_set_push_function(session, &GnutlsEngine::push);
  gnutls_transport_set_pull_timeout_function(session, &GnutlsEngine::pull_timeout);
  // No wall-clock handshake timeout: a certificate store may take its time, and timing out
  // is the caller's business (sans-IO: we own no timers).
  gnutls_handshake_set_timeout(session, GNUTLS_INDEFINITE_TIMEOUT);

  // Certificate verification is the core's: GnuTLS only hands us the chain.
  gnutls_session_set_verify_function(session, &GnutlsEngine::verify_callback);
  // Always install our key-log function: GnuTLS's default one writes secrets to the file named
  // by $SSLKEYLOGFILE, which sanstls only allows through hazmat::Settings::key_log.
  gnutls_session_set_keylog_function(session, &GnutlsEngine::keylog_callback);
  // Every message: the ServerHello checks and the NewSessionTickets (handshake_hook).
  gnutls_handshake_set_hook_function(session, GNUTLS_HANDSHAKE_ANY, GNUTLS_HOOK_BOTH,
                                     &GnutlsEngine::handshake_hook);
  if (config.server && config.ticket_keys) {
    // RFC 8446 §4.6.1 ticket_lifetime (and GnuTLS's own ticket expiry).
    gnutls_db_set_cache_expiration(session, static_cast<int>(config.ticket_lifetime.count()));
    if (config.anti_replay) {
      gnutls_record_set_max_early_data_size(session, config.max_early_data);
    }
  }

  if (!config.alpn.empty()) {
    std::vector<gnutls_datum_t> protocols;
    protocols.reserve(config.alpn.size());
    for (const std::string& protocol : config.alpn) {
      protocols.push_back(
          gnutls_datum_t{reinterpret_cast<unsigned char*>(const_cast<char*>(protocol.data())),
                         static_cast<unsigned int>(protocol.size())});
    }
    // Server: our preference order decides, and no overlap is fatal (RFC 7301 §3.2:
    // no_application_protocol). GnuTLS copies the protocol names.
    const unsigned alpn_flags =
        config.server ? (GNUTLS_ALPN_MANDATORY | GNUTLS_ALPN_SERVER_PRECEDENCE) : 0U;
    if (const int ret = gnutls_alpn_set_protocols(
            session, protocols.data(), static_cast<unsigned>(protocols.size()), alpn_flags);
        ret < 0) {
      return fail(
          internal(fmt::format("gnutls_alpn_set_protocols failed: {}", gnutls_strerror(ret))));
    }
  }

  if (config.server) {
    // Ask for a certificate but let our verify function decide about a missing one, so the
    // error and the alert are the same as with the other engines.
    gnutls_certificate_server_set_request(
        session, config.client_auth == ClientAuth::none ? GNUTLS_CERT_IGNORE : GNUTLS_CERT_REQUEST);
    phase_ = Phase::awaiting_client_hello;
  } else {
    const x509::ServerName& name = *config.server_name;
    // RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in "HostName"."
    if (!name.is_ip()) {
      if (const int ret = gnutls_server_name_set(session, GNUTLS_NAME_DNS, name.text().data(),
                                                 name.text().size());
          ret < 0) {
        return fail(
            internal(fmt::format("gnutls_server_name_set failed: {}", gnutls_strerror(ret))));
      }
    }
  }
  return {};
}

// --- transport ---------------------------------------------------------------------------

ssize_t GnutlsEngine::pull(gnutls_transport_ptr_t self_ptr, void* data, size_t size) noexcept {
  auto* self = static_cast<GnutlsEngine*>(self_ptr);
  const std::size_t available = self->input_.size() - self->input_pos_;
  if (available == 0 && !self->lent_.empty()) {
    // The caller's bytes, read in place (input_ held nothing older: see receive()).
    const std::size_t n = std::min(self->lent_.size(), size);
    std::memcpy(data, self->lent_.data(), n);
    self->lent_ = self->lent_.subspan(n);
    self->pulled_total_ += n;
    return static_cast<ssize_t>(n);
  }
  if (available == 0) {
    // Sans-IO: "no more bytes for now"; gnutls_handshake/record_recv return GNUTLS_E_AGAIN.
    gnutls_transport_set_errno(self->session_.get(), EAGAIN);
    self->starved_ = true;
    return -1;
  }
  const std::size_t n = std::min(available, size);
  std::memcpy(data, self->input_.data() + self->input_pos_, n);
  self->input_pos_ += n;
  self->pulled_total_ += n;
  if (self->input_pos_ == self->input_.size()) {
    self->input_.clear();
    self->input_pos_ = 0;
  }
  return static_cast<ssize_t>(n);
}

ssize_t GnutlsEngine::push(gnutls_transport_ptr_t self_ptr, const void* data,
                           size_t size) noexcept {
  auto* self = static_cast<GnutlsEngine*>(self_ptr);
  const auto* bytes = static_cast<const std::byte*>(data);
  if (self->direct_) {
    // The write's one record, from GnuTLS's buffer to the application: no copy of ours.
    self->direct_ = false;
    if (self->output_.empty() && self->hooks_.write_directly({bytes, size})) {
      return static_cast<ssize_t>(size);
    }
  }
  try {
    self->output_.insert(self->output_.end(), bytes, bytes + size);
  } catch (...) {
    gnutls_transport_set_errno(self->session_.get(), ENOMEM);
    return -1;
  }
  return static_cast<ssize_t>(size);
}

int GnutlsEngine::pull_timeout(gnutls_transport_ptr_t self_ptr, unsigned int /*ms*/) noexcept {
  // Never wait: data is either already buffered (>0) or not (0, "timed out").
  const auto* self = static_cast<const GnutlsEngine*>(self_ptr);
  return self->input_.size() > self->input_pos_ || !self->lent_.empty() ? 1 : 0;
}

void GnutlsEngine::flush(core::Bytes& to_peer) {
  if (output_.empty()) return;
  if (to_peer.empty()) {
    to_peer.swap(output_);
  } else {
    to_peer.insert(to_peer.end(), output_.begin(), output_.end());
  }
  output_.clear();
}

// --- Engine interface --------------------------------------------------------------------

Result<EngineStatus> GnutlsEngine::start(core::Bytes& to_peer) {
  if (phase_ == Phase::failed) return fail(Errc::invalidated, "the session failed earlier");
  if (shared_->server) return EngineStatus::handshaking;
  if (phase_ != Phase::created) return fail(Errc::api_misuse, "the session was already started");
  phase_ = Phase::handshaking;
  if (shared_->resumption) {
    if (auto offer = hooks_.take_session_to_resume(); offer && !offer->engine_state.empty()) {
      const gnutls_datum_t data{offer->engine_state.data(),
                                static_cast<unsigned int>(offer->engine_state.size())};
      // Unusable data leads to a full handshake (resumption.hpp), never to a failure.
      if (gnutls_session_set_data(session_.get(), data.data, data.size) == 0) {
        const auto early_data = hooks_.early_data_to_send();
        if (offer->max_early_data > 0 && !early_data.empty()) {
          // RFC 8446 §4.2.10: at most the ticket's max_early_data_size.
          const std::size_t length =
              std::min<std::size_t>(early_data.size(), offer->max_early_data);
          if (gnutls_record_send_early_data(session_.get(), early_data.data(), length) >= 0) {
            early_data_offered_ = true;
          }
        }
      }
    }
  }
  auto status = run_handshake();  // produces the ClientHello
  flush(to_peer);
  return status;
}

Result<EngineStatus> GnutlsEngine::receive(std::span<const std::byte> bytes,
                                           core::Bytes& application_data, core::Bytes& to_peer) {
  if (phase_ == Phase::failed) return fail(Errc::invalidated, "the session failed earlier");
  if (phase_ == Phase::created) return fail(Errc::api_misuse, "the session was not started");
  if (phase_ == Phase::peer_closed) return EngineStatus::peer_closed;  // nothing follows it
  sniffer_.feed(bytes);
  if (phase_ != Phase::established) alert_watch_.feed(bytes);
  // Read in place unless older bytes wait in input_ (they come first): GnuTLS copies each
  // record out of its transport anyway, and a copy into input_ first was a second pass.
  if (input_pos_ == input_.size()) {
    lent_ = bytes;
  } else {
    input_.insert(input_.end(), bytes.begin(), bytes.end());
  }
  auto status = advance(application_data);
  // What GnuTLS did not pull (an incomplete record, or all of it while a certificate store has
  // not answered) is kept: the caller's bytes are only valid during this call.
  if (!lent_.empty()) {
    if (input_pos_ == input_.size()) {
      input_.clear();
      input_pos_ = 0;
    }
    input_.insert(input_.end(), lent_.begin(), lent_.end());
    lent_ = {};
  }
  flush(to_peer);
  return status;
}

Result<EngineStatus> GnutlsEngine::receive_into(std::span<const std::byte> bytes,
                                                core::ReceiveBuffer& into, core::Bytes& to_peer) {
  into_ = &into;
  auto status = receive(bytes, *into.overflow, to_peer);
  into_ = nullptr;
  return status;
}

Result<EngineStatus> GnutlsEngine::resume(core::Bytes& application_data, core::Bytes& to_peer) {
  if (phase_ == Phase::failed) return fail(Errc::invalidated, "the session failed earlier");
  if (phase_ != Phase::waiting_for_certificate) {
    return fail(Errc::api_misuse, "resume() without a pending certificate request");
  }
  auto ready = ask_server_certificate(sni_);
  if (!ready) {
    flush(to_peer);
    return fail(fail_with(std::move(ready.error())));
  }
  if (!*ready) return EngineStatus::waiting_for_certificate;
  if (auto narrowed = narrow_server_priority(); !narrowed) {
    flush(to_peer);
    return fail(fail_with(std::move(narrowed.error())));
  }
  phase_ = Phase::handshaking;
  auto status = advance(application_data);
  flush(to_peer);
  return status;
}

Result<void> GnutlsEngine::write(std::span<const std::byte> data, core::Bytes& to_peer) {
  if (phase_ == Phase::failed) return fail(Errc::invalidated, "the session failed earlier");
  if (phase_ != Phase::established && phase_ != Phase::peer_closed) {
    return fail(Errc::api_misuse, "application data can only be written once established");
  }
  // One record, one push (gnutls_record_send sends at most one record; with only a push
  // function, GnuTLS pushes each record whole): the push hands it to the application itself,
  // as a raw GnuTLS loop would. Not when GnuTLS may push something else in this write: a
  // KeyUpdate the peer asked for (an automatic one needs 2^24 records under one key, and the
  // core changes keys at half that: core/limits.hpp).
  direct_ = !data.empty() && data.size() <= one_record_max_ && !peer_key_update_ &&
            output_.empty() && to_peer.empty();
  const bool direct = direct_;
  std::size_t offset = 0;
  int retries = 0;
  while (offset < data.size()) {
    const std::size_t chunk = std::min(data.size() - offset, kRecordChunk);
    const ssize_t ret = gnutls_record_send(session_.get(), data.data() + offset, chunk);
    if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) {
      // Our push never blocks, so this does not happen; GnuTLS wants the same call repeated.
      if (++retries > kMaxNonFatalInARow) {
        direct_ = false;
        flush(to_peer);
        return fail(fail_with(internal("gnutls_record_send keeps asking to be called again")));
      }
      continue;
    }
    if (ret < 0) {
      direct_ = false;
      Error error = fail_with_code(static_cast<int>(ret));
      flush(to_peer);
      return fail(std::move(error));
    }
    const auto sent = static_cast<std::size_t>(ret);
    if (sent < chunk) {
      // GnuTLS's record is smaller than a full one (the peer limited it): exact from now on.
      one_record_max_ = sent;
      one_record_limited_ = true;
    } else if (!one_record_limited_ && chunk > one_record_max_) {
      one_record_max_ = chunk;
    }
    offset += sent;
  }
  direct_ = false;
  if (!direct) peer_key_update_ = false;  // GnuTLS sent the KeyUpdate it owed, if any
  flush(to_peer);
  return {};
}

Result<void> GnutlsEngine::close_notify(core::Bytes& to_peer) {
  if (phase_ == Phase::failed) return fail(Errc::invalidated, "the session failed earlier");
  // RFC 8446 §6.1: close_notify tells the peer we will send nothing more. SHUT_WR sends it
  // without waiting for the peer's; reading may go on.
  const int ret = gnutls_bye(session_.get(), GNUTLS_SHUT_WR);
  flush(to_peer);
  if (ret < 0 && ret != GNUTLS_E_AGAIN && ret != GNUTLS_E_INTERRUPTED) {
    return fail(internal(fmt::format("gnutls_bye failed: {}", gnutls_strerror(ret))));
  }
  return {};
}

Result<void> GnutlsEngine::send_alert(Alert alert, AlertLevel level, core::Bytes& to_peer) {
  if (phase_ == Phase::failed) return fail(Errc::invalidated, "the session failed earlier");
  // gnutls_alert_send protects the alert under the current write keys (plaintext before any).
  const int ret = gnutls_alert_send(
      session_.get(), level == AlertLevel::fatal ? GNUTLS_AL_FATAL : GNUTLS_AL_WARNING,
      static_cast<gnutls_alert_description_t>(alert));
  flush(to_peer);
  if (level == AlertLevel::fatal) phase_ = Phase::failed;
  if (ret < 0 && ret != GNUTLS_E_AGAIN && ret != GNUTLS_E_INTERRUPTED) {
    return fail(internal(fmt::format("gnutls_alert_send failed: {}", gnutls_strerror(ret))));
  }
  return {};
}

Result<void> GnutlsEngine::update_keys(core::Bytes& to_peer, bool request_peer_update) {
  if (phase_ == Phase::failed) return fail(Errc::invalidated, "the session failed earlier");
  // GNUTLS_KU_PEER: update ours and ask the peer to update too (RFC 8446 §4.6.3).
  const int ret = gnutls_session_key_update(
      session_.get(), request_peer_update ? static_cast<unsigned>(GNUTLS_KU_PEER) : 0U);
  flush(to_peer);
  if (ret < 0 && ret != GNUTLS_E_AGAIN && ret != GNUTLS_E_INTERRUPTED) {
    return fail(
        internal(fmt::format("gnutls_session_key_update failed: {}", gnutls_strerror(ret))));
  }
  return {};
}

Result<void> GnutlsEngine::export_keying_material(
    std::span<std::byte> out, std::string_view label,
    std::optional<std::span<const std::byte>> context) {
  // RFC 5705 / RFC 8446 §7.5. GnuTLS tells "no context" (a null pointer) from an empty context
  // (any other pointer with size 0); an empty span may have a null data(), so point elsewhere.
  const char empty = 0;
  const char* context_bytes = nullptr;
  if (context) {
    context_bytes = context->empty() ? &empty : reinterpret_cast<const char*>(context->data());
  }
  const int ret =
      gnutls_prf_rfc5705(session_.get(), label.size(), label.data(), context ? context->size() : 0,
                         context_bytes, out.size(), reinterpret_cast<char*>(out.data()));
  if (ret < 0) {
    return fail(Errc::internal_error,
                fmt::format("GnuTLS could not export keying material: {}", gnutls_strerror(ret)));
  }
  return {};
}

SessionInfo GnutlsEngine::info() const {
  SessionInfo info;
  info.backend = Backend::gnutls;
  gnutls_session_t session = session_.get();
  if (session == nullptr) return info;
  info.version = negotiated_version(session);
  if (info.version) {
    info.cipher_suite = negotiated_suite(session);
    info.group = negotiated_group(session);
  }
  gnutls_datum_t alpn{};
  if (gnutls_alpn_get_selected_protocol(session, &alpn) == 0 && alpn.data != nullptr) {
    info.alpn.assign(reinterpret_cast<const char*>(alpn.data), alpn.size);
  }
  info.server_name = shared_->server ? sni_ : shared_->server_name->text();
  // Only once the handshake completed: GnuTLS knows a session is resumed from the ServerHello,
  // before the EncryptedExtensions (ALPN) arrived, and the core compares both.
  info.resumed = handshake_done_ && gnutls_session_is_resumed(session) != 0;
  if (early_data_offered_ && handshake_done_) {
    info.early_data = (gnutls_session_get_flags(session) & GNUTLS_SFLAGS_EARLY_DATA) != 0
                          ? EarlyDataStatus::accepted
                          : EarlyDataStatus::rejected;
  }
  return info;
}

// --- driving GnuTLS ----------------------------------------------------------------------

Result<EngineStatus> GnutlsEngine::advance(core::Bytes& application_data) {
  if (phase_ == Phase::awaiting_client_hello) {
    switch (sniffer_.status()) {
      case HelloSniffer::Status::need_more:
        return EngineStatus::handshaking;
      case HelloSniffer::Status::not_a_hello:
        // Not a ClientHello we can read: GnuTLS will say what is wrong with it.
        phase_ = Phase::handshaking;
        break;
      case HelloSniffer::Status::complete: {
        const HelloSummary& hello = *sniffer_.summary();
        sni_ = hello.server_name;
        // Refuse what the policy forbids before asking the certificate store, with the same
        // error as the other engines. (GnuTLS itself would accept a ClientHello without
        // supported_versions as TLS 1.2 even when only TLS 1.3 is enabled, and only fail later
        // at cipher suite selection.)
        if (auto refused = refuse_forbidden_hello(hello); !refused) {
          return fail(std::move(refused.error()));
        }
        if (auto decided = decide_resumption(hello); !decided) {
          return fail(fail_with(std::move(decided.error())));
        }
        auto ready = ask_server_certificate(sni_);
        if (!ready) return fail(fail_with(std::move(ready.error())));
        if (!*ready) {
          phase_ = Phase::waiting_for_certificate;
          return EngineStatus::waiting_for_certificate;
        }
        if (auto narrowed = narrow_server_priority(); !narrowed) {
          return fail(fail_with(std::move(narrowed.error())));
        }
        phase_ = Phase::handshaking;
        break;
      }
    }
  }
  if (phase_ == Phase::waiting_for_certificate) {
    // More bytes while the store has not answered: keep them for later (resume()).
    return EngineStatus::waiting_for_certificate;
  }
  if (phase_ == Phase::handshaking) {
    auto status = run_handshake();
    if (!status || *status != EngineStatus::established) return status;
  }
  if (phase_ == Phase::established) return read_records(application_data);
  if (phase_ == Phase::peer_closed) return EngineStatus::peer_closed;
  return fail(Errc::invalidated, "the session failed earlier");
}

Result<EngineStatus> GnutlsEngine::run_handshake() {
  for (int non_fatal = 0; non_fatal < kMaxNonFatalInARow; ++non_fatal) {
    starved_ = false;
    const int ret = gnutls_handshake(session_.get());
    if (ret == GNUTLS_E_SUCCESS) {
      if (auto checked = after_handshake(); !checked) {
        return fail(fail_with(std::move(checked.error())));
      }
      if (auto sent = after_server_handshake(); !sent) {
        return fail(fail_with(std::move(sent.error())));
      }
      report_ticket();
      handshake_done_ = true;
      phase_ = Phase::established;
      return EngineStatus::established;
    }
    if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) {
      // GnuTLS also says "again" after a step that did not need our input; only an empty
      // transport means "wait for more bytes".
      if (starved_) return EngineStatus::handshaking;
      continue;
    }
    if (closed_during_handshake(ret)) {
      // The peer's close_notify before the handshake completed: reported as the close it is
      // (handshake_complete() false); the core makes it the same failure on every engine.
      phase_ = Phase::peer_closed;
      return EngineStatus::peer_closed;
    }
    if (ret == GNUTLS_E_WARNING_ALERT_RECEIVED) {
      const auto alert = static_cast<Alert>(gnutls_alert_get(session_.get()));
      if (alert == Alert::user_canceled) {
        // The peer gave up on the handshake; RFC 8446 §6.1 treats user_canceled as a closure
        // alert. Report it as the alert it is.
        return fail(fail_with(alert_received_error(alert)));
      }
      continue;  // RFC 5246 §7.2: other warnings (e.g. unrecognized_name) do not end it
    }
    if (gnutls_error_is_fatal(ret) == 0 && !callback_error_) continue;
    return fail(fail_with_code(ret));
  }
  return fail(fail_with(internal("the GnuTLS handshake keeps returning non-fatal errors")));
}

bool GnutlsEngine::closed_during_handshake(int code) const {
  // A plaintext close_notify where GnuTLS expected an encrypted record fails as bad data
  // instead; the core recognises that one itself (core/close_watch.hpp).
  return code == GNUTLS_E_WARNING_ALERT_RECEIVED &&
         static_cast<Alert>(gnutls_alert_get(session_.get())) == Alert::close_notify;
}

Result<EngineStatus> GnutlsEngine::read_records(core::Bytes& application_data) {
  int non_fatal = 0;
  while (true) {
    starved_ = false;
    const std::uint64_t pulled_before = pulled_total_;
    // The decrypted record in GnuTLS's own buffer, appended once: receiving into a resized
    // vector would zero 16 KiB per record first (std::byte is value-initialised).
    gnutls_packet_t packet = nullptr;
    const ssize_t ret = gnutls_record_recv_packet(session_.get(), &packet);
    report_ticket();
    if (packet != nullptr) {
      gnutls_datum_t plaintext{};
      gnutls_packet_get(packet, &plaintext, nullptr);
      const auto* bytes = reinterpret_cast<const std::byte*>(plaintext.data);
      // Into the caller's buffer while the record fits and nothing went to the overflow
      // before it (the order is kept: core::ReceiveBuffer).
      if (into_ != nullptr && into_->overflow == &application_data && application_data.empty() &&
          plaintext.size <= into_->buffer.size() - into_->used) {
        std::copy_n(bytes, plaintext.size, into_->buffer.subspan(into_->used).begin());
        into_->used += plaintext.size;
      } else {
        application_data.insert(application_data.end(), bytes, bytes + plaintext.size);
      }
      gnutls_packet_deinit(packet);
    }
    if (ret > 0) {
      non_fatal = 0;
      continue;
    }
    if (ret == 0) {
      // The peer's close_notify (RFC 8446 §6.1): no more data will come.
      phase_ = Phase::peer_closed;
      return EngineStatus::peer_closed;
    }
    if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) {
      // After a post-handshake message (NewSessionTicket, KeyUpdate) GnuTLS returns "again"
      // although records may still wait in its buffer: read on until the transport is empty.
      if (starved_) return EngineStatus::established;
    }
    // A ticket, a KeyUpdate or a warning alert per call is progress, however many there are.
    if (pulled_total_ != pulled_before) non_fatal = 0;
    if (++non_fatal > kMaxNonFatalInARow) {
      return fail(fail_with(internal("GnuTLS keeps returning non-fatal errors")));
    }
    if (ret == GNUTLS_E_REHANDSHAKE) {
      // A TLS 1.2 HelloRequest (client) or renegotiating ClientHello (server). sanstls never
      // renegotiates; RFC 5246 §7.4.1.1 lets us refuse with a no_renegotiation warning, and the
      // session ends as on every engine (core::refusals::renegotiation_refused).
      Error refused = core::refusals::renegotiation_refused(shared_->server, /*tls13=*/false);
      if (gnutls_alert_send(session_.get(), GNUTLS_AL_WARNING, GNUTLS_A_NO_RENEGOTIATION) < 0) {
        refused.alert_sent.reset();
      }
      phase_ = Phase::failed;
      return fail(std::move(refused));
    }
    if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) continue;
    if (ret == GNUTLS_E_WARNING_ALERT_RECEIVED) continue;
    if (gnutls_error_is_fatal(static_cast<int>(ret)) == 0) continue;
    return fail(fail_with_code(static_cast<int>(ret)));
  }
}

Result<bool> GnutlsEngine::ask_server_certificate(const std::string& server_name) {
  core::CertificateAnswer answer = hooks_.select_server_certificate({.server_name = server_name});
  switch (answer.kind) {
    case core::CertificateAnswer::Kind::pending:
      return false;
    case core::CertificateAnswer::Kind::declined: {
      // RFC 6066 §3: a server that does not recognise the name MAY abort with a fatal
      // unrecognized_name alert; sanstls does when the store has no chain for it.
      Error error = core::refusals::no_certificate_for_name(server_name);
      if (phase_ == Phase::awaiting_client_hello || phase_ == Phase::waiting_for_certificate) {
        queue_plaintext_alert(Alert::unrecognized_name);
        phase_ = Phase::failed;
        return fail(std::move(error));
      }
      return fail(std::move(error));
    }
    case core::CertificateAnswer::Kind::provided:
      break;
  }
  if (!answer.chain) return fail(internal("the certificate store answered without a chain"));
  auto loaded = shared_->own_chains.get(*answer.chain);
  if (!loaded) return fail(std::move(loaded.error()));
  own_chain_ = std::move(*loaded);
  certificate_decided_ = true;
  return true;
}

Result<void> GnutlsEngine::refuse_forbidden_hello(const HelloSummary& hello) {
  const auto offers = [&hello](std::uint16_t version) {
    return std::find(hello.versions.begin(), hello.versions.end(), version) != hello.versions.end();
  };
  const bool tls13 = offers(0x0304) && shared_->priority.tls13;
  const bool tls12 = offers(0x0303) && shared_->priority.tls12;
  std::optional<Error> refusal;
  if (!tls13 && !tls12) {
    refusal = core::forbidden_versions_error(hello.versions, /*peer_is_server=*/false,
                                             !shared_->priority.tls12);
  } else if (!tls13 && !hello.extended_master_secret) {
    refusal = extended_master_secret_error(/*peer_is_server=*/false);
  } else if (tls13 && hello.empty_key_share) {
    refusal = hello.empty_key_share;  // illegal_parameter, where GnuTLS would say decode_error
  }
  if (!refusal) return {};
  queue_plaintext_alert(*refusal->alert_sent);
  phase_ = Phase::failed;
  return fail(std::move(*refusal));
}

Result<void> GnutlsEngine::narrow_server_priority() {
  const auto& hello = sniffer_.summary();
  if (!hello || !own_chain_) return {};
  const PriorityPlan& plan = shared_->priority;
  const bool tls13 = plan.tls13 && std::find(hello->versions.begin(), hello->versions.end(),
                                             std::uint16_t{0x0304}) != hello->versions.end();
  if (hello->signature_algorithms) {
    // The schemes of the priority string (priority.cpp); SHA-1 and MD5 schemes are absent.
    constexpr std::uint16_t kAllowed[] = {0x0403, 0x0503, 0x0603, 0x0807, 0x0804, 0x0805, 0x0806,
                                          0x0809, 0x080a, 0x080b, 0x0401, 0x0501, 0x0601};
    const auto& offered = *hello->signature_algorithms;
    const bool any = std::any_of(offered.begin(), offered.end(), [&](std::uint16_t scheme) {
      return std::find(std::begin(kAllowed), std::end(kAllowed), scheme) != std::end(kAllowed);
    });
    if (!any) {
      Error error = core::refusals::no_shared_signature_algorithm();
      queue_plaintext_alert(Alert::handshake_failure);
      phase_ = Phase::failed;
      return fail(std::move(error));
    }
  }
  std::optional<CipherSuite> tls12_suite;
  if (!tls13) {
    tls12_suite = choose_tls12_suite(plan, hello->cipher_suites, own_chain_->key_type);
    if (!tls12_suite) {
      Error error = core::refusals::no_shared_cipher_suite();
      queue_plaintext_alert(Alert::handshake_failure);
      phase_ = Phase::failed;
      return fail(std::move(error));
    }
  }
  const std::string text = server_session_priority(plan, tls13, tls12_suite);
  const char* err_pos = nullptr;
  if (const int ret = shared_->priorities.set(session_.get(), text, &err_pos); ret < 0) {
    return fail(internal(fmt::format("GnuTLS refused the session priority string at '{}': {}",
                                     err_pos != nullptr ? err_pos : "", gnutls_strerror(ret))));
  }
  return {};
}

void GnutlsEngine::queue_plaintext_alert(Alert alert) {
  // GnuTLS has not seen the ClientHello, so the alert goes out as a plaintext record we build
  // ourselves (RFC 8446 §5.1 TLSPlaintext, §6 Alert: level fatal(2), description).
  const std::uint8_t record[] = {21, 3, 3, 0, 2, 2, static_cast<std::uint8_t>(alert)};
  for (const std::uint8_t b : record) output_.push_back(static_cast<std::byte>(b));
}

Result<void> GnutlsEngine::after_handshake() {
  gnutls_session_t session = session_.get();
  if (gnutls_protocol_get_version(session) == GNUTLS_TLS1_2 &&
      gnutls_session_ext_master_secret_status(session) == 0) {
    return fail(extended_master_secret_error(!shared_->server));
  }
  // A resumed session sends no certificates: the peer identity is the one the core verified in
  // the original handshake (it kept the chain with the ticket).
  if (gnutls_session_is_resumed(session) != 0) return {};
  unsigned int count = 0;
  const gnutls_datum_t* peers = gnutls_certificate_get_peers(session, &count);
  const bool peer_sent_chain = peers != nullptr && count > 0;
  if (shared_->server) {
    if (!peer_sent_chain && shared_->client_auth == ClientAuth::required) {
      return fail(missing_client_certificate_error());
    }
  } else if (!peer_sent_chain) {
    Error error = core::refusals::missing_server_certificate();
    return fail(std::move(error));
  }
  // GnuTLS runs our verify function whenever a chain arrives; should it ever not have, verify
  // now, before any application data is released.
  if (peer_sent_chain && !verify_ran_ && !verify_peer_chain()) {
    return fail(*callback_error_);
  }
  return {};
}

Error GnutlsEngine::missing_client_certificate_error() const {
  // RFC 8446 §4.4.2.4: a server that requires a certificate aborts with certificate_required;
  // RFC 5246 §7.4.6: a TLS 1.2 server MAY respond with a fatal handshake_failure alert.
  const bool tls13 = gnutls_protocol_get_version(session_.get()) == GNUTLS_TLS1_3;
  return core::refusals::missing_client_certificate(tls13);
}

Error GnutlsEngine::fail_with(Error error) {
  if (error.alert_sent && phase_ != Phase::failed) {
    const int ret = gnutls_alert_send(session_.get(), GNUTLS_AL_FATAL,
                                      static_cast<gnutls_alert_description_t>(*error.alert_sent));
    if (ret < 0) error.alert_sent.reset();
  }
  phase_ = Phase::failed;
  return error;
}

bool GnutlsEngine::judges_peer_certificate(int code) {
  switch (code) {
    case GNUTLS_E_KEY_USAGE_VIOLATION:
    case GNUTLS_E_PK_SIG_VERIFY_FAILED:
    case GNUTLS_E_UNSUPPORTED_SIGNATURE_ALGORITHM:
    case GNUTLS_E_UNWANTED_ALGORITHM:
    case GNUTLS_E_INSUFFICIENT_SECURITY:
    case GNUTLS_E_CERTIFICATE_ERROR:
    case GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR:
    case GNUTLS_E_X509_UNSUPPORTED_CRITICAL_EXTENSION:
    case GNUTLS_E_ASN1_DER_ERROR:
      return true;
    default:
      return false;
  }
}

Error GnutlsEngine::fail_with_code(int code) {
  if (callback_error_) {
    Error error = std::move(*callback_error_);
    callback_error_.reset();
    return fail_with(std::move(error));
  }
  const bool handshaking = phase_ != Phase::established && phase_ != Phase::peer_closed;
  if (handshaking && !verify_ran_ && judges_peer_certificate(code)) {
    // GnuTLS checks some properties of the peer's certificate (key usage, key size, signature
    // algorithm) while processing CertificateVerify, before our verify function runs. The
    // other engines verify the chain first, so let the core judge it now: its verdict, when
    // negative, is the error every engine reports for this chain.
    unsigned int count = 0;
    if (gnutls_certificate_get_peers(session_.get(), &count) != nullptr && count > 0 &&
        !verify_peer_chain() && callback_error_) {
      Error error = std::move(*callback_error_);
      callback_error_.reset();
      return fail_with(std::move(error));
    }
    callback_error_.reset();
  }
  if (handshaking && alert_watch_.alert() && code != GNUTLS_E_FATAL_ALERT_RECEIVED) {
    // The peer's alert came in plaintext where GnuTLS expected an encrypted record (see
    // PlaintextAlertWatch): report the alert it sent, and answer nothing.
    phase_ = Phase::failed;
    return alert_received_error(static_cast<Alert>(*alert_watch_.alert()));
  }
  ErrorContext context;
  context.server = shared_->server;
  context.peer_hello = sniffer_.summary() ? &*sniffer_.summary() : nullptr;
  context.tls13_only = !shared_->priority.tls12;
  context.alpn = shared_->alpn;
  context.handshaking = handshaking;
  if (code == GNUTLS_E_FATAL_ALERT_RECEIVED) {
    context.alert_received = static_cast<Alert>(gnutls_alert_get(session_.get()));
  }
  return fail_with(classify_gnutls_error(code, context));
}

// --- callbacks from GnuTLS ---------------------------------------------------------------

int GnutlsEngine::verify_callback(gnutls_session_t session) noexcept {
  GnutlsEngine* self = engine_of(session);
  try {
    return self->verify_peer_chain() ? 0 : -1;  // -1: GNUTLS_E_CERTIFICATE_ERROR
  } catch (...) {
    self->callback_error_ = internal("unexpected failure while verifying the peer's chain");
    return -1;
  }
}

bool GnutlsEngine::verify_peer_chain() {
  verify_ran_ = true;
  unsigned int count = 0;
  const gnutls_datum_t* peers = gnutls_certificate_get_peers(session_.get(), &count);
  if (peers == nullptr || count == 0) {
    if (shared_->server) {
      if (shared_->client_auth == ClientAuth::required) {
        callback_error_ = missing_client_certificate_error();
        return false;
      }
      return true;  // optional client authentication: no certificate is acceptable
    }
    Error error = core::refusals::missing_server_certificate();
    callback_error_ = std::move(error);
    return false;
  }
  std::vector<Certificate> chain;
  chain.reserve(count);
  for (unsigned int i = 0; i < count; ++i) {
    auto certificate = shared_->peer_certificates.get(std::span<const std::byte>(
        reinterpret_cast<const std::byte*>(peers[i].data), peers[i].size));
    if (!certificate) {
      callback_error_ =
          core::refusals::malformed_peer_certificate(i + 1, certificate.error().message);
      return false;
    }
    chain.push_back(std::move(*certificate));
  }
  auto verdict = hooks_.verify_peer(chain, info());
  if (!verdict) {
    Error error = std::move(verdict.error());
    // The core says which alert goes with its verdict; bad_certificate if it did not.
    if (!error.alert_sent) error.alert_sent = Alert::bad_certificate;
    callback_error_ = std::move(error);
    return false;
  }
  peer_verified_ = true;
  return true;
}

int GnutlsEngine::keylog_callback(gnutls_session_t session, const char* label,
                                  const gnutls_datum_t* secret) noexcept {
  GnutlsEngine* self = engine_of(session);
  try {
    if (!self->hooks_.key_log_enabled()) return 0;
    gnutls_datum_t client_random{};
    gnutls_datum_t server_random{};
    gnutls_session_get_random(session, &client_random, &server_random);
    // NSS key log format: "<label> <client_random hex> <secret hex>".
    std::string line = label;
    line.reserve(line.size() + 2 + 2 * (client_random.size + secret->size));
    line += ' ';
    for (unsigned int i = 0; i < client_random.size; ++i) {
      line += fmt::format("{:02x}", client_random.data[i]);
    }
    line += ' ';
    for (unsigned int i = 0; i < secret->size; ++i) {
      line += fmt::format("{:02x}", secret->data[i]);
    }
    self->hooks_.key_log(line);
    gnutls_memset(line.data(), 0, line.size());
  } catch (...) {
    // Losing a key-log line must not break the session.
  }
  return 0;
}

int GnutlsEngine::handshake_hook(gnutls_session_t session, unsigned int htype, unsigned when,
                                 unsigned int incoming, const gnutls_datum_t* msg) noexcept {
  GnutlsEngine* self = engine_of(session);
  if (htype == GNUTLS_HANDSHAKE_KEY_UPDATE && incoming != 0) {
    // RFC 8446 §4.6.3: with update_requested, GnuTLS sends our KeyUpdate before the next data.
    self->peer_key_update_ = true;
    return 0;
  }
  if (htype == GNUTLS_HANDSHAKE_NEW_SESSION_TICKET && when == GNUTLS_HOOK_POST && incoming != 0) {
    // POST: GnuTLS has stored the ticket in the session. Reported here, one by one: a server
    // that sends its tickets in one record (the native engine does) gets them all processed in
    // one gnutls_record_recv, and the session holds only the latest afterwards.
    try {
      self->report_ticket();
    } catch (...) {
      // As above: not an error.
    }
    return 0;
  }
  if (htype == GNUTLS_HANDSHAKE_NEW_SESSION_TICKET && msg != nullptr && msg->data != nullptr &&
      when == GNUTLS_HOOK_PRE) {
    // PRE: the whole message, sent or received (the POST call sees what is left of it).
    try {
      self->on_new_session_ticket({msg->data, msg->size}, incoming != 0);
    } catch (...) {
      // A ticket that cannot be remembered is a ticket that will not resume: not an error.
    }
    return 0;
  }
  if (htype != GNUTLS_HANDSHAKE_SERVER_HELLO) return 0;
  // Check the extended master secret as soon as the version is known, before any key is
  // derived from a master secret without it: the client right after reading the ServerHello,
  // the server right before sending it.
  const bool client_moment = !self->shared_->server && when == GNUTLS_HOOK_POST && incoming != 0;
  const bool server_moment = self->shared_->server && when == GNUTLS_HOOK_PRE && incoming == 0;
  if (!client_moment && !server_moment) return 0;
  try {
    if (!self->check_server_hello()) return GNUTLS_E_INSUFFICIENT_SECURITY;
  } catch (...) {
    return GNUTLS_E_INTERNAL_ERROR;
  }
  return 0;
}

bool GnutlsEngine::check_server_hello() {
  // GnuTLS enables the cross product of ciphers and key exchanges; whatever path led here, a
  // suite outside the configuration is never used.
  if (auto suite = negotiated_suite(session_.get())) {
    const PriorityPlan& plan = shared_->priority;
    const bool configured = std::find(plan.tls13_suites.begin(), plan.tls13_suites.end(), *suite) !=
                                plan.tls13_suites.end() ||
                            std::find(plan.tls12_suites.begin(), plan.tls12_suites.end(), *suite) !=
                                plan.tls12_suites.end();
    if (!configured) {
      callback_error_ = make_alerting_error(
          Errc::forbidden_by_policy,
          shared_->server ? Alert::handshake_failure : Alert::illegal_parameter,
          shared_->server ? fmt::format("GnuTLS chose {}, which this configuration does not allow",
                                        cipher_suite_name(*suite))
                          : core::refusals::unoffered_cipher_suite().message);
      return false;
    }
  }
  return check_extended_master_secret();
}

bool GnutlsEngine::check_extended_master_secret() {
  gnutls_session_t session = session_.get();
  if (gnutls_protocol_get_version(session) != GNUTLS_TLS1_2) return true;
  if (gnutls_session_ext_master_secret_status(session) != 0) return true;
  callback_error_ = extended_master_secret_error(!shared_->server);
  return false;
}

int GnutlsEngine::retrieve_certificate(gnutls_session_t session, const gnutls_datum_t* req_ca_rdn,
                                       int nreqs, const gnutls_pk_algorithm_t* /*pk_algos*/,
                                       int /*pk_algos_length*/, gnutls_pcert_st** pcert,
                                       unsigned int* pcert_length,
                                       gnutls_privkey_t* privkey) noexcept {
  GnutlsEngine* self = engine_of(session);
  *pcert = nullptr;
  *pcert_length = 0;
  *privkey = nullptr;
  try {
    const int ret = self->shared_->server ? self->provide_server_certificate()
                                          : self->provide_client_certificate(req_ca_rdn, nreqs);
    if (ret < 0) return ret;
    if (self->own_chain_) {
      *pcert = self->own_chain_->certificates.data_for_retrieve();
      *pcert_length = static_cast<unsigned int>(self->own_chain_->certificates.size());
      *privkey = self->own_chain_->key.get();
    }
    return 0;
  } catch (...) {
    self->callback_error_ = internal("unexpected failure while choosing a certificate");
    return -1;
  }
}

int GnutlsEngine::provide_server_certificate() {
  if (certificate_decided_) return 0;
  // The ClientHello could not be read before GnuTLS saw it, so the store is asked now, from
  // inside GnuTLS, where it cannot wait.
  char name[256] = {};
  std::size_t name_size = sizeof(name) - 1;
  unsigned int type = 0;
  std::string server_name;
  if (gnutls_server_name_get(session_.get(), name, &name_size, &type, 0) == 0 &&
      type == GNUTLS_NAME_DNS) {
    server_name.assign(name, name_size);
    std::transform(server_name.begin(), server_name.end(), server_name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
  sni_ = server_name;
  auto ready = ask_server_certificate(server_name);
  if (!ready) {
    callback_error_ = std::move(ready.error());
    return -1;
  }
  if (!*ready) {
    callback_error_ = internal(
        "the gnutls engine cannot wait for a server certificate store that answers later when "
        "the ClientHello could not be read in advance");
    callback_error_->code = Errc::unsupported;
    return -1;
  }
  return 0;
}

int GnutlsEngine::provide_client_certificate(const gnutls_datum_t* req_ca_rdn, int nreqs) {
  if (certificate_decided_ || !shared_->has_client_certificates) return 0;
  ClientCertificateQuery query;
  query.server_name = shared_->server_name->text();
  for (int i = 0; i < nreqs; ++i) {
    std::string dn = one_line_dn(req_ca_rdn[i]);
    if (!dn.empty()) query.acceptable_authorities.push_back(std::move(dn));
  }
  core::CertificateAnswer answer = hooks_.select_client_certificate(query);
  switch (answer.kind) {
    case core::CertificateAnswer::Kind::pending: {
      // GnuTLS asks for the client certificate from inside the handshake and cannot be
      // suspended there (capabilities: async_client_certificates = false).
      Error error = internal(
          "the gnutls engine cannot wait for a client certificate store that answers later");
      error.code = Errc::unsupported;
      callback_error_ = std::move(error);
      return -1;
    }
    case core::CertificateAnswer::Kind::declined:
      certificate_decided_ = true;
      return 0;  // continue without a certificate; the server decides
    case core::CertificateAnswer::Kind::provided:
      break;
  }
  if (!answer.chain) {
    callback_error_ = internal("the certificate store answered without a chain");
    return -1;
  }
  auto loaded = shared_->own_chains.get(*answer.chain);
  if (!loaded) {
    callback_error_ = std::move(loaded.error());
    return -1;
  }
  own_chain_ = std::move(*loaded);
  certificate_decided_ = true;
  return 0;
}

}  // namespace sanstls::gnutls_backend

// --- resumption and 0-RTT ----------------------------------------------------------------

namespace sanstls::gnutls_backend {

namespace {
/// HKDF label of GnuTLS's ticket master key (core::TicketKey::derive).
constexpr std::string_view kMasterKeyLabel = "sanstls gnutls ticket master key";
/// GnuTLS's master key size (TICKET_MASTER_KEY_SIZE).
constexpr std::size_t kMasterKeySize = 64;
constexpr std::size_t kMaxCachedMasterKeys = 4;
}  // namespace

TicketTable::Hash TicketTable::hash_of(std::span<const std::uint8_t> ticket) {
  Hash hash{};
  (void)gnutls_hash_fast(GNUTLS_DIG_SHA256, ticket.data(), ticket.size(), hash.data());
  return hash;
}

void TicketTable::add(Entry entry) const {
  std::lock_guard lock(mutex_);
  bytes_ += entry.context.size();
  entries_.push_back(std::move(entry));
  while (!entries_.empty() && (entries_.size() > max_entries || bytes_ > max_bytes)) {
    bytes_ -= entries_.front().context.size();
    entries_.pop_front();
  }
}

std::optional<TicketTable::Entry> TicketTable::find(const Hash& hash) const {
  std::lock_guard lock(mutex_);
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->hash == hash) return *it;
  }
  return std::nullopt;
}

int PriorityCache::set(gnutls_session_t session, const std::string& text,
                       const char** err_pos) const {
  gnutls_priority_t parsed = nullptr;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [cached_text, priority] : entries_) {
      if (cached_text == text) {
        parsed = priority.get();
        break;
      }
    }
    if (parsed == nullptr && entries_.size() < kMaxPriorities) {
      if (const int ret = gnutls_priority_init2(&parsed, text.c_str(), err_pos, 0); ret < 0) {
        return ret;
      }
      entries_.emplace_back(text, PriorityPtr(parsed));
    }
  }
  if (parsed == nullptr) {
    return gnutls_priority_set_direct(session, text.c_str(), err_pos);
  }
  return gnutls_priority_set(session, parsed);
}

std::shared_ptr<const base::SecretBytes> MasterKeyCache::get(
    const std::shared_ptr<const core::TicketKey>& key) const {
  {
    std::lock_guard lock(mutex_);
    for (const auto& [cached_key, master] : entries_) {
      if (cached_key == key) return master;
    }
  }
  auto derived = key->derive(kMasterKeyLabel, kMasterKeySize);
  if (!derived) return nullptr;
  auto master = std::make_shared<const base::SecretBytes>(std::move(*derived));
  std::lock_guard lock(mutex_);
  if (entries_.size() >= kMaxCachedMasterKeys) entries_.erase(entries_.begin());
  entries_.emplace_back(key, master);
  return master;
}

Result<void> GnutlsEngine::decide_resumption(const HelloSummary& hello) {
  const SharedConfig& config = *shared_;
  if (!config.ticket_keys) return {};
  early_data_offered_ = hello.early_data;
  std::optional<TicketTable::Entry> entry;
  bool accepted = false;
  if (!hello.ticket.empty()) {
    entry = config.tickets.find(TicketTable::hash_of(hello.ticket));
    // RFC 8446 §4.2.9 and the policy: TLS 1.3 resumption only with (EC)DHE (psk_dhe_ke).
    accepted = entry && (!hello.ticket_is_psk || hello.psk_dhe_ke) &&
               hooks_.accept_resumption(entry->context);
  }
  base::SecretBytes throwaway;
  std::shared_ptr<const base::SecretBytes> master;
  if (hello.ticket.empty() || accepted) {
    auto sealing = core::TicketKeysAccess::sealing_key(*config.ticket_keys);
    if (!sealing) return fail(sealing.error());
    master = config.master_keys.get(*sealing);
    if (!master) return fail(internal("cannot derive the session ticket key"));
  } else {
    // GnuTLS tickets carry no context and GnuTLS cannot be told to ignore one: a ticket the
    // core refuses (or that this configuration does not know) is met with a key that cannot
    // open it, so GnuTLS makes a full handshake. That session issues no TLS 1.3 tickets (they
    // would be sealed under that key); the next connection gets them.
    throwaway = base::SecretBytes(kMasterKeySize);
    if (gnutls_rnd(GNUTLS_RND_KEY, throwaway.data(), throwaway.size()) < 0) {
      return fail(internal("cannot draw random bytes"));
    }
    issue_tickets_ = false;
  }
  const base::SecretBytes& key = master ? *master : throwaway;
  const gnutls_datum_t datum{const_cast<unsigned char*>(key.data()),
                             static_cast<unsigned int>(key.size())};
  if (const int ret = gnutls_session_ticket_enable_server(session_.get(), &datum); ret < 0) {
    return fail(internal(fmt::format("GnuTLS refused the ticket key: {}", gnutls_strerror(ret))));
  }
  if (accepted && hello.early_data && hello.ticket_is_psk && config.anti_replay) {
    // RFC 8446 §4.2.11.1: the client's ticket age is obfuscated_ticket_age - ticket_age_add.
    const std::uint32_t age_ms = hello.obfuscated_ticket_age - entry->age_add;
    if (hooks_.accept_early_data(std::as_bytes(std::span(hello.ticket)),
                                 std::chrono::milliseconds(age_ms), entry->issued)) {
      // GnuTLS accepts early data only with an anti-replay object: enabling it is the yes.
      gnutls_anti_replay_enable(session_.get(), config.anti_replay.get());
    }
  }
  return {};
}

Result<void> GnutlsEngine::after_server_handshake() {
  const SharedConfig& config = *shared_;
  if (!config.server || !config.ticket_keys) return {};
  gnutls_session_t session = session_.get();
  if (issue_tickets_ && config.session_tickets > 0 &&
      gnutls_protocol_get_version(session) == GNUTLS_TLS1_3) {
    if (const int ret = gnutls_session_ticket_send(session, config.session_tickets, 0); ret < 0) {
      return fail(
          internal(fmt::format("GnuTLS could not send session tickets: {}", gnutls_strerror(ret))));
    }
  }
  if ((gnutls_session_get_flags(session) & GNUTLS_SFLAGS_EARLY_DATA) != 0) {
    std::vector<std::byte> buffer(kRecordChunk);
    while (true) {
      const ssize_t got = gnutls_record_recv_early_data(session, buffer.data(), buffer.size());
      if (got <= 0) break;  // GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE: all delivered
      hooks_.early_data_received(
          std::span<const std::byte>(buffer).first(static_cast<std::size_t>(got)));
    }
  }
  return {};
}

void GnutlsEngine::on_new_session_ticket(std::span<const std::uint8_t> body, bool incoming) {
  const bool tls13 = gnutls_protocol_get_version(session_.get()) == GNUTLS_TLS1_3;
  wire::Reader reader{body};
  auto lifetime = reader.u32("ticket_lifetime");
  if (!lifetime) return;
  std::uint32_t age_add = 0;
  std::uint32_t max_early_data = 0;
  wire::Bytes ticket;
  if (tls13) {
    // RFC 8446 §4.6.1.
    auto add = reader.u32("ticket_age_add");
    auto nonce = reader.vec8("ticket_nonce");
    auto sealed = reader.vec16("ticket", {.min = 1});
    auto extensions = reader.child16("extensions");
    if (!add || !nonce || !sealed || !extensions) return;
    age_add = *add;
    ticket = *sealed;
    while (!extensions->empty()) {
      auto type = extensions->u16("extension_type");
      auto data = extensions->child16("extension_data");
      if (!type || !data) return;
      if (*type == 42) {  // early_data: max_early_data_size (RFC 8446 §4.2.10)
        auto size = data->u32("max_early_data_size");
        if (size) max_early_data = *size;
      }
    }
  } else {
    // RFC 5077 §3.3.
    auto sealed = reader.vec16("ticket");
    if (!sealed) return;
    ticket = *sealed;
  }
  if (incoming) {
    pending_ticket_ = std::make_pair(*lifetime, max_early_data);
    return;
  }
  if (ticket.empty() || !shared_->ticket_keys) return;
  shared_->tickets.add(TicketTable::Entry{
      .hash = TicketTable::hash_of(ticket),
      .context = hooks_.ticket_context(),
      .issued = core::TicketKeysAccess::now(*shared_->ticket_keys),
      .age_add = age_add,
  });
}

void GnutlsEngine::report_ticket() {
  if (!pending_ticket_ || shared_->server) return;
  gnutls_session_t session = session_.get();
  if ((gnutls_session_get_flags(session) & GNUTLS_SFLAGS_SESSION_TICKET) == 0) return;
  const auto [lifetime, max_early_data] = *pending_ticket_;
  pending_ticket_.reset();
  gnutls_datum_t data{};
  if (gnutls_session_get_data2(session, &data) < 0 || data.data == nullptr) return;
  base::SecretBytes state(std::span<const std::uint8_t>(data.data, data.size));
  gnutls_memset(data.data, 0, data.size);
  gnutls_free(data.data);
  const auto hash = TicketTable::hash_of(state.span());
  if (hash == last_reported_) return;  // the same ticket twice: offered once only
  last_reported_ = hash;
  hooks_.session_ticket_received(std::move(state), std::chrono::seconds(lifetime), max_early_data);
}

}  // namespace sanstls::gnutls_backend

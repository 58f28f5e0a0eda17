// SPDX-License-Identifier: Apache-2.0 OR MIT
// The OpenSSL engine, one per session. See engine.hpp.

#include "backends/openssl/engine.hpp"

#include "base/secret_bytes.hpp"
#include "core/credentials_impl.hpp"
#include "core/hello_inspection.hpp"
#include "core/refusals.hpp"
#include "wire/reader.hpp"
#include "x509/names.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/tls1.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <initializer_list>
#include <limits>

namespace sanstls::openssl {
namespace {

constexpr int kContentAlert = 21;
constexpr int kContentHandshake = 22;
constexpr int kAlertLevelFatal = 2;
constexpr std::uint8_t kHelloRequest = 0;
constexpr std::uint8_t kClientHello = 1;

Engine* engine_of(SSL* ssl) { return static_cast<Engine*>(SSL_get_app_data(ssl)); }

/// An X509_V_ERR code that makes libssl send `alert` (its ssl_verify_alarm_type table), so the
/// peer gets the alert the core chose.
int verify_error_for_alert(std::optional<Alert> alert) {
  switch (alert.value_or(Alert::bad_certificate)) {
    case Alert::certificate_expired:
      return X509_V_ERR_CERT_HAS_EXPIRED;
    case Alert::unknown_ca:
      return X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
    case Alert::unsupported_certificate:
      return X509_V_ERR_INVALID_PURPOSE;
    case Alert::certificate_revoked:
      return X509_V_ERR_CERT_REVOKED;
    case Alert::decrypt_error:
      return X509_V_ERR_CERT_SIGNATURE_FAILURE;
    case Alert::handshake_failure:
      return X509_V_ERR_APPLICATION_VERIFICATION;
    default:
      return X509_V_ERR_CERT_REJECTED;
  }
}

std::optional<CipherSuite> suite_from_id(std::uint16_t id) {
  for (CipherSuite suite : all_cipher_suites()) {
    if (static_cast<std::uint16_t>(suite) == id) {
      return suite;
    }
  }
  return std::nullopt;
}

std::optional<NamedGroup> group_from_nid(int nid) {
  switch (nid) {
    case NID_X25519:
      return NamedGroup::x25519;
    case NID_X9_62_prime256v1:
      return NamedGroup::secp256r1;
    case NID_secp384r1:
      return NamedGroup::secp384r1;
    default:
      return std::nullopt;
  }
}

}  // namespace

// ---- C callbacks: find the Engine and forward. Each is noexcept by construction. ----------

extern "C" {
static int verify_callback(X509_STORE_CTX* store, void* /*arg*/) {
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  return ssl == nullptr ? 0 : engine_of(ssl)->on_verify(store);
}

static int client_hello_callback(SSL* ssl, int* alert, void* /*arg*/) {
  return engine_of(ssl)->on_client_hello(alert);
}

static int certificate_callback(SSL* ssl, void* /*arg*/) {
  return engine_of(ssl)->on_certificate_request();
}

static int alpn_select_callback(SSL* ssl, const unsigned char** out, unsigned char* out_length,
                                const unsigned char* in, unsigned int in_length, void* /*arg*/) {
  return engine_of(ssl)->on_alpn_select(out, out_length, {in, in_length});
}

static void message_callback(int write_p, int /*version*/, int content_type, const void* buf,
                             size_t length, SSL* ssl, void* /*arg*/) {
  Engine* engine = engine_of(ssl);
  if (engine != nullptr) {
    engine->on_message(write_p != 0, content_type, {static_cast<const std::uint8_t*>(buf), length});
  }
}

static void key_log_callback(const SSL* ssl, const char* line) {
  engine_of(const_cast<SSL*>(ssl))->on_key_log(line);
}

static int ticket_key_callback(SSL* ssl, unsigned char* key_name, unsigned char* iv,
                               EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int encrypt) {
  return engine_of(ssl)->on_ticket_key(key_name, iv, cipher, mac, encrypt != 0);
}

static int generate_ticket_callback(SSL* ssl, void* /*arg*/) {
  return engine_of(ssl)->on_generate_ticket();
}

static SSL_TICKET_RETURN decrypt_ticket_callback(SSL* ssl, SSL_SESSION* session,
                                                 const unsigned char* /*key_name*/,
                                                 size_t /*key_name_length*/,
                                                 SSL_TICKET_STATUS status, void* /*arg*/) {
  return static_cast<SSL_TICKET_RETURN>(
      engine_of(ssl)->on_decrypt_ticket(session, static_cast<int>(status)));
}

static int allow_early_data_callback(SSL* ssl, void* /*arg*/) {
  return engine_of(ssl)->on_allow_early_data();
}

static int new_session_callback(SSL* ssl, SSL_SESSION* session) {
  engine_of(ssl)->on_new_session(session);
  return 0;  // not kept: the core stores what on_new_session() serialised
}
}

void install_resumption_callbacks(SSL_CTX* ctx, Role role) {
  if (role == Role::server) {
    SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_key_callback);
    SSL_CTX_set_session_ticket_cb(ctx, generate_ticket_callback, decrypt_ticket_callback, nullptr);
    SSL_CTX_set_allow_early_data_cb(ctx, allow_early_data_callback, nullptr);
  } else {
    SSL_CTX_sess_set_new_cb(ctx, new_session_callback);
  }
}

namespace {
constexpr std::size_t kMaxCachedTicketKeys = 4;
constexpr std::string_view kTicketAesLabel = "sanstls openssl ticket aes-256-cbc";
constexpr std::string_view kTicketHmacLabel = "sanstls openssl ticket hmac-sha256";
}  // namespace

std::shared_ptr<const Context::TicketCipherKeys> Context::cipher_keys(
    const std::shared_ptr<const core::TicketKey>& key) const {
  {
    std::lock_guard lock(ticket_mutex_);
    for (const auto& cached : ticket_cache_) {
      if (cached->key == key) {
        return cached;
      }
    }
  }
  auto aes = key->derive(kTicketAesLabel, 32);
  auto hmac = key->derive(kTicketHmacLabel, 32);
  if (!aes || !hmac) {
    return nullptr;
  }
  auto derived = std::make_shared<TicketCipherKeys>();
  derived->key = key;
  derived->aes = std::move(*aes);
  derived->hmac = std::move(*hmac);
  std::lock_guard lock(ticket_mutex_);
  if (ticket_cache_.size() >= kMaxCachedTicketKeys) {
    ticket_cache_.erase(ticket_cache_.begin());
  }
  ticket_cache_.push_back(derived);
  return derived;
}

/// Decoded sessions a client configuration keeps (Context::remember_session): enough for a few
/// servers' newest tickets; a miss only costs a decode.
constexpr std::size_t kMaxDecodedSessions = 8;

void Context::remember_session(std::span<const std::uint8_t> state, SessionPtr session) const {
  std::lock_guard lock(session_mutex_);
  if (decoded_sessions_.size() >= kMaxDecodedSessions) {
    decoded_sessions_.erase(decoded_sessions_.begin());
  }
  decoded_sessions_.push_back({base::SecretBytes(state), std::move(session)});
}

Context::SessionPtr Context::take_session(std::span<const std::uint8_t> state) const {
  std::lock_guard lock(session_mutex_);
  for (auto it = decoded_sessions_.begin(); it != decoded_sessions_.end(); ++it) {
    const auto kept = it->state.span();
    if (kept.size() == state.size() &&
        CRYPTO_memcmp(kept.data(), state.data(), state.size()) == 0) {
      SessionPtr session = std::move(it->session);
      decoded_sessions_.erase(it);
      return session;
    }
  }
  return {nullptr, SSL_SESSION_free};
}

void install_callbacks(SSL_CTX* ctx, Role role, bool key_log) {
  SSL_CTX_set_cert_verify_callback(ctx, verify_callback, nullptr);
  SSL_CTX_set_msg_callback(ctx, message_callback);
  if (role == Role::server) {
    SSL_CTX_set_client_hello_cb(ctx, client_hello_callback, nullptr);
    SSL_CTX_set_alpn_select_cb(ctx, alpn_select_callback, nullptr);
  } else {
    SSL_CTX_set_cert_cb(ctx, certificate_callback, nullptr);
  }
  if (key_log) {
    SSL_CTX_set_keylog_callback(ctx, key_log_callback);
  }
}

// ---- Engine -----------------------------------------------------------------------------

Engine::Engine(const Context& context, core::EngineHooks& hooks)
    : context_(context), hooks_(hooks) {}

Result<void> Engine::init() {
  ssl_.reset(SSL_new(context_.ssl_ctx.get()));
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(context_.output_method.get());
  if (!ssl_ || in == nullptr || out == nullptr) {
    BIO_free(in);
    BIO_free(out);
    return fail(Errc::internal_error,
                "OpenSSL could not create a session: " + ossl::take_error_string());
  }
  // An empty input BIO means "no data yet" (retry), never end of stream: the transport's end
  // of stream reaches the core through receive_eof().
  BIO_set_mem_eof_return(in, -1);
  BIO_set_data(out, this);
  SSL_set_bio(ssl_.get(), in, out);
  network_in_ = in;
  SSL_set_app_data(ssl_.get(), this);
  if (context_.role == Role::client) {
    SSL_set_connect_state(ssl_.get());
    // RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in HostName."
    if (!context_.sni.empty() && SSL_set_tlsext_host_name(ssl_.get(), context_.sni.c_str()) != 1) {
      return fail(Errc::internal_error, "OpenSSL refused the server name for SNI");
    }
  } else {
    SSL_set_accept_state(ssl_.get());
  }
  return {};
}

void Engine::drain(core::Bytes& to_peer) {
  if (output_.empty()) {
    return;
  }
  // Usually the core's buffer is empty: the records change hands without a copy.
  if (to_peer.empty()) {
    to_peer.swap(output_);
  } else {
    to_peer.insert(to_peer.end(), output_.begin(), output_.end());
  }
  output_.clear();
}

bool Engine::on_output(std::span<const std::byte> bytes) noexcept {
  try {
    output_.insert(output_.end(), bytes.begin(), bytes.end());
    return true;
  } catch (...) {
    return false;  // libssl sees a failed write and fails the call
  }
}

namespace {
// The output BIO: a sink with no buffer of its own. Its data is the Engine (set in init()).
int output_write(BIO* bio, const char* data, std::size_t size, std::size_t* written) {
  auto* engine = static_cast<Engine*>(BIO_get_data(bio));
  if (engine == nullptr || !engine->on_output({reinterpret_cast<const std::byte*>(data), size})) {
    return 0;
  }
  *written = size;
  return 1;
}
long output_ctrl(BIO* /*bio*/, int command, long /*number*/, void* /*pointer*/) {
  // Everything written is already out (libssl flushes after each flight); no other control
  // applies to a sink (0: unsupported, as libssl expects of one).
  return command == BIO_CTRL_FLUSH ? 1 : 0;
}
int output_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}
}  // namespace

Result<void> make_output_method(Context& context) {
  context.output_method.reset(BIO_meth_new(BIO_TYPE_SOURCE_SINK, "sanstls output"));
  if (!context.output_method ||
      BIO_meth_set_write_ex(context.output_method.get(), output_write) != 1 ||
      BIO_meth_set_ctrl(context.output_method.get(), output_ctrl) != 1 ||
      BIO_meth_set_create(context.output_method.get(), output_create) != 1) {
    return fail(Errc::internal_error,
                "OpenSSL could not make the session output: " + ossl::take_error_string());
  }
  return {};
}

Result<core::EngineStatus> Engine::start(core::Bytes& to_peer) {
  if (context_.role == Role::server) {
    return core::EngineStatus::handshaking;
  }
  offer_stored_session();
  core::Bytes no_application_data;
  const SSL_SESSION* offered = SSL_get_session(ssl_.get());
  const auto early_data = hooks_.early_data_to_send();
  if (offered != nullptr && !early_data.empty() && SSL_SESSION_get_max_early_data(offered) > 0) {
    // RFC 8446 §4.2.10: at most the ticket's max_early_data_size. SSL_write_early_data writes
    // the ClientHello and the early data (it never waits for the server).
    const std::size_t length =
        std::min<std::size_t>(early_data.size(), SSL_SESSION_get_max_early_data(offered));
    std::size_t written = 0;
    const int result = SSL_write_early_data(ssl_.get(), early_data.data(), length, &written);
    drain(to_peer);
    if (result != 1) {
      return fail(failure(SSL_get_error(ssl_.get(), result)));
    }
    early_data_sent_ = true;
  }
  return drive(no_application_data, to_peer);
}

void Engine::offer_stored_session() {
  if (!context_.resumption) {
    return;
  }
  auto offer = hooks_.take_session_to_resume();
  if (!offer || offer->engine_state.empty()) {
    return;
  }
  // The decoded form this configuration kept when it serialised these exact bytes, or the
  // bytes decoded now (a session from another configuration, or one the cache let go).
  Context::SessionPtr session = context_.take_session(offer->engine_state.span());
  if (!session) {
    const unsigned char* cursor = offer->engine_state.data();
    session.reset(d2i_SSL_SESSION(nullptr, &cursor, static_cast<long>(offer->engine_state.size())));
  }
  if (!session) {
    ERR_clear_error();  // unusable: a full handshake, as resumption.hpp promises
    return;
  }
  if (SSL_SESSION_is_resumable(session.get()) != 1 ||
      SSL_set_session(ssl_.get(), session.get()) != 1) {
    ERR_clear_error();
  }
  // (SSL_set_session took its own reference.)
}

std::optional<Result<core::EngineStatus>> Engine::read_early_data(core::Bytes& to_peer) {
  if (context_.role != Role::server || !context_.early_data || early_data_done_) {
    return std::nullopt;
  }
  // SSL_read_early_data drives the server's handshake until the client's early data ends
  // (EndOfEarlyData) or turns out to be absent or rejected (then OpenSSL skips it, RFC 8446
  // §4.2.10). Accepted early data goes only to the early-data hook, never into 1-RTT data.
  constexpr std::size_t kChunk = 16384;
  std::vector<std::byte> buffer(kChunk);
  for (;;) {
    std::size_t read = 0;
    const int result = SSL_read_early_data(ssl_.get(), buffer.data(), buffer.size(), &read);
    drain(to_peer);
    if (result == SSL_READ_EARLY_DATA_SUCCESS) {
      if (read > 0) {
        hooks_.early_data_received(std::span<const std::byte>(buffer).first(read));
      }
      continue;
    }
    if (result == SSL_READ_EARLY_DATA_FINISH) {
      early_data_done_ = true;
      return std::nullopt;
    }
    const int error = SSL_get_error(ssl_.get(), 0);
    switch (error) {
      case SSL_ERROR_WANT_READ:
        return Result<core::EngineStatus>{core::EngineStatus::handshaking};
      case SSL_ERROR_WANT_CLIENT_HELLO_CB:
      case SSL_ERROR_WANT_X509_LOOKUP:
        return Result<core::EngineStatus>{core::EngineStatus::waiting_for_certificate};
      default:
        return Result<core::EngineStatus>{fail(failure(error))};
    }
  }
}

Result<void> Engine::feed(std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const std::size_t chunk = std::min<std::size_t>(bytes.size(), std::numeric_limits<int>::max());
    if (BIO_write(network_in_, bytes.data(), static_cast<int>(chunk)) != static_cast<int>(chunk)) {
      return fail(Errc::internal_error, "OpenSSL could not buffer the received bytes");
    }
    bytes = bytes.subspan(chunk);
  }
  return {};
}

Result<core::EngineStatus> Engine::receive(std::span<const std::byte> bytes,
                                           core::Bytes& application_data, core::Bytes& to_peer) {
  if (auto fed = feed(bytes); !fed) {
    return fail(fed.error());
  }
  return drive(application_data, to_peer);
}

Result<core::EngineStatus> Engine::receive_into(std::span<const std::byte> bytes,
                                                core::ReceiveBuffer& into, core::Bytes& to_peer) {
  if (auto fed = feed(bytes); !fed) {
    return fail(fed.error());
  }
  return drive(*into.overflow, to_peer, &into);
}

Result<core::EngineStatus> Engine::resume(core::Bytes& application_data, core::Bytes& to_peer) {
  return drive(application_data, to_peer);
}

Result<core::EngineStatus> Engine::drive(core::Bytes& application_data, core::Bytes& to_peer,
                                         core::ReceiveBuffer* into) {
  if (!handshake_done_) {
    if (auto early = read_early_data(to_peer)) {
      return std::move(*early);
    }
    const int result = SSL_do_handshake(ssl_.get());
    drain(to_peer);
    if (result != 1) {
      const int error = SSL_get_error(ssl_.get(), result);
      switch (error) {
        case SSL_ERROR_WANT_READ:
          return core::EngineStatus::handshaking;
        case SSL_ERROR_WANT_CLIENT_HELLO_CB:
        case SSL_ERROR_WANT_X509_LOOKUP:
          return core::EngineStatus::waiting_for_certificate;
        case SSL_ERROR_ZERO_RETURN:
          // The peer's close_notify before the handshake completed: reported as the close it is
          // (handshake_complete() false); the core makes it the same failure on every engine.
          ERR_clear_error();
          peer_closed_ = true;
          return core::EngineStatus::peer_closed;
        default:
          return fail(failure(error));
      }
    }
    handshake_done_ = true;
    ERR_clear_error();
  }
  // Read every complete record straight into the caller's buffer, one record (at most
  // 2^14 bytes, RFC 8446 §5.1) at a time, so growth stays bounded by the input.
  constexpr std::size_t kMaximumPlaintext = 16384;
  while (!peer_closed_) {
    // Nothing left to read (no received byte unread, nothing buffered in libssl): the call that
    // would only say SSL_ERROR_WANT_READ is skipped, and with it a 16 KiB zero-filled growth of
    // the caller's vector per receive.
    if (BIO_ctrl_pending(network_in_) == 0 && SSL_has_pending(ssl_.get()) == 0) {
      if (callback_error_) return fail(failure(SSL_ERROR_WANT_READ));  // a refused renegotiation
      break;
    }
    // The caller's vector grows by the next record's plaintext, not by a whole record's room (a
    // 16 KiB zero-filled growth per 1 KiB record): a 1-byte peek makes libssl open the next
    // record, and SSL_pending() then says how much it holds. A failing peek is handled below
    // as a failing read would be (it is the same call underneath).
    const auto pending = [&] {
      return static_cast<std::size_t>(std::max(SSL_pending(ssl_.get()), 0));
    };
    std::size_t room = pending();
    int result = 1;
    if (room == 0) {
      unsigned char first = 0;
      std::size_t peeked = 0;
      result = SSL_peek_ex(ssl_.get(), &first, 1, &peeked);
      room = pending();
    }
    if (result == 1) {
      if (room == 0 || room > kMaximumPlaintext) room = kMaximumPlaintext;
      std::size_t read = 0;
      if (into != nullptr && into->overflow->empty() && into->buffer.size() - into->used >= room) {
        // Straight into the caller's buffer (receive_into); once anything went to the overflow,
        // everything after it goes there too, in order.
        result = SSL_read_ex(ssl_.get(), into->buffer.data() + into->used, room, &read);
        into->used += result == 1 ? read : 0;
      } else {
        const std::size_t offset = application_data.size();
        application_data.resize(offset + room);
        result = SSL_read_ex(ssl_.get(), application_data.data() + offset, room, &read);
        application_data.resize(offset + (result == 1 ? read : 0));
      }
    }
    drain(to_peer);
    if (result == 1) {
      continue;
    }
    const int error = SSL_get_error(ssl_.get(), result);
    if (error == SSL_ERROR_WANT_READ) {
      if (callback_error_) return fail(failure(error));  // a refused renegotiation
      break;
    }
    if (error == SSL_ERROR_ZERO_RETURN) {
      peer_closed_ = true;
      break;
    }
    return fail(failure(error));
  }
  return peer_closed_ ? core::EngineStatus::peer_closed : core::EngineStatus::established;
}

Result<void> Engine::write(std::span<const std::byte> data, core::Bytes& to_peer) {
  std::size_t written = 0;
  // Without partial writes, SSL_write_ex into the output sink either writes everything or fails.
  if (SSL_write_ex(ssl_.get(), data.data(), data.size(), &written) != 1 || written != data.size()) {
    drain(to_peer);
    return fail(failure(SSL_get_error(ssl_.get(), 0)));
  }
  drain(to_peer);
  return {};
}

Result<void> Engine::close_notify(core::Bytes& to_peer) {
  const int result = SSL_shutdown(ssl_.get());
  drain(to_peer);
  if (result < 0) {
    return fail(failure(SSL_get_error(ssl_.get(), result)));
  }
  return {};
}

Result<void> Engine::send_alert(Alert alert, AlertLevel /*level*/, core::Bytes& /*to_peer*/) {
  // libssl sends alerts only on its own account (SSL_shutdown: close_notify; failures: the
  // alert it chose). It has no public call that sends a given alert, and writing the record
  // ourselves would need its write keys and sequence number, which it does not expose. So the
  // alert is refused and nothing changes: the session goes on, finish() still works.
  return fail(Errc::unsupported,
              fmt::format("the OpenSSL engine cannot send a {} alert on request (OpenSSL has no "
                          "call for it); use finish() to close, or the GnuTLS or native engine",
                          alert_name(alert)));
}

Result<void> Engine::update_keys(core::Bytes& to_peer, bool request_peer_update) {
  // SSL_key_update only schedules the message; SSL_do_handshake sends it (and switches keys).
  if (SSL_key_update(ssl_.get(), request_peer_update ? SSL_KEY_UPDATE_REQUESTED
                                                     : SSL_KEY_UPDATE_NOT_REQUESTED) != 1) {
    return fail(Errc::internal_error, "OpenSSL refused to schedule a KeyUpdate");
  }
  const int result = SSL_do_handshake(ssl_.get());
  drain(to_peer);
  if (result != 1) {
    return fail(failure(SSL_get_error(ssl_.get(), result)));
  }
  return {};
}

namespace {

/// RFC 5705 §4 for TLS 1.2, computed here because OpenSSL 3.0's TLS1-PRF collects label and
/// seed in a 1024-byte buffer (TLS1_PRF_MAXBUF) and fails on longer contexts, although the RFC
/// allows 65535 bytes: PRF(master_secret, label, client_random + server_random +
/// context_length + context), with RFC 5246 §5's P_hash streamed through HMAC so the seed is
/// never copied. Every intermediate value is wiped.
Result<void> tls12_export_long_context(SSL* ssl, std::span<std::byte> out, std::string_view label,
                                       std::span<const std::byte> context) {
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  const EVP_MD* md = cipher == nullptr ? nullptr : SSL_CIPHER_get_handshake_digest(cipher);
  const SSL_SESSION* session = SSL_get_session(ssl);
  if (md == nullptr || session == nullptr) {
    return fail(Errc::internal_error,
                "OpenSSL has no TLS 1.2 session to export keying material from");
  }
  base::SecretBytes master(SSL_SESSION_get_master_key(session, nullptr, 0));
  SSL_SESSION_get_master_key(session, master.data(), master.size());
  std::array<unsigned char, 2 * SSL3_RANDOM_SIZE + 2> randoms_and_length{};
  SSL_get_client_random(ssl, randoms_and_length.data(), SSL3_RANDOM_SIZE);
  SSL_get_server_random(ssl, randoms_and_length.data() + SSL3_RANDOM_SIZE, SSL3_RANDOM_SIZE);
  randoms_and_length[2 * SSL3_RANDOM_SIZE] = static_cast<unsigned char>(context.size() >> 8);
  randoms_and_length[2 * SSL3_RANDOM_SIZE + 1] = static_cast<unsigned char>(context.size());

  const auto md_size = static_cast<std::size_t>(EVP_MD_get_size(md));
  const std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> mac(
      EVP_MAC_fetch(nullptr, "HMAC", nullptr), &EVP_MAC_free);
  // HMAC(master_secret, part1 + part2 + ...) into `into`.
  auto hmac = [&](std::initializer_list<std::span<const unsigned char>> parts,
                  base::SecretBytes& into) {
    const std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(
        mac ? EVP_MAC_CTX_new(mac.get()) : nullptr, &EVP_MAC_CTX_free);
    std::array<OSSL_PARAM, 2> params{
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                         const_cast<char*>(EVP_MD_get0_name(md)), 0),
        OSSL_PARAM_construct_end()};
    bool ok =
        ctx != nullptr && EVP_MAC_init(ctx.get(), master.data(), master.size(), params.data()) == 1;
    for (const auto part : parts) {
      ok = ok && (part.empty() || EVP_MAC_update(ctx.get(), part.data(), part.size()) == 1);
    }
    std::size_t written = 0;
    return ok && EVP_MAC_final(ctx.get(), into.data(), &written, into.size()) == 1 &&
           written == into.size();
  };
  const std::span<const unsigned char> seed_parts[] = {
      {reinterpret_cast<const unsigned char*>(label.data()), label.size()},
      randoms_and_length,
      {reinterpret_cast<const unsigned char*>(context.data()), context.size()}};
  base::SecretBytes a(md_size);      // A(i)
  base::SecretBytes block(md_size);  // HMAC(secret, A(i) + label + seed)
  // A(1) = HMAC(secret, label + seed); A(i) = HMAC(secret, A(i-1)).
  bool ok = hmac({seed_parts[0], seed_parts[1], seed_parts[2]}, a);
  for (std::size_t done = 0; ok && done < out.size();) {
    ok = hmac({a.span(), seed_parts[0], seed_parts[1], seed_parts[2]}, block);
    const std::size_t n = std::min(block.size(), out.size() - done);
    std::memcpy(out.data() + done, block.data(), n);
    done += n;
    if (ok && done < out.size()) {
      base::SecretBytes next(md_size);
      ok = hmac({a.span()}, next);
      a = std::move(next);
    }
  }
  OPENSSL_cleanse(randoms_and_length.data(), randoms_and_length.size());
  if (!ok) {
    OPENSSL_cleanse(out.data(), out.size());
    return fail(Errc::internal_error, "OpenSSL could not compute the TLS 1.2 exporter");
  }
  return {};
}

}  // namespace

Result<void> Engine::export_keying_material(std::span<std::byte> out, std::string_view label,
                                            std::optional<std::span<const std::byte>> context) {
  // OpenSSL 3.0's TLS 1.2 exporter fails once label + randoms + context exceed its 1024-byte
  // PRF buffer; RFC 5705 allows contexts up to 65535 bytes, which the other engines export.
  constexpr std::size_t openssl_prf_buffer = 1024;
  if (context && SSL_version(ssl_.get()) == TLS1_2_VERSION &&
      label.size() + 2 * SSL3_RANDOM_SIZE + 2 + context->size() > openssl_prf_buffer) {
    return tls12_export_long_context(ssl_.get(), out, label, *context);
  }
  // RFC 5705 / RFC 8446 §7.5; use_context distinguishes "no context" from an empty one, which
  // matters in TLS 1.2 only.
  const auto* context_bytes =
      context ? reinterpret_cast<const unsigned char*>(context->data()) : nullptr;
  if (SSL_export_keying_material(ssl_.get(), reinterpret_cast<unsigned char*>(out.data()),
                                 out.size(), label.data(), label.size(), context_bytes,
                                 context ? context->size() : 0, context ? 1 : 0) != 1) {
    return fail(Errc::internal_error,
                "OpenSSL could not export keying material: " + ossl::take_error_string());
  }
  return {};
}

SessionInfo Engine::info() const {
  SessionInfo info;
  info.backend = Backend::openssl;
  info.server_name = context_.role == Role::client ? context_.sni : server_name_;
  // While sealing a ticket (OpenSSL sends TLS 1.3 tickets before the handshake call returns)
  // the core reads what the session negotiated.
  if (!handshake_done_ && !in_ticket_callback_) {
    return info;
  }
  switch (SSL_version(ssl_.get())) {
    case TLS1_3_VERSION:
      info.version = ProtocolVersion::tls13;
      break;
    case TLS1_2_VERSION:
      info.version = ProtocolVersion::tls12;
      break;
    default:
      break;
  }
  if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl_.get())) {
    info.cipher_suite = suite_from_id(SSL_CIPHER_get_protocol_id(cipher));
  }
  info.group = group_from_nid(static_cast<int>(SSL_get_negotiated_group(ssl_.get())));
  const unsigned char* alpn = nullptr;
  unsigned int alpn_length = 0;
  SSL_get0_alpn_selected(ssl_.get(), &alpn, &alpn_length);
  if (alpn != nullptr) {
    info.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_length);
  }
  info.resumed = SSL_session_reused(ssl_.get()) == 1;
  const bool offered = context_.role == Role::client ? early_data_sent_ : early_data_offered_;
  if (offered) {
    info.early_data = SSL_get_early_data_status(ssl_.get()) == SSL_EARLY_DATA_ACCEPTED
                          ? EarlyDataStatus::accepted
                          : EarlyDataStatus::rejected;
  }
  return info;
}

Result<void> Engine::install_chain(const CertificateChain& chain) {
  ossl::X509StackPtr intermediates{sk_X509_new_null()};
  if (!intermediates) {
    return fail(Errc::internal_error, "out of memory");
  }
  const auto& certificates = chain.certificates();
  for (std::size_t i = 1; i < certificates.size(); ++i) {
    X509* certificate = certificates[i].impl().x509.get();
    if (X509_up_ref(certificate) != 1 || sk_X509_push(intermediates.get(), certificate) <= 0) {
      return fail(Errc::internal_error, "out of memory");
    }
  }
  if (SSL_use_cert_and_key(ssl_.get(), chain.leaf().impl().x509.get(),
                           chain.key().impl().pkey.get(), intermediates.get(), 1) != 1) {
    return fail(Errc::bad_configuration,
                "OpenSSL refused the certificate chain: " + ossl::take_error_string());
  }
  return {};
}

int Engine::on_verify(X509_STORE_CTX* store) noexcept {
  // The peer's chain exactly as sent, leaf first.
  std::vector<Certificate> chain;
  STACK_OF(X509)* sent = X509_STORE_CTX_get0_untrusted(store);
  const int count = sent == nullptr ? 0 : sk_X509_num(sent);
  for (int i = 0; i < count; ++i) {
    // libssl parsed the certificate already: share its object rather than parse it again.
    auto parsed = certificate_from_x509(sk_X509_value(sent, i));
    if (!parsed) {
      callback_error_ = core::refusals::malformed_peer_certificate(static_cast<std::size_t>(i) + 1,
                                                                   parsed.error().message);
      X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
      return 0;
    }
    chain.push_back(std::move(*parsed));
  }
  // RFC 7627 §5.4: a client that refuses full handshakes without the extended master secret
  // aborts. The ServerHello has been processed by now, so the answer is known.
  if (context_.role == Role::client && SSL_version(ssl_.get()) == TLS1_2_VERSION &&
      !server_offered_ems_) {
    callback_error_ = core::refusals::no_extended_master_secret(/*peer_is_server=*/true);
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  SessionInfo so_far = info();
  if (auto verdict = hooks_.verify_peer(chain, so_far); !verdict) {
    callback_error_ = verdict.error();
    X509_STORE_CTX_set_error(store, verify_error_for_alert(verdict.error().alert_sent));
    return 0;
  }
  X509_STORE_CTX_set_error(store, X509_V_OK);
  return 1;
}

int Engine::on_client_hello(int* alert) noexcept {
  SSL* ssl = ssl_.get();
  const unsigned char* data = nullptr;
  std::size_t length = 0;
  if (peer_versions_.empty()) {
    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_supported_versions, &data, &length) == 1) {
      auto versions = core::parse_client_supported_versions({data, length});
      if (!versions) {
        callback_error_ = versions.error();
        *alert = SSL_AD_DECODE_ERROR;
        return SSL_CLIENT_HELLO_ERROR;
      }
      peer_versions_ = std::move(*versions);
    } else {
      // RFC 8446 §4.2.1: without supported_versions, legacy_version is the highest version
      // the client supports; list every version up to it for the error message.
      const auto highest = static_cast<std::uint16_t>(SSL_client_hello_get0_legacy_version(ssl));
      for (std::uint16_t version = 0x0301; version <= std::min<std::uint16_t>(highest, 0x0303);
           ++version) {
        peer_versions_.push_back(version);
      }
      if (peer_versions_.empty()) {
        peer_versions_.push_back(highest);
      }
    }
  }
  const auto offers = [&](std::uint16_t version) {
    return std::ranges::find(peer_versions_, version) != peer_versions_.end();
  };
  const bool offers_tls13 = offers(0x0304);
  if (!offers_tls13 && (context_.tls13_only || !offers(0x0303))) {
    callback_error_ = core::forbidden_versions_error(peer_versions_, false, context_.tls13_only);
    *alert = SSL_AD_PROTOCOL_VERSION;
    return SSL_CLIENT_HELLO_ERROR;
  }
  // RFC 7627 §5.3: a server that requires the extended master secret aborts a full handshake
  // with a client that does not offer it. Only TLS 1.2 uses it; TLS 1.3 always binds the
  // transcript.
  if (!offers_tls13 &&
      SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_extended_master_secret, &data, &length) != 1) {
    callback_error_ = core::refusals::no_extended_master_secret(/*peer_is_server=*/false);
    *alert = SSL_AD_HANDSHAKE_FAILURE;
    return SSL_CLIENT_HELLO_ERROR;
  }
  // RFC 8446 §4.2.8: an empty key share is an invalid public key, illegal_parameter on every
  // engine (OpenSSL itself would send decode_error).
  if (offers_tls13 && SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_key_share, &data, &length) == 1) {
    if (auto refused = core::refuse_empty_key_share({data, length})) {
      callback_error_ = std::move(*refused);
      *alert = SSL_AD_ILLEGAL_PARAMETER;
      return SSL_CLIENT_HELLO_ERROR;
    }
  }
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &data, &length) == 1) {
    auto name = core::parse_server_name_extension({data, length});
    if (!name) {
      callback_error_ = name.error();
      *alert = SSL_AD_DECODE_ERROR;
      return SSL_CLIENT_HELLO_ERROR;
    }
    server_name_ = std::move(*name);
  }
  psk_identity_.clear();
  early_data_offered_ = SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_early_data, &data, &length) == 1;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_psk, &data, &length) == 1) {
    // RFC 8446 §4.2.11: identities<7..2^16-1> of {identity<1..2^16-1>, obfuscated_ticket_age}.
    // Only the first identity may carry early data (§4.2.10); OpenSSL checks the rest.
    wire::Reader extension{{data, length}};
    if (auto identities = extension.child16("PskIdentity list", {.min = 7})) {
      if (auto identity = identities->vec16("PskIdentity.identity", {.min = 1})) {
        const auto bytes = std::as_bytes(*identity);
        psk_identity_.assign(bytes.begin(), bytes.end());
      }
    }
  }
  const core::CertificateAnswer answer =
      hooks_.select_server_certificate(ServerCertificateQuery{.server_name = server_name_});
  switch (answer.kind) {
    case core::CertificateAnswer::Kind::pending:
      return SSL_CLIENT_HELLO_RETRY;
    case core::CertificateAnswer::Kind::declined: {
      callback_error_ = core::refusals::no_certificate_for_name(server_name_);
      *alert = SSL_AD_UNRECOGNIZED_NAME;
      return SSL_CLIENT_HELLO_ERROR;
    }
    case core::CertificateAnswer::Kind::provided:
      break;
  }
  if (auto installed = install_chain(*answer.chain); !installed) {
    callback_error_ = installed.error();
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

int Engine::on_certificate_request() noexcept {
  ClientCertificateQuery query;
  query.server_name = context_.sni;
  if (const STACK_OF(X509_NAME)* names = SSL_get0_peer_CA_list(ssl_.get())) {
    for (int i = 0; i < sk_X509_NAME_num(names); ++i) {
      query.acceptable_authorities.push_back(x509::one_line_name(sk_X509_NAME_value(names, i)));
    }
  }
  const core::CertificateAnswer answer = hooks_.select_client_certificate(query);
  switch (answer.kind) {
    case core::CertificateAnswer::Kind::pending:
      return -1;  // SSL_ERROR_WANT_X509_LOOKUP
    case core::CertificateAnswer::Kind::declined:
      return 1;  // send an empty Certificate
    case core::CertificateAnswer::Kind::provided:
      break;
  }
  if (auto installed = install_chain(*answer.chain); !installed) {
    callback_error_ = installed.error();
    return 0;
  }
  return 1;
}

int Engine::on_alpn_select(const unsigned char** out, unsigned char* out_length,
                           std::span<const unsigned char> offered) noexcept {
  if (context_.alpn.empty()) {
    return SSL_TLSEXT_ERR_NOACK;  // we speak no ALPN protocol: ignore the extension
  }
  // Server preference order (RFC 7301 §3.2 leaves the choice to the server).
  for (const auto& protocol : context_.alpn) {
    wire::Reader list{offered};
    while (!list.empty()) {
      auto name = list.vec8("ProtocolName", {.min = 1, .max = 255});
      if (!name) {
        break;
      }
      if (std::ranges::equal(*name, protocol, [](std::uint8_t a, char b) {
            return a == static_cast<std::uint8_t>(b);
          })) {
        *out = name->data();
        *out_length = static_cast<unsigned char>(name->size());
        return SSL_TLSEXT_ERR_OK;
      }
    }
  }
  callback_error_ = core::refusals::no_shared_application_protocol(context_.alpn);
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

void Engine::on_message(bool sent, int content_type,
                        std::span<const std::uint8_t> message) noexcept {
  if (content_type == kContentAlert && message.size() == 2) {
    const auto alert = static_cast<Alert>(message[1]);
    const bool fatal = message[0] == kAlertLevelFatal || alert != Alert::close_notify;
    if (!fatal) {
      return;
    }
    if (sent) {
      alert_sent_ = alert;
    } else {
      alert_received_ = alert;
    }
  } else if (content_type == kContentHandshake && !sent && handshake_done_ && !message.empty() &&
             message[0] == (context_.role == Role::server ? kClientHello : kHelloRequest)) {
    // A renegotiation attempt. With SSL_OP_NO_RENEGOTIATION OpenSSL answers a TLS 1.2 attempt
    // with the no_renegotiation warning and goes on; sanstls ends the session instead, as every
    // engine does (drive() reports this error once OpenSSL returns).
    if (!callback_error_) {
      callback_error_ = core::refusals::renegotiation_refused(
          context_.role == Role::server, SSL_version(ssl_.get()) == TLS1_3_VERSION);
    }
  } else if (content_type == kContentHandshake && !sent && context_.role == Role::client &&
             peer_versions_.empty()) {
    if (auto summary = core::summarize_server_hello(message)) {
      peer_versions_.push_back(summary->version);
      server_offered_ems_ = summary->extended_master_secret;
    }
  }
}

int Engine::on_ticket_key(unsigned char* key_name, unsigned char* iv, EVP_CIPHER_CTX* cipher,
                          EVP_MAC_CTX* mac, bool encrypt) noexcept {
  // OpenSSL's ticket format (RFC 5077 §4's recommended one): key_name(16) || IV ||
  // AES-256-CBC(state) || HMAC-SHA256. Both keys are derived from the TicketKeys key named in
  // the ticket. Returns: 1 ok, 2 ok but seal a new ticket under the current key, 0 unknown
  // key (full handshake), -1 failure.
  if (!context_.ticket_keys) {
    return encrypt ? -1 : 0;
  }
  std::shared_ptr<const core::TicketKey> key;
  bool current = true;
  if (encrypt) {
    auto sealing = core::TicketKeysAccess::sealing_key(*context_.ticket_keys);
    if (!sealing) {
      return -1;
    }
    key = std::move(*sealing);
    std::memcpy(key_name, key->name.data(), key->name.size());
    if (RAND_bytes_ex(context_.library->get(), iv, 16, 0) != 1) {
      return -1;
    }
  } else {
    key = core::TicketKeysAccess::opening_key(*context_.ticket_keys,
                                              {key_name, core::TicketKey::name_length});
    if (!key) {
      return 0;  // revoked, expired or never ours
    }
    auto sealing = core::TicketKeysAccess::sealing_key(*context_.ticket_keys);
    current = sealing && *sealing == key;
  }
  const auto keys = context_.cipher_keys(key);
  if (!keys) {
    return -1;
  }
  const std::unique_ptr<EVP_CIPHER, decltype(&EVP_CIPHER_free)> aes(
      EVP_CIPHER_fetch(context_.library->get(), "AES-256-CBC", nullptr), &EVP_CIPHER_free);
  std::array<OSSL_PARAM, 2> params{
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      OSSL_PARAM_construct_end()};
  if (!aes ||
      EVP_CipherInit_ex2(cipher, aes.get(), keys->aes.data(), iv, encrypt ? 1 : 0, nullptr) != 1 ||
      EVP_MAC_init(mac, keys->hmac.data(), keys->hmac.size(), params.data()) != 1) {
    return -1;
  }
  return current ? 1 : 2;
}

namespace {
/// The engine's prefix of a ticket's app data: when it was sealed (ms since the epoch, by the
/// TicketKeys clock), for RFC 8446 §8.3's freshness check. The core's context follows.
constexpr std::size_t kIssuedLength = 8;
}  // namespace

int Engine::on_generate_ticket() noexcept {
  if (!context_.ticket_keys) {
    return 0;
  }
  const auto issued = std::chrono::duration_cast<std::chrono::milliseconds>(
                          core::TicketKeysAccess::now(*context_.ticket_keys).time_since_epoch())
                          .count();
  core::Bytes data(kIssuedLength);
  for (std::size_t i = 0; i < kIssuedLength; ++i) {
    data[i] = static_cast<std::byte>(static_cast<std::uint64_t>(issued) >> (8 * (7 - i)));
  }
  in_ticket_callback_ = true;
  const core::Bytes context = hooks_.ticket_context();
  in_ticket_callback_ = false;
  data.insert(data.end(), context.begin(), context.end());
  return SSL_SESSION_set1_ticket_appdata(SSL_get_session(ssl_.get()), data.data(), data.size());
}

int Engine::on_decrypt_ticket(SSL_SESSION* session, int status) noexcept {
  switch (status) {
    case SSL_TICKET_SUCCESS:
    case SSL_TICKET_SUCCESS_RENEW:
      break;
    case SSL_TICKET_FATAL_ERR_MALLOC:
    case SSL_TICKET_FATAL_ERR_OTHER:
      return SSL_TICKET_RETURN_ABORT;
    default:  // no ticket, or one that does not open: a full handshake
      return SSL_TICKET_RETURN_IGNORE_RENEW;
  }
  void* raw = nullptr;
  std::size_t length = 0;
  if (SSL_SESSION_get0_ticket_appdata(session, &raw, &length) != 1 || raw == nullptr ||
      length < kIssuedLength) {
    return SSL_TICKET_RETURN_IGNORE_RENEW;
  }
  const std::span<const std::byte> data{static_cast<const std::byte*>(raw), length};
  std::uint64_t issued = 0;
  for (std::size_t i = 0; i < kIssuedLength; ++i) {
    issued = (issued << 8) | std::to_integer<std::uint64_t>(data[i]);
  }
  if (!hooks_.accept_resumption(data.subspan(kIssuedLength))) {
    return SSL_TICKET_RETURN_IGNORE_RENEW;
  }
  ticket_issued_ = std::chrono::system_clock::time_point{
      std::chrono::milliseconds{static_cast<std::int64_t>(issued)}};
  // Always renew: a client uses a ticket once (RFC 8446 §C.4), so a resumed session brings it
  // a fresh one (USE alone sends none).
  return SSL_TICKET_RETURN_USE_RENEW;
}

int Engine::on_allow_early_data() noexcept {
  if (!ticket_issued_ || psk_identity_.empty() || !context_.ticket_keys) {
    return 0;
  }
  // OpenSSL offers early data only when the client's ticket age (obfuscated_ticket_age minus
  // ticket_age_add, which OpenSSL does not expose) is within its fixed 10 s of the server's
  // (RFC 8446 §8.3); the core's check then uses the server's view of the age.
  const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(
      core::TicketKeysAccess::now(*context_.ticket_keys) - *ticket_issued_);
  return hooks_.accept_early_data(psk_identity_, age, *ticket_issued_) ? 1 : 0;
}

void Engine::on_new_session(SSL_SESSION* session) noexcept {
  if (!context_.resumption || SSL_SESSION_is_resumable(session) != 1 ||
      SSL_SESSION_has_ticket(session) != 1) {
    return;
  }
  const int length = i2d_SSL_SESSION(session, nullptr);
  if (length <= 0) {
    ERR_clear_error();
    return;
  }
  base::SecretBytes state(static_cast<std::size_t>(length));
  unsigned char* cursor = state.data();
  if (i2d_SSL_SESSION(session, &cursor) != length) {
    ERR_clear_error();
    return;
  }
  // A copy, not `session` itself: SSL_free() without a shutdown marks the connection's own
  // session not resumable.
  if (SSL_SESSION* copy = SSL_SESSION_dup(session); copy != nullptr) {
    context_.remember_session(state.span(), Context::SessionPtr(copy, SSL_SESSION_free));
  } else {
    ERR_clear_error();
  }
  // RFC 5077 §3.3: a lifetime hint of 0 means "unspecified": the session's own timeout then.
  auto lifetime = static_cast<long>(SSL_SESSION_get_ticket_lifetime_hint(session));
  if (lifetime == 0) {
    lifetime = SSL_SESSION_get_timeout(session);
  }
  // A TLS 1.2 ticket arrives before the handshake call returns: the core reads what the session
  // negotiated.
  in_ticket_callback_ = true;
  hooks_.session_ticket_received(std::move(state), std::chrono::seconds(lifetime),
                                 SSL_SESSION_get_max_early_data(session));
  in_ticket_callback_ = false;
}

void Engine::on_key_log(const char* line) noexcept {
  if (hooks_.key_log_enabled()) {
    hooks_.key_log(line);
  }
}

Error Engine::failure(int ssl_error) {
  const unsigned long code = ERR_peek_error();
  const int reason = ERR_GET_REASON(code);
  ERR_clear_error();  // OpenSSL's texts never reach a message (see the default case)
  Error error;
  if (callback_error_) {
    error = *callback_error_;
  } else if (alert_received_) {
    error = core::refusals::alert_received(*alert_received_);
  } else {
    switch (reason) {
      case SSL_R_UNSUPPORTED_PROTOCOL:
      case SSL_R_WRONG_VERSION_NUMBER:
      case SSL_R_NO_PROTOCOLS_AVAILABLE:
      case SSL_R_UNKNOWN_PROTOCOL:
      case SSL_R_UNSUPPORTED_SSL_VERSION:
      case SSL_R_VERSION_TOO_LOW:
        // Only a handshake where the peer's versions really are all refused is a policy
        // failure; a bad version field in a later record is just bad data.
        if (!handshake_done_ && !peer_versions_.empty() &&
            !core::offers_acceptable_version(peer_versions_, context_.tls13_only)) {
          error = core::forbidden_versions_error(peer_versions_, context_.role == Role::client,
                                                 context_.tls13_only);
        } else {
          error = core::refusals::wrong_record_version();
        }
        break;
      case SSL_R_NO_SHARED_CIPHER:
        error = core::refusals::no_shared_cipher_suite();
        break;
      case SSL_R_WRONG_CIPHER_RETURNED:
        error = core::refusals::unoffered_cipher_suite();
        break;
      case SSL_R_UNSAFE_LEGACY_RENEGOTIATION_DISABLED:
        // A TLS 1.2 ServerHello without renegotiation_info (OpenSSL 3.0 clients refuse it:
        // no SSL_OP_LEGACY_SERVER_CONNECT), RFC 5746 §4.1.
        error = core::refusals::no_secure_renegotiation(context_.role == Role::client);
        break;
      case SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS:
      case SSL_R_WRONG_SIGNATURE_TYPE:
        error = core::refusals::no_shared_signature_algorithm();
        break;
      case SSL_R_NO_SUITABLE_KEY_SHARE:
      case SSL_R_NO_SHARED_GROUPS:
      case SSL_R_WRONG_CURVE:
        error = core::refusals::no_shared_group();
        break;
      case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
        error =
            core::refusals::missing_client_certificate(SSL_version(ssl_.get()) == TLS1_3_VERSION);
        break;
      case SSL_R_NO_APPLICATION_PROTOCOL:
        error = core::refusals::server_chose_no_offered_protocol();
        break;
      // OpenSSL's own flood limits, said as every engine says them.
      case SSL_R_RECORD_TOO_SMALL:  // more than MAX_EMPTY_RECORDS empty records
        error = core::refusals::too_many_in_a_row("empty records", alert_sent_);
        break;
      case SSL_R_TOO_MANY_WARN_ALERTS:
        error = core::refusals::too_many_in_a_row("warning alerts", alert_sent_);
        break;
      case SSL_R_EXCESSIVE_MESSAGE_SIZE:
        error = core::refusals::handshake_message_too_large(alert_sent_);
        break;
      default:
        // Said in TLS terms, by the alert OpenSSL sent for it: OpenSSL's own texts
        // ("error:0A00009C:SSL routines::http request") mean nothing to a user.
        if (ssl_error == SSL_ERROR_SSL || ssl_error == SSL_ERROR_SYSCALL) {
          error = core::refusals::invalid_tls_data(alert_sent_);
        } else {
          error = make_error(Errc::internal_error,
                             "the OpenSSL engine stopped for a reason it does not report (a bug "
                             "in sanstls or OpenSSL)");
        }
        break;
    }
  }
  if (alert_sent_) {
    error.alert_sent = alert_sent_;
  } else if (error.alert_sent && !alert_sent_) {
    // The alert we intended never reached the wire (the state did not allow one).
    error.alert_sent.reset();
  }
  return error;
}

}  // namespace sanstls::openssl

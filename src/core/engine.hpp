// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The boundary between the shared core and the TLS engines (OpenSSL, GnuTLS, native).
//
// The core owns everything the engines have in common: callbacks, session state, errors,
// certificate verification, certificate selection and the policy. An engine only moves bytes
// through its TLS implementation. It never calls user code directly: it calls the EngineHooks
// the core gives it, and returns Errors that say which alert (if any) it put on the wire.

#include <sanstls/backends.hpp>
#include <sanstls/certificate_stores.hpp>
#include <sanstls/credentials.hpp>
#include <sanstls/error.hpp>
#include <sanstls/protocol.hpp>
#include <sanstls/tls.hpp>

#include "base/output_buffer.hpp"
#include "base/secret_bytes.hpp"
#include "core/library_context.hpp"
#include "x509/server_name.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sanstls::core {

using Bytes = std::vector<std::byte>;

/// A stored session a client offers (EngineHooks::take_session_to_resume).
struct ResumptionOffer {
  /// What the engine handed to session_ticket_received() (secret).
  base::SecretBytes engine_state;
  /// The ticket's max_early_data_size (0: no 0-RTT).
  std::uint32_t max_early_data = 0;
  /// The ALPN protocol of the original session ("" when none): 0-RTT requires the same one
  /// (RFC 8446 §4.2.10), and the core refuses a resumption that negotiates another.
  std::string alpn;
};

/// The answer of a certificate store, as the engine sees it.
struct CertificateAnswer {
  enum class Kind { pending, provided, declined };
  Kind kind = Kind::pending;
  std::optional<CertificateChain> chain;
};

/// Where Session::receive_data_into() wants application data: the buffer from
/// `used` on while a piece fits whole in the room left, then, in order, the end of `overflow`
/// (what the core holds for the next call). Once anything went to `overflow`, everything after it
/// goes there too, so the order is kept. Engines that cannot decrypt into the buffer append
/// everything to `overflow` (Engine::receive_into's default) and the core copies it over.
struct ReceiveBuffer {
  std::span<std::byte> buffer;
  /// Bytes of `buffer` already filled.
  std::size_t used = 0;
  /// Never null.
  Bytes* overflow = nullptr;
};

/// Services of the core that an engine calls during a handshake. Implemented by SessionCore.
class EngineHooks {
 public:
  /// Runs every built-in check on the peer's chain (leaf first), then the user's verify
  /// callback. The Error's alert_sent says which alert the engine must send.
  virtual Result<void> verify_peer(std::span<const Certificate> chain, const SessionInfo& info) = 0;
  /// Server: asks the certificate store. A pending answer means: pause the handshake and
  /// return EngineStatus::waiting_for_certificate; the core calls Engine::resume() later.
  virtual CertificateAnswer select_server_certificate(const ServerCertificateQuery& query) = 0;
  /// Client: asks the client certificate store (same pending protocol as above).
  virtual CertificateAnswer select_client_certificate(const ClientCertificateQuery& query) = 0;
  /// Hands one NSS key-log line to the hazmat key log, if one is configured.
  virtual void key_log(std::string_view line) = 0;
  [[nodiscard]] virtual bool key_log_enabled() const = 0;

  // ---- Resumption and 0-RTT (include/sanstls/resumption.hpp; docs/guide.md) ----------------
  // The core owns every decision that must be the same on every engine: which stored session a
  // client offers (single use), what a server's ticket carries besides the engine's own state
  // (the session's identity for revocation, SNI, ALPN, the verified peer chain), whether a ticket
  // may resume (revoked after a fatal alert or a truncation), whether early data may be accepted
  // (replay register, freshness). Engines do the protocol: PSK offers and binders, tickets,
  // early-data records. The core may call Engine::info() from inside these hooks (for the
  // ALPN, SNI, version and suite of the session so far), so it must be safe to call there.

  /// Client, in start(): the session to offer, taken out of the store (it is never offered
  /// again), or nullopt. `engine_state` is exactly what this engine handed to
  /// session_ticket_received() when the ticket arrived; the core already checked that it was
  /// made by this engine under a configuration with the same trust, policy and server name.
  virtual std::optional<ResumptionOffer> take_session_to_resume() = 0;
  /// Client, in start(): the 0-RTT data to send if the offered session allows it (empty: none).
  /// The engine sends at most the ticket's max_early_data_size bytes of it; what it sent is
  /// reported by info().early_data (accepted / rejected) once the server answered.
  [[nodiscard]] virtual std::span<const std::byte> early_data_to_send() const = 0;
  /// Client: a ticket arrived (NewSessionTicket, after the handshake). `engine_state` is what
  /// the engine needs to resume (secret); `lifetime` the ticket's (the core caps it at 7 days);
  /// `max_early_data` its early_data extension (0: no 0-RTT with this ticket).
  virtual void session_ticket_received(base::SecretBytes engine_state,
                                       std::chrono::seconds lifetime,
                                       std::uint32_t max_early_data) = 0;

  /// Server, when it seals a ticket: opaque bytes the core wants back when the ticket is offered
  /// (the session's revocation identity, SNI, ALPN, the verified client chain). The engine seals
  /// them inside the ticket with its own state, under the configuration's TicketKeys.
  virtual Bytes ticket_context() = 0;
  /// Server: a client offered a ticket that opened (authentic, not expired, psk_dhe_ke, same
  /// cipher-suite hash). The core checks its context (not revoked, same SNI) and, on true,
  /// fills SessionInfo from it (peer chain, resumed). False: ignore the ticket, full handshake.
  virtual bool accept_resumption(std::span<const std::byte> context) = 0;
  /// Server: may the early data of this resumption be accepted? `ticket_identity` is the PSK
  /// identity as sent (its hash goes into the configuration's replay register: true at most
  /// once per identity); `ticket_age` is the client's view (obfuscated_ticket_age minus
  /// ticket_age_add) and `issued` when the ticket was sealed (RFC 8446 §8.3). False also when
  /// early data is off or the application has no early_data callback.
  virtual bool accept_early_data(std::span<const std::byte> ticket_identity,
                                 std::chrono::milliseconds ticket_age,
                                 std::chrono::system_clock::time_point issued) = 0;
  /// Server: accepted early data, in order (handed to SessionCallbacks::early_data).
  virtual void early_data_received(std::span<const std::byte> data) = 0;

  /// During Engine::write() only: hands `records` (whole records) straight to the application's
  /// write callback instead of appending them to `to_peer`, which saves a copy of every byte.
  /// True when done; then the core counts them as sent, and they must be all this write()
  /// produces (the callback runs at most once per API call: output after them would need a
  /// second call). False, and nothing done, unless the call is a write_data() whose output so
  /// far is empty, and after the first true: append the records to `to_peer` as usual.
  virtual bool write_directly(std::span<const std::byte> records) noexcept = 0;

 protected:
  ~EngineHooks() = default;
};

/// Where an engine stands after a call.
enum class EngineStatus {
  handshaking,
  waiting_for_certificate,
  established,
  /// The peer's close_notify was received (no more data will come). Also reported when the
  /// close_notify came before the handshake completed (Engine::handshake_complete() false):
  /// the core turns that into a failure, the same on every engine.
  peer_closed,
};

/// One TLS session inside an engine. Every method appends the bytes to send to `to_peer`.
/// On a fatal error the engine puts the alert it chose into `to_peer` (when the protocol state
/// allows one), records it in Error::alert_sent, and is never called again.
class Engine {
 public:
  virtual ~Engine() = default;
  /// Client: produce the ClientHello. Server: nothing to do yet.
  virtual Result<EngineStatus> start(Bytes& to_peer) = 0;
  /// Consumes transport bytes; appends decrypted application data to `application_data`.
  virtual Result<EngineStatus> receive(std::span<const std::byte> bytes, Bytes& application_data,
                                       Bytes& to_peer) = 0;
  /// receive() for a caller's buffer (Session::receive_data_into): the same work, with
  /// application data put where `into` says. The default receives into `into.overflow`, which
  /// the core then copies into the buffer; an engine that can decrypt straight into the buffer
  /// overrides it.
  virtual Result<EngineStatus> receive_into(std::span<const std::byte> bytes, ReceiveBuffer& into,
                                            Bytes& to_peer) {
    return receive(bytes, *into.overflow, to_peer);
  }
  /// Continues a handshake that waited for a certificate store (the answer is now available
  /// through the hooks: select_*_certificate returns it).
  virtual Result<EngineStatus> resume(Bytes& application_data, Bytes& to_peer) = 0;
  /// Encrypts application data (only once established).
  virtual Result<void> write(std::span<const std::byte> data, Bytes& to_peer) = 0;
  /// write() into a base::OutputBuffer (which, unlike a std::vector, does not zero what it grows
  /// by), for an engine that can seal records there straight from `data`: the core then hands
  /// that buffer to the write callback. Only called when writes_to_output_buffer() is true.
  virtual Result<void> write_to_buffer(std::span<const std::byte> data,
                                       base::OutputBuffer& to_peer) {
    (void)data;
    (void)to_peer;
    return fail(Errc::internal_error, "this engine does not write to an output buffer");
  }
  /// Whether write_to_buffer() is implemented.
  [[nodiscard]] virtual bool writes_to_output_buffer() const { return false; }
  /// Produces close_notify.
  virtual Result<void> close_notify(Bytes& to_peer) = 0;
  /// Session::alert(): sends `alert` at `level` under the current write keys, in any state
  /// after start(). The core checked the level (warning only for user_canceled; close_notify
  /// goes through close_notify()). After a fatal alert the engine is never called again.
  /// Errc::unsupported (and nothing sent, the session unaffected) where the TLS library has no
  /// way to send an arbitrary alert (OpenSSL).
  virtual Result<void> send_alert(Alert alert, AlertLevel level, Bytes& to_peer) = 0;
  /// TLS 1.3 only (the core checks): sends a KeyUpdate and switches our write keys (RFC 8446
  /// §4.6.3); `request_peer_update` sets update_requested, asking the peer to change its own.
  virtual Result<void> update_keys(Bytes& to_peer, bool request_peer_update) = 0;
  /// Fills `out` with keying material (RFC 5705 / RFC 8446 §7.5) once established. The core
  /// checked the label (1 to 63 bytes, not reserved), the context (at most 65535 bytes, nullopt
  /// for "no context") and the length (1 to Session::max_exported_bytes). Not fatal to the
  /// session when it fails.
  virtual Result<void> export_keying_material(
      std::span<std::byte> out, std::string_view label,
      std::optional<std::span<const std::byte>> context) = 0;
  /// What the session negotiated so far (peer_certificates / peer_verified are kept by the
  /// core and need not be filled in).
  [[nodiscard]] virtual SessionInfo info() const = 0;
  /// True once this engine's handshake completed (the peer's Finished verified, ours sent),
  /// and from then on, whatever followed. The core reads it after every call: the peer's last
  /// flight, its data and its close_notify can arrive in one receive(), which then returns
  /// peer_closed without ever returning established.
  [[nodiscard]] virtual bool handshake_complete() const = 0;
};

/// The configuration shared by every session of one ClientTLS or ServerTLS, resolved and
/// checked against the policy. Immutable once built.
struct CommonConfig {
  Backend backend = Backend::openssl;
  ProtocolVersion min_version = ProtocolVersion::tls12;
  /// Subsets of the allowed suites/groups, in preference order; never empty.
  std::vector<CipherSuite> cipher_suites;
  std::vector<NamedGroup> groups;
  std::vector<std::string> alpn;
  Clock clock;
  std::shared_ptr<const hazmat::Settings> hazmat;
  /// The libcrypto library context of this configuration (never the process's default one):
  /// certificate verification and every engine that uses libcrypto work in it.
  std::shared_ptr<const LibraryContext> library;
};

struct ClientConfig : CommonConfig {
  x509::ServerName server_name;
  TrustStore trust;
  std::shared_ptr<ClientCertificateStore> client_certificates;
  /// Null when resumption is off.
  std::shared_ptr<SessionStore> session_store;
  std::string session_identity;
};

struct ServerConfig : CommonConfig {
  std::shared_ptr<ServerCertificates> certificates;
  ClientAuth client_auth = ClientAuth::none;
  std::optional<TrustStore> client_trust;
  /// NewSessionTicket messages per TLS 1.3 handshake (0: no tickets, no resumption).
  std::uint8_t session_tickets = 2;
  /// Never null when session_tickets > 0 (the configuration's own when the options had none).
  std::shared_ptr<TicketKeys> ticket_keys;
  EarlyDataOptions early_data;
};

/// Makes engines for one configuration; holds the engine's per-configuration state (an
/// SSL_CTX, GnuTLS credentials, ...). Thread-safe: sessions are made from any thread.
class EngineFactory {
 public:
  virtual ~EngineFactory() = default;
  virtual Result<std::unique_ptr<Engine>> make_engine(EngineHooks& hooks) const = 0;
};

/// Each engine provides these (src/backends/<name>/factory.cpp). The configuration has
/// already been checked against the policy; the engine checks its own capabilities and
/// fails with Errc::unsupported for what it cannot do.
Result<std::unique_ptr<EngineFactory>> make_openssl_client_factory(const ClientConfig& config);
Result<std::unique_ptr<EngineFactory>> make_openssl_server_factory(const ServerConfig& config);
BackendCapabilities openssl_capabilities();
#if defined(SANSTLS_HAVE_NATIVE)
Result<std::unique_ptr<EngineFactory>> make_native_client_factory(const ClientConfig& config);
Result<std::unique_ptr<EngineFactory>> make_native_server_factory(const ServerConfig& config);
BackendCapabilities native_capabilities();
#endif
#if defined(SANSTLS_HAVE_GNUTLS)
Result<std::unique_ptr<EngineFactory>> make_gnutls_client_factory(const ClientConfig& config);
Result<std::unique_ptr<EngineFactory>> make_gnutls_server_factory(const ServerConfig& config);
BackendCapabilities gnutls_capabilities();
#endif

}  // namespace sanstls::core

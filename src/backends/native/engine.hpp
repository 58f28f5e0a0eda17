// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The native engine: sanstls's own TLS 1.3 state machines (src/native/handshake) behind the
// core's Engine interface. The core still owns verification, certificate selection and the
// policy; this adapter turns the configuration into handshake parameters, the state machines'
// callbacks into EngineHooks calls, and their wire-level errors into the same Errors the
// OpenSSL and GnuTLS engines report.

#include "base/secret_bytes.hpp"
#include "core/engine.hpp"
#include "core/peer_certificate_cache.hpp"
#include "core/refusals.hpp"
#include "core/ticket_keys.hpp"
#include "native/crypto/libcrypto_provider.hpp"
#include "native/handshake/certificate_selection.hpp"
#include "native/handshake/client_states.hpp"
#include "native/handshake/server_handshake.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sanstls::native_backend {

using native::msgs::ByteVec;

/// The provider's signing keys for the private keys a configuration presents, converted once
/// (a server shows the same few keys to every client; converting costs a PKCS#8 round trip).
/// Thread-safe; bounded: past max_entries the oldest entry goes.
class SigningKeyCache {
 public:
  static constexpr std::size_t max_entries = 16;
  Result<std::shared_ptr<const native::crypto::SigningKey>> get(
      const native::crypto::CryptoProvider& provider, const PrivateKey& key) const;

 private:
  mutable std::mutex mutex_;
  /// The PrivateKey copy keeps its Impl alive, so the address identifies it.
  mutable std::vector<std::pair<PrivateKey, std::shared_ptr<const native::crypto::SigningKey>>>
      entries_;
};

/// What every session of one ClientTLS/ServerTLS shares. Immutable once built; the provider
/// is thread-safe (fetched algorithms and the library context are only read).
struct SharedConfig {
  /// The configuration's library context; the provider borrows it (declared first: outlives it).
  std::shared_ptr<const core::LibraryContext> library;
  std::unique_ptr<native::crypto::LibcryptoProvider> provider;
  /// TLS 1.3 suites and groups in preference order.
  std::vector<native::CipherSuite> cipher_suites;
  std::vector<native::NamedGroup> groups;
  /// Client: the TLS 1.2 suites offered besides TLS 1.3 (empty with a TLS 1.3-only policy).
  std::vector<native::CipherSuite> tls12_cipher_suites;
  /// Whether the policy refuses TLS 1.2 (only changes how refusals are worded).
  bool tls13_only = false;
  /// Client: hazmat::Settings::max_version caps the hello at TLS 1.2.
  bool tls12_only = false;
  /// Server: TLS 1.2 may be negotiated (server_states12), with these suites; TLS 1.3 too unless
  /// hazmat::Settings::max_version caps the server at TLS 1.2.
  bool server_tls12 = false;
  bool server_tls13 = true;
  std::vector<native::CipherSuite> server_tls12_cipher_suites;
  std::vector<std::string> alpn;
  /// Client: the expected server name (SNI is sent for DNS names only, RFC 6066 §3).
  std::optional<x509::ServerName> server_name;
  /// Server: client authentication and the DER subject names of the client trust roots.
  ClientAuth client_auth = ClientAuth::none;
  std::vector<ByteVec> client_certificate_authorities;
  SigningKeyCache signing_keys;
  core::PeerCertificateCache peer_certificates;
  /// The configuration's clock (ticket ages and expiry).
  Clock clock;
  /// Server: NewSessionTickets per handshake (0: no tickets, no resumption), the keys that seal
  /// them (thread-safe; never null when session_tickets > 0) and the 0-RTT settings.
  std::uint8_t session_tickets = 0;
  /// Client: the configuration has a session store (resumption on): a TLS 1.2 offer asks for
  /// session tickets (RFC 5077 §3.2).
  bool client_session_store = false;
  std::shared_ptr<TicketKeys> ticket_keys;
  EarlyDataOptions early_data;
};

/// The label of the native ticket format's key (TicketKey::derive): AES-256-GCM.
inline constexpr std::string_view native_ticket_key_label = "sanstls native ticket aes-256-gcm";
/// A TicketKeys key as the native ticket format uses it (name and derived AES-256-GCM key).
std::optional<native::handshake::TicketSealingKey> native_ticket_key(const core::TicketKey& key);

/// The native engine's Error for a state machine's failure (shared refusal wording where the
/// state machine tagged one).
Error core_error(const wire::Error& error, bool server);

/// Keeps a copy of the peer's first record (bounded by the record size limit), so a refusal of
/// the peer's versions can name them as the other engines do.
class FirstRecord {
 public:
  void feed(std::span<const std::byte> bytes);
  /// The first handshake message's bytes (header included) once the record is complete.
  [[nodiscard]] std::optional<std::span<const std::uint8_t>> handshake_message() const;
  /// Whether release() was called (feed() then does nothing).
  [[nodiscard]] bool released() const noexcept { return released_; }
  /// Frees the copy (once the handshake is done it can no longer be needed); later feeds are
  /// ignored.
  void release() {
    if (released_) return;  // once: every established receive() asks
    ByteVec().swap(bytes_);
    complete_ = true;
    released_ = true;
  }

 private:
  ByteVec bytes_;
  bool complete_ = false;
  bool released_ = false;
};

/// The error for a peer that offered (client) or chose (server) only versions older than
/// TLS 1.2, worded by the core from the peer's first message.
Error forbidden_versions(const FirstRecord& first, bool peer_is_server, bool tls13_only);

/// Converts the private key of a chain into the provider's signing key (through PKCS#8 DER,
/// wiped afterwards).
Result<std::shared_ptr<const native::crypto::SigningKey>> signing_key(
    const native::crypto::CryptoProvider& provider, const PrivateKey& key);

std::span<const std::uint8_t> as_u8(std::span<const std::byte> bytes);
void append(core::Bytes& to, const ByteVec& from);

/// Runs the core's checks (EngineHooks::verify_peer) on the peer's DER chain. On refusal,
/// `verdict` keeps the core's precise Error and the result carries its alert, tagged
/// Refusal::peer_chain_refused.
native::Status verify_peer_chain(core::EngineHooks& hooks, const core::PeerCertificateCache& cache,
                                 std::span<const ByteVec> chain, const SessionInfo& info,
                                 std::optional<Error>& verdict);

/// The chain's certificates as DER, leaf first.
std::vector<ByteVec> chain_der(const CertificateChain& chain);

/// An NSS key log line: "<label> <client_random hex> <secret hex>", in wiping
/// storage.
base::SecretString key_log_line(std::string_view label, native::Bytes client_random,
                                native::Bytes secret);

/// What both native engines do the same way around their driver (ClientHandshake or
/// ServerHandshake): bytes in and out, the alert of a failure, the status for the core.
template <class Driver>
class DriverEngine : public core::Engine {
 public:
  DriverEngine(std::shared_ptr<const SharedConfig> shared, core::EngineHooks& hooks, bool server)
      : shared_(std::move(shared)), hooks_(hooks), server_(server) {}
  DriverEngine(const DriverEngine&) = delete;
  DriverEngine& operator=(const DriverEngine&) = delete;

  Result<core::EngineStatus> receive(std::span<const std::byte> bytes,
                                     core::Bytes& application_data, core::Bytes& to_peer) override {
    if (failed_ || !driver_) return already_failed();
    if (!first_record_.released()) first_record_.feed(bytes);
    ByteVec out;
    // Application data is decrypted straight onto the end of the caller's vector.
    auto done = driver_->receive(as_u8(bytes), out, application_data);
    after_driver_call();
    return settle(done, out, to_peer);
  }
  Result<core::EngineStatus> receive_into(std::span<const std::byte> bytes,
                                          core::ReceiveBuffer& into,
                                          core::Bytes& to_peer) override {
    if (failed_ || !driver_) return already_failed();
    if (!first_record_.released()) first_record_.feed(bytes);
    ByteVec out;
    // Application data is decrypted straight into the caller's buffer while records fit.
    auto done = driver_->receive(as_u8(bytes), out,
                                 native::record::DataSink(into.buffer, into.used, *into.overflow));
    after_driver_call();
    return settle(done, out, to_peer);
  }
  Result<core::EngineStatus> resume(core::Bytes& application_data, core::Bytes& to_peer) override {
    if (failed_ || !driver_) return already_failed();
    ByteVec out;
    auto done = driver_->resume(out, application_data);
    after_driver_call();
    return settle(done, out, to_peer);
  }
  Result<void> write(std::span<const std::byte> data, core::Bytes& to_peer) override {
    if (failed_ || !driver_) return already_failed();
    // Sealed from the caller's span straight into the core's output: one pass over the data.
    auto done = driver_->write(as_u8(data), to_peer);
    if (!done) return fail(core_error(done.error(), server_));
    return {};
  }
  Result<void> write_to_buffer(std::span<const std::byte> data,
                               base::OutputBuffer& to_peer) override {
    if (failed_ || !driver_) return already_failed();
    // Large records sealed from the caller's span straight into the core's output buffer,
    // without the copy (or zeroing) a std::vector needs first.
    auto done = driver_->write(as_u8(data), to_peer);
    if (!done) return fail(core_error(done.error(), server_));
    return {};
  }
  [[nodiscard]] bool writes_to_output_buffer() const override { return true; }
  Result<void> close_notify(core::Bytes& to_peer) override {
    if (failed_ || !driver_) return already_failed();
    ByteVec out;
    auto done = driver_->close_notify(out);
    return sent(done, out, to_peer);
  }
  Result<void> send_alert(Alert alert, AlertLevel level, core::Bytes& to_peer) override {
    if (failed_ || !driver_) return already_failed();
    ByteVec out;
    if (level == AlertLevel::fatal) {
      failed_ = true;  // a fatal alert ends the connection (RFC 8446 §6.2)
      const bool sent_alert = static_cast<bool>(driver_->send_alert(alert, out));
      append(to_peer, out);
      if (!sent_alert) {
        return fail(Errc::closed, "the connection is already closed: no alert can be sent");
      }
      return {};
    }
    auto done = driver_->send_warning(alert, out);
    return sent(done, out, to_peer);
  }
  Result<void> update_keys(core::Bytes& to_peer, bool request_peer_update) override {
    if (failed_ || !driver_) return already_failed();
    ByteVec out;
    auto done = driver_->key_update(request_peer_update, out);
    return sent(done, out, to_peer);
  }
  /// The peer's Finished was verified (client: and ours sent). A close_notify before that
  /// leaves the driver peer_closed() but not connected(): the core refuses it.
  [[nodiscard]] bool handshake_complete() const override {
    if constexpr (requires { driver_->handshake_complete(); }) {
      return driver_ && driver_->handshake_complete();
    } else {
      return driver_ && static_cast<bool>(driver_->connected());
    }
  }
  Result<void> export_keying_material(std::span<std::byte> out, std::string_view label,
                                      std::optional<std::span<const std::byte>> context) override {
    if (failed_ || !driver_) return already_failed();
    const std::span<std::uint8_t> into{reinterpret_cast<std::uint8_t*>(out.data()), out.size()};
    auto done = [&] {
      if constexpr (requires { driver_->tls12(); }) {
        // RFC 5705 §4: in TLS 1.2 no context and an empty one differ.
        return driver_->export_keying_material(
            label, context ? std::optional<native::Bytes>(as_u8(*context)) : std::nullopt, into);
      } else {
        // RFC 8446 §7.5: no context and an empty one are the same in TLS 1.3.
        return driver_->export_keying_material(label, context ? as_u8(*context) : native::Bytes{},
                                               into);
      }
    }();
    if (!done) {
      return fail(Errc::internal_error, "the native engine could not export keying material: " +
                                            done.error().to_string());
    }
    return {};
  }

 protected:
  /// The role's wording for a refusal the driver tagged (names, versions, verdicts only the
  /// engine knows); core_error() otherwise.
  virtual Error refusal(const wire::Error& error) = 0;
  /// Runs once the driver's call returned and its state is settled (the client hands the tickets
  /// that arrived during the call to the core here, where info() is valid again).
  virtual void after_driver_call() {}

  /// The state machine's chain check: the core's checks, its precise verdict kept.
  native::Status verify_peer(std::span<const ByteVec> chain) {
    return verify_peer_chain(hooks_, shared_->peer_certificates, chain, info(), verify_error_);
  }

  /// The state machine's key log: NSS lines to the hazmat key log, or none when it is off.
  std::function<void(std::string_view, native::Bytes, native::Bytes)> key_log_sink() {
    if (!hooks_.key_log_enabled()) return {};
    return [this](std::string_view label, native::Bytes client_random, native::Bytes secret) {
      hooks_.key_log(key_log_line(label, client_random, secret));
    };
  }

  /// A certificate store's answer as the state machine wants it. A chain whose key the
  /// provider cannot use is declined, its reason kept for the error that may follow.
  native::handshake::CertificateSelection selection_from(const core::CertificateAnswer& answer) {
    using native::handshake::CertificateSelection;
    if (answer.kind == core::CertificateAnswer::Kind::pending) {
      return CertificateSelection::pending();
    }
    if (answer.kind == core::CertificateAnswer::Kind::declined || !answer.chain) {
      return CertificateSelection::declined();
    }
    auto key = shared_->signing_keys.get(*shared_->provider, answer.chain->key());
    if (!key) {
      selection_error_ = key.error();
      return CertificateSelection::declined();
    }
    return CertificateSelection::chosen(chain_der(*answer.chain), std::move(*key));
  }

  std::shared_ptr<const SharedConfig> shared_;
  core::EngineHooks& hooks_;
  std::optional<Driver> driver_;
  /// The core's verdict when it refused the peer's chain (more precise than the alert).
  std::optional<Error> verify_error_;
  /// Set when our certificate store answered with a chain the engine cannot use.
  std::optional<Error> selection_error_;
  FirstRecord first_record_;

 private:
  static tl::unexpected<Error> already_failed() {
    return fail(Errc::internal_error, "the native engine already failed");
  }

  [[nodiscard]] core::EngineStatus status() const {
    // peer_closed first, also before the handshake completed: the core tells the two apart
    // with handshake_complete() and fails the latter.
    if (driver_->peer_closed()) return core::EngineStatus::peer_closed;
    if (handshake_complete()) return core::EngineStatus::established;
    if (driver_->waiting_for_certificate()) return core::EngineStatus::waiting_for_certificate;
    return core::EngineStatus::handshaking;
  }

  /// Hands on what the driver produced; on failure sends the alert the error carries (never
  /// in answer to the peer's own alert, RFC 8446 §6.2) and reports the core's Error.
  Result<core::EngineStatus> settle(const native::Status& done, ByteVec& out,
                                    core::Bytes& to_peer) {
    if (!done) {
      failed_ = true;
      Error error;
      if (auto alert = driver_->received_alert()) {
        error = core::refusals::alert_received(*alert);
        if (selection_error_) {
          // The likely cause: we declined because our own chain could not be used.
          error.message +=
              "; our certificate store's chain was declined: " + selection_error_->message;
        }
      } else {
        error = refusal(done.error());
        error.alert_sent = done.error().alert;
        if (!driver_->send_alert(done.error().alert, out)) error.alert_sent.reset();
      }
      append(to_peer, out);
      return tl::unexpected<Error>(std::move(error));
    }
    if (!out.empty()) append(to_peer, out);  // established data in: usually nothing to send
    const core::EngineStatus now = status();
    // The peer's first record only serves refusals during the handshake.
    if (now != core::EngineStatus::handshaking &&
        now != core::EngineStatus::waiting_for_certificate) {
      first_record_.release();
    }
    return now;
  }

  Result<void> sent(const native::Status& done, const ByteVec& out, core::Bytes& to_peer) {
    if (!done) return fail(core_error(done.error(), server_));
    append(to_peer, out);
    return {};
  }

  bool server_;
  bool failed_ = false;
};

class ClientEngine final : public DriverEngine<native::handshake::ClientHandshake> {
 public:
  ClientEngine(std::shared_ptr<const SharedConfig> shared, core::EngineHooks& hooks)
      : DriverEngine(std::move(shared), hooks, /*server=*/false) {}

  Result<core::EngineStatus> start(core::Bytes& to_peer) override;
  [[nodiscard]] SessionInfo info() const override;

 private:
  Error refusal(const wire::Error& error) override;
  void after_driver_call() override;
  native::handshake::ClientHandshakeEnvironment environment();
  native::handshake::CertificateSelection select_certificate(
      const native::handshake::CertificateQuery& query);

  /// Tickets that arrived during the driver's current call, handed to the core after it.
  struct ArrivedTicket {
    base::SecretBytes state;
    std::chrono::seconds lifetime;
    std::uint32_t max_early_data = 0;
  };
  std::vector<ArrivedTicket> arrived_tickets_;
};

class ServerEngine final : public DriverEngine<native::handshake::ServerHandshake> {
 public:
  ServerEngine(std::shared_ptr<const SharedConfig> shared, core::EngineHooks& hooks)
      : DriverEngine(std::move(shared), hooks, /*server=*/true) {}

  Result<core::EngineStatus> start(core::Bytes& to_peer) override;
  [[nodiscard]] SessionInfo info() const override;

 private:
  Error refusal(const wire::Error& error) override;
  native::handshake::ServerHandshakeEnvironment environment();
  native::handshake::CertificateSelection select_certificate(
      const native::handshake::CertificateQuery& query);

  /// The SNI name the client sent ("" when none), for messages and SessionInfo.
  std::string server_name_;
};

}  // namespace sanstls::native_backend

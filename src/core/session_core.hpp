// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// SessionCore: the state every engine shares. It owns the user's callbacks, the session state
// machine of the API (handshaking → established → closing/peer_closed → closed, or
// invalidated), output coalescing, certificate verification and certificate selection, and
// it drives one Engine.

#include <sanstls/session.hpp>
#include <sanstls/tls.hpp>

#include "core/close_watch.hpp"
#include "core/engine.hpp"
#include "core/limits.hpp"
#include "core/peer_certificate_cache.hpp"
#include "core/presentable_chains.hpp"
#include "core/resumption_records.hpp"
#include "core/resumption_registry.hpp"
#include "x509/path/verifier_cache.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

namespace sanstls::core {

struct ClientContext {
  ClientConfig config;
  std::unique_ptr<EngineFactory> factory;
  /// Which stored sessions this configuration may offer (same engine, trust, policy, name).
  ConfigurationFingerprint fingerprint{};
  /// Server chains restored from stored sessions (the same chain over and over).
  PeerCertificateCache restored_certificates;
  /// Signature checks of the server chains' issuer keys, set up once (sanstls's validator).
  x509::path::VerifierCache verifiers;
  /// Our client chains that passed x509::check_presentable().
  PresentableChains presentable_chains;
};

struct ServerContext {
  ServerConfig config;
  std::unique_ptr<EngineFactory> factory;
  /// Revoked lineages and the 0-RTT replay register of this configuration.
  std::unique_ptr<ResumptionRegistry> resumption;
  /// Client chains restored from tickets.
  PeerCertificateCache restored_certificates;
  /// Signature checks of the client chains' issuer keys, set up once (sanstls's validator).
  x509::path::VerifierCache verifiers;
  /// Our server chains that passed x509::check_presentable().
  PresentableChains presentable_chains;
};

class SessionCore final : public EngineHooks, public std::enable_shared_from_this<SessionCore> {
 public:
  SessionCore(std::shared_ptr<const ClientContext> client, SessionCallbacks callbacks);
  SessionCore(std::shared_ptr<const ServerContext> server, SessionCallbacks callbacks);
  SessionCore(const SessionCore&) = delete;
  SessionCore& operator=(const SessionCore&) = delete;
  ~SessionCore();

  /// Client, before start(): the 0-RTT data to send if a stored session allows it.
  void set_early_data(std::span<const std::byte> data) {
    early_data_.assign(data.begin(), data.end());
  }
  /// Makes the engine and, for a client, sends the ClientHello.
  Result<void> start();
  Result<void> receive(std::span<const std::byte> bytes, Bytes& application_data);
  /// Session::receive_data_into: held data first, then the input's.
  Result<Received> receive_into(std::span<const std::byte> bytes, std::span<std::byte> buffer);
  Result<void> receive_eof();
  Result<void> write(std::span<const std::byte> data);
  Result<void> finish();
  /// Session::alert(): checks the level, then close_notify (finish()), user_canceled (followed
  /// by close_notify once the handshake completed) or a fatal alert that ends the session.
  Result<void> alert(Alert code, std::optional<AlertLevel> level);
  Result<void> update_keys();
  /// Session::export_keying_material: the checks every engine shares, then the engine.
  Result<void> export_keying_material(std::span<std::byte> out, std::string_view label,
                                      std::optional<std::span<const std::byte>> context);
  /// The answer of a certificate store, from a CertificateResponder.
  Result<void> answer_certificate(CertificateAnswer answer);

  /// The message of the failure every engine reports when the peer's close_notify comes before
  /// the handshake completed.
  static constexpr std::string_view closed_before_handshake_message =
      "the peer closed the connection (close_notify) before the handshake finished; no TLS "
      "session was established";

  [[nodiscard]] SessionState state() const { return state_; }
  [[nodiscard]] bool handshake_complete() const { return handshake_complete_; }
  [[nodiscard]] const SessionInfo& info() const { return info_; }
  [[nodiscard]] const Error* failure() const { return failure_ ? &*failure_ : nullptr; }

  // EngineHooks
  Result<void> verify_peer(std::span<const Certificate> chain, const SessionInfo& info) override;
  CertificateAnswer select_server_certificate(const ServerCertificateQuery& query) override;
  CertificateAnswer select_client_certificate(const ClientCertificateQuery& query) override;
  void key_log(std::string_view line) override;
  [[nodiscard]] bool key_log_enabled() const override;
  std::optional<ResumptionOffer> take_session_to_resume() override;
  [[nodiscard]] std::span<const std::byte> early_data_to_send() const override;
  void session_ticket_received(base::SecretBytes engine_state, std::chrono::seconds lifetime,
                               std::uint32_t max_early_data) override;
  Bytes ticket_context() override;
  bool accept_resumption(std::span<const std::byte> context) override;
  bool accept_early_data(std::span<const std::byte> ticket_identity,
                         std::chrono::milliseconds ticket_age,
                         std::chrono::system_clock::time_point issued) override;
  void early_data_received(std::span<const std::byte> data) override;
  bool write_directly(std::span<const std::byte> records) noexcept override;

 private:
  [[nodiscard]] const CommonConfig& common() const;
  /// Refuses calls made while the session is inside one of its own callbacks, and every call
  /// on an invalidated session.
  Result<void> check_usable(std::string_view operation) const;
  /// check_usable()'s conditions without building its result (every write and receive asks).
  [[nodiscard]] bool usable_now() const noexcept {
    return !in_engine_ && !in_callback_ && state_ != SessionState::invalidated && engine_;
  }
  /// Applies an engine result: updates the state and info, flushes output, and invalidates
  /// the session on error.
  Result<void> settle(const Result<EngineStatus>& status);
  void apply_status(EngineStatus status);
  /// The failure for a close_notify before the end of the handshake (see settle()).
  static Error closed_before_handshake();
  /// Hands the coalesced output to the write callback. `keep_buffer` (write_data() only): keep
  /// the buffer for the next call when it is at most limits::max_kept_output_buffer bytes.
  void flush(bool keep_buffer = false);
  /// Records a fatal error: state invalidated, pending alert flushed, close callback called.
  tl::unexpected<Error> invalidate(Error error);
  void call_close(CloseMode mode);
  /// Where one receive call's application data goes: the caller's vector, or the caller's
  /// buffer and then the held data (receive_into).
  struct DataTarget {
    Bytes* vector = nullptr;
    ReceiveBuffer* buffer = nullptr;
    [[nodiscard]] std::size_t size() const {
      return vector != nullptr ? vector->size() : buffer->used + buffer->overflow->size();
    }
  };
  /// The engine's receive() or receive_into(), as `target` says.
  Result<EngineStatus> engine_receive(std::span<const std::byte> bytes, DataTarget target);
  /// What both receive calls do with the input before the engine sees it.
  void note_input(std::span<const std::byte> bytes);
  /// Copies held application data into the room left in `into` (receive_into).
  void hand_out_held(ReceiveBuffer& into);
  /// Bytes of application data held for the next receive call.
  [[nodiscard]] std::size_t held() const noexcept {
    return pending_application_data_.size() - pending_offset_;
  }
  /// Hands received bytes to the engine within the limits of core/limits.hpp.
  Result<EngineStatus> receive_bounded(std::span<const std::byte> bytes, DataTarget target);
  /// Once established: hands bytes to the engine in pieces, so that it never holds more than
  /// limits::max_input_without_data bytes in a row that carried no application data.
  Result<EngineStatus> receive_established(std::span<const std::byte> bytes, DataTarget target);
  /// Records after which our sending keys change (hazmat may lower it; core/limits.hpp): read
  /// from the configuration once, not per record.
  [[nodiscard]] std::uint64_t key_update_interval() const { return key_update_interval_; }
  [[nodiscard]] std::uint64_t configured_key_update_interval() const;
  /// Before sending application data: a TLS 1.3 session changes its sending keys once
  /// key_update_interval() records went out under them (RFC 8446 §5.5); a TLS 1.2 AES-GCM
  /// session, which cannot, refuses to send more than twice as many.
  Result<void> keep_sending_keys_fresh();
  /// Hands application data to the engine in pieces (no flush); invalidates on failure.
  Result<void> encrypt(std::span<const std::byte> data);
  /// write()'s path for an engine that writes to a base::OutputBuffer (Engine::
  /// writes_to_output_buffer), when nothing else is waiting to go out and the data is one piece:
  /// the same checks and counts as encrypt(), then the buffer goes to the write callback.
  /// Returns nothing when the call must take encrypt()'s path instead (a KeyUpdate went out
  /// first).
  std::optional<Result<void>> write_through_buffer(std::span<const std::byte> data);
  /// Once the handshake completed: sends what write() queued before it (see queued_).
  Result<void> send_queued();
  /// After receiving: a TLS 1.3 session asks the peer to change its keys once twice the
  /// interval of records arrived since it last asked.
  Result<void> keep_receiving_keys_fresh();
  /// The session store key: the host name and ClientOptions::session_identity.
  [[nodiscard]] std::string store_key() const;
  /// Once the engine reports a resumed session: checks it kept what the original one
  /// established and restores the peer identity verified then (SessionInfo::peer_certificates).
  Result<void> restore_resumed_identity(const SessionInfo& engine_info);
  /// After a fatal end: forgets the client's stored sessions for this server, revokes the
  /// server session's lineage.
  void drop_resumption_data();
  /// Rewrites a handshake-time protocol_version alert from an old server into a policy error
  /// that names the server's version.
  void explain_old_peer(Error& error) const;

  std::shared_ptr<const ClientContext> client_;
  std::shared_ptr<const ServerContext> server_;
  SessionCallbacks callbacks_;
  std::unique_ptr<Engine> engine_;

  SessionState state_ = SessionState::handshaking;
  /// Set once the engine reports its handshake complete (Engine::handshake_complete, read
  /// after every engine call); never cleared (see Session::handshake_complete).
  bool handshake_complete_ = false;
  SessionInfo info_;
  std::optional<Error> failure_;
  Bytes to_peer_;
  /// Application data records of write_through_buffer(), kept between calls while small.
  base::OutputBuffer sealed_;
  /// Application data that arrived while no receive() call was running (during an async
  /// certificate answer), or that did not fit in the caller's buffer (receive_into); handed out
  /// by the next receive call, from pending_offset_ on.
  Bytes pending_application_data_;
  /// How much of pending_application_data_ was handed out already (a caller with a small buffer
  /// takes it in pieces; erasing each piece from the front would move the rest every time).
  std::size_t pending_offset_ = 0;
  /// Application data written before the handshake completed, sent once it does (at most
  /// limits::max_queued_before_handshake bytes).
  Bytes queued_;
  /// Client: what ClientTLS::start() was given to send as 0-RTT data.
  Bytes early_data_;
  /// Client: the stored session offered (its engine state handed over to the engine).
  std::optional<ClientSessionRecord> offered_;
  /// Server: the lineage of the tickets this session issues (inherited when it resumed).
  std::optional<SessionLineage> lineage_;
  /// Server: the context of the ticket accepted for resumption.
  std::optional<TicketContext> resumed_context_;
  bool resumption_restored_ = false;
  bool close_called_ = false;
  bool sent_close_notify_ = false;
  bool in_callback_ = false;
  bool in_engine_ = false;
  /// During write(): the engine may still hand its records to the write callback itself
  /// (write_directly; once per call, and only while to_peer_ is empty).
  bool direct_write_ = false;

  /// Whether the peer's input so far ends with a plaintext close_notify (fed during the
  /// handshake only; see settle()).
  CloseNotifyWatch close_watch_;
  /// The first bytes the peer sent (its first record header: 5 bytes), to name an old peer's
  /// version when it refuses ours with a bare alert. In the object: no allocation per session.
  std::array<std::uint8_t, 5> first_record_header_{};
  std::uint8_t first_record_header_size_ = 0;
  [[nodiscard]] std::span<const std::uint8_t> first_record_header() const {
    return std::span<const std::uint8_t>(first_record_header_).first(first_record_header_size_);
  }

  // Resource limits (core/limits.hpp).
  limits::RecordCounter records_;
  /// Frames what we send, to count records under our current sending key.
  limits::RecordCounter sent_records_;
  std::uint64_t key_update_interval_ = limits::key_update_interval_records;
  std::uint64_t records_sent_under_key_ = 0;
  std::uint64_t records_received_since_request_ = 0;
  std::size_t handshake_input_ = 0;
  std::size_t records_without_data_ = 0;
  std::size_t input_without_data_ = 0;

  bool certificate_requested_ = false;
  CertificateAnswer certificate_answer_;
  /// Why a provided chain was refused before reaching the engine (see answer_certificate).
  std::optional<Error> presentation_error_;
};

}  // namespace sanstls::core

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The GnuTLS engine: one gnutls_session_t driven over in-memory buffers (sans-IO).
//
// GnuTLS reads through our pull function (from the bytes the core handed to receive()) and
// writes through our push function (into a buffer the engine hands back as `to_peer`). It
// never verifies certificates itself: a verify function passes the peer's chain to the core.

#include "backends/gnutls/gnutls_ptr.hpp"
#include "backends/gnutls/hello.hpp"
#include "backends/gnutls/priority.hpp"
#include "core/engine.hpp"
#include "core/peer_certificate_cache.hpp"
#include "core/ticket_keys.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace sanstls::gnutls_backend {

/// What every session of one factory shares. Immutable after the factory built it; the GnuTLS
/// credentials are only read by sessions (GnuTLS allows sharing them between threads).
/// A certificate chain in the form GnuTLS's retrieve callbacks hand out.
struct LoadedChain {
  PcertList certificates;
  PrivkeyPtr key;
  KeyType key_type = KeyType::other;
};

/// Converts a CertificateChain to GnuTLS structures (the key travels as PKCS#8 PEM, wiped
/// after the import).
Result<LoadedChain> load_chain(const CertificateChain& chain);

/// The chains this configuration presents (a server's by SNI, a client's own), converted to
/// GnuTLS structures once. A server hands the same chain to every client, and converting it
/// (DER parsing, the private key through PKCS#8 PEM) cost more per handshake than GnuTLS's own
/// bookkeeping. Keyed by identity: the kept CertificateChain copy holds the same certificate and
/// key handles alive, so their addresses identify it. GnuTLS only reads what its retrieve
/// callbacks hand out, as it does with keys in shared credentials. Thread-safe; bounded (past
/// max_entries the oldest entry goes; sessions using it keep their shared_ptr).
class LoadedChainCache {
 public:
  static constexpr std::size_t max_entries = 16;
  Result<std::shared_ptr<const LoadedChain>> get(const CertificateChain& chain) const;

 private:
  mutable std::mutex mutex_;
  mutable std::vector<std::pair<CertificateChain, std::shared_ptr<const LoadedChain>>> entries_;
};

/// The core's ticket context of each ticket this configuration issued, keyed by a hash of the
/// ticket. GnuTLS tickets carry no application data, so the context stays on the server, found
/// again from the ticket the client offers (its PskIdentity or RFC 5077 ticket). Thread-safe;
/// bounded in entries and bytes (the oldest go first: their tickets then get full handshakes).
class TicketTable {
 public:
  static constexpr std::size_t max_entries = 16384;
  static constexpr std::size_t max_bytes = 16 * 1024 * 1024;
  using Hash = std::array<std::uint8_t, 32>;
  struct Entry {
    Hash hash{};
    core::Bytes context;
    std::chrono::system_clock::time_point issued;
    /// TLS 1.3 ticket_age_add (RFC 8446 §4.6.1), to read obfuscated_ticket_age.
    std::uint32_t age_add = 0;
  };
  /// SHA-256 of a ticket.
  static Hash hash_of(std::span<const std::uint8_t> ticket);
  void add(Entry entry) const;
  [[nodiscard]] std::optional<Entry> find(const Hash& hash) const;

 private:
  mutable std::mutex mutex_;
  mutable std::deque<Entry> entries_;
  mutable std::size_t bytes_ = 0;
};

/// GnuTLS's 64-byte ticket master key of each TicketKey (derived once, the last few kept).
class MasterKeyCache {
 public:
  /// The master key of `key`, or null when derivation failed.
  std::shared_ptr<const base::SecretBytes> get(
      const std::shared_ptr<const core::TicketKey>& key) const;

 private:
  mutable std::mutex mutex_;
  mutable std::vector<
      std::pair<std::shared_ptr<const core::TicketKey>, std::shared_ptr<const base::SecretBytes>>>
      entries_;
};

/// Priority strings parsed once per configuration (gnutls_priority_init2) and set on each
/// session with gnutls_priority_set, the way GnuTLS means a priority cache to be used. Parsing
/// the text for every session (gnutls_priority_set_direct) cost ~0.13 M instructions, three
/// times per server + client handshake. The texts are the configuration's own and, on a server,
/// one per negotiated version and TLS 1.2 suite: at most kMaxPriorities are kept (never
/// evicted: sessions use them), and past that a text is parsed per session as before.
class PriorityCache {
 public:
  static constexpr std::size_t kMaxPriorities = 16;
  /// Sets `text` on `session`: GnuTLS's result (negative: an error, `err_pos` at the refused
  /// keyword).
  int set(gnutls_session_t session, const std::string& text, const char** err_pos) const;

 private:
  mutable std::mutex mutex_;
  mutable std::vector<std::pair<std::string, PriorityPtr>> entries_;
};

using AntiReplayPtr = std::unique_ptr<std::remove_pointer_t<gnutls_anti_replay_t>,
                                      Deleter<gnutls_anti_replay_deinit>>;

struct SharedConfig {
  bool server = false;
  PriorityPlan priority;
  std::vector<CipherSuite> cipher_suites;
  std::vector<NamedGroup> groups;
  std::vector<std::string> alpn;
  /// Client: the name the server's certificate must hold (the core checks it).
  std::optional<x509::ServerName> server_name;
  /// Client: whether a client certificate store is configured.
  bool has_client_certificates = false;
  /// Server: whether and how client certificates are asked for.
  ClientAuth client_auth = ClientAuth::none;
  CertificateCredentialsPtr credentials;
  /// Per-configuration caches (see their classes); mutable state behind their own locks.
  PriorityCache priorities;
  LoadedChainCache own_chains;
  core::PeerCertificateCache peer_certificates;
  /// Client: tickets are kept (ClientConfig::session_store set).
  bool resumption = false;
  /// Server: tickets (null: none, no resumption), how many per TLS 1.3 handshake, lifetime.
  std::shared_ptr<TicketKeys> ticket_keys;
  unsigned session_tickets = 0;
  std::chrono::seconds ticket_lifetime{0};
  TicketTable tickets;
  MasterKeyCache master_keys;
  /// Server 0-RTT: max_early_data_size, and GnuTLS's anti-replay object (its freshness window;
  /// the single-use check is the core's register). Null when early data is off.
  std::uint32_t max_early_data = 0;
  AntiReplayPtr anti_replay;
};

class GnutlsEngine final : public core::Engine {
 public:
  GnutlsEngine(std::shared_ptr<const SharedConfig> shared, core::EngineHooks& hooks);
  GnutlsEngine(const GnutlsEngine&) = delete;
  GnutlsEngine& operator=(const GnutlsEngine&) = delete;
  ~GnutlsEngine() override;

  /// Creates the GnuTLS session; called once by the factory.
  Result<void> init();

  Result<core::EngineStatus> start(core::Bytes& to_peer) override;
  Result<core::EngineStatus> receive(std::span<const std::byte> bytes,
                                     core::Bytes& application_data, core::Bytes& to_peer) override;
  /// receive() with each decrypted record copied straight into the caller's buffer while it fits
  /// (GnuTLS hands out the record in its own buffer: one copy, as receive() into a vector).
  Result<core::EngineStatus> receive_into(std::span<const std::byte> bytes,
                                          core::ReceiveBuffer& into, core::Bytes& to_peer) override;
  Result<core::EngineStatus> resume(core::Bytes& application_data, core::Bytes& to_peer) override;
  Result<void> write(std::span<const std::byte> data, core::Bytes& to_peer) override;
  Result<void> close_notify(core::Bytes& to_peer) override;
  Result<void> send_alert(Alert alert, AlertLevel level, core::Bytes& to_peer) override;
  Result<void> update_keys(core::Bytes& to_peer, bool request_peer_update) override;
  Result<void> export_keying_material(std::span<std::byte> out, std::string_view label,
                                      std::optional<std::span<const std::byte>> context) override;
  [[nodiscard]] SessionInfo info() const override;
  [[nodiscard]] bool handshake_complete() const override { return handshake_done_; }

  /// The callback registered on the shared credentials (both sides): hands out the chain the
  /// engine chose, asking the certificate store first when needed.
  static int retrieve_certificate(gnutls_session_t session, const gnutls_datum_t* req_ca_rdn,
                                  int nreqs, const gnutls_pk_algorithm_t* pk_algos,
                                  int pk_algos_length, gnutls_pcert_st** pcert,
                                  unsigned int* pcert_length, gnutls_privkey_t* privkey) noexcept;

 private:
  enum class Phase {
    created,
    awaiting_client_hello,
    waiting_for_certificate,
    handshaking,
    established,
    peer_closed,
    failed,
  };

  static ssize_t pull(gnutls_transport_ptr_t self, void* data, size_t size) noexcept;
  static ssize_t push(gnutls_transport_ptr_t self, const void* data, size_t size) noexcept;
  static int pull_timeout(gnutls_transport_ptr_t self, unsigned int ms) noexcept;
  static int verify_callback(gnutls_session_t session) noexcept;
  static int keylog_callback(gnutls_session_t session, const char* label,
                             const gnutls_datum_t* secret) noexcept;
  static int handshake_hook(gnutls_session_t session, unsigned int htype, unsigned when,
                            unsigned int incoming, const gnutls_datum_t* msg) noexcept;

  Result<core::EngineStatus> advance(core::Bytes& application_data);
  Result<core::EngineStatus> run_handshake();
  /// Whether gnutls_handshake() returned `code` for the peer's close_notify (a warning alert).
  [[nodiscard]] bool closed_during_handshake(int code) const;
  Result<core::EngineStatus> read_records(core::Bytes& application_data);
  /// Asks the server certificate store; true when a chain is loaded.
  Result<bool> ask_server_certificate(const std::string& server_name);
  Result<void> after_handshake();
  /// Sends the alert of `error` (if any and if GnuTLS can) and invalidates the engine.
  Error fail_with(Error error);
  /// Fails after GnuTLS returned `code`: the error a callback recorded wins over GnuTLS's.
  Error fail_with_code(int code);
  /// Whether a GnuTLS error may stem from a check on the peer's certificate that the core
  /// would have made first.
  static bool judges_peer_certificate(int code);
  /// Server: refuses a ClientHello that offers only forbidden versions or lacks the extended
  /// master secret for TLS 1.2, before GnuTLS or the certificate store see it.
  Result<void> refuse_forbidden_hello(const HelloSummary& hello);
  void queue_plaintext_alert(Alert alert);
  /// Server: sets the session's priority string to exactly what may be negotiated with this
  /// ClientHello and certificate (see server_session_priority).
  Result<void> narrow_server_priority();
  bool check_server_hello();
  bool check_extended_master_secret();
  bool verify_peer_chain();
  int provide_client_certificate(const gnutls_datum_t* req_ca_rdn, int nreqs);
  int provide_server_certificate();
  void flush(core::Bytes& to_peer);
  /// Server, once the ClientHello is read: chooses the ticket key (the real one only when the
  /// offered ticket may resume) and whether its early data may be accepted.
  Result<void> decide_resumption(const HelloSummary& hello);
  /// Server: sends the TLS 1.3 tickets and hands accepted early data to the core.
  Result<void> after_server_handshake();
  /// Client: hands a ticket that arrived to the core.
  void report_ticket();
  /// A NewSessionTicket message we sent (server) or received (client), without its header.
  void on_new_session_ticket(std::span<const std::uint8_t> body, bool incoming);
  [[nodiscard]] Error missing_client_certificate_error() const;

  std::shared_ptr<const SharedConfig> shared_;
  core::EngineHooks& hooks_;
  SessionPtr session_;
  Phase phase_ = Phase::created;
  // Transport buffers: bytes received and not yet pulled by GnuTLS, bytes GnuTLS pushed.
  core::Bytes input_;
  std::size_t input_pos_ = 0;
  // During receive(): the caller's bytes, pulled in place when input_ holds nothing older; what
  // GnuTLS left of them is copied into input_ before receive() returns.
  std::span<const std::byte> lent_;
  // During receive_into(): the caller's buffer, filled before its overflow (receive()'s
  // application data) while each record fits.
  core::ReceiveBuffer* into_ = nullptr;
  // Every byte GnuTLS ever pulled: a "non-fatal" return that pulled bytes made progress.
  std::uint64_t pulled_total_ = 0;
  // Set when the pull function found no bytes: GnuTLS's "again" then means "need input".
  bool starved_ = false;
  core::Bytes output_;
  // During write(): the next push may go straight to the application's write callback
  // (EngineHooks::write_directly) instead of into output_. Armed only for a write that GnuTLS
  // sends as one record in one push; the push disarms it.
  bool direct_ = false;
  // The most plaintext one gnutls_record_send() is known to put in one record (0: not known
  // yet), learnt from the writes so far: a write of at most this many bytes is one record.
  // `one_record_limited_` once GnuTLS took less than it was given (the peer's record_size_limit
  // or max_fragment_length): the limit is then exact and never grows.
  std::size_t one_record_max_ = 0;
  bool one_record_limited_ = false;
  // A KeyUpdate arrived: if it asked for ours, GnuTLS sends it before the next data, a second
  // push in that write (cleared by the next write that is not direct).
  bool peer_key_update_ = false;
  // The peer's first handshake message, read before GnuTLS sees it.
  HelloSniffer sniffer_;
  PlaintextAlertWatch alert_watch_;
  std::string sni_;
  // The chain this endpoint presents (server: chosen by SNI; client: from its store).
  std::shared_ptr<const LoadedChain> own_chain_;
  bool certificate_decided_ = false;
  // The error a callback decided (verification failure, policy refusal); it wins over the
  // generic code GnuTLS returns after the callback failed.
  std::optional<Error> callback_error_;
  bool peer_verified_ = false;
  bool verify_ran_ = false;
  /// gnutls_handshake() succeeded once (see handshake_complete()).
  bool handshake_done_ = false;
  /// Server: the client offered early data; client: it sent early data.
  bool early_data_offered_ = false;
  /// Server: this session may issue tickets (its ticket was not refused).
  bool issue_tickets_ = true;
  /// Client: a NewSessionTicket arrived and is not reported yet: its lifetime and
  /// max_early_data_size.
  std::optional<std::pair<std::uint32_t, std::uint32_t>> pending_ticket_;
  /// Client: the last session data reported (a repeated one is not stored twice).
  TicketTable::Hash last_reported_{};
};

}  // namespace sanstls::gnutls_backend

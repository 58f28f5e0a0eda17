// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The TLS 1.3 client handshake (RFC 8446 §2, §4) as a sequence of state types. Each state holds
// only what is valid in it, handles exactly one handshake message, and returns its successor or
// an Error carrying the alert to send. Facts that must be checked before they are relied on (the
// server's certificate chain, its CertificateVerify signature, its Finished) are proof types that
// only the checking state can construct; the next state's constructor demands them.
//
// The states never touch the record layer: they emit Actions (send this message, install these
// keys) that a driver applies in order (ClientHandshake below, and later the Engine adapter).

#include "base/output_buffer.hpp"
#include "native/crypto/provider.hpp"
#include "native/handshake/actions.hpp"
#include "native/handshake/alert_writer.hpp"
#include "native/handshake/certificate_selection.hpp"
#include "native/handshake/session_ticket.hpp"
#include "native/key_schedule.hpp"
#include "native/msgs/message.hpp"
#include "native/record/record_layer.hpp"
#include "native/transcript.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sanstls::native::handshake {

using msgs::ByteVec;

/// What the state machine needs from outside. The RFC 8448 replay plugs in an always-accepting
/// verifier; the engine adapter will plug in EngineHooks::verify_peer and the trust store.
struct ClientHandshakeEnvironment {
  const crypto::CryptoProvider* provider = nullptr;
  /// Verifies the server's chain (leaf first, DER) for the name we expect. An error's alert is
  /// sent (typically bad_certificate, unknown_ca, certificate_expired).
  std::function<Status(std::span<const ByteVec> chain_der)> verify_chain;
  /// NSS key log lines (label, client_random, secret); optional.
  std::function<void(std::string_view label, Bytes client_random, Bytes secret)> key_log;
  /// Asked once the server's Finished is verified, if the server sent a CertificateRequest.
  /// Unset: decline (we send an empty Certificate). `pending` parks the handshake in
  /// WaitingForClientCertificate until ClientHandshake::resume() asks again.
  std::function<CertificateSelection(const CertificateQuery&)> select_client_certificate;
  /// The time tickets are stamped with and aged by; the provider's clock when unset.
  std::function<std::chrono::system_clock::time_point()> clock;
  /// A NewSessionTicket arrived (RFC 8446 §4.6.1): what we need to resume with it. Unset: tickets
  /// are parsed and dropped.
  std::function<void(const ClientSessionState&)> session_ticket_received;
};

/// The groups a first ClientHello sends key shares for, given supported_groups in preference
/// order: the most preferred group and, when that is X25519MLKEM768 and X25519 is supported too,
/// an X25519 share as well, so that a server without ML-KEM needs no HelloRetryRequest
/// (each share has its own X25519 key).
std::vector<NamedGroup> initial_key_share_groups(const std::vector<NamedGroup>& supported_groups);

/// What the ClientHello offers. Defaults are our policy; every field is configurable so that
/// known-answer tests can reproduce another implementation's hello byte for byte.
struct ClientHelloParameters {
  /// Empty, or 32 bytes for middlebox compatibility mode (RFC 8446 §D.4). Left empty with
  /// middlebox_compatibility on, 32 random bytes are drawn.
  ByteVec legacy_session_id;
  std::vector<CipherSuite> cipher_suites{CipherSuite::tls_aes_128_gcm_sha256,
                                         CipherSuite::tls_aes_256_gcm_sha384,
                                         CipherSuite::tls_chacha20_poly1305_sha256};
  std::optional<std::string> server_name;
  /// supported_groups, in preference order; may list groups we cannot do key exchange for only
  /// in tests that reproduce a foreign hello.
  std::vector<NamedGroup> supported_groups{NamedGroup::x25519, NamedGroup::secp256r1,
                                           NamedGroup::secp384r1};
  /// Groups we send a key share for (each must be in supported_groups).
  std::vector<NamedGroup> key_share_groups{NamedGroup::x25519};
  std::vector<SignatureScheme> signature_algorithms{
      SignatureScheme::ecdsa_secp256r1_sha256, SignatureScheme::ecdsa_secp384r1_sha384,
      SignatureScheme::rsa_pss_rsae_sha256,    SignatureScheme::rsa_pss_rsae_sha384,
      SignatureScheme::rsa_pss_rsae_sha512,    SignatureScheme::ed25519,
      SignatureScheme::rsa_pss_pss_sha256,     SignatureScheme::rsa_pss_pss_sha384,
      SignatureScheme::rsa_pss_pss_sha512,     SignatureScheme::rsa_pkcs1_sha256,
      SignatureScheme::rsa_pkcs1_sha384,       SignatureScheme::rsa_pkcs1_sha512};
  std::optional<std::uint16_t> record_size_limit;
  /// Extensions added verbatim (e.g. renegotiation_info, psk_key_exchange_modes).
  std::vector<msgs::Extension> extra_extensions;
  /// When not empty, the order extensions are written in (every extension must be listed). It may
  /// also list cookie and the retry_extra_extensions: they are placed there in a ClientHello
  /// that answers a HelloRetryRequest and skipped in the first one.
  std::vector<ExtensionType> extension_order;
  /// ALPN (RFC 7301) protocol names in preference order; empty: no ALPN extension.
  std::vector<std::string> alpn_protocols;
  /// RFC 8446 §D.4: a non-empty legacy_session_id (random unless one is given) and one dummy
  /// change_cipher_spec record right before our second flight (before ClientHello2 after a
  /// HelloRetryRequest, else before our encrypted flight). Off reproduces RFC 8448's hellos.
  bool middlebox_compatibility = true;
  /// Extensions added only to a ClientHello that answers a HelloRetryRequest (RFC 8446 §4.1.2
  /// lets it add or change "padding"); for known-answer tests of foreign hellos.
  std::vector<msgs::Extension> retry_extra_extensions;
  /// TLS 1.2 suites to offer besides TLS 1.3 (ECDHE + AEAD, key_schedule12.hpp). Not empty:
  /// supported_versions lists TLS 1.2 after TLS 1.3, the suites follow the TLS 1.3 ones, and the
  /// hello carries extended_master_secret (RFC 7627), ec_point_formats (RFC 8422) and an empty
  /// renegotiation_info (RFC 5746); a TLS 1.2 ServerHello hands over to client_states12.hpp.
  std::vector<CipherSuite> tls12_cipher_suites;
  /// False: a TLS 1.2-only hello (supported_versions {TLS 1.2}, no TLS 1.3 suites; key_share is
  /// still sent, a TLS 1.2 server ignores it). Needs tls12_cipher_suites.
  bool offer_tls13 = true;
  /// A session to resume (RFC 8446 §2.2, §4.2.11): its ticket is offered as the only PSK, with
  /// psk_key_exchange_modes = {psk_dhe_ke} and our key shares as usual.
  std::optional<ClientSessionState> resumption;
  /// With tls12_cipher_suites: the RFC 5077 session_ticket extension (§3.2), empty (asking the
  /// server for a ticket) unless `resumption12` gives the ticket to offer.
  bool tls12_session_tickets = false;
  /// A TLS 1.2 session to resume (RFC 5077 §3.1; version tls12_version, extended master secret):
  /// its ticket goes in session_ticket, with a non-empty legacy_session_id (drawn if none is
  /// given) whose echo tells that the server accepted it (RFC 5077 §3.4).
  std::optional<ClientSessionState> resumption12;
  /// 0-RTT data (RFC 8446 §2.3) sent after the ClientHello when `resumption` allows it
  /// (max_early_data > 0); at most max_early_data bytes of it.
  ByteVec early_data;
};

/// Proof that verify_chain accepted the server's chain. Only the Certificate handler creates it.
class VerifiedServerChain {
  friend struct ExpectCertificateOrCertificateRequest;
  VerifiedServerChain() = default;
};
/// Proof that the server's CertificateVerify signature checked out.
class VerifiedServerSignature {
  friend struct ExpectCertificateVerify;
  // RFC 8446 §2.2: in a resumption the server proves itself by the PSK (its Finished, keyed by
  // the PSK-derived secrets), not by a signature: EncryptedExtensions leads to ExpectFinished.
  friend struct ExpectEncryptedExtensions;
  VerifiedServerSignature() = default;
};
/// Proof that the server's Finished was verified (constant-time compare).
class VerifiedServerFinished {
  friend struct ExpectFinished;
  VerifiedServerFinished() = default;
};

/// What the handshake states share once the ServerHello fixed the suite.
struct Negotiated {
  CipherSuite suite{};
  SuiteParams params{};
  std::array<std::uint8_t, 32> client_random{};
  std::vector<SignatureScheme> offered_signature_schemes;
  std::vector<ExtensionType> offered_extensions;
  /// The server's record_size_limit (RFC 8449) from EncryptedExtensions, if it sent one.
  std::optional<std::uint16_t> peer_record_size_limit;
  /// The key exchange group (set by the ServerHello).
  std::optional<NamedGroup> group;
  /// What we offered in ALPN, and what the server selected (EncryptedExtensions).
  std::vector<std::string> offered_alpn;
  std::optional<std::string> alpn;
  bool middlebox_compatibility = false;
  bool change_cipher_spec_sent = false;
  bool hello_retry_request = false;
  bool certificate_requested = false;
  bool client_certificate_sent = false;
  /// The PSK of the session we offered to resume (until the ServerHello decides).
  struct OfferedPsk {
    SecretBytes secret;
    CipherSuite suite{};
    std::string alpn;
    /// The PSK's key schedule at the early stage (RFC 8446 §7.1: Early Secret = HKDF-Extract(0,
    /// PSK)), made once for the binder and reused for the early traffic secret and, when the
    /// server selects the PSK, the rest of the handshake.
    /// Behind a pointer: every state's storage is as large as the largest state, and this one
    /// is rarely there.
    std::unique_ptr<KeySchedule> early;
  };
  std::optional<OfferedPsk> psk;
  /// The server selected our PSK (RFC 8446 §4.2.11).
  bool resumed = false;

  /// We sent early data (RFC 8446 §4.2.10), and the server accepted it.
  bool early_data_offered = false;
  bool early_data_accepted = false;
  /// Bytes of early data sent.
  std::size_t early_data_sent = 0;
};

/// What the engine adapter reports about the connection (ClientHandshake::info()).
struct ClientSessionInfo {
  std::optional<CipherSuite> cipher_suite;   // once the ServerHello is accepted
  std::optional<NamedGroup> group;           // once the ServerHello is accepted
  std::optional<std::string> alpn_protocol;  // once EncryptedExtensions is accepted
  bool hello_retry_request = false;
  bool certificate_requested = false;
  bool client_certificate_sent = false;
  bool handshake_complete = false;
  /// The server chose TLS 1.2 (cipher_suite is then a TLS 1.2 suite).
  bool tls12 = false;
  bool resumed = false;
  bool early_data_offered = false;
  bool early_data_accepted = false;
};

namespace client12 {
class ClientHandshake12;
}

struct ExpectEncryptedExtensions;
struct ExpectCertificateOrCertificateRequest;
struct ExpectCertificateVerify;
struct ExpectFinished;
struct Connected;
struct ExpectServerHello;
struct WaitingForClientCertificate;

using ClientState = std::variant<ExpectServerHello, ExpectEncryptedExtensions,
                                 ExpectCertificateOrCertificateRequest, ExpectCertificateVerify,
                                 ExpectFinished, Connected, WaitingForClientCertificate>;

/// The handshake-stage data every encrypted-flight state carries.
struct HandshakeSecrets {
  Negotiated negotiated;
  Transcript transcript;
  KeySchedule schedule;
  SecretBytes client_handshake_traffic_secret;
  SecretBytes server_handshake_traffic_secret;
  /// Set when the server sent a CertificateRequest (RFC 8446 §4.3.2).
  std::optional<ByteVec> certificate_request_context;
  /// The CertificateRequest's signature_algorithms and certificate_authorities.
  CertificateQuery certificate_query;
  /// Made on the ServerHello with the server's handshake read keys, from the same HMAC keys:
  /// our handshake write keys (needed early should we send an alert before our Finished) and
  /// both finished_keys (RFC 8446 §4.4.4).
  std::unique_ptr<TrafficKeys> client_handshake_keys;  // a pointer, as OfferedPsk::early
  SecretBytes client_finished_key;
  SecretBytes server_finished_key;
};

/// What a HelloRetryRequest fixed: the ServerHello must agree (RFC 8446 §4.1.4, §4.2.8).
struct HelloRetryChoice {
  CipherSuite suite{};
  std::optional<NamedGroup> group;
};

struct ExpectServerHello {
  Negotiated offered;
  ClientHelloParameters params;  // legacy_session_id is the one actually sent
  Transcript transcript;  // ClientHello, or message_hash(ClientHello1) || HRR || ClientHello2
  std::vector<std::unique_ptr<crypto::KeyShare>> key_shares;
  /// Set once we answered a HelloRetryRequest.
  std::optional<HelloRetryChoice> retry;
  /// The ClientHello we sent (the TLS 1.2 transcript starts with it).
  ByteVec client_hello;
  /// Drawn with the ClientHello's randomness when TLS 1.2 is offered: the private key of the
  /// TLS 1.2 ECDHE share (key_share_seed.hpp), used once the ServerKeyExchange names the group.
  SecretBytes ecdhe12_seed;

  Result<ClientState> handle(const msgs::HandshakeView& message,
                             const ClientHandshakeEnvironment& env, Actions& actions) &&;

 private:
  Result<ClientState> retry_hello(const msgs::ServerHello& hrr, const msgs::HandshakeView& message,
                                  const ClientHandshakeEnvironment& env, Actions& actions) &&;
};

struct ExpectEncryptedExtensions {
  HandshakeSecrets hs;
  Result<ClientState> handle(const msgs::HandshakeView& message,
                             const ClientHandshakeEnvironment& env, Actions& actions) &&;
};

struct ExpectCertificateOrCertificateRequest {
  HandshakeSecrets hs;
  bool certificate_request_seen = false;
  Result<ClientState> handle(const msgs::HandshakeView& message,
                             const ClientHandshakeEnvironment& env, Actions& actions) &&;
};

struct ExpectCertificateVerify {
  ExpectCertificateVerify(HandshakeSecrets secrets, ByteVec peer_spki, VerifiedServerChain proof)
      : hs(std::move(secrets)), server_spki(std::move(peer_spki)), chain(proof) {}
  HandshakeSecrets hs;
  ByteVec server_spki;
  VerifiedServerChain chain;
  Result<ClientState> handle(const msgs::HandshakeView& message,
                             const ClientHandshakeEnvironment& env, Actions& actions) &&;
};

struct ExpectFinished {
  ExpectFinished(HandshakeSecrets secrets, VerifiedServerSignature proof)
      : hs(std::move(secrets)), signature(proof) {}
  HandshakeSecrets hs;
  VerifiedServerSignature signature;
  Result<ClientState> handle(const msgs::HandshakeView& message,
                             const ClientHandshakeEnvironment& env, Actions& actions) &&;
};

/// The handshake is complete: application traffic keys are installed in both directions.
struct Connected {
  Connected(Negotiated n, VerifiedServerFinished proof)
      : negotiated(std::move(n)), finished(proof) {}
  Negotiated negotiated;
  VerifiedServerFinished finished;
  SecretBytes client_application_traffic_secret;
  SecretBytes server_application_traffic_secret;
  SecretBytes exporter_master_secret;
  SecretBytes resumption_master_secret;
  std::size_t tickets_received = 0;

  Result<ClientState> handle(const msgs::HandshakeView& message,
                             const ClientHandshakeEnvironment& env, Actions& actions) &&;
  /// We start a KeyUpdate (RFC 8446 §4.6.3): the message goes out under the current write keys,
  /// then our write side moves to the next generation.
  Status update_keys(bool request_peer_update, const ClientHandshakeEnvironment& env,
                     Actions& actions);
};

/// The server's Finished is verified, it asked for a client certificate, and
/// select_client_certificate answered "pending". Nothing of our second flight is sent yet; the
/// server's application read keys are installed.
struct WaitingForClientCertificate {
  WaitingForClientCertificate(HandshakeSecrets secrets, Connected connected)
      : hs(std::move(secrets)), next(std::move(connected)) {}
  HandshakeSecrets hs;  // transcript up to the server's Finished
  Connected next;       // what we become once our flight is sent
  /// Asks select_client_certificate again: still pending stays here, else our flight is sent.
  Result<ClientState> resume(const ClientHandshakeEnvironment& env, Actions& actions) &&;
  /// No handshake message is processed while waiting (the driver buffers input).
  Result<ClientState> handle(const msgs::HandshakeView& message,
                             const ClientHandshakeEnvironment& env, Actions& actions) &&;
};

/// Our second flight once the server's Finished is verified: the change_cipher_spec of
/// middlebox compatibility, [Certificate (CertificateVerify)] when the server asked, Finished.
/// `selection` is used only when a CertificateRequest was received (declined: empty Certificate).
Result<ClientState> send_client_flight(HandshakeSecrets hs, Connected next,
                                       const CertificateSelection& selection,
                                       const ClientHandshakeEnvironment& env, Actions& actions);

/// Builds the ClientHello (randomness and key shares from the provider) and the first state.
struct ClientStart {
  ByteVec client_hello;  // the complete handshake message
  ExpectServerHello state;
  /// After the ClientHello: the compatibility change_cipher_spec and the early write keys when
  /// we send 0-RTT data (RFC 8446 §D.4: "If offering early data, the record is placed
  /// immediately after the first ClientHello").
  Actions after_hello;
};
Result<ClientStart> start_client(ClientHelloParameters params,
                                 const ClientHandshakeEnvironment& env);

/// Feeds one complete handshake message to whatever state `state` holds.
Result<ClientState> handle_message(ClientState state, Bytes message,
                                   const ClientHandshakeEnvironment& env, Actions& actions);

/// The DER SubjectPublicKeyInfo of a DER X.509 certificate (bad_certificate if unparseable).
Result<ByteVec> certificate_spki(Bytes cert_der);

/// A small driver: the states plus a record layer. Bytes in, records out, application data
/// after the handshake. The Engine adapter (next slice) wraps this.
class ClientHandshake {
 public:
  /// Starts the handshake: `out` receives the ClientHello record.
  static Result<ClientHandshake> start(ClientHelloParameters params, ClientHandshakeEnvironment env,
                                       ByteVec& out);
  ClientHandshake(ClientHandshake&&) noexcept;
  ClientHandshake& operator=(ClientHandshake&&) noexcept;
  ClientHandshake(const ClientHandshake&) = delete;
  ClientHandshake& operator=(const ClientHandshake&) = delete;
  ~ClientHandshake();

  /// Processes everything decodable in `in`: records to send go to `out`, decrypted application
  /// data to `application_data`. An error carries the alert to send; the connection is then dead.
  Status receive(Bytes in, ByteVec& out, record::DataSink application_data);
  /// Application data, only once connected (and before our close_notify).
  Status write(Bytes data, ByteVec& out);
  /// The same, sealing the records in place at the end of a vector of std::byte.
  Status write(Bytes data, std::vector<std::byte>& out);
  /// The same into the core's output buffer (base::OutputBuffer: large records sealed from
  /// `data` in one pass).
  Status write(Bytes data, base::OutputBuffer& out);
  /// Whether the handshake (TLS 1.3 or TLS 1.2) waits for select_client_certificate (see
  /// resume()).
  [[nodiscard]] bool waiting_for_certificate() const noexcept;
  /// Asks select_client_certificate again when waiting; once answered, sends our flight and then
  /// processes the input that arrived meanwhile (buffered, at most max_input_while_waiting
  /// bytes). A no-op when not waiting.
  Status resume(ByteVec& out, record::DataSink application_data);
  /// Sends a close_notify alert (RFC 8446 §6.1); write() and key_update() fail afterwards.
  Status close_notify(ByteVec& out);
  /// Starts a KeyUpdate (RFC 8446 §4.6.3), only once connected.
  Status key_update(bool request_peer_update, ByteVec& out);
  /// RFC 8446 §7.5 TLS-Exporter(label, context, out.size()) into `out`, once connected (also
  /// after either close_notify). An empty context stands for "no context" (§7.5).
  Status export_keying_material(std::string_view label, Bytes context,
                                std::span<std::uint8_t> out) const;
  /// The same with "no context" distinct from an empty one (RFC 5705 §4: they differ in
  /// TLS 1.2; in TLS 1.3 both mean the empty context).
  Status export_keying_material(std::string_view label, std::optional<Bytes> context,
                                std::span<std::uint8_t> out) const;
  /// Suite, group, ALPN, HelloRetryRequest, client certificate: what is known so far.
  [[nodiscard]] ClientSessionInfo info() const;
  [[nodiscard]] bool close_notify_sent() const noexcept;
  /// After a failure of receive()/resume(): sends the fatal alert the Error carries (RFC 8446
  /// §6.2) under the current write keys. Refused when the peer's own alert ended the connection
  /// (it is never echoed) or after our close_notify.
  Status send_alert(Alert alert, ByteVec& out);
  /// Session::alert(): a warning alert (user_canceled) under the current write keys; the
  /// connection stays open (a close_notify may follow).
  Status send_warning(Alert alert, ByteVec& out);

  /// Post-handshake messages (NewSessionTicket, KeyUpdate) accepted in a row without application
  /// data in between; one more is unexpected_message. Honest servers send a few tickets and an
  /// occasional KeyUpdate; the bound stops a peer from keeping us busy (KeyUpdate costs two HKDF
  /// expansions and a cipher setup) without ever sending data. 32 is BoringSSL's KeyUpdate bound.
  static constexpr std::size_t max_post_handshake_messages_without_data = 32;
  /// Dummy change_cipher_spec records dropped before the server's Finished: the one a §D.4
  /// server sends (RFC 8446 §D.4: "the server sends a dummy change_cipher_spec record
  /// immediately after its first handshake message"). A second is unexpected_message, as the
  /// TLS conformance suites expect of TLS 1.3 (multiple CCS are a known flooding vector,
  /// CVE-2020-25648). The same bound as ServerHandshake's.
  static constexpr std::size_t max_dummy_change_cipher_specs = 1;
  /// user_canceled warning alerts dropped before the handshake completes (RFC 8446 §6.1: the
  /// alert "should be followed by a close_notify", so an honest peer sends one); one more is
  /// refused with unexpected_message. The same bound as ServerHandshake's.
  static constexpr std::size_t max_user_canceled_alerts = 8;
  /// Input buffered while waiting for a client certificate (the server may send 0.5-RTT data).
  static constexpr std::size_t max_input_while_waiting = std::size_t{1} << 18;

  [[nodiscard]] const ClientState& state() const noexcept { return *state_; }
  /// The peer sent close_notify: later input is ignored (RFC 8446 §6.1). Before connected(),
  /// the peer abandoned the handshake (the close_notify may even be a forged plaintext one):
  /// the caller must treat that as a failure, never as a clean close (the core does).
  [[nodiscard]] bool peer_closed() const noexcept;
  /// The fatal alert the peer sent, if any. receive() then fails with that alert, which must not
  /// be sent back.
  [[nodiscard]] std::optional<Alert> received_alert() const noexcept;
  [[nodiscard]] const Connected* connected() const noexcept {
    return std::get_if<Connected>(state_.get());
  }
  /// The TLS 1.2 handshake, once the server chose TLS 1.2 (every call then goes to it).
  [[nodiscard]] const client12::ClientHandshake12* tls12() const noexcept { return tls12_.get(); }
  /// Connected in either version.
  [[nodiscard]] bool handshake_complete() const noexcept;

 private:
  /// write() into a vector of std::byte or an OutputBuffer (one body for both).
  template <typename Output>
  Status write_bytes(Bytes data, Output& out);
  ClientHandshake(ClientHandshakeEnvironment env, std::unique_ptr<ClientState> state);
  Status apply(Actions& actions, ByteVec& out);
  /// If we offered TLS 1.2 and `message` is a ServerHello choosing it, hands the connection to
  /// the TLS 1.2 driver (tls12_), which handles the message.
  Status hand_over_if_tls12(Bytes message, ByteVec& out, bool& handed_over);
  /// Derives the handshake write protection alerts need before our flight installs it.
  Status keep_alert_protection();
  /// Puts that protection on the writer if our handshake keys are not installed yet.
  void use_alert_protection();

  ClientHandshakeEnvironment env_;
  std::unique_ptr<ClientState> state_;
  record::RecordReader reader_;
  record::RecordWriter writer_;
  bool failed_ = false;
  bool peer_closed_ = false;
  AlertWriter alerts_{AlertWriter::Role::client, /*tls12=*/false};
  std::size_t post_handshake_in_a_row_ = 0;
  std::size_t change_cipher_specs_seen_ = 0;
  std::size_t user_canceled_seen_ = 0;
  std::size_t input_while_waiting_ = 0;
  std::optional<Alert> received_alert_;
  std::optional<record::Protection> alert_protection_;
  std::unique_ptr<client12::ClientHandshake12> tls12_;
  /// The writer holds our 0-RTT keys (from start() until our handshake keys replace them).
  bool early_write_keys_ = false;
  [[nodiscard]] bool handshake_write_keys() const noexcept {
    return writer_.has_protection() && !early_write_keys_;
  }
};

}  // namespace sanstls::native::handshake

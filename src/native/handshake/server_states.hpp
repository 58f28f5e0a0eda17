// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The TLS 1.3 server handshake (RFC 8446 §2, §4) as a sequence of state types, mirroring
// client_states.hpp. Each state holds only what is valid in it, handles exactly one handshake
// message (or, while waiting for the certificate store, a resume()), and returns its successor
// or an Error carrying the alert to send. Facts that must be checked before they are relied on
// (the client's chain, its CertificateVerify, its Finished) are proof types only the checking
// state can construct; the next state's constructor demands them.
//
// The states never touch the record layer: they emit Actions (send this message, send the
// compatibility change_cipher_spec, install these keys) that ServerHandshake
// (server_handshake.hpp) applies in order.
//
// The states live in namespace `server` because the client's states already use the plain names
// (Connected, ExpectFinished, ...) in this namespace.

#include "native/crypto/provider.hpp"
#include "native/handshake/actions.hpp"
#include "native/handshake/certificate_selection.hpp"
#include "native/handshake/session_ticket.hpp"
#include "native/key_schedule.hpp"
#include "native/msgs/message.hpp"
#include "native/transcript.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sanstls::native::handshake {

enum class ClientAuthMode : std::uint8_t { none, optional, required };

/// Our policy for one server connection.
struct ServerParameters {
  /// Server preference order (TLS 1.3 suites only).
  std::vector<CipherSuite> cipher_suites{CipherSuite::tls_aes_128_gcm_sha256,
                                         CipherSuite::tls_aes_256_gcm_sha384,
                                         CipherSuite::tls_chacha20_poly1305_sha256};
  /// Key exchange groups, preference order (x25519, secp256r1, secp384r1).
  std::vector<NamedGroup> groups{NamedGroup::x25519, NamedGroup::secp256r1, NamedGroup::secp384r1};
  /// What we accept in a client CertificateVerify (and offer in CertificateRequest).
  std::vector<SignatureScheme> signature_algorithms{
      SignatureScheme::ecdsa_secp256r1_sha256, SignatureScheme::ecdsa_secp384r1_sha384,
      SignatureScheme::rsa_pss_rsae_sha256,    SignatureScheme::rsa_pss_rsae_sha384,
      SignatureScheme::rsa_pss_rsae_sha512,    SignatureScheme::ed25519,
      SignatureScheme::rsa_pss_pss_sha256,     SignatureScheme::rsa_pss_pss_sha384,
      SignatureScheme::rsa_pss_pss_sha512};
  /// Ours, in preference order; empty: we do not do ALPN (the client's offer is ignored).
  std::vector<std::string> alpn;
  ClientAuthMode client_auth = ClientAuthMode::none;
  /// DER distinguished names for CertificateRequest.certificate_authorities (may be empty).
  std::vector<msgs::ByteVec> certificate_authorities;
  /// NewSessionTickets sent after the client's Finished: sealed, resumable tickets when the
  /// environment has ticket keys (ServerHandshakeEnvironment::ticket_sealing_key), else opaque
  /// random bytes that are never accepted back.
  std::size_t tickets = 1;
  /// RFC 8446 §4.6.1 ticket_lifetime of our tickets, and how long we accept them back.
  std::uint32_t ticket_lifetime = 7200;
  /// max_early_data_size of our tickets (0: no 0-RTT): RFC 8446 §4.2.10 early data accepted up to
  /// this many bytes when the environment's accept_early_data agrees.
  std::uint32_t max_early_data = 0;
  /// TLS 1.2 (ECDHE + AEAD suites below, extended master secret required) may be negotiated
  /// with a client that offers it; TLS 1.3 may be. At least one is on.
  bool tls12 = false;
  bool tls13 = true;
  /// TLS 1.2 suites, server preference order (RFC 5289, RFC 7905); the certificate's key type
  /// narrows them.
  std::vector<CipherSuite> tls12_cipher_suites{
      CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256,
      CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384,
      CipherSuite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256,
      CipherSuite::tls_ecdhe_rsa_with_aes_128_gcm_sha256,
      CipherSuite::tls_ecdhe_rsa_with_aes_256_gcm_sha384,
      CipherSuite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256};
  /// Our RFC 8449 record_size_limit, announced only when the client sent one.
  std::optional<std::uint16_t> record_size_limit;
  /// RFC 8446 §4.2.10: the bytes of early data skipped when a client's 0-RTT offer is rejected
  /// (its "configured max_early_data_size"); more is unexpected_message.
  std::size_t early_data_skip_limit = 16384;
  /// Extensions written verbatim at the start of EncryptedExtensions. Only for known-answer
  /// tests that reproduce another server byte for byte (RFC 8448 sends supported_groups there).
  std::vector<msgs::Extension> extra_encrypted_extensions;
};

/// Everything the server state machine needs from outside.
struct ServerHandshakeEnvironment {
  const crypto::CryptoProvider* provider = nullptr;
  /// Asked once the ClientHello is accepted; asked again on each resume() while it answers
  /// pending.
  std::function<CertificateSelection(const CertificateQuery&)> select_certificate;
  /// The client's chain (leaf first, DER); called only when the client sent a non-empty
  /// Certificate. Its error's alert is sent (tagged Refusal::peer_chain_refused).
  std::function<Status(std::span<const msgs::ByteVec> chain_der)> verify_client_chain;
  /// NSS key log lines (label, client_random, secret); optional.
  std::function<void(std::string_view label, Bytes client_random, Bytes secret)> key_log;

  // Resumption (RFC 8446 §2.2, §4.6.1) and 0-RTT (§2.3, §4.2.10). All optional: without
  // ticket_sealing_key the tickets are random bytes, without ticket_opening_key PSK offers are
  // ignored (full handshake).
  /// The time tickets are issued and checked against (ticket age, expiry); the provider's clock
  /// when unset.
  std::function<std::chrono::system_clock::time_point()> clock;
  /// The key to seal tickets with now; an error: no (more) tickets on this connection.
  std::function<Result<TicketSealingKey>()> ticket_sealing_key;
  /// The key a ticket names, when it may still open tickets.
  std::function<std::optional<TicketSealingKey>(Bytes name)> ticket_opening_key;
  /// Opaque bytes sealed into each ticket (the core's session context).
  std::function<std::vector<std::uint8_t>()> ticket_context;
  /// Whether a ticket that opened may resume (its context); unset: yes.
  std::function<bool(Bytes context)> accept_resumption;
  /// Whether the 0-RTT data of this resumption may be accepted (identity as sent, the client's
  /// ticket age, when the ticket was issued); unset: no.
  std::function<bool(Bytes identity, std::chrono::milliseconds age,
                     std::chrono::system_clock::time_point issued)>
      accept_early_data;
  /// Accepted early data, in order.
  std::function<void(Bytes data)> early_data_received;
};

/// What was negotiated. Meaningful once `negotiated` is true (the ServerHello was built); the
/// client-certificate facts once the handshake is connected.
struct ServerSessionInfo {
  bool negotiated = false;
  /// TLS 1.2 was negotiated (server_states12.hpp); TLS 1.3 otherwise.
  bool tls12 = false;
  CipherSuite suite{};
  NamedGroup group{};
  std::optional<std::string> alpn;
  /// The SNI host_name the client sent, lower case.
  std::optional<std::string> server_name;
  /// The scheme of our CertificateVerify.
  SignatureScheme signature_scheme{};
  bool hello_retry_request_sent = false;
  bool client_certificate_presented = false;
  /// The client's chain (leaf first, DER) and CertificateVerify scheme, when it presented one.
  std::vector<msgs::ByteVec> client_chain;
  std::optional<SignatureScheme> client_signature_scheme;
  /// The (first) ClientHello carried early_data.
  bool early_data_offered = false;
  /// We answered early_data in EncryptedExtensions (0-RTT accepted).
  bool early_data_accepted = false;
  /// The handshake resumed a session (a ticket's PSK, psk_dhe_ke).
  bool resumed = false;
};

namespace server {

using msgs::ByteVec;

/// What the states read and write besides their own data: our policy, the environment, and the
/// session facts the driver reports.
struct Context {
  const ServerParameters& params;
  const ServerHandshakeEnvironment& env;
  ServerSessionInfo& info;
};

/// Proof that verify_client_chain accepted the client's chain.
class VerifiedClientChain {
  friend struct ExpectClientCertificate;
  VerifiedClientChain() = default;
};
/// Proof that client authentication is settled: not requested, an allowed empty Certificate, or
/// a chain whose CertificateVerify signature checked out.
class ClientAuthenticationSettled {
  friend struct ExpectClientCertificate;
  friend struct ExpectClientCertificateVerify;
  friend struct FlightBuilder;
  ClientAuthenticationSettled() = default;
};
/// Proof that the client's Finished was verified (constant-time compare).
class VerifiedClientFinished {
  friend struct ExpectClientFinished;
  VerifiedClientFinished() = default;
};

/// The outcome of negotiating one ClientHello (before the certificate is chosen).
struct Negotiation {
  CipherSuite suite{};
  SuiteParams params{};
  std::array<std::uint8_t, 32> client_random{};
  ByteVec legacy_session_id;
  std::vector<SignatureScheme> client_signature_schemes;
  std::optional<std::string> server_name;
  std::optional<std::string> alpn;
  /// The client's record_size_limit (RFC 8449), if it sent one.
  std::optional<std::uint16_t> client_record_size_limit;
  NamedGroup group{};
  ByteVec client_key_exchange;
  bool hello_retry_request_sent = false;
  /// The compatibility change_cipher_spec already went out (after the HelloRetryRequest).
  bool change_cipher_spec_sent = false;
  /// The PSK we accept (a ticket of ours whose binder checked out), if any.
  struct Psk {
    SecretBytes secret;
    std::uint16_t index = 0;
    /// The client's early data is accepted (RFC 8446 §4.2.10).
    bool early_data = false;
    std::uint32_t max_early_data = 0;
    /// The PSK's key schedule at the early stage (RFC 8446 §7.1), made once to check the binder
    /// and reused for the early traffic secret and the rest of the handshake.
    /// Behind a pointer: the negotiation is kept for the connection's lifetime, and resumed
    /// handshakes are the exception.
    std::unique_ptr<KeySchedule> early;
  };
  std::optional<Psk> psk;
};

/// What the states after our Finished share.
struct ServerSecrets {
  SuiteParams params{};
  std::array<std::uint8_t, 32> client_random{};
  Transcript transcript;
  KeySchedule schedule;
  SecretBytes client_handshake_traffic_secret;
  SecretBytes client_application_traffic_secret;
  SecretBytes server_application_traffic_secret;
  SecretBytes exporter_master_secret;
  /// The client's record_size_limit, for our write keys; ours, for our read keys.
  std::size_t write_limit = max_plaintext_length + 1;
  std::size_t read_limit = max_plaintext_length + 1;
  /// The client's finished_key (RFC 8446 §4.4.4), made with its handshake read keys.
  SecretBytes client_finished_key;
  /// The NewSessionTickets' fresh bytes, drawn with the ServerHello's (one draw per handshake).
  SecretBytes ticket_randomness;
};

struct ExpectClientHello;
struct ExpectSecondClientHello;
struct WaitingForCertificate;
struct ExpectEndOfEarlyData;
struct ExpectClientCertificate;
struct ExpectClientCertificateVerify;
struct ExpectClientFinished;
struct Connected;

using ServerState = std::variant<ExpectClientHello, ExpectSecondClientHello, WaitingForCertificate,
                                 ExpectEndOfEarlyData, ExpectClientCertificate,
                                 ExpectClientCertificateVerify, ExpectClientFinished, Connected>;

struct ExpectClientHello {
  Result<ServerState> handle(const msgs::HandshakeView& message, const Context& ctx,
                             Actions& actions) &&;
};

/// After our HelloRetryRequest: the second ClientHello must repeat the first with one share
/// for `negotiation.group` (RFC 8446 §4.1.2).
struct ExpectSecondClientHello {
  /// The first ClientHello without what the second may change (invariant_part): the hello itself
  /// is parsed in place and not kept past the call that received it.
  ByteVec first_invariant;
  Negotiation negotiation;
  Transcript transcript;  // message_hash(ClientHello1), HelloRetryRequest
  Result<ServerState> handle(const msgs::HandshakeView& message, const Context& ctx,
                             Actions& actions) &&;
};

/// The ClientHello is accepted; the certificate store answered pending. Nothing has been sent
/// for this hello yet (beyond a HelloRetryRequest before it).
struct WaitingForCertificate {
  Negotiation negotiation;
  Transcript transcript;  // ends with the accepted ClientHello
  /// Asks the store again: the same state while pending, else the flight and its successor.
  Result<ServerState> resume(const Context& ctx, Actions& actions) &&;
  Result<ServerState> handle(const msgs::HandshakeView& message, const Context& ctx,
                             Actions& actions) &&;
};

/// 0-RTT accepted: early data records (read under the client_early_traffic_secret) until the
/// client's EndOfEarlyData (RFC 8446 §4.5); then the client handshake keys.
struct ExpectEndOfEarlyData {
  ExpectEndOfEarlyData(ServerSecrets secrets, std::uint32_t max, ClientAuthenticationSettled proof)
      : hs(std::move(secrets)), max_early_data(max), authentication(proof) {}
  ServerSecrets hs;
  std::uint32_t max_early_data = 0;
  std::size_t received = 0;
  ClientAuthenticationSettled authentication;
  /// One early data record's content: counted against max_early_data, handed on.
  Status early_data(Bytes data, const Context& ctx);
  Result<ServerState> handle(const msgs::HandshakeView& message, const Context& ctx,
                             Actions& actions) &&;
};

struct ExpectClientCertificate {
  ServerSecrets hs;
  Result<ServerState> handle(const msgs::HandshakeView& message, const Context& ctx,
                             Actions& actions) &&;
};

struct ExpectClientCertificateVerify {
  ExpectClientCertificateVerify(ServerSecrets secrets, ByteVec spki, VerifiedClientChain proof)
      : hs(std::move(secrets)), client_spki(std::move(spki)), chain(proof) {}
  ServerSecrets hs;
  ByteVec client_spki;
  VerifiedClientChain chain;
  Result<ServerState> handle(const msgs::HandshakeView& message, const Context& ctx,
                             Actions& actions) &&;
};

struct ExpectClientFinished {
  ExpectClientFinished(ServerSecrets secrets, ClientAuthenticationSettled proof)
      : hs(std::move(secrets)), authentication(proof) {}
  ServerSecrets hs;
  ClientAuthenticationSettled authentication;
  Result<ServerState> handle(const msgs::HandshakeView& message, const Context& ctx,
                             Actions& actions) &&;
};

/// The handshake is complete: application traffic keys are installed in both directions.
struct Connected {
  Connected(SuiteParams suite, VerifiedClientFinished proof) : params(suite), finished(proof) {}
  SuiteParams params;
  VerifiedClientFinished finished;
  std::array<std::uint8_t, 32> client_random{};
  SecretBytes client_application_traffic_secret;
  SecretBytes server_application_traffic_secret;
  SecretBytes exporter_master_secret;
  SecretBytes resumption_master_secret;
  std::size_t write_limit = max_plaintext_length + 1;
  std::size_t read_limit = max_plaintext_length + 1;

  /// Post-handshake messages from the client: only KeyUpdate.
  Result<ServerState> handle(const msgs::HandshakeView& message, const Context& ctx,
                             Actions& actions) &&;
  /// Our KeyUpdate (RFC 8446 §4.6.3): the message under the current keys, then the next
  /// generation of write keys.
  Status update_write_keys(bool request_peer_update, const Context& ctx, Actions& actions);
};

/// Feeds one complete handshake message to whatever state `state` holds.
Result<ServerState> handle_message(ServerState state, Bytes message, const Context& ctx,
                                   Actions& actions);

}  // namespace server
}  // namespace sanstls::native::handshake

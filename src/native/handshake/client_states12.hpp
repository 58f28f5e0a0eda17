// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The TLS 1.2 client handshake (RFC 5246 §7.3 with RFC 8422 ECDHE, RFC 7627 extended master
// secret and RFC 5746 renegotiation signalling), as state types like the TLS 1.3 client
// (client_states.hpp): each state holds what is valid in it and handles one message; the facts a
// later state relies on (the server's chain, its ServerKeyExchange signature, its Finished) are
// proof types only the checking state can construct.
//
// The TLS 1.3 ClientHello offers TLS 1.2 too when ClientHelloParameters::tls12_cipher_suites is
// not empty; ClientHandshake hands a ServerHello that chose TLS 1.2 (negotiate_version) to
// ClientHandshake12, which takes over the record layer and runs the states below.
//
// Session tickets (RFC 5077) with the extended master secret (RFC 7627 §5.3): a ServerHello that
// echoes our session id accepts the offered ticket and leads to the abbreviated handshake, whose
// states are in client_resume12.hpp.

#include "native/handshake/alert_writer.hpp"
#include "native/handshake/client_states.hpp"
#include "native/handshake/driver12.hpp"
#include "native/handshake/record_dispatch12.hpp"
#include "native/key_schedule12.hpp"
#include "native/msgs/messages12.hpp"
#include "native/transcript12.hpp"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace sanstls::native::handshake::client12 {

/// Which protocol a ServerHello chose, decided in one place (RFC 8446 §4.1.3, §4.2.1): with
/// supported_versions it must be TLS 1.3; without, it is TLS 1.2 when we offered TLS 1.2
/// (legacy_version 0x0303) — after the downgrade sentinel check a TLS 1.3-capable client owes
/// — and a refusal otherwise.
enum class ChosenVersion : std::uint8_t { tls13, tls12 };
/// `tls13_offered` false (a TLS 1.2-only hello): a TLS 1.3 answer is illegal_parameter and the
/// sentinel is not checked (RFC 8446 §4.1.3 asks it of TLS 1.3 clients).
Result<ChosenVersion> negotiate_version(const msgs::ServerHello& sh, bool tls12_offered,
                                        bool tls13_offered = true);

/// What our ClientHello offered that matters to a TLS 1.2 handshake.
struct Offer12 {
  std::array<std::uint8_t, 32> client_random{};
  std::vector<CipherSuite> cipher_suites;  // the TLS 1.2 suites offered
  std::vector<NamedGroup> groups;
  std::vector<SignatureScheme> signature_schemes;
  std::vector<ExtensionType> offered_extensions;
  std::vector<std::string> alpn;
  std::optional<std::uint16_t> record_size_limit;
  bool tls13_offered = true;
  /// The legacy_session_id we sent (non-empty when a ticket is offered, RFC 5077 §3.4).
  ByteVec legacy_session_id;
  /// We sent the session_ticket extension (RFC 5077 §3.2), empty or with `resumption`'s ticket.
  bool session_ticket_offered = false;
  /// The TLS 1.2 session whose ticket we offered.
  std::optional<ClientSessionState> resumption;
  /// The ECDHE private key drawn with the ClientHello (ExpectServerHello::ecdhe12_seed); used once.
  SecretBytes ecdhe_seed;
};

/// Builds the offer from the TLS 1.3 client's first state (the ClientHello it sent).
Offer12 offer_from(const ExpectServerHello& first);

/// What the handshake has fixed so far.
struct Context12 {
  Offer12 offer;
  /// Every handshake message so far, and their running hash once the suite is known.
  Transcript12 transcript;
  CipherSuite suite{};
  tls12::Suite12Params params{};
  std::array<std::uint8_t, 32> server_random{};
  std::optional<std::string> alpn;
  std::optional<std::uint16_t> peer_record_size_limit;
  std::optional<NamedGroup> group;
  bool certificate_requested = false;
  bool client_certificate_sent = false;
  CertificateQuery certificate_query;
  /// The server accepted our ticket: the abbreviated handshake (RFC 5077 §3.1).
  bool resumed = false;
  /// The ServerHello carried session_ticket: a NewSessionTicket comes before the server's
  /// ChangeCipherSpec (RFC 5077 §3.3).
  bool ticket_expected = false;
  /// That NewSessionTicket, reported once the server's Finished (which covers it) is verified.
  std::optional<msgs::NewSessionTicket12> new_ticket;

  void add(Bytes message) { transcript.add(message); }
};

/// Proof that verify_chain accepted the server's chain.
class VerifiedServerChain12 {
  friend struct ExpectCertificate12;
  VerifiedServerChain12() = default;
};
/// Proof that the ServerKeyExchange signature over the randoms and ECDHE parameters checked out.
class VerifiedServerKeyExchange12 {
  friend struct ExpectServerKeyExchange12;
  VerifiedServerKeyExchange12() = default;
};
/// Proof that the server's Finished was verified (constant-time compare).
class VerifiedServerFinished12 {
  friend struct ExpectServerFinished12;
  friend struct ExpectResumedServerFinished12;
  VerifiedServerFinished12() = default;
};

/// Keys for the record layer, in the order the driver applies them.
struct InstallWrite12 {
  tls12::WriteKeys keys;
  crypto::AeadAlgorithm aead{};
  std::size_t plaintext_limit = max_plaintext_length;
};
struct InstallRead12 {
  tls12::WriteKeys keys;
  crypto::AeadAlgorithm aead{};
};
using Action12 = std::variant<SendHandshake, SendChangeCipherSpec, InstallWrite12, InstallRead12>;
using Actions12 = std::vector<Action12>;

struct ExpectServerHello12;
struct ExpectCertificate12;
struct ExpectServerKeyExchange12;
struct ExpectCertificateRequestOrDone12;
struct WaitingForClientCertificate12;
struct ExpectChangeCipherSpec12;
struct ExpectServerFinished12;
struct ExpectResumedServerFinished12;
struct Connected12;

using ClientState12 =
    std::variant<ExpectServerHello12, ExpectCertificate12, ExpectServerKeyExchange12,
                 ExpectCertificateRequestOrDone12, WaitingForClientCertificate12,
                 ExpectChangeCipherSpec12, ExpectServerFinished12, ExpectResumedServerFinished12,
                 Connected12>;

struct ExpectServerHello12 {
  Context12 ctx;
  Result<ClientState12> handle(const msgs::HandshakeView& message,
                               const ClientHandshakeEnvironment& env, Actions12& actions) &&;
};

struct ExpectCertificate12 {
  Context12 ctx;
  Result<ClientState12> handle(const msgs::HandshakeView& message,
                               const ClientHandshakeEnvironment& env, Actions12& actions) &&;
};

struct ExpectServerKeyExchange12 {
  ExpectServerKeyExchange12(Context12 c, ByteVec spki, VerifiedServerChain12 proof)
      : ctx(std::move(c)), server_spki(std::move(spki)), chain(proof) {}
  Context12 ctx;
  ByteVec server_spki;
  VerifiedServerChain12 chain;
  Result<ClientState12> handle(const msgs::HandshakeView& message,
                               const ClientHandshakeEnvironment& env, Actions12& actions) &&;
};

struct ExpectCertificateRequestOrDone12 {
  ExpectCertificateRequestOrDone12(Context12 c, std::unique_ptr<crypto::KeyShare> share,
                                   SecretBytes pre_master, VerifiedServerKeyExchange12 proof)
      : ctx(std::move(c)),
        key_share(std::move(share)),
        pre_master_secret(std::move(pre_master)),
        key_exchange(proof) {}
  Context12 ctx;
  std::unique_ptr<crypto::KeyShare> key_share;
  SecretBytes pre_master_secret;
  VerifiedServerKeyExchange12 key_exchange;
  Result<ClientState12> handle(const msgs::HandshakeView& message,
                               const ClientHandshakeEnvironment& env, Actions12& actions) &&;
};

/// The ServerHelloDone came after a CertificateRequest and select_client_certificate answered
/// "pending" (as WaitingForClientCertificate in TLS 1.3). Nothing of our flight is sent yet;
/// input that arrives meanwhile stays buffered in the record reader (bounded, as in TLS 1.3).
struct WaitingForClientCertificate12 {
  WaitingForClientCertificate12(Context12 c, std::unique_ptr<crypto::KeyShare> share,
                                SecretBytes pre_master, VerifiedServerKeyExchange12 proof)
      : ctx(std::move(c)),
        key_share(std::move(share)),
        pre_master_secret(std::move(pre_master)),
        key_exchange(proof) {}
  Context12 ctx;  // transcript up to the ServerHelloDone
  std::unique_ptr<crypto::KeyShare> key_share;
  SecretBytes pre_master_secret;
  VerifiedServerKeyExchange12 key_exchange;
  /// Asks select_client_certificate again: still pending stays here, else our flight is sent.
  Result<ClientState12> resume(const ClientHandshakeEnvironment& env, Actions12& actions) &&;
  /// No handshake message is processed while waiting (the driver does not read records).
  Result<ClientState12> handle(const msgs::HandshakeView& message,
                               const ClientHandshakeEnvironment& env, Actions12& actions) &&;
};

/// Our flight after the ServerHelloDone (RFC 5246 §7.3): [Certificate], ClientKeyExchange,
/// [CertificateVerify], ChangeCipherSpec, Finished, with `selection` when the server asked for a
/// certificate (declined: an empty Certificate, RFC 5246 §7.4.6).
Result<ClientState12> send_client_flight12(Context12 ctx,
                                           std::unique_ptr<crypto::KeyShare> key_share,
                                           SecretBytes pre_master_secret,
                                           const CertificateSelection& selection,
                                           const ClientHandshakeEnvironment& env,
                                           Actions12& actions);

/// The server's ChangeCipherSpec comes next (RFC 5246 §7.3): after our flight in a full
/// handshake, after the ServerHello in an abbreviated one (ctx.resumed, RFC 5077 §3.1), in both
/// preceded by a NewSessionTicket when the ServerHello carried session_ticket (RFC 5077 §3.3).
struct ExpectChangeCipherSpec12 {
  Context12 ctx;
  SecretBytes master_secret;
  tls12::WriteKeys server_keys;
  /// Abbreviated handshake only: our write keys, installed after the server's Finished.
  tls12::WriteKeys client_keys;
  /// The NewSessionTicket the ServerHello announced (once); any other handshake message, and a
  /// NewSessionTicket we did not ask for, is unexpected_message.
  Result<ClientState12> handle(const msgs::HandshakeView& message,
                               const ClientHandshakeEnvironment& env, Actions12& actions) &&;
  /// The server's ChangeCipherSpec: its write keys become our read keys.
  Result<ClientState12> change_cipher_spec(Actions12& actions) &&;
};

/// A full handshake's last message: the server's Finished.
struct ExpectServerFinished12 {
  Context12 ctx;
  SecretBytes master_secret;
  Result<ClientState12> handle(const msgs::HandshakeView& message,
                               const ClientHandshakeEnvironment& env, Actions12& actions) &&;
};

struct Connected12 {
  Connected12(Context12 c, SecretBytes master, VerifiedServerFinished12 proof)
      : ctx(std::move(c)), master_secret(std::move(master)), finished(proof) {}
  Context12 ctx;
  SecretBytes master_secret;  // for exporters (RFC 5705)
  VerifiedServerFinished12 finished;
  /// Any handshake message after the handshake: a HelloRequest is refused with no_renegotiation
  /// (we never renegotiate), anything else is unexpected_message.
  Result<ClientState12> handle(const msgs::HandshakeView& message,
                               const ClientHandshakeEnvironment& env, Actions12& actions) &&;
};

}  // namespace sanstls::native::handshake::client12

// The abbreviated handshake's states complete the ClientState12 variant before the driver uses
// it.
#include "native/handshake/client_resume12.hpp"

namespace sanstls::native::handshake::client12 {

/// The TLS 1.2 driver: the states above plus the record layer taken over from ClientHandshake.
class ClientHandshake12 : public Driver12 {
 public:
  /// Takes over after the ClientHello of `first`: `server_hello` is the complete ServerHello
  /// message (negotiate_version said TLS 1.2); the records still buffered in `reader` follow.
  static Result<std::unique_ptr<ClientHandshake12>> take_over(const ExpectServerHello& first,
                                                              ClientHandshakeEnvironment env,
                                                              record::RecordReader reader,
                                                              record::RecordWriter writer,
                                                              Bytes server_hello, ByteVec& out);

  Status receive(Bytes in, ByteVec& out, record::DataSink application_data);
  /// Asks select_client_certificate again when waiting; once answered, sends our flight and then
  /// processes the input that arrived meanwhile. A no-op when not waiting.
  Status resume(ByteVec& out, record::DataSink application_data);
  /// Whether the handshake waits for select_client_certificate (see resume()).
  [[nodiscard]] bool waiting_for_certificate() const noexcept {
    return std::holds_alternative<WaitingForClientCertificate12>(*state_);
  }
  Status write(Bytes data, ByteVec& out) {
    return write_data(connected() != nullptr, "ClientHandshake.write", data, out);
  }
  /// RFC 5705 §4: without a context and with an empty one the outputs differ.
  Status export_keying_material(std::string_view label, std::optional<Bytes> context,
                                std::span<std::uint8_t> out) const;
  [[nodiscard]] ClientSessionInfo info() const;
  [[nodiscard]] const Connected12* connected() const noexcept {
    return std::get_if<Connected12>(state_.get());
  }
  [[nodiscard]] const ClientState12& state() const noexcept { return *state_; }

 private:
  ClientHandshake12(ClientHandshakeEnvironment env, std::unique_ptr<ClientState12> state,
                    record::RecordReader reader, record::RecordWriter writer)
      : Driver12(AlertWriter::Role::client, std::move(reader), std::move(writer)),
        env_(std::move(env)),
        state_(std::move(state)) {}
  // The record loop's TLS 1.2 handlers call handle() and apply() and move the state on a
  // ChangeCipherSpec.
  template <class, class, class>
  friend class handshake::RecordHandlers12;
  Status apply(Actions12& actions, ByteVec& out);
  Status handle(Bytes message, ByteVec& out);

  ClientHandshakeEnvironment env_;
  std::unique_ptr<ClientState12> state_;
  std::size_t input_while_waiting_ = 0;
};

}  // namespace sanstls::native::handshake::client12

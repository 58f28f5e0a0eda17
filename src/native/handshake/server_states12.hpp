// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The TLS 1.2 server handshake (RFC 5246 §7.3 with RFC 8422 ECDHE, RFC 7627 extended master
// secret, RFC 5746 signalling) as state types, like the TLS 1.3 server (server_states.hpp): each
// state holds what is valid in it and handles one message; the client's Finished is a proof type
// only the checking state can construct, and Connected12 demands it.
//
// ServerHandshake decides the version once (negotiate_version, server_negotiation.hpp) and hands
// a ClientHello that negotiates TLS 1.2 to ServerHandshake12, which takes over the record layer.
//
// Session tickets (RFC 5077) with the extended master secret (RFC 7627 §5.3): a ticket that opens
// and may resume leads to the abbreviated handshake (server_resume12.hpp); a full handshake
// issues a ticket when the client asked for one.

#include "native/handshake/client_states12.hpp"  // InstallWrite12, InstallRead12, Actions12
#include "native/handshake/driver12.hpp"
#include "native/handshake/record_dispatch12.hpp"
#include "native/handshake/server_negotiation12.hpp"
#include "native/key_schedule12.hpp"
#include "native/record/record_layer.hpp"
#include "native/transcript12.hpp"

#include <memory>
#include <optional>
#include <variant>

namespace sanstls::native::handshake::server12 {

using client12::Action12;
using client12::Actions12;
using client12::InstallRead12;
using client12::InstallWrite12;
using msgs::ByteVec;
using server::Context;
using server::Negotiation12;

/// What the handshake has fixed so far.
struct Context12 {
  Negotiation12 negotiation;
  /// Every handshake message so far, and their running hash once the suite is known.
  Transcript12 transcript;
  CipherSuite suite{};
  tls12::Suite12Params params{};
  std::array<std::uint8_t, 32> server_random{};
  /// What our CertificateRequest offered (empty: none was sent).
  std::vector<SignatureScheme> requested_schemes;
  bool certificate_requested = false;
  /// Our ServerHello carries an empty session_ticket: a NewSessionTicket precedes our
  /// ChangeCipherSpec (RFC 5077 §3.3).
  bool ticket_promised = false;
  /// The abbreviated handshake (RFC 5077 §3.1): the ServerHello echoes the client's session id.
  bool resumed = false;
  /// The promised ticket's AEAD nonce, drawn with our random (one draw, key_share_seed.hpp).
  std::array<std::uint8_t, crypto::aead_nonce_length> ticket_nonce{};
  void add(Bytes message) { transcript.add(message); }
};

/// Proof that the client's Finished was verified (constant-time compare).
class VerifiedClientFinished12 {
  friend struct ExpectClientFinished12;
  friend struct ExpectResumedClientFinished12;
  VerifiedClientFinished12() = default;
};

struct WaitingForCertificate12;
struct ExpectClientCertificate12;
struct ExpectClientKeyExchange12;
struct ExpectClientCertificateVerify12;
struct ExpectChangeCipherSpec12;
struct ExpectClientFinished12;
struct ExpectResumedClientFinished12;
struct Connected12;
using ServerState12 =
    std::variant<WaitingForCertificate12, ExpectClientCertificate12, ExpectClientKeyExchange12,
                 ExpectClientCertificateVerify12, ExpectChangeCipherSpec12, ExpectClientFinished12,
                 ExpectResumedClientFinished12, Connected12>;

/// Our ServerHello (RFC 5246 §7.4.1.3) for `ctx`: the client's session id echoed when resumed,
/// only extensions the client sent (§7.4.1.4).
Result<ByteVec> server_hello(const Context12& ctx);

/// The ClientHello is accepted; the certificate store has not answered yet (nothing sent).
struct WaitingForCertificate12 {
  Context12 ctx;
  /// Asks the store: the same state while pending, else our flight (ServerHello, Certificate,
  /// ServerKeyExchange, ServerHelloDone) and ExpectClientKeyExchange12.
  Result<ServerState12> resume(const Context& c, Actions12& actions) &&;
  Result<ServerState12> handle(const msgs::HandshakeView& message, const Context& c,
                               Actions12& actions) &&;
};

/// After our CertificateRequest (RFC 5246 §7.4.6): the client's Certificate, possibly empty.
struct ExpectClientCertificate12 {
  Context12 ctx;
  std::unique_ptr<crypto::KeyShare> key_share;
  Result<ServerState12> handle(const msgs::HandshakeView& message, const Context& c,
                               Actions12& actions) &&;
};

struct ExpectClientKeyExchange12 {
  Context12 ctx;
  std::unique_ptr<crypto::KeyShare> key_share;  // our ECDHE key
  /// The client's verified chain's SPKI when it sent a certificate: a CertificateVerify follows.
  std::optional<ByteVec> client_spki;
  Result<ServerState12> handle(const msgs::HandshakeView& message, const Context& c,
                               Actions12& actions) &&;
};

/// RFC 5246 §7.4.8: the client's CertificateVerify over every handshake message so far.
struct ExpectClientCertificateVerify12 {
  Context12 ctx;
  SecretBytes master_secret;
  tls12::KeyBlock keys;
  ByteVec client_spki;
  Result<ServerState12> handle(const msgs::HandshakeView& message, const Context& c,
                               Actions12& actions) &&;
};

/// The client's ChangeCipherSpec comes next (RFC 5246 §7.3): after its key exchange in a full
/// handshake, after our Finished in an abbreviated one (ctx.resumed; keys.server already used).
struct ExpectChangeCipherSpec12 {
  Context12 ctx;
  SecretBytes master_secret;
  tls12::KeyBlock keys;
  Result<ServerState12> handle(const msgs::HandshakeView& message, const Context& c,
                               Actions12& actions) &&;
  /// The client's ChangeCipherSpec: its write keys become our read keys.
  Result<ServerState12> change_cipher_spec(Actions12& actions) &&;
};

struct ExpectClientFinished12 {
  Context12 ctx;
  SecretBytes master_secret;
  tls12::WriteKeys server_keys;
  /// Verifies the client's Finished, then sends our ChangeCipherSpec and Finished.
  Result<ServerState12> handle(const msgs::HandshakeView& message, const Context& c,
                               Actions12& actions) &&;
};

struct Connected12 {
  Connected12(Context12 c, SecretBytes master, VerifiedClientFinished12 proof)
      : ctx(std::move(c)), master_secret(std::move(master)), finished(proof) {}
  Context12 ctx;
  SecretBytes master_secret;  // for exporters (RFC 5705)
  VerifiedClientFinished12 finished;
  /// A ClientHello after the handshake is refused with no_renegotiation (we never renegotiate,
  /// RFC 5746 §4.4); any other handshake message is unexpected_message.
  Result<ServerState12> handle(const msgs::HandshakeView& message, const Context& c,
                               Actions12& actions) &&;
};

}  // namespace sanstls::native::handshake::server12

// The abbreviated handshake's states complete the ServerState12 variant before the driver uses
// it.
#include "native/handshake/server_resume12.hpp"

namespace sanstls::native::handshake::server12 {

/// The TLS 1.2 driver: the states above plus the record layer taken over from ServerHandshake.
class ServerHandshake12 : public Driver12 {
 public:
  /// Takes over after a ClientHello that negotiate_version() gave TLS 1.2: `client_hello` is the
  /// complete message; the records still buffered in `reader` follow.
  static Result<std::unique_ptr<ServerHandshake12>> take_over(
      const Context& c, const msgs::ClientHello& ch, Bytes client_hello,
      record::RecordReader reader, record::RecordWriter writer, ByteVec& out);
  Status receive(Bytes in, ByteVec& out, record::DataSink application_data);
  Status resume(ByteVec& out, record::DataSink application_data);
  Status write(Bytes data, ByteVec& out) {
    return write_data(connected(), "ServerHandshake.write", data, out);
  }
  /// RFC 5705 §4: without a context and with an empty one the outputs differ.
  Status export_keying_material(std::string_view label, std::optional<Bytes> context,
                                std::span<std::uint8_t> out) const;
  [[nodiscard]] bool connected() const noexcept {
    return std::holds_alternative<Connected12>(*state_);
  }
  [[nodiscard]] bool waiting_for_certificate() const noexcept {
    return std::holds_alternative<WaitingForCertificate12>(*state_);
  }
  [[nodiscard]] const ServerState12& state() const noexcept { return *state_; }
  [[nodiscard]] const ServerSessionInfo& info() const noexcept { return info_; }

 private:
  ServerHandshake12(const Context& c, std::unique_ptr<ServerState12> state,
                    record::RecordReader reader, record::RecordWriter writer)
      : Driver12(AlertWriter::Role::server, std::move(reader), std::move(writer)),
        params_(c.params),
        env_(c.env),
        info_(c.info),
        state_(std::move(state)) {}
  // The record loop's TLS 1.2 handlers call handle() and apply() and move the state on a
  // ChangeCipherSpec.
  template <class, class, class>
  friend class handshake::RecordHandlers12;
  Status apply(Actions12& actions, ByteVec& out);
  Status handle(Bytes message, ByteVec& out);
  Status process(ByteVec& out, record::DataSink application_data);
  [[nodiscard]] Context context() { return Context{params_, env_, info_}; }

  // Copies (ServerHandshake keeps its own): the driver may outlive a move of its owner.
  ServerParameters params_;
  ServerHandshakeEnvironment env_;
  ServerSessionInfo info_;
  std::unique_ptr<ServerState12> state_;
};

}  // namespace sanstls::native::handshake::server12

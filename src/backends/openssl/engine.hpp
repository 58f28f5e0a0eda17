// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The OpenSSL engine: libssl 3.0 driven through two memory BIOs. OpenSSL does the protocol;
// the core does certificate verification, certificate selection and the policy, through
// OpenSSL's callbacks (cert_verify, client_hello, cert, alpn_select, msg).

#include "base/ossl_ptr.hpp"
#include "core/engine.hpp"
#include "core/ticket_keys.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sanstls::openssl {

enum class Role { client, server };

/// Per-configuration state: the library context and the SSL_CTX every session is made from.
struct Context {
  Role role = Role::client;
  /// The configuration's library context (core::CommonConfig::library); outlives ssl_ctx.
  std::shared_ptr<const core::LibraryContext> library;
  ossl::SslCtxPtr ssl_ctx;
  /// Client: the SNI name to send ("" for IP literals, which SNI cannot carry).
  std::string sni;
  /// Server: ALPN protocols in preference order.
  std::vector<std::string> alpn;
  ClientAuth client_auth = ClientAuth::none;
  bool tls13_only = false;
  /// The BIO method every session of this configuration writes its records through (made by
  /// make_output_method): libssl's records go straight onto the engine's output vector, where
  /// a memory BIO kept a copy of its own that drain() then copied out again.
  std::unique_ptr<BIO_METHOD, void (*)(BIO_METHOD*)> output_method{nullptr, &BIO_meth_free};
  /// Client: tickets are kept (ClientConfig::session_store set).
  bool resumption = false;
  /// Server: the keys tickets are sealed with (null: no tickets, no resumption).
  std::shared_ptr<TicketKeys> ticket_keys;
  /// Server: 0-RTT accepted (EarlyDataOptions::enabled).
  bool early_data = false;

  /// The AES-256-CBC and HMAC-SHA256 keys OpenSSL's ticket format needs, derived from one
  /// TicketKey (cached: derivation costs an HKDF per ticket otherwise).
  struct TicketCipherKeys {
    std::shared_ptr<const core::TicketKey> key;
    base::SecretBytes aes;
    base::SecretBytes hmac;
  };
  /// The derived keys of `key` (from the cache or made now); null if derivation failed.
  std::shared_ptr<const TicketCipherKeys> cipher_keys(
      const std::shared_ptr<const core::TicketKey>& key) const;

  /// An SSL_SESSION reference (SSL_SESSION_free).
  using SessionPtr = std::unique_ptr<SSL_SESSION, void (*)(SSL_SESSION*)>;
  /// Client: keeps `session` (a copy made for this purpose) as the decoded form of `state`, the
  /// bytes this configuration just serialised into the session store, so that offering them
  /// again needs no d2i_SSL_SESSION (which re-parses the server's certificate through
  /// libcrypto's decoders: a fifth of a resumed handshake's instructions). Bounded
  /// (kMaxDecodedSessions, oldest dropped).
  void remember_session(std::span<const std::uint8_t> state, SessionPtr session) const;
  /// Client: the decoded session whose serialisation is exactly `state`, removed from the cache
  /// (a ticket is offered once), or null: decode `state` then.
  SessionPtr take_session(std::span<const std::uint8_t> state) const;

 private:
  mutable std::mutex ticket_mutex_;
  /// The few most recently used keys' derivations (bounded: kMaxCachedTicketKeys).
  mutable std::vector<std::shared_ptr<const TicketCipherKeys>> ticket_cache_;
  struct DecodedSession {
    base::SecretBytes state;
    SessionPtr session;
  };
  mutable std::mutex session_mutex_;
  mutable std::vector<DecodedSession> decoded_sessions_;
};

/// Makes context.output_method (see Engine::on_output).
Result<void> make_output_method(Context& context);

class Engine final : public core::Engine {
 public:
  Engine(const Context& context, core::EngineHooks& hooks);
  /// Creates the SSL object; separate from the constructor so failures are values.
  Result<void> init();

  Result<core::EngineStatus> start(core::Bytes& to_peer) override;
  Result<core::EngineStatus> receive(std::span<const std::byte> bytes,
                                     core::Bytes& application_data, core::Bytes& to_peer) override;
  /// receive() with SSL_read straight into the caller's buffer while a record's plaintext fits
  /// in the room left (Session::receive_data_into).
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

  // Entry points for OpenSSL's callbacks (see callbacks in engine.cpp). Never throw.
  int on_verify(X509_STORE_CTX* store) noexcept;
  int on_client_hello(int* alert) noexcept;
  int on_certificate_request() noexcept;
  int on_alpn_select(const unsigned char** out, unsigned char* out_length,
                     std::span<const unsigned char> offered) noexcept;
  void on_message(bool sent, int content_type, std::span<const std::uint8_t> message) noexcept;
  void on_key_log(const char* line) noexcept;
  int on_ticket_key(unsigned char* key_name, unsigned char* iv, EVP_CIPHER_CTX* cipher,
                    EVP_MAC_CTX* mac, bool encrypt) noexcept;
  int on_generate_ticket() noexcept;
  int on_decrypt_ticket(SSL_SESSION* session, int status) noexcept;
  int on_allow_early_data() noexcept;
  void on_new_session(SSL_SESSION* session) noexcept;
  /// libssl wrote `bytes` to the network (the output BIO): appended to what drain() hands on.
  bool on_output(std::span<const std::byte> bytes) noexcept;

 private:
  /// Runs the handshake and then reads application data until OpenSSL needs more input.
  /// Runs the handshake or reads application data onto `application_data`, or, with `into`,
  /// into its buffer first (`application_data` is then its overflow).
  Result<core::EngineStatus> drive(core::Bytes& application_data, core::Bytes& to_peer,
                                   core::ReceiveBuffer* into = nullptr);
  /// BIO_write of received bytes into libssl's input.
  Result<void> feed(std::span<const std::byte> bytes);
  /// Moves everything OpenSSL wrote into the outgoing buffer.
  void drain(core::Bytes& to_peer);
  /// Turns an OpenSSL failure into our Error (preferring the precise error a callback kept).
  Error failure(int ssl_error);
  Result<void> install_chain(const CertificateChain& chain);
  /// Client, in start(): offers the stored session the core hands over, with early data.
  void offer_stored_session();
  /// Server with 0-RTT on: reads early data (SSL_read_early_data) until the client's flight
  /// ends; nullopt when done.
  std::optional<Result<core::EngineStatus>> read_early_data(core::Bytes& to_peer);

  const Context& context_;
  core::EngineHooks& hooks_;
  ossl::SslPtr ssl_;
  BIO* network_in_ = nullptr;  // owned by ssl_
  /// What libssl wrote since the last drain() (through the output BIO, on_output()).
  core::Bytes output_;
  bool handshake_done_ = false;
  bool peer_closed_ = false;
  std::optional<Error> callback_error_;
  std::optional<Alert> alert_sent_;
  std::optional<Alert> alert_received_;
  std::vector<std::uint16_t> peer_versions_;
  /// Client: whether the ServerHello carried extended_master_secret (RFC 7627).
  bool server_offered_ems_ = false;
  std::string server_name_;
  /// Server: the first PSK identity of the ClientHello (RFC 8446 §4.2.11), for the core's
  /// replay register, and whether the client offered early data.
  std::vector<std::byte> psk_identity_;
  bool early_data_offered_ = false;
  /// Server: SSL_read_early_data reported the end of the early data.
  bool early_data_done_ = false;
  /// Server: when the ticket being resumed was sealed (from its app data).
  std::optional<std::chrono::system_clock::time_point> ticket_issued_;
  /// Inside a ticket callback before the handshake call returned (info() then reports the
  /// negotiated parameters).
  bool in_ticket_callback_ = false;
  /// Client: early data was written with the ClientHello.
  bool early_data_sent_ = false;
};

}  // namespace sanstls::openssl
